#!/usr/bin/env python3
"""Side-by-side call benchmarks of SIPp and sipflow on loopback.

    bench/calls.py                          # every comparison, 3 runs each, median reported (about 15 minutes)
    bench/calls.py --quick                  # CI smoke run: small counts, 1 run, about a minute, no targets
    bench/calls.py caller callee accuracy --runs 1 --json out.json

Comparisons: caller, callee, maxrate, memory, accuracy, threads (default: all). See bench/README.md for what
each one measures and the exact commands. Prints one table (metric | SIPp | sipflow | ratio | target | met?),
then each run's figures; progress and each run's figures also go to stderr as they come.

Exit codes: 0 every comparison ran (a missed target is reported, not an error, unless --strict);
1 --strict and a target was missed, or --quick and a run had failed calls where none are expected;
2 usage error; 3 a tool is missing, crashed or did not finish in time.

Python 3 standard library only; runs /usr/bin/time, sipp and sipflow, reads /proc.
"""

import argparse
import csv
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOWS = os.path.join(REPO, "bench", "flows")
UAC_FLOW = os.path.join(FLOWS, "uac.yaml")
LONG_FLOW = os.path.join(FLOWS, "long-call.yaml")
LONG_CALL_SECONDS = 30  # the pause in long-call.yaml, and SIPp's -d 30000
HOLD_FLOW = os.path.join(FLOWS, "long-hold.yaml")
HOLD_SECONDS = 130  # the pause in long-hold.yaml
TIME = "/usr/bin/time"
BUFF = "4194304"
HOST = "127.0.0.1"
ALL = ["caller", "callee", "maxrate", "memory", "accuracy", "threads"]
# Run only when named: the million-dialog run needs about 2 GB of memory and 5 minutes.
OPTIONAL = ["million"]
SIPP_OK = (0, 1)  # SIPp: 0 every call succeeded, 1 some failed; 97, 99, 255, 254… are errors
SIPFLOW_OK = (0, 1)  # sipflow: 0 passed, 1 a call failed; 2 usage, 3 runtime error


class ToolError(Exception):
    """A tool is missing, crashed, exited with an error code or did not finish in time (exit code 3)."""


def log(msg=""):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# Processes


