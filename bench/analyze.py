#!/usr/bin/env python3
"""Capture analysis side by side: `sipflow analyze --format json` against `tshark -q -z sip,stat` (and sngrep's
non-interactive mode, when installed) on the same capture of SIPp traffic.

    bench/analyze.py                      # 20,000 calls at 2,000 calls/s (about 120,000 packets), 3 runs each
    bench/analyze.py --quick              # CI smoke run: 2,000 calls at 500 calls/s, 1 run, no target
    bench/analyze.py --capture F.pcap     # an existing capture instead of a new one
    bench/analyze.py --json out.json --keep sipp.pcap   # the figures as JSON; keep the capture made

The capture: SIPp's built-in uac calling its uas on 127.0.0.1 over UDP, recorded by dumpcap on lo (classic pcap,
Ethernet link type). Each tool reads the file once per run; /usr/bin/time gives the elapsed time and the peak
resident memory. Prints one table (tool | median s | peak MB | tshark ÷ tool) and the counts each tool found,
and checks that sipflow found every call SIPp made. Target (the issue): sipflow at least 20× faster than tshark.

Exit codes: 0 every run finished (a missed target is reported, not an error, unless --strict); 1 --strict and
the target was missed, or sipflow's counts disagree with the calls made; 2 usage error; 3 a tool is missing,
crashed or did not finish in time.

Python 3 standard library only; runs sipp, dumpcap, capinfos, tshark, sngrep, /usr/bin/time and sipflow.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIME = "/usr/bin/time"
TARGET = 20.0
PORT = 25060


class ToolError(Exception):
    pass


def log(msg=""):
    print(msg, file=sys.stderr, flush=True)


def need(tool):
    path = shutil.which(tool)
    if not path:
        raise ToolError(f"{tool} is not installed (scripts/test.sh installs it)")
    return path


def make_capture(path, calls, rate):
    """SIPp uac → uas over UDP on loopback, captured by dumpcap; returns the packet count."""
    sipp, dumpcap = need("sipp"), need("dumpcap")
    uas = subprocess.Popen([sipp, "-sn", "uas", "-i", "127.0.0.1", "-p", str(PORT), "-nostdin", "-buff_size", "4194304"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cap = subprocess.Popen([dumpcap, "-q", "-i", "lo", "-P", "-B", "256", "-f", f"udp port {PORT}", "-w", path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(2)
        uac = subprocess.run([sipp, "-sn", "uac", f"127.0.0.1:{PORT}", "-i", "127.0.0.1", "-p", str(PORT + 1),
                              "-m", str(calls), "-r", str(rate), "-l", str(rate * 2), "-nostdin",
                              "-buff_size", "4194304"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=calls / rate * 4 + 60)
        if uac.returncode not in (0, 1):
            raise ToolError(f"sipp uac exited {uac.returncode}")
        time.sleep(1.5)
    finally:
        cap.terminate()
        cap.wait(timeout=20)
        uas.terminate()
        uas.wait(timeout=20)
    out = subprocess.run([need("capinfos"), "-c", "-M", path], capture_output=True, text=True, check=True).stdout
    m = re.search(r"Number of packets:\s*(\d+)", out)
    return int(m.group(1)) if m else 0


def timed(argv, timeout=600):
    """Runs argv with stdout discarded (kept for sipflow's JSON); returns (seconds, peak MB, stdout)."""
    with tempfile.NamedTemporaryFile("w+", suffix=".time") as t:
        r = subprocess.run([TIME, "-f", "%e %M", "-o", t.name] + argv, capture_output=True, text=True, timeout=timeout)
        if r.returncode not in (0, 1):
            raise ToolError(f"{' '.join(argv)} exited {r.returncode}: {r.stderr.strip()[:300]}")
        elapsed, kb = open(t.name).read().split()[-2:]
        return float(elapsed), int(kb) / 1024, r.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small capture, one run, no target")
    p.add_argument("--calls", type=int, help="calls in the capture (default 20000; 2000 with --quick)")
    p.add_argument("--rate", type=int, help="calls per second (default 2000; 500 with --quick)")
    p.add_argument("--runs", type=int, help="runs of each tool (default 3; 1 with --quick)")
    p.add_argument("--capture", help="analyse this capture instead of making one")
    p.add_argument("--keep", help="keep the capture made, at this path")
    p.add_argument("--sipflow", default=os.environ.get("SIPFLOW_BIN", os.path.join(REPO, ".build/release/sipflow")))
    p.add_argument("--json", help="also write the figures here")
    p.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    a = p.parse_args()
    calls = a.calls or (2000 if a.quick else 20000)
    rate = a.rate or (500 if a.quick else 2000)
    runs = a.runs or (1 if a.quick else 3)
    if calls <= 0 or rate <= 0 or runs <= 0:
        p.error("--calls, --rate and --runs must be positive")
    if not os.access(a.sipflow, os.X_OK):
        p.error(f"no sipflow binary at {a.sipflow} (bash scripts/build.sh makes it)")
    try:
        tshark = need("tshark")
        work = tempfile.mkdtemp(prefix="sipflow-analyze-bench-")
        capture = a.capture
        made = None
        if not capture:
            capture = os.path.join(work, "sipp.pcap")
            log(f"capturing {calls} SIPp calls at {rate}/s …")
            packets = make_capture(capture, calls, rate)
            made = calls
        else:
            out = subprocess.run([need("capinfos"), "-c", "-M", capture], capture_output=True, text=True).stdout
            m = re.search(r"Number of packets:\s*(\d+)", out)
            packets = int(m.group(1)) if m else 0
        size = os.path.getsize(capture) / 1e6
        log(f"capture: {capture}, {packets} packets, {size:.1f} MB")

        tools = {
            "sipflow": [a.sipflow, "analyze", "--format", "json", capture],
            "tshark": [tshark, "-q", "-n", "-z", "sip,stat", "-r", capture],
        }
        sngrep = shutil.which("sngrep")
        if sngrep:
            tools["sngrep"] = [sngrep, "-N", "-q", "-I", capture]
        figures = {name: [] for name in tools}
        outputs = {}
        for i in range(runs):
            for name, argv in tools.items():
                seconds, mb, out = timed(argv)
                figures[name].append((seconds, mb))
                outputs[name] = out
                log(f"run {i + 1}: {name} {seconds:.2f} s, {mb:.0f} MB")

        summary = json.loads(outputs["sipflow"])["summary"]
        found = {"sipMessages": summary["sipMessages"], "inviteCalls": summary["invite"]["calls"],
                 "answered": summary["invite"]["answered"], "skipped": sum(summary["skipped"].values())}
        medians = {n: (statistics.median(s for s, _ in f), max(mb for _, mb in f)) for n, f in figures.items()}
        base = medians["tshark"][0]
        print(f"capture: {packets} packets, {size:.1f} MB; sipflow found {found}")
        print(f"{'tool':10} {'median s':>9} {'peak MB':>8} {'tshark ÷ tool':>14}")
        for name, (seconds, mb) in medians.items():
            ratio = base / seconds if seconds > 0 else float("inf")
            print(f"{name:10} {seconds:9.2f} {mb:8.0f} {ratio:14.1f}")
        if not sngrep:
            print("sngrep: not installed, not compared")
        ratio = base / medians["sipflow"][0] if medians["sipflow"][0] > 0 else float("inf")
        met = ratio >= TARGET
        if not a.quick:
            print(f"target: sipflow ≥ {TARGET:.0f}× faster than tshark: {'met' if met else 'missed'} ({ratio:.1f}×)")
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"packets": packets, "megabytes": size, "calls": made, "found": found, "runs": figures,
                           "medians": medians, "ratio": ratio, "target": TARGET}, f, indent=2)
        bad = made is not None and found["inviteCalls"] != made
        if bad:
            print(f"sipflow found {found['inviteCalls']} calls ({found['answered']} answered) of the {made} SIPp made")
        if a.keep and made is not None:
            shutil.move(capture, a.keep)
        shutil.rmtree(work, ignore_errors=True)
        return 1 if bad or (a.strict and not met and not a.quick) else 0
    except ToolError as e:
        print(f"analyze.py: {e}", file=sys.stderr)
        return 3
    except subprocess.TimeoutExpired as e:
        print(f"analyze.py: {e.cmd[0]} did not finish in {e.timeout:.0f} s", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
