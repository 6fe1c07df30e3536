#!/usr/bin/env python3
"""How much of a call's CPU is the kernel's: SIPp and sipflow in each role, side by side, on loopback.

    bench/kernel.py                  # caller and callee, SIPp and sipflow, 3 runs each, medians (about 2 minutes)
    bench/kernel.py --runs 5 --calls 50000 --rate 10000
    bench/kernel.py --quick          # CI smoke run: 1 run of 2,000 calls at 2,000/s each (about 30 s); no claim

The measured process runs on core 0 under `perf record -e cpu-clock` (4,000 samples a second of its own CPU
time); its SIPp peer runs on core 1. A call is the ladder of bench/flows/uac.yaml (SIPp's uac and uas scenarios):
each side sends three datagrams and receives three. On loopback a send also runs the receiving socket's network
stack on the sender's core, so the kernel part of a call is that of six datagrams, whatever the program around
them does. Targets 1 and 2 of the performance issue ask for at most half of SIPp's CPU a call; the table puts
that beside the kernel part alone.

Prints one table: role, tool, CPU a call, its kernel part, its user part (µs, medians over --runs; the runs
alternate the tools). Exit codes: 0 done; 2 usage error; 3 a tool is missing or a run failed.

Needs Python 3 (standard library only), perf (Debian package linux-perf), taskset (util-linux), sipp
(sip-tester) and the sipflow binary (--sipflow, default .build/release/sipflow). perf record needs
kernel.perf_event_paranoid ≤ 1 or root.
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

# calls.py, beside this script: its loopback address, socket buffer size, flow, free ports and UDP bind check
from calls import BUFF, HOST, REPO, UAC_FLOW as FLOW, udp_bound
from calls import free_port as free_port_among

PORTS = set()  # ports handed out in this run


class RunError(Exception):
    pass


def free_port():
    return free_port_among(PORTS)


def sipp(a, scenario, port, extra=()):
    base = [a.sipp, "-sn", scenario]
    if scenario == "uac":
        base.append(f"{HOST}:{port}")
        port = free_port()
    return [*base, "-i", HOST, "-p", str(port), "-buff_size", BUFF, "-nostdin", *extra]


def pinned(core, argv):
    return ["taskset", "-c", str(core), *argv]


def wait_bound(port, proc, what, limit=10.0):
    """Until something is bound to UDP `port`, or `proc` ended, or `limit` seconds."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RunError(f"{what} ended before it listened (exit {proc.returncode})")
        if udp_bound(port):
            return
        time.sleep(0.05)
    raise RunError(f"{what} did not listen on {HOST}:{port} within {limit:.0f} s")


def stop(proc, grace=5.0):
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # perf writes its data, sipflow and SIPp end cleanly
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measured(work, argv):
    data = os.path.join(work, "perf.data")
    return data, pinned(0, ["perf", "record", "-q", "-e", "cpu-clock", "-F", "4000", "-o", data, "--", *argv])


def one_run(a, work, role, tool):
    """The measured process's CPU a call and its kernel part, in µs."""
    n, rate, port = a.calls, a.rate, free_port()
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    limit = n / rate * 3 + 60
    if role == "caller":
        peer = subprocess.Popen(pinned(1, sipp(a, "uas", port)), **quiet)
        try:
            wait_bound(port, peer, "SIPp's uas")
            if tool == "sipp":
                argv = sipp(a, "uac", port, ["-r", str(rate), "-m", str(n)])
            else:
                argv = [a.sipflow, "run", FLOW, "--target", f"{HOST}:{port}", "--rate", str(rate), "--calls", str(n),
                        "--threads", "1", "--plain"]
            data, cmd = measured(work, argv)
            rc = subprocess.run(cmd, timeout=limit, **quiet).returncode
            if rc != 0:
                raise RunError(f"the {tool} caller exited with {rc}")
        finally:
            stop(peer)
    else:
        if tool == "sipp":
            argv = sipp(a, "uas", port, ["-m", str(n)])
        else:
            argv = [a.sipflow, "serve", FLOW, "--listen", f"{HOST}:{port}", "--calls", str(n), "--threads", "1",
                    "--plain"]
        data, cmd = measured(work, argv)
        served = subprocess.Popen(cmd, **quiet)
        try:
            wait_bound(port, served, f"the {tool} callee")
            rc = subprocess.run(pinned(1, sipp(a, "uac", port, ["-r", str(rate), "-m", str(n)])), timeout=limit,
                                **quiet).returncode
            if rc != 0:
                raise RunError(f"SIPp's uac driving the {tool} callee exited with {rc}")
            try:
                served.wait(30)  # both end by themselves, 4 s (SIPp) or 4.5 s (sipflow) after the last call
            except subprocess.TimeoutExpired:
                pass  # stopped below
        finally:
            stop(served)
    return kernel_share(data, n)