class Proc:
    """A child in its own process group, optionally under /usr/bin/time; output goes to WORK/NAME.out."""

    live = []  # every Proc not yet reaped, for the final clean-up

    def __init__(self, bench, name, argv, timed=False):
        self.name = name
        self.bench = bench
        self.timed = timed
        self.out_path = os.path.join(bench.work, name + ".out")
        self.time_path = os.path.join(bench.work, name + ".time")
        full = ([TIME, "-f", "%U %S %M", "-o", self.time_path] if timed else []) + argv
        self.argv = argv
        bench.commands.append(shlex.join(argv))
        if bench.verbose:
            log("  $ " + shlex.join(full))
        self.out = open(self.out_path, "wb")
        self.p = subprocess.Popen(full, stdout=self.out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  cwd=bench.work, start_new_session=True)
        self.started = time.monotonic()
        self.rc = None
        self.signalled = False  # we sent it a signal: a death by signal is then expected
        Proc.live.append(self)
        self._tool_pid = None if timed else self.p.pid

    def tool_pid(self):
        """The pid of the tool itself (the child of /usr/bin/time when timed), or None when not yet known."""
        if self._tool_pid is None:
            try:
                with open(f"/proc/{self.p.pid}/task/{self.p.pid}/children") as f:
                    kids = f.read().split()
                if kids:
                    self._tool_pid = int(kids[0])
            except OSError:
                pass
        return self._tool_pid

    def poll(self):
        if self.rc is None:
            rc = self.p.poll()
            if rc is not None:
                self._reaped(rc)
        return self.rc

    def _reaped(self, rc):
        self.rc = rc
        self.out.close()
        if self in Proc.live:
            Proc.live.remove(self)

    def wait(self, timeout, peers=()):
        """Waits at most `timeout` seconds; on timeout kills the group and raises ToolError. While waiting, each
        of `peers` (the server this client talks to) must stay up: if one ends, this is stopped and ToolError
        raised, so a dead server is not counted as the client's failed calls."""
        end = time.monotonic() + timeout
        while True:
            try:
                rc = self.p.wait(timeout=min(0.1, max(0.0, end - time.monotonic())))
                break
            except subprocess.TimeoutExpired:
                pass
            for peer in peers:
                peer.expect_alive(f"while {self.name} ran")
            if time.monotonic() >= end:
                self.kill()
                raise ToolError(f"{self.name} did not finish within {timeout:.0f} s (killed); see {self.out_path}")
        self._reaped(rc)
        return rc

    def expect_alive(self, when):
        """Raises ToolError (after stopping every child) when this server has ended."""
        if self.poll() is None:
            return
        what = f"was killed by signal {-self.rc}" if self.rc < 0 else f"exited with code {self.rc}"
        hint = ""
        if "Test Terminated" in self.output():
            hint = " (SIPp ended as on SIGINT/SIGTERM: was it signalled by another process, e.g. a pkill?)"
        kill_all()
        raise ToolError(f"{self.name} {what} {when}{hint}\n{self.tail()}")

    def finish(self, timeout, grace=10.0):
        """Waits `timeout` seconds for the tool to end by itself; else asks it to stop (SIGINT), then kills it.
        Returns True when it ended by itself."""
        try:
            self._reaped(self.p.wait(timeout=timeout))
            return True
        except subprocess.TimeoutExpired:
            log(f"    {self.name} still running {timeout:.0f} s later: stopping it (SIGINT)")
            self.stop(signal.SIGINT, grace=grace)
            return False

    def signal_tool(self, sig):
        """Sends `sig` to the tool only (not to /usr/bin/time, which dies of SIGTERM and loses its figures)."""
        pid = self.tool_pid()
        self.signalled = True
        try:
            if pid is not None:
                os.kill(pid, sig)
            else:
                os.killpg(self.p.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, sig=signal.SIGINT, grace=10.0):
        """Asks the tool to stop with `sig`, waits `grace` seconds, then kills the whole group."""
        if self.poll() is not None:
            return self.rc
        self.signal_tool(sig)
        try:
            self._reaped(self.p.wait(timeout=grace))
        except subprocess.TimeoutExpired:
            self.kill()
        return self.rc

    def kill(self):
        self.signalled = True
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self._reaped(self.p.wait(timeout=10))
        except subprocess.TimeoutExpired:
            pass

    def cpu(self):
        """(user s, sys s, max RSS KiB) from /usr/bin/time's file; None when it wrote none."""
        try:
            with open(self.time_path) as f:
                lines = [l.strip() for l in f if l.strip()]
        except OSError:
            return None
        for line in reversed(lines):
            parts = line.split()
            if len(parts) == 3:
                try:
                    return float(parts[0]), float(parts[1]), int(parts[2])
                except ValueError:
                    continue
        return None

    def output(self):
        try:
            with open(self.out_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def tail(self, n=15):
        return "\n".join("    | " + l for l in self.output().splitlines()[-n:])

    def check(self, ok_codes):
        """Raises ToolError when the tool exited with a code outside `ok_codes` (or was killed unasked)."""
        rc = self.rc
        if rc is None or rc in ok_codes:
            return
        if rc < 0 and self.signalled:
            return
        what = f"killed by signal {-rc}" if rc < 0 else f"exited with code {rc}"
        raise ToolError(f"{self.name} {what}: {shlex.join(self.argv)}\n{self.tail()}")


def kill_all():
    for p in list(Proc.live):
        p.kill()


def free_port(used):
    """A UDP port on loopback that nothing is bound to (bind port 0), not handed out before in this run."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((HOST, 0))
            port = s.getsockname()[1]
        if port not in used:
            used.add(port)
            return port
    raise ToolError("cannot find a free UDP port")


def udp_bound(port):
    for path in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    local = line.split()[1]
                    if int(local.rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            pass
    return False


def wait_listening(proc, port, timeout=10.0):
    """Waits until something is bound to UDP `port` (the server started), or raises ToolError."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if udp_bound(port):
            return
        if proc.poll() is not None:
            raise ToolError(f"{proc.name} exited with code {proc.rc} before listening on {port}\n{proc.tail()}")
        time.sleep(0.02)
    raise ToolError(f"{proc.name} is not listening on UDP {port} after {timeout:.0f} s\n{proc.tail()}")


def rss_kib(pid):
    """VmRSS of `pid` in KiB from /proc/PID/status, or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


# ---------------------------------------------------------------------------------------------------------------
# Reading results


def sipp_rows(path):
    """The data rows of a SIPp -trace_stat CSV (';'-separated) as dicts; [] when missing."""
    try:
        with open(path, newline="", errors="replace") as f:
            rows = list(csv.reader(f, delimiter=";"))
    except OSError:
        return []
    if len(rows) < 2:
        return []
    head = rows[0]
    return [dict(zip(head, r)) for r in rows[1:] if len(r) >= len(head) - 1]


def sipp_epoch(field):
    # "2026-11-21\t07:54:55.186549\t1795247695.186549": the last tab-separated part is the Unix time
    try:
        return float(field.split("\t")[-1])
    except (ValueError, AttributeError):
        return None


def sipp_int(row, key):
    try:
        return int(float(row[key]))
    except (KeyError, ValueError, TypeError):
        return None


def sipp_figures(path, name):
    """Final counters of a SIPp run from the last row of its -stf CSV."""
    rows = sipp_rows(path)
    if not rows:
        raise ToolError(f"{name}: no statistics in {path} (SIPp's -trace_stat CSV)")
    last = rows[-1]
    start, now = sipp_epoch(last.get("StartTime")), sipp_epoch(last.get("CurrentTime"))
    elapsed = (now - start) if start is not None and now is not None else None
    created = sipp_int(last, "OutgoingCall(C)") or sipp_int(last, "IncomingCall(C)") or 0
    return {
        "successful": sipp_int(last, "SuccessfulCall(C)"),
        "failed": sipp_int(last, "FailedCall(C)"),
        "retransmissions": sipp_int(last, "Retransmissions(C)"),
        "outgoing": sipp_int(last, "OutgoingCall(C)"),
        "incoming": sipp_int(last, "IncomingCall(C)"),
        "elapsed_s": elapsed,
        "call_rate_csv": float(last["CallRate(C)"]) if last.get("CallRate(C)") else None,
        # calls created over the time from SIPp's start to its last statistics row
        "achieved_rate": created / elapsed if elapsed else None,
    }


def sipflow_report(path, name):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise ToolError(f"{name}: no report in {path}: {e}")


def sipflow_figures(rep):
    t = rep.get("totals", {})
    lat = rep.get("latency", {}).get("lateness") or {}
    window = t.get("rateWindowSeconds")
    late_max = lat.get("max")
    started = t.get("started")
    # sipflow's achievedRate is started / the scheduled window, so with --calls it equals the target whenever
    # every call started, however late. "effective" adds the worst lateness: the last call started by then.
    eff = None
    if window and started is not None:
        eff = started / (window + (late_max or 0) / 1000.0)
    return {
        "started": started,
        "completed": t.get("completed"),
        "failed": t.get("failed"),
        "retransmissions": t.get("retransmissions"),
        "achieved_rate": t.get("achievedRate"),
        "rate_window_s": window,
        "duration_s": rep.get("run", {}).get("durationSeconds"),
        "effective_rate": eff,
        "completed_rate": (t.get("completed") or 0) / (window + (late_max or 0) / 1000.0) if window else None,
        "lateness_p50_ms": lat.get("p50"),
        "lateness_p99_ms": lat.get("p99"),
        "lateness_max_ms": late_max,
        "failures": rep.get("failures"),
        "failure_examples": rep.get("failureExamples"),
        "memory_per_dialog_reported": rep.get("memoryPerDialogBytes"),
        "exit_code": rep.get("exitCode"),
    }


def summary_memory(text):
    """Bytes from the summary line 'Memory per dialog  2.1 KiB', or None."""
    m = re.search(r"Memory per dialog\s+([\d.]+)\s*(B|KiB|MiB|GiB)?", text)
    if not m:
        return None
    mult = {"B": 1, None: 1, "KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}[m.group(2)]
    return round(float(m.group(1)) * mult)


def sipflow_csv_rows(path):
    try:
        with open(path, newline="") as f:
            return list(csv.DictReader(f))
    except OSError:
        return []


def cpu_figures(proc, calls):
    c = proc.cpu()
    if c is None:
        raise ToolError(f"{proc.name}: /usr/bin/time wrote no figures ({proc.time_path})\n{proc.tail()}")
    user, sys_, maxrss = c
    return {"user_s": user, "sys_s": sys_, "max_rss_kib": maxrss,
            "cpu_us_per_call": (user + sys_) / calls * 1e6 if calls else None}


# ---------------------------------------------------------------------------------------------------------------
# The benchmark


class Bench:
    def __init__(self, args):
        self.args = args
        self.verbose = args.verbose
        self.sipflow = args.sipflow
        self.sipp = args.sipp
        self.work = tempfile.mkdtemp(prefix="sipflow-bench-")
        self.commands = []
        self.ports = set()
        self.counter = 0
        self.names = {}

    def name(self, base):
        """A file name stem for a process: a sequence number and `base`; the same base gives the same stem
        until the next call of new_names() (so a process's CSV and its output share the stem)."""
        if base not in self.names:
            self.counter += 1
            self.names[base] = f"{self.counter:03d}-{base}"
        return self.names[base]

    def new_names(self):
        self.names = {}

    def path(self, name):
        return os.path.join(self.work, name)

    def port(self):
        return free_port(self.ports)

    # --- command lines ---

    def sipp_uas(self, port, extra=()):
        return [self.sipp, "-sn", "uas", "-i", HOST, "-p", str(port), "-buff_size", BUFF, "-nostdin", *extra]

    def sipp_uac(self, port, local, rate, calls, stf, extra=()):
        return [self.sipp, "-sn", "uac", f"{HOST}:{port}", "-i", HOST, "-p", str(local), "-r", str(rate),
                "-m", str(calls), "-nostdin", "-buff_size", BUFF, "-trace_stat", "-stf", stf, *extra]

    def sf_threads(self, extra):
        t = self.args.sipflow_threads
        return ["--threads", str(t)] if t and "--threads" not in extra else []

    def sf_pcap(self, report):
        # --sipflow-pcap: each sipflow run records its messages beside its report (the cost of --pcap).
        return ["--pcap", os.path.splitext(report)[0] + ".pcap"] if self.args.sipflow_pcap else []

    def sf_run(self, flow, port, rate, calls, report, extra=()):
        return [self.sipflow, "run", flow, "--target", f"{HOST}:{port}", "--rate", str(rate),
                "--calls", str(calls), "--report", report, "--plain", *extra, *self.sf_threads(extra),
                *self.sf_pcap(report)]

    def sf_serve(self, flow, port, report, extra=()):
        return [self.sipflow, "serve", flow, "--listen", f"{HOST}:{port}", "--report", report, "--plain", *extra,
                *self.sf_threads(extra), *self.sf_pcap(report)]

    def run_timeout(self, calls, rate):
        # the schedule, slack for a slow tool, and timer B/F (64·T1 = 32 s) for the last call's failure
        return calls / rate * 3 + 60

    # --- 1. caller ---

    def caller(self, rate, calls):
        self.new_names()
        r = {"rate": rate, "calls": calls}
        uas_port = self.port()
        uas = Proc(self, self.name("caller-sipp-uas"), self.sipp_uas(uas_port))
        try:
            wait_listening(uas, uas_port)
            stf = self.path(self.name("caller-sipp-uac") + ".csv")
            uac = Proc(self, self.name("caller-sipp-uac"),
                       self.sipp_uac(uas_port, self.port(), rate, calls, stf), timed=True)
            uac.wait(self.run_timeout(calls, rate), peers=[uas])
            uac.check(SIPP_OK)
            r["sipp"] = {**cpu_figures(uac, calls), **sipp_figures(stf, uac.name), "exit_code": uac.rc}
            # the uas keeps each call 4 s after its BYE (its scenario's timewait): let those go first
            time.sleep(self.args.settle)
            uas.expect_alive("between the SIPp and the sipflow run")
            r["sipflow"] = self.caller_sipflow(uas, uas_port, rate, calls, "caller-sipflow-run")
            if not self.args.sipflow_threads:
                # SIPp is single-threaded: sipflow on one thread too, beside its default (every core)
                time.sleep(self.args.settle)
                r["sipflow1"] = self.caller_sipflow(uas, uas_port, rate, calls, "caller-sipflow-run-t1",
                                                    ["--threads", "1"])
        finally:
            uas.stop(signal.SIGTERM, grace=3)
        return r

    def caller_sipflow(self, uas, uas_port, rate, calls, name, extra=()):
        rep = self.path(self.name(name) + ".json")
        run = Proc(self, self.name(name), self.sf_run(UAC_FLOW, uas_port, rate, calls, rep, extra), timed=True)
        run.wait(self.run_timeout(calls, rate), peers=[uas])
        run.check(SIPFLOW_OK)
        uas.expect_alive(f"after {run.name}")
        return {**cpu_figures(run, calls), **sipflow_figures(sipflow_report(rep, run.name)), "exit_code": run.rc}

    # --- 2. callee ---

    def callee(self, rate, calls):
        self.new_names()
        r = {"rate": rate, "calls": calls}
        # SIPp uas, exits after N calls (plus its 4 s timewait)
        port = self.port()
        ustf = self.path(self.name("callee-sipp-uas") + ".csv")
        uas = Proc(self, self.name("callee-sipp-uas"),
                   self.sipp_uas(port, ["-m", str(calls), "-trace_stat", "-stf", ustf]), timed=True)
        try:
            wait_listening(uas, port)
            cstf = self.path(self.name("callee-sipp-uac") + ".csv")
            uac = Proc(self, self.name("callee-sipp-uac"), self.sipp_uac(port, self.port(), rate, calls, cstf))
            uac.wait(self.run_timeout(calls, rate))
            uac.check(SIPP_OK)
            uac_fig = sipp_figures(cstf, uac.name)
            by_itself = uas.finish(30)  # it ends 4 s after the last call (timewait)
            uas.check(SIPP_OK)
            r["sipp"] = {**cpu_figures(uas, calls), **sipp_figures(ustf, uas.name), "exit_code": uas.rc,
                         "ended_by_itself": by_itself, "uac": uac_fig}
        finally:
            uas.stop(signal.SIGINT, grace=5)
        r["sipflow"] = self.callee_sipflow(rate, calls, "callee-sipflow-serve")
        if not self.args.sipflow_threads:
            # SIPp is single-threaded: sipflow on one thread too, beside its default (every core)
            r["sipflow1"] = self.callee_sipflow(rate, calls, "callee-sipflow-serve-t1", ["--threads", "1"])
        return r

    def callee_sipflow(self, rate, calls, name, extra=()):
        # sipflow serve, exits after N calls (it checks once a second)
        port = self.port()
        rep = self.path(self.name(name) + ".json")
        serve = Proc(self, self.name(name), self.sf_serve(UAC_FLOW, port, rep, ["--calls", str(calls), *extra]),
                     timed=True)
        try:
            wait_listening(serve, port)
            cstf = self.path(self.name(name + "-sipp-uac") + ".csv")
            uac = Proc(self, self.name(name + "-sipp-uac"), self.sipp_uac(port, self.port(), rate, calls, cstf))
            uac.wait(self.run_timeout(calls, rate))
            uac.check(SIPP_OK)
            uac_fig = sipp_figures(cstf, uac.name)
            by_itself = serve.finish(40)  # it ends once the peer has been quiet for T2 + T1 (4.5 s) after the last call
            serve.check(SIPFLOW_OK)
            return {**cpu_figures(serve, calls), **sipflow_figures(sipflow_report(rep, serve.name)),
                    "exit_code": serve.rc, "ended_by_itself": by_itself, "uac": uac_fig}
        finally:
            serve.stop(signal.SIGINT, grace=10)

    # --- 3. highest clean rate ---

    def sipp_step(self, rate, seconds):
        self.new_names()
        calls = max(1, round(rate * seconds))
        port = self.port()
        ustf = self.path(self.name(f"maxrate-sipp-uas-{rate}") + ".csv")
        uas = Proc(self, self.name(f"maxrate-sipp-uas-{rate}"),
                   self.sipp_uas(port, ["-trace_stat", "-stf", ustf, "-fd", "1"]))
        try:
            wait_listening(uas, port)
            cstf = self.path(self.name(f"maxrate-sipp-uac-{rate}") + ".csv")
            uac = Proc(self, self.name(f"maxrate-sipp-uac-{rate}"),
                       self.sipp_uac(port, self.port(), rate, calls, cstf))
            uac.wait(self.run_timeout(calls, rate), peers=[uas])
            uac.check(SIPP_OK)
            ended = time.time()
            c = sipp_figures(cstf, uac.name)
            # the uas writes a row a second: wait for one after the uac ended, then stop it (SIGINT: final row)
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                rows = sipp_rows(ustf)
                if rows and (sipp_epoch(rows[-1].get("CurrentTime")) or 0) >= ended:
                    break
                time.sleep(0.1)
        finally:
            uas.stop(signal.SIGINT, grace=3)
            if uas.rc is None:
                uas.kill()
        s = sipp_figures(ustf, uas.name)
        fig = {"rate": rate, "calls": calls, "uac": c, "uas": s}
        fig["clean"] = self.clean(rate, c["achieved_rate"],
                                  [c["failed"], c["retransmissions"], s["failed"], s["retransmissions"]])
        fig["outcome_ok"] = c["successful"] == calls
        fig["clean"] = fig["clean"] and fig["outcome_ok"]
        return fig

    def sipflow_step(self, rate, seconds):
        self.new_names()
        calls = max(1, round(rate * seconds))
        port = self.port()
        srep = self.path(self.name(f"maxrate-sipflow-serve-{rate}") + ".json")
        serve = Proc(self, self.name(f"maxrate-sipflow-serve-{rate}"),
                     self.sf_serve(UAC_FLOW, port, srep, ["--calls", str(calls)]))
        try:
            wait_listening(serve, port)
            rrep = self.path(self.name(f"maxrate-sipflow-run-{rate}") + ".json")
            run = Proc(self, self.name(f"maxrate-sipflow-run-{rate}"),
                       self.sf_run(UAC_FLOW, port, rate, calls, rrep))
            run.wait(self.run_timeout(calls, rate))
            run.check(SIPFLOW_OK)
            # serve ends by itself after N calls and 4.5 s of quiet; a call it never saw keeps it waiting: stop it then
            serve.finish(10, grace=15)
            serve.check(SIPFLOW_OK)
        finally:
            serve.stop(signal.SIGINT, grace=15)
        c = sipflow_figures(sipflow_report(rrep, run.name))
        s = sipflow_figures(sipflow_report(srep, serve.name))
        fig = {"rate": rate, "calls": calls, "run": c, "serve": s}
        fig["clean"] = self.clean(rate, c["effective_rate"],
                                  [c["failed"], c["retransmissions"], s["failed"], s["retransmissions"]])
        fig["outcome_ok"] = c["completed"] == calls
        fig["clean"] = fig["clean"] and fig["outcome_ok"]
        return fig

    def clean(self, rate, achieved, counters):
        if any(v is None or v != 0 for v in counters):
            return False
        return achieved is not None and achieved >= rate * (1 - self.args.rate_tolerance / 100.0)

    def search(self, tool, step):
        """Highest clean rate: up by --factor from --start-rate while clean; when the start is not clean,
        down by the factor until one is. At most --max-steps steps, never above --max-rate."""
        a = self.args
        steps = []
        best = None
        rate = a.start_rate
        while len(steps) < a.max_steps and rate <= a.max_rate:
            fig = step(rate, a.clean_seconds)
            steps.append(fig)
            log(f"    {tool} {rate}/s: {'clean' if fig['clean'] else 'not clean'} ({self.step_note(fig)})")
            if not fig["clean"]:
                break
            best = rate
            rate = int(round(rate * a.factor))
        if best is None:
            rate = int(round(a.start_rate / a.factor))
            while len(steps) < a.max_steps and rate >= 10:
                fig = step(rate, a.clean_seconds)
                steps.append(fig)
                log(f"    {tool} {rate}/s: {'clean' if fig['clean'] else 'not clean'} ({self.step_note(fig)})")
                if fig["clean"]:
                    best = rate
                    break
                rate = int(round(rate / a.factor))
        return best, steps

    @staticmethod
    def step_note(fig):
        if "uac" in fig:
            c, s = fig["uac"], fig["uas"]
            return (f"uac failed {c['failed']} retx {c['retransmissions']} rate {fmt(c['achieved_rate'])}; "
                    f"uas failed {s['failed']} retx {s['retransmissions']}")
        c, s = fig["run"], fig["serve"]
        return (f"run failed {c['failed']} retx {c['retransmissions']} rate {fmt(c['effective_rate'])} "
                f"max lateness {fmt(c['lateness_max_ms'])} ms; serve failed {s['failed']} "
                f"retx {s['retransmissions']}")

    def maxrate(self):
        sipp_best, sipp_steps = self.search("SIPp", self.sipp_step)
        sf_best, sf_steps = self.search("sipflow", self.sipflow_step)
        return {"sipp": {"highest_clean_rate": sipp_best, "steps": sipp_steps},
                "sipflow": {"highest_clean_rate": sf_best, "steps": sf_steps}}

    # --- 4. memory per concurrent dialog ---

    def watch_memory(self, procs, rows_of, calls, hold):
        """Samples each process's RSS when its first statistics row appears (early) and once two rows in a row
        show every call in progress (plateau). rows_of(name) gives [(concurrent calls, created calls)]."""
        early, plateau, first = {}, {}, {}
        for name, p in procs.items():
            first[name] = rss_kib(p.tool_pid() or p.p.pid)
        deadline = time.monotonic() + hold * 1.1 + 8
        seen_full = {name: 0 for name in procs}
        seen_rows = {name: 0 for name in procs}
        while time.monotonic() < deadline and len(plateau) < len(procs):
            for name, p in procs.items():
                if name in plateau:
                    continue
                if p.poll() is not None:
                    raise ToolError(f"{p.name} exited with code {p.rc} while calls were held\n{p.tail()}")
                rows = rows_of(name)
                if len(rows) == seen_rows[name]:
                    continue
                seen_rows[name] = len(rows)
                concurrent, created = rows[-1]
                rss = rss_kib(p.tool_pid())
                if name not in early and concurrent:
                    early[name] = (rss, concurrent)
                if created >= calls and concurrent >= calls:
                    seen_full[name] += 1
                    if seen_full[name] >= 2:
                        plateau[name] = (rss, concurrent)
            time.sleep(0.01)
        out = {}
        for name in procs:
            e, pl = early.get(name), plateau.get(name)
            if pl is None:
                # never saw every call in progress: use what there is, marked
                rows = rows_of(name)
                if not rows:
                    raise ToolError(f"{procs[name].name}: no statistics rows while calls were held")
                pl = (rss_kib(procs[name].tool_pid()), rows[-1][0])
            fig = {"rss_start_kib": first[name], "rss_early_kib": e[0] if e else None,
                   "concurrent_early": e[1] if e else None, "rss_plateau_kib": pl[0], "concurrent": pl[1],
                   "reached_all_calls": name in plateau}
            if e and pl[0] is not None and e[0] is not None and pl[1] > e[1]:
                fig["bytes_per_dialog"] = (pl[0] - e[0]) * 1024 / (pl[1] - e[1])
            else:
                fig["bytes_per_dialog"] = None
            if first[name] is not None and pl[0] is not None and pl[1]:
                fig["bytes_per_dialog_from_start"] = (pl[0] - first[name]) * 1024 / pl[1]
            out[name] = fig
        return out

    def memory(self, rate, hold):
        self.new_names()
        calls = int(rate * hold)
        r = {"rate": rate, "hold_s": hold, "calls": calls}
        # SIPp
        port = self.port()
        ustf = self.path(self.name("memory-sipp-uas") + ".csv")
        cstf = self.path(self.name("memory-sipp-uac") + ".csv")
        uas = Proc(self, self.name("memory-sipp-uas"),
                   self.sipp_uas(port, ["-trace_stat", "-stf", ustf, "-fd", "1"]))
        uac = None
        try:
            wait_listening(uas, port)
            uac = Proc(self, self.name("memory-sipp-uac"),
                       self.sipp_uac(port, self.port(), rate, calls, cstf,
                                     ["-d", str(LONG_CALL_SECONDS * 1000), "-fd", "1"]))

            def sipp_conc(name):
                rows = sipp_rows(cstf if name == "caller" else ustf)
                key = "OutgoingCall(C)" if name == "caller" else "IncomingCall(C)"
                return [(sipp_int(x, "CurrentCall") or 0, sipp_int(x, key) or 0) for x in rows]

            r["sipp"] = self.watch_memory({"caller": uac, "callee": uas}, sipp_conc, calls, hold)
            c = sipp_rows(cstf)
            r["sipp"]["caller"]["failed"] = sipp_int(c[-1], "FailedCall(C)") if c else None
        finally:
            if uac is not None:
                uac.kill()
            uas.kill()
        r["sipflow"] = self.sipflow_held(LONG_FLOW, "memory", rate, calls, hold)
        return r

    def sipflow_held(self, flow, what, rate, calls, hold, let_finish=False):
        """sipflow serve and run of `flow` (calls held in a pause) at `rate` until `calls` are up at once: the
        memory figures of `watch_memory` for each side, with its exit code, failures and retransmissions. The run
        is then stopped (SIGINT: it ends the live calls with BYE, counted as aborted), or with `let_finish` left
        to end its calls by itself (the flow's pause, then BYE), so every call can complete."""
        port = self.port()
        sn, rn = self.name(f"{what}-sipflow-serve"), self.name(f"{what}-sipflow-run")
        srep, scsv = self.path(sn + ".json"), self.path(sn + ".csv")
        rrep, rcsv = self.path(rn + ".json"), self.path(rn + ".csv")
        for f in (scsv, rcsv):
            if os.path.exists(f):
                os.unlink(f)
        most = str(calls * 2 + 1000)
        serve = Proc(self, sn, self.sf_serve(flow, port, srep, ["--csv", scsv, "--max-concurrent", most]))
        run = None
        try:
            wait_listening(serve, port)
            run = Proc(self, rn, self.sf_run(flow, port, rate, calls, rrep, ["--csv", rcsv, "--max-concurrent", most]))

            def sf_conc(name):
                rows = sipflow_csv_rows(rcsv if name == "caller" else scsv)
                out, total = [], 0
                for x in rows:
                    try:
                        total += int(x["started"])
                        out.append((int(x["active"]), total))
                    except (KeyError, ValueError):
                        pass
                return out

            held = self.watch_memory({"caller": run, "callee": serve}, sf_conc, calls, hold)
            if let_finish:
                run.wait(HOLD_SECONDS + 120, peers=[serve])
            else:
                # SIGINT: sipflow stops starting calls, ends the live ones with BYE and writes its report
                run.stop(signal.SIGINT, grace=calls / 5000 + 30)
            serve.stop(signal.SIGINT, grace=15)
        finally:
            if run is not None:
                run.stop(signal.SIGINT, grace=5)
            serve.stop(signal.SIGINT, grace=5)
        for name, proc, rep in (("caller", run, rrep), ("callee", serve, srep)):
            fig = held[name]
            fig["exit_code"] = proc.rc
            fig["summary_memory_per_dialog"] = summary_memory(proc.output())
            try:
                f = sipflow_figures(sipflow_report(rep, proc.name))
                fig["report_memory_per_dialog"] = f["memory_per_dialog_reported"]
                fig["failed"], fig["failures"] = f["failed"], f["failures"]
                fig["completed"], fig["retransmissions"] = f.get("completed"), f.get("retransmissions")
            except ToolError as e:
                fig["report_error"] = str(e)
        return held

    # --- 4b. one million concurrent dialogs (only when named) ---

    def million(self, rate, calls):
        """sipflow alone: `calls` dialogs held at once in one process each side (long-hold.yaml), every call to
        complete. SIPp is not run: the target names no SIPp figure."""
        return {"rate": rate, "calls": calls, "hold_s": calls / rate,
                "sipflow": self.sipflow_held(HOLD_FLOW, "million", rate, calls, calls / rate, let_finish=True)}

    # --- 6. threads ---

    def threads(self, rate, seconds):
        calls = int(rate * seconds)
        r = {"rate": rate, "calls": calls}
        for t in (1, 2):
            self.new_names()
            port = self.port()
            srep = self.path(self.name(f"threads{t}-sipflow-serve") + ".json")
            rrep = self.path(self.name(f"threads{t}-sipflow-run") + ".json")
            serve = Proc(self, self.name(f"threads{t}-sipflow-serve"),
                         self.sf_serve(UAC_FLOW, port, srep, ["--calls", str(calls), "--threads", str(t)]),
                         timed=True)
            try:
                wait_listening(serve, port)
                run = Proc(self, self.name(f"threads{t}-sipflow-run"),
                           self.sf_run(UAC_FLOW, port, rate, calls, rrep, ["--threads", str(t)]), timed=True)
                run.wait(self.run_timeout(calls, rate))
                run.check(SIPFLOW_OK)
                serve.finish(10, grace=15)
                serve.check(SIPFLOW_OK)
            finally:
                serve.stop(signal.SIGINT, grace=15)
            rf = {**cpu_figures(run, calls), **sipflow_figures(sipflow_report(rrep, run.name)), "exit_code": run.rc}
            sf = {**cpu_figures(serve, calls), **sipflow_figures(sipflow_report(srep, serve.name)),
                  "exit_code": serve.rc}
            done = rf["completed"] or 0
            both = rf["user_s"] + rf["sys_s"] + sf["user_s"] + sf["sys_s"]
            r[f"threads{t}"] = {"run": rf, "serve": sf, "completed_rate": rf["completed_rate"],
                                "cpu_us_per_completed_call": both / done * 1e6 if done else None}
        return r


# ---------------------------------------------------------------------------------------------------------------
# Flattening runs into table figures


def g(d, *path):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def rate_error(achieved, target):
    return abs(achieved - target) / target * 100 if achieved is not None and target else None


def flatten(comp, r):
    """The figures of one run of a comparison that the table uses, by key."""
    f = {}
    if comp == "caller":
        for tool in ("sipp", "sipflow"):
            f[f"{tool}.cpu"] = g(r, tool, "cpu_us_per_call")
            f[f"{tool}.failed"] = g(r, tool, "failed")
            f[f"{tool}.retx"] = g(r, tool, "retransmissions")
        f["sipflow1.cpu"] = g(r, "sipflow1", "cpu_us_per_call")
    elif comp == "callee":
        f["sipflow1.cpu"] = g(r, "sipflow1", "cpu_us_per_call")
        for tool in ("sipp", "sipflow"):
            f[f"{tool}.cpu"] = g(r, tool, "cpu_us_per_call")
            a, b = g(r, tool, "failed"), g(r, tool, "uac", "failed")
            f[f"{tool}.failed"] = a + b if a is not None and b is not None else None
            a, b = g(r, tool, "retransmissions"), g(r, tool, "uac", "retransmissions")
            f[f"{tool}.retx"] = a + b if a is not None and b is not None else None
    elif comp == "maxrate":
        for tool in ("sipp", "sipflow"):
            f[f"{tool}.best"] = g(r, tool, "highest_clean_rate")
    elif comp == "memory":
        for tool in ("sipp", "sipflow"):
            f[f"{tool}.caller"] = g(r, tool, "caller", "bytes_per_dialog")
            f[f"{tool}.callee"] = g(r, tool, "callee", "bytes_per_dialog")
            f[f"{tool}.concurrent"] = g(r, tool, "caller", "concurrent")
        f["sipflow.reported"] = (g(r, "sipflow", "caller", "report_memory_per_dialog")
                                 or g(r, "sipflow", "caller", "summary_memory_per_dialog"))
    elif comp == "million":
        for side in ("caller", "callee"):
            f[f"{side}.concurrent"] = g(r, "sipflow", side, "concurrent")
            f[f"{side}.bytes"] = g(r, "sipflow", side, "bytes_per_dialog")
            f[f"{side}.failed"] = g(r, "sipflow", side, "failed")
            f[f"{side}.retx"] = g(r, "sipflow", side, "retransmissions")
        f["completed"] = g(r, "sipflow", "caller", "completed")
        a, b = f["caller.failed"], f["callee.failed"]
        f["failed"] = a + b if a is not None and b is not None else None
    elif comp == "accuracy":
        rate = r.get("rate")
        f["sipp.err"] = rate_error(g(r, "sipp", "achieved_rate"), rate)
        f["sipflow.err"] = rate_error(g(r, "sipflow", "achieved_rate"), rate)
        f["sipflow.err_eff"] = rate_error(g(r, "sipflow", "effective_rate"), rate)
        f["sipflow.p99"] = g(r, "sipflow", "lateness_p99_ms")
        f["sipflow.max"] = g(r, "sipflow", "lateness_max_ms")
    elif comp == "threads":
        for t in (1, 2):
            f[f"t{t}.rate"] = g(r, f"threads{t}", "completed_rate")
            f[f"t{t}.cpu"] = g(r, f"threads{t}", "cpu_us_per_completed_call")
            a, b = g(r, f"threads{t}", "run", "failed"), g(r, f"threads{t}", "serve", "failed")
            f[f"t{t}.failed"] = a + b if a is not None and b is not None else None
        a, b = f["t1.rate"], f["t2.rate"]
        f["speedup"] = b / a if a and b is not None else None
    return f


def rows_for(comp, a):
    """Table rows: (label, SIPp key, sipflow key, ratio?, target text, test(sipp, sipflow) or None,
    number format, expect-zero: failures that --quick treats as errors)."""
    R = a.rate
    half = lambda s, f: f <= 0.5 * s if s else None
    zero = lambda s, f: (s == 0 if s is not None else True) and f == 0
    if comp == "caller":
        return [
            (f"caller CPU per call (µs) at {R}/s", "sipp.cpu", "sipflow.cpu", True, "≤ 0.5× SIPp", half, ".1f",
             False),
            ("  sipflow --threads 1 (SIPp is single-threaded)", "sipp.cpu", "sipflow1.cpu", True, "", None, ".1f",
             False),
            ("caller failed calls", "sipp.failed", "sipflow.failed", False, "0", zero, "d", True),
            ("caller retransmissions", "sipp.retx", "sipflow.retx", False, "", None, "d", False),
        ]
    if comp == "callee":
        return [
            (f"callee CPU per call (µs) at {R}/s", "sipp.cpu", "sipflow.cpu", True, "≤ 0.5× SIPp", half, ".1f",
             False),
            ("  sipflow --threads 1 (SIPp is single-threaded)", "sipp.cpu", "sipflow1.cpu", True, "", None, ".1f",
             False),
            ("callee failed calls (uas + SIPp uac)", "sipp.failed", "sipflow.failed", False, "0", zero, "d", True),
            ("callee retransmissions (uas + SIPp uac)", "sipp.retx", "sipflow.retx", False, "", None, "d", False),
        ]
    if comp == "maxrate":
        return [("highest clean rate (calls/s)", "sipp.best", "sipflow.best", True, "≥ 2× SIPp",
                 lambda s, f: f >= 2 * s if s else None, ".0f", False)]
    if comp == "memory":
        return [
            ("caller memory per dialog (B)", "sipp.caller", "sipflow.caller", True, "≤ 1024 B",
             lambda s, f: f <= 1024, ".0f", False),
            ("callee memory per dialog (B)", "sipp.callee", "sipflow.callee", True, "", None, ".0f", False),
            ("sipflow's own 'Memory per dialog' (B)", None, "sipflow.reported", False, "", None, ".0f", False),
            ("concurrent dialogs at the sample", "sipp.concurrent", "sipflow.concurrent", False, "", None, "d", False),
        ]
    if comp == "million":
        N = a.million_calls
        return [
            (f"concurrent dialogs reached (caller, of {N})", None, "caller.concurrent", False, f"{N}",
             lambda s, f: f >= N, "d", False),
            ("  callee", None, "callee.concurrent", False, "", None, "d", False),
            ("calls completed (caller)", None, "completed", False, f"{N}", lambda s, f: f == N, "d", False),
            ("failed calls (run + serve)", None, "failed", False, "0", lambda s, f: f == 0, "d", True),
            ("retransmissions (run / serve)", None, "caller.retx", False, "", None, "d", False),
            ("  serve", None, "callee.retx", False, "", None, "d", False),
            ("memory per dialog at the peak, caller (B)", None, "caller.bytes", False, "≤ 1024 B",
             lambda s, f: f <= 1024, ".0f", False),
            ("  callee (B)", None, "callee.bytes", False, "", None, ".0f", False),
        ]
    if comp == "accuracy":
        return [
            (f"achieved rate off {R}/s (%)", "sipp.err", "sipflow.err", False, "≤ 1%",
             lambda s, f: f <= 1, ".2f", False),
            ("  sipflow, counting max lateness (%)", None, "sipflow.err_eff", False, "", None, ".2f", False),
            ("p99 lateness (ms)", None, "sipflow.p99", False, "< 1 ms", lambda s, f: f < 1, ".3f", False),
            ("max lateness (ms)", None, "sipflow.max", False, "", None, ".3f", False),
        ]
    if comp == "threads":
        T = a.threads_rate
        return [
            (f"threads 1: completed calls/s at {T}/s", None, "t1.rate", False, "", None, ".0f", False),
            (f"threads 2: completed calls/s at {T}/s", None, "t2.rate", False, "", None, ".0f", False),
            ("threads 2 / threads 1 (completed calls/s)", None, "speedup", False, "", None, ".2f", False),
            ("threads 1: CPU per call, run + serve (µs)", None, "t1.cpu", False, "", None, ".1f", False),
            ("threads 2: CPU per call, run + serve (µs)", None, "t2.cpu", False, "", None, ".1f", False),
            # at full rate a saturated sipflow may fail calls: reported, not a target; --quick expects none
            ("threads 1 + 2: failed calls", None, "t12.failed", False, "0" if a.quick else "",
             (lambda s, f: f == 0) if a.quick else None, "d", a.quick),
        ]
    return []


def median(values):
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, spec=".1f"):
    if v is None:
        return "—"
    if spec == "d":
        return str(int(round(v)))
    return format(v, spec)


# ---------------------------------------------------------------------------------------------------------------
# Main


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": platform.release(), "load_start": os.getloadavg()}


def version(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        text = (out.stdout + out.stderr).strip()
        return text.splitlines()[0].strip() if text else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="bench/calls.py", description="Side-by-side call benchmarks of SIPp and sipflow on loopback.",
        epilog="Comparisons: " + ", ".join(ALL + OPTIONAL) + " (default: all but " + ", ".join(OPTIONAL) + "). Exit: 0 ran, 1 --strict target missed (or "
               "--quick with failed calls), 2 usage, 3 a tool missing or crashed.")
    p.add_argument("comparisons", nargs="*", metavar="COMPARISON",
                   help="any of: " + " ".join(ALL + OPTIONAL) + " (default: all but " + " ".join(OPTIONAL) + ")")
    p.add_argument("--runs", type=int, help="repetitions of each comparison; the median is reported (default 3)")
    p.add_argument("--quick", action="store_true",
                   help="CI smoke run: small counts, 1 run, about a minute; checks that everything ran, not targets")
    p.add_argument("--json", metavar="FILE", help="write every raw figure to FILE")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--verbose", "-v", action="store_true", help="print each command as it starts")
    p.add_argument("--sipflow", metavar="PATH", help="the sipflow binary (default: REPO/.build/release/sipflow)")
    p.add_argument("--sipp", metavar="PATH", default="sipp", help="the SIPp binary (default: sipp on PATH)")
    p.add_argument("--keep", action="store_true", help="keep the work directory (outputs, CSVs, reports)")
    p.add_argument("--sipflow-threads", type=int, metavar="N",
                   help="pass --threads N to sipflow in caller, callee, maxrate and memory (default: sipflow's "
                        "own default, all cores)")
    p.add_argument("--sipflow-pcap", action="store_true",
                   help="sipflow records each run to a pcap file (--pcap) in the work directory: what recording costs")
    g1 = p.add_argument_group("caller, callee, accuracy")
    g1.add_argument("--rate", type=int, help="calls/s (default 10000; quick 2000)")
    g1.add_argument("--calls", type=int, help="calls per run (default 50000; quick 5000)")
    g1.add_argument("--settle", type=float, default=4.5,
                    help="seconds between SIPp's and sipflow's caller run, for the uas's 4 s timewait (default 4.5)")
    g2 = p.add_argument_group("maxrate")
    g2.add_argument("--clean-seconds", type=float, help="seconds per rate step (default 10; quick 2)")
    g2.add_argument("--start-rate", type=int, help="first rate tried (default 10000; quick 5000)")
    g2.add_argument("--factor", type=float, default=1.25, help="rate multiplier between steps (default 1.25)")
    g2.add_argument("--max-rate", type=int, default=200000, help="highest rate tried (default 200000)")
    g2.add_argument("--max-steps", type=int, help="most steps per tool (default 10; quick 2)")
    g2.add_argument("--rate-tolerance", type=float, default=5.0,
                    help="a clean step also reaches this close to the rate asked, in percent (default 5)")
    g3 = p.add_argument_group("memory")
    g3.add_argument("--concurrent", type=int, help="dialogs held at once (default 40000; quick 2000)")
    g3.add_argument("--memory-rate", type=int,
                    help="calls/s while building them up (default 2000; quick 500); --concurrent / this is "
                         "how long, at most 25 s (calls last 30 s)")
    g5 = p.add_argument_group("million (only when named)")
    g5.add_argument("--million-calls", type=int, default=1_000_000,
                    help="dialogs held at once (default 1000000)")
    g5.add_argument("--million-rate", type=int, default=8000,
                    help="calls/s while building them up (default 8000); --million-calls / this is at most "
                         f"{HOLD_SECONDS - 5} s (calls last {HOLD_SECONDS} s)")
    g4 = p.add_argument_group("threads")
    g4.add_argument("--threads-rate", type=int, help="calls/s (default 40000; quick 5000)")
    g4.add_argument("--threads-seconds", type=float, help="seconds at that rate (default 5; quick 1)")
    a = p.parse_intermixed_args(argv)

    bad = [c for c in a.comparisons if c not in ALL + OPTIONAL]
    if bad:
        p.error(f"unknown comparison {', '.join(bad)} (choose from {', '.join(ALL + OPTIONAL)})")
    a.comparisons = [c for c in ALL + OPTIONAL if c in a.comparisons] if a.comparisons else list(ALL)
    q = a.quick
    a.runs = a.runs if a.runs is not None else (1 if q else 3)
    a.rate = a.rate or (2000 if q else 10000)
    a.calls = a.calls or (5000 if q else 50000)
    a.clean_seconds = a.clean_seconds or (2.0 if q else 10.0)
    a.start_rate = a.start_rate or (5000 if q else 10000)
    a.max_steps = a.max_steps or (2 if q else 10)
    a.concurrent = a.concurrent or (2000 if q else 40000)
    a.memory_rate = a.memory_rate or (500 if q else 2000)
    a.threads_rate = a.threads_rate or (5000 if q else 40000)
    a.threads_seconds = a.threads_seconds or (1.0 if q else 5.0)
    if a.sipflow_threads is not None and a.sipflow_threads < 1:
        p.error("--sipflow-threads must be at least 1")
    for name in ("runs", "rate", "calls", "start_rate", "max_rate", "max_steps", "concurrent", "memory_rate",
                 "threads_rate"):
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("clean_seconds", "threads_seconds"):
        if getattr(a, name) <= 0:
            p.error(f"--{name.replace('_', '-')} must be positive")
    if a.factor <= 1:
        p.error("--factor must be above 1")
    if not 0 <= a.rate_tolerance < 100:
        p.error("--rate-tolerance must be in [0, 100)")
    if a.million_calls < 1000 or a.million_rate < 1:
        p.error("--million-calls must be at least 1000 and --million-rate at least 1")
    if a.million_calls / a.million_rate > HOLD_SECONDS - 5:
        p.error(f"--million-calls / --million-rate is {a.million_calls / a.million_rate:.1f} s; calls last "
                f"{HOLD_SECONDS} s, so at most {HOLD_SECONDS - 5} s (raise --million-rate)")
    a.hold = a.concurrent / a.memory_rate
    if a.hold > LONG_CALL_SECONDS - 5:
        p.error(f"--concurrent / --memory-rate is {a.hold:.1f} s; calls last {LONG_CALL_SECONDS} s, so at most "
                f"{LONG_CALL_SECONDS - 5} s (raise --memory-rate)")
    if a.hold < 2:
        p.error("--concurrent / --memory-rate must be at least 2 s (a statistics row a second)")
    a.sipflow = os.path.abspath(a.sipflow) if a.sipflow else os.path.join(REPO, ".build", "release", "sipflow")
    return a


def check_tools(a):
    missing = []
    if not (os.path.isfile(a.sipflow) and os.access(a.sipflow, os.X_OK)):
        missing.append(f"sipflow not found at {a.sipflow}: build it with `bash scripts/build.sh` in {REPO} "
                       "(or pass --sipflow PATH)")
    sipp = shutil.which(a.sipp)
    if sipp is None:
        missing.append(f"SIPp ('{a.sipp}') is not on PATH: install the Debian package sip-tester "
                       "(apt-get install sip-tester), or pass --sipp PATH")
    else:
        a.sipp = sipp
    if not os.access(TIME, os.X_OK):
        missing.append(f"{TIME} is missing: install the Debian package time")
    for flow in (UAC_FLOW, LONG_FLOW, HOLD_FLOW):
        if not os.path.isfile(flow):
            missing.append(f"flow {flow} is missing")
    return missing


def run_comparison(bench, comp, k):
    a = bench.args
    if comp == "caller":
        return bench.caller(a.rate, a.calls)
    if comp == "callee":
        return bench.callee(a.rate, a.calls)
    if comp == "maxrate":
        return bench.maxrate()
    if comp == "memory":
        return bench.memory(a.memory_rate, a.hold)
    if comp == "threads":
        return bench.threads(a.threads_rate, a.threads_seconds)
    if comp == "million":
        return bench.million(a.million_rate, a.million_calls)
    raise ValueError(comp)


def short(v):
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.0f}" if abs(v) >= 100 else f"{v:.3g}"
    return str(v)