def kernel_share(data, calls):
    out = subprocess.run(["perf", "report", "-i", data, "--stdio", "--sort", "dso", "-g", "none"],
                         capture_output=True, text=True).stdout
    m = re.search(r"Event count \(approx\.\): (\d+)", out)
    if not m:
        raise RunError(f"perf report of {data} gave no event count")
    total = int(m.group(1)) / 1e3 / calls  # cpu-clock events are nanoseconds
    kernel = sum(float(p) for p in re.findall(r"([\d.]+)%\s+\[kernel", out)) / 100
    if total <= 0 or not 0 < kernel < 1:
        raise RunError(f"perf report of {data}: {total:.1f} µs a call, {kernel:.0%} in the kernel; not a measurement")
    return total, total * kernel


def main(argv):
    p = argparse.ArgumentParser(description="The kernel's part of a call's CPU, SIPp and sipflow side by side.")
    p.add_argument("--runs", type=int, default=3, help="runs of each tool in each role (default 3)")
    p.add_argument("--rate", type=int, default=10000, help="calls a second (default 10000)")
    p.add_argument("--calls", type=int, default=50000, help="calls a run (default 50000)")
    p.add_argument("--sipflow", default=os.path.join(REPO, ".build", "release", "sipflow"))
    p.add_argument("--sipp", default=shutil.which("sipp") or "sipp")
    p.add_argument("--quick", action="store_true",
                   help="CI smoke run: 1 run of 2000 calls at 2000/s; checks that every run ran and was sampled")
    a = p.parse_args(argv)
    if a.quick:
        a.runs, a.rate, a.calls = 1, 2000, 2000
    if a.runs < 1 or a.rate < 1 or a.calls < 1:
        p.error("--runs, --rate and --calls must be positive")
    for tool, hint in ((a.sipp, "Debian package sip-tester"), ("perf", "Debian package linux-perf"),
                       ("taskset", "util-linux"), (a.sipflow, "bash scripts/build.sh")):
        if not shutil.which(tool):
            print(f"kernel.py: {tool} not found ({hint})", file=sys.stderr)
            return 3
    if (os.cpu_count() or 1) < 2:
        print("kernel.py: needs 2 cores (the measured process on core 0, its peer on core 1)", file=sys.stderr)
        return 3
    work = tempfile.mkdtemp(prefix="sipflow-kernel-")
    figures = {}
    try:
        for k in range(a.runs):
            for role in ("caller", "callee"):
                for tool in ("sipp", "sipflow"):
                    total, kernel = one_run(a, work, role, tool)
                    figures.setdefault((role, tool), []).append((total, kernel))
                    print(f"run {k + 1}/{a.runs} {role} {tool}: {total:.1f} µs a call, kernel {kernel:.1f}",
                          file=sys.stderr, flush=True)
    except (RunError, subprocess.TimeoutExpired) as e:
        print(f"kernel.py: {e}", file=sys.stderr)
        return 3
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"{a.calls} calls at {a.rate}/s, medians of {a.runs} runs, µs a call (the measured process on core 0)")
    print("role   | tool    |   CPU | kernel |  user")
    print("-------|---------|-------|--------|------")
    for (role, tool), runs in figures.items():
        total = statistics.median(t for t, _ in runs)
        kernel = statistics.median(k for _, k in runs)
        user = statistics.median(t - k for t, k in runs)
        print(f"{role:6} | {tool:7} | {total:5.1f} | {kernel:6.1f} | {user:5.1f}")
    if a.quick:
        return 0  # too few calls, at too low a rate, to compare with the targets
    for role in ("caller", "callee"):
        half = statistics.median(t for t, _ in figures[(role, "sipp")]) / 2
        kernel = statistics.median(k for _, k in figures[(role, "sipflow")])
        print(f"{role}: the target, half of SIPp's CPU a call, is {half:.1f} µs; sipflow's kernel part alone is "
              f"{kernel:.1f} µs ({kernel / half:.0%} of it)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