def one_line(f):
    return ", ".join(f"{k} {short(v)}" for k, v in f.items())


def main(argv):
    a = parse_args(argv)
    missing = check_tools(a)
    if missing:
        for m in missing:
            log("calls.py: " + m)
        return 3

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    bench = Bench(a)
    info = machine()
    info["sipp"] = version([a.sipp, "-v"])
    info["sipflow"] = version([a.sipflow, "--version"])
    info["sipflow_path"] = a.sipflow
    started = time.monotonic()
    la = info["load_start"]
    log(f"machine: nproc {info['nproc']}, {info['cpu']}, load {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}")
    log(f"tools: {info['sipp']} ({a.sipp}); sipflow {info['sipflow']} ({a.sipflow}); work dir {bench.work}")

    results = {c: {"runs": [], "figures": [], "errors": []} for c in a.comparisons}
    tool_failed = False
    caller_runs = {}  # run index → the caller run, which accuracy reuses
    try:
        for comp in a.comparisons:
            for k in range(1 if comp == "million" else a.runs):  # million: one run of about 5 minutes
                if comp == "accuracy" and "caller" in a.comparisons:
                    r = caller_runs.get(k)
                    if r is None:
                        results[comp]["errors"].append(f"run {k + 1}: the caller run it reuses failed")
                        continue
                    log(f"accuracy run {k + 1}/{a.runs}: from caller run {k + 1}")
                else:
                    log(f"{comp} run {k + 1}/{1 if comp == 'million' else a.runs} ...")
                    try:
                        r = bench.caller(a.rate, a.calls) if comp == "accuracy" else run_comparison(bench, comp, k)
                    except ToolError as e:
                        tool_failed = True
                        results[comp]["errors"].append(f"run {k + 1}: {e}")
                        log(f"  ERROR: {e}")
                        kill_all()
                        continue
                f = flatten(comp, r)
                if comp == "threads":
                    f["t12.failed"] = ((f["t1.failed"] or 0) + (f["t2.failed"] or 0)
                                       if f["t1.failed"] is not None or f["t2.failed"] is not None else None)
                if comp == "caller":
                    caller_runs[k] = r
                results[comp]["runs"].append(r)
                results[comp]["figures"].append(f)
                log(f"  {comp} run {k + 1}: {one_line(f)}")
    except KeyboardInterrupt:
        log("calls.py: interrupted; stopping children")
        kill_all()
        if not a.keep:
            shutil.rmtree(bench.work, ignore_errors=True)
        return 130
    finally:
        kill_all()

    info["load_end"] = os.getloadavg()
    info["seconds"] = round(time.monotonic() - started, 1)

    # The table
    table, misses, quick_failures = [], [], []
    for comp in a.comparisons:
        figs = results[comp]["figures"]
        for label, skey, fkey, ratio, target, test, spec, expect_zero in rows_for(comp, a):
            s = median([f.get(skey) for f in figs]) if skey else None
            v = median([f.get(fkey) for f in figs]) if fkey else None
            rt = v / s if ratio and s and v is not None else None
            met = None
            if test is not None and v is not None and (skey is None or s is not None):
                met = test(s, v)
            if not a.quick and test is not None and (met is False or v is None):
                misses.append(label)
            if a.quick and expect_zero:
                for f in figs:
                    for key in (skey, fkey):
                        if key and f.get(key) not in (0, None):
                            quick_failures.append(f"{label}: {key.split('.')[0]} {f.get(key)}")
            if test is not None and (v is None or (skey and s is None)) and figs:
                quick_failures.append(f"{label}: no figure")
            per_run = {"sipp": [f.get(skey) for f in figs] if skey else None,
                       "sipflow": [f.get(fkey) for f in figs] if fkey else None}
            table.append({"comparison": comp, "metric": label, "sipp": s, "sipflow": v, "ratio": rt,
                          "target": target, "met": met, "format": spec, "runs": per_run})
        if not figs and not results[comp]["errors"]:
            results[comp]["errors"].append("no run")

    # Print
    head = ["metric", "SIPp", "sipflow", "ratio", "target", "met?"]
    lines = []
    for row in table:
        spec = row["format"]
        met = "—" if not row["target"] else ("yes" if row["met"] else "NO" if row["met"] is False else "n/a")
        if a.quick and row["target"]:
            met = "(quick)" if row["met"] is not None else "n/a"
        lines.append([row["metric"], fmt(row["sipp"], spec) if row["runs"]["sipp"] is not None else "",
                      fmt(row["sipflow"], spec), fmt(row["ratio"], ".2f") if row["ratio"] is not None else "",
                      row["target"], met])
    widths = [max(len(x[i]) for x in [head] + lines) for i in range(len(head))]
    out = []
    la, le = info["load_start"], info["load_end"]
    out.append(f"machine: nproc {info['nproc']}, {info['cpu']}, kernel {info['kernel']}, load {la[0]:.2f} "
               f"{la[1]:.2f} {la[2]:.2f} at start, {le[0]:.2f} {le[1]:.2f} {le[2]:.2f} at end")
    out.append(f"tools: {info['sipp']}; sipflow {info['sipflow']} ({a.sipflow})")
    out.append(f"runs: {a.runs} per comparison{' (million: 1)' if 'million' in a.comparisons else ''}, median shown"
               f"{'; quick mode, targets not checked' if a.quick else ''}"
               f"; took {info['seconds']:.0f} s")
    out.append("")

    def fmt_line(cells):
        return " | ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) if i < 4 else c.ljust(widths[i])
                          for i, c in enumerate(cells)).rstrip()

    out.append(fmt_line(head))
    out.append("-|-".join("-" * w for w in widths))
    for l in lines:
        out.append(fmt_line(l))
    out.append("")
    out.append("ratio = sipflow / SIPp. Each run's figures (SIPp; sipflow):")
    for row in table:
        spec = row["format"]
        parts = []
        for tool in ("sipp", "sipflow"):
            vals = row["runs"][tool]
            if vals is not None:
                parts.append(", ".join(fmt(v, spec) for v in vals) or "—")
        out.append(f"  {row['metric']}: {'; '.join(parts)}")
    if "maxrate" in a.comparisons:
        for r in results["maxrate"]["runs"]:
            for tool in ("sipp", "sipflow"):
                steps = ", ".join(f"{s['rate']}{'' if s['clean'] else ' (not clean)'}" for s in r[tool]["steps"])
                out.append(f"  maxrate steps, {tool}: {steps}")
    errors = [(c, e) for c in a.comparisons for e in results[c]["errors"]]
    if errors:
        out.append("")
        out.append("Errors:")
        for c, e in errors:
            out.append(f"  {c}: {e}")
    print("\n".join(out), flush=True)

    code = 0
    if a.quick and quick_failures:
        log("calls.py --quick: " + "; ".join(quick_failures))
        code = 1
    if a.strict and misses:
        log("calls.py --strict: missed: " + "; ".join(misses))
        code = 1
    if tool_failed or errors:
        code = 3

    if a.json:
        doc = {"machine": info, "settings": {k: v for k, v in vars(a).items()}, "table": table,
               "comparisons": results, "commands": bench.commands, "exit_code": code}
        with open(a.json, "w") as f:
            json.dump(doc, f, indent=2, default=str)
    if a.keep:
        log(f"work directory kept: {bench.work}")
    else:
        shutil.rmtree(bench.work, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
