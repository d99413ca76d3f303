"""Shared pieces of the imgfed benchmark suites (python3, stdlib only).

A suite is an executable under ops/bench/suites/ that builds a `Session`, starts what it measures through it
(imgfed daemons, a loopback nginx with its own prefix and config), records figures, and writes
ops/bench/results/<suite>.json. The session owns every process and temp file it made: they are removed when
the suite ends, fails, or is interrupted (SIGINT/SIGTERM/SIGHUP are turned into an orderly exit, which runs
the same cleanup a bash `trap ... EXIT` would).

Every figure carries the exact command that produced its samples, so a reader can re-run one by hand.
"""

import atexit
import datetime
import hashlib
import http.client
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
import uuid as uuidlib

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(BENCH_DIR))
RESULTS_DIR = os.environ.get("BENCH_RESULTS") or os.path.join(BENCH_DIR, "results")
SCHEMA = 1
CLK_TCK = os.sysconf("SC_CLK_TCK")
OWNER = "930896af-bf8c-48d4-885c-6573a94b1853"

MiB = 1 << 20
GiB = 1 << 30


def log(msg):
    print("[bench] " + msg, file=sys.stderr, flush=True)


def fmt_cmd(argv):
    return " ".join(shlex.quote(str(a)) for a in argv)


def median(xs):
    return statistics.median(xs) if xs else None


# ---------------------------------------------------------------------------------------------------------
# Machine description (goes into every result file and the intro of BENCHMARKS.md)

def _first_line(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        text = (out.stdout or out.stderr).strip()
        return text.splitlines()[0] if text else ""
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine(path):
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    fs = _first_line(["findmnt", "-n", "-o", "SOURCE,FSTYPE", "--target", path])
    commit = _first_line(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem / GiB, 1),
        "kernel": platform.release(),
        "jdk": _first_line(["java", "-version"]),
        "nginx": _first_line(["nginx", "-v"]),
        "curl": _first_line(["curl", "--version"]).split(" (")[0],
        "wrk": _first_line(["wrk", "-v"]).split(" [")[0],
        "filesystem": fs,
        "tmp": path,
        "commit": commit + ("+dirty" if dirty else ""),
    }


# ---------------------------------------------------------------------------------------------------------
# Process CPU accounting: how much CPU a process group burned while a figure was measured. On a 2-core
# machine where client and server share the CPUs, this is what shows who the bottleneck is.

def _pgrp_cpu_ticks(pgid):
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        # fields[0] is state (field 3); pgrp is field 5, utime 14, stime 15
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total


def thread_cpu(pid):
    """CPU seconds per thread name (digits folded: `vert.x-eventloop-thread-N`) of one process: what `top -H`
    shows, summed. Linux truncates thread names to 15 characters."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                stat = f.read()
        except OSError:
            continue
        name = re.sub(r"\d+", "N", stat[stat.index("(") + 1:stat.rindex(")")])
        fields = stat[stat.rindex(")") + 2:].split()
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


class ThreadMeter:
    """CPU seconds per thread name of one process during a measurement (the evidence of who is busy)."""

    def __init__(self, pid):
        self.pid = pid

    def __enter__(self):
        self.t0 = time.monotonic()
        self.before = thread_cpu(self.pid)
        return self

    def __exit__(self, *exc):
        self.wall = time.monotonic() - self.t0
        after = thread_cpu(self.pid)
        self.seconds = {k: v - self.before.get(k, 0.0) for k, v in after.items()}
        return False

    def summary(self, top=6):
        """`name 0.93` (cores) for the busiest thread groups."""
        busy = sorted(((v, k) for k, v in self.seconds.items() if v > 0), reverse=True)[:top]
        return ", ".join("%s %.2f" % (k, v / self.wall) for v, k in busy)


def system_busy_seconds():
    """CPU seconds the whole machine spent busy (all cores, everything but idle and iowait) since boot."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return (sum(v[:8]) - idle) / CLK_TCK


class CpuMeter:
    """CPU seconds used by process groups (daemons, nginx), by this suite's children (curl, wrk, dd), and
    by everything else on the machine ("background": other people's builds and tests on a shared box)."""

    def __init__(self, **pgids):
        self.pgids = pgids

    def __enter__(self):
        self.t0 = time.monotonic()
        self.ticks0 = {k: _pgrp_cpu_ticks(v) for k, v in self.pgids.items()}
        r = os.times()
        self.children0 = r.children_user + r.children_system
        self.self0 = r.user + r.system
        self.busy0 = system_busy_seconds()
        return self

    def __exit__(self, *exc):
        self.wall = time.monotonic() - self.t0
        busy = system_busy_seconds() - self.busy0
        self.seconds = {k: (_pgrp_cpu_ticks(v) - self.ticks0[k]) / CLK_TCK for k, v in self.pgids.items()}
        r = os.times()
        self.seconds["client"] = r.children_user + r.children_system - self.children0 + (r.user + r.system - self.self0)
        self.seconds["background"] = max(0.0, busy - sum(self.seconds.values()))
        return False

    def cores(self):
        """Average number of cores each party kept busy."""
        return {k: round(v / self.wall, 2) for k, v in self.seconds.items()} if self.wall > 0 else {}


_quiet_default = 90


def wait_quiet(max_wait=None, threshold=0.3):
    """Waits (up to BENCH_QUIET_WAIT seconds, default 90) until the machine has been nearly idle (< threshold
    cores busy) for two seconds, so that a figure is not taken while someone else's build runs.
    Returns the busy cores seen last; logs when it gives up."""
    if max_wait is None:
        max_wait = float(os.environ.get("BENCH_QUIET_WAIT", str(_quiet_default)))
    t0 = time.monotonic()
    calm = 0
    last = 0.0
    waited = False
    while True:
        b0 = system_busy_seconds()
        time.sleep(1)
        last = system_busy_seconds() - b0
        calm = calm + 1 if last < threshold else 0
        if calm >= 2:
            if waited:
                log("machine quiet again after %.0fs" % (time.monotonic() - t0))
            return last
        if time.monotonic() - t0 > max_wait:
            log("machine still busy (%.1f cores) after %.0fs; measuring anyway" % (last, max_wait))
            return last
        if not waited and time.monotonic() - t0 > 3:
            log("waiting for the machine to be quiet (%.1f cores busy by others)..." % last)
            waited = True


# ---------------------------------------------------------------------------------------------------------
# Session: temp dir, child processes, cleanup, results

class Session:
    def __init__(self, suite, argv=None, options=None):
        """`options(parser)`: adds the suite's own command-line options (read back from `self.args`)."""
        import argparse
        p = argparse.ArgumentParser(prog="ops/bench/suites/" + suite)
        p.add_argument("--quick", action="store_true", help="small sizes and short runs (a smoke test)")
        if options is not None:
            options(p)
        self.args = p.parse_args(argv)
        self.suite = suite
        self.quick = self.args.quick
        global _quiet_default
        _quiet_default = 10 if self.quick else 90
        base = os.environ.get("BENCH_TMP") or tempfile.gettempdir()
        os.makedirs(base, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix="imgfed-bench-%s-" % suite, dir=base)
        self.procs = []
        self.figures = []
        self.notes = []
        self.params = {}
        self.background = []
        self.failures = []
        self.profiles = {}
        self.charts = []
        self.started = datetime.datetime.now(datetime.timezone.utc)
        self.t0 = time.monotonic()
        self._cleaned = False
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        atexit.register(self.cleanup)
        log("%s: temp dir %s%s" % (suite, self.tmp, " (quick)" if self.quick else ""))

    def _on_signal(self, signum, frame):
        raise SystemExit(128 + signum)

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        if et is not None and et is not SystemExit:
            for p in self.procs:
                if p.poll() is not None:
                    log("%s (pid %d) had exited with code %s%s" % (
                        os.path.basename(str(p.argv[0])), p.pid, p.returncode,
                        " (143: SIGTERM, 137: SIGKILL from outside this suite)" if p.returncode in (143, 137) else ""))
                if getattr(p, "log_path", None) and os.path.exists(p.log_path):
                    log("last lines of %s:" % p.log_path)
                    with open(p.log_path, errors="replace") as f:
                        for line in f.readlines()[-25:]:
                            print("    " + line.rstrip(), file=sys.stderr)
        self.cleanup()
        if et is None and self.failures:
            # the figures that could be taken are written; the suite still fails, so `ops/bench/run` does
            log("%s: %d part(s) failed: %s" % (self.suite, len(self.failures), "; ".join(self.failures)))
            raise SystemExit(1)
        return False

    def fail(self, what, exc):
        """Records that one part of the suite (say one baseline) failed, so the others' figures are kept but
        the suite exits non-zero when it ends."""
        msg = "%s could not be measured in this run: %s" % (what, exc)
        log(msg)
        self.failures.append(msg)
        self.notes.append(msg)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def spawn(self, argv, log_name, env=None, cwd=None):
        """Starts a long-running child in its own process group (so it and its children are ended together)."""
        log_path = self.path(log_name)
        out = open(log_path, "ab")
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                             cwd=cwd, start_new_session=True)
        out.close()
        p.log_path = log_path
        p.argv = argv
        self.procs.append(p)
        return p

    def stop(self, p, timeout=20):
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(10)
        if p in self.procs:
            self.procs.remove(p)

    def cleanup(self):
        if self._cleaned:
            return
        self._cleaned = True
        for p in reversed(list(self.procs)):
            try:
                self.stop(p)
            except Exception as e:  # keep cleaning the rest
                log("could not stop %s: %s" % (p.pid, e))
        if os.environ.get("BENCH_KEEP"):
            log("BENCH_KEEP set: leaving %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- results ------------------------------------------------------------------------------------------

    def figure(self, fid, label, value, unit, command, samples=None, target=None, meets=None, detail=None,
               profile=None):
        """`profile`: the name of a `self.profile(...)` shown beside this figure when it misses its target."""
        fig = {"id": fid, "label": label, "value": value, "unit": unit, "command": command}
        if profile is not None:
            fig["profile"] = profile
        if samples is not None:
            fig["samples"] = samples
        if target is not None:
            fig["target"] = target
            fig["meets"] = meets
        if detail:
            fig["detail"] = detail
        self.figures.append(fig)
        shown = ("%.4g" % value) if isinstance(value, float) else str(value)
        log("%s: %s %s%s" % (label, shown, unit, "" if target is None else
                              "  (target %s: %s)" % (target, "met" if meets else "MISSED")))
        return fig

    def measured(self, meter):
        """Remembers how busy the rest of the machine was while `meter` ran (summarised in the results)."""
        self.background.append(meter.cores().get("background", 0.0))
        return meter

    def quiet_measure(self, fn, pgids, attempts=None, tolerance=0.25):
        """Runs `fn()` under a CpuMeter once the machine is quiet; when other processes still took more than
        `tolerance` cores during it, runs it again (BENCH_ATTEMPTS times at most, default 3, 1 in quick mode)
        and keeps the least disturbed run. Returns (result, meter, attempts made)."""
        if attempts is None:
            attempts = int(os.environ.get("BENCH_ATTEMPTS", "1" if self.quick else "3"))
        best = None
        for i in range(1, attempts + 1):
            wait_quiet()
            with CpuMeter(**pgids) as m:
                r = fn()
            bg = m.cores().get("background", 0.0)
            if best is None or bg < best[1].cores().get("background", 0.0):
                best = (r, m, i)
            if bg <= tolerance:
                break
            if i < attempts:
                log("others used %.2f cores during that measurement; measuring again (%d/%d)" % (bg, i + 1, attempts))
        self.measured(best[1])
        return best[0], best[1], i

    def note(self, text):
        self.notes.append(text)

    def chart(self, title, unit, bars, targets=(), better=None):
        """A side-by-side comparison that `ops/bench/report` draws as an SVG bar chart next to the table.
        `bars`: [(label, figure id, is_imgfed)]; `targets`: [{"label", and "value" or "of" (a figure id) with
        "factor", optional "bars": [figure ids] the target applies to (default: all)}]."""
        self.charts.append({"title": title, "unit": unit, "better": better,
                            "bars": [{"label": l, "figure": f, "imgfed": bool(i)} for l, f, i in bars],
                            "targets": list(targets)})

    # -- profiles: the evidence beside a figure that misses its target ---------------------------------

    def profile(self, name, pid, fn, what):
        """Runs `fn()` (an untimed extra run of what a figure measured) while JFR records the JVM `pid`
        (`jcmd JFR.start`, settings=profile), then keeps the hot methods (`ops/bench/jfr-hot`) under `name`.
        The timed runs are never recorded, so profiling does not change the figures. BENCH_JFR=0 turns it off;
        a missing jcmd or jfr skips it with a note. Returns fn()'s result (None when skipped)."""
        if os.environ.get("BENCH_JFR") == "0":
            return None
        missing = [t for t in ("jcmd", "jfr") if not shutil.which(t)]
        if missing:
            self.note("No JFR profile for %s: %s not on PATH (part of a JDK)." % (what, " and ".join(missing)))
            return None
        os.makedirs(RESULTS_DIR, exist_ok=True)
        rec = os.path.join(RESULTS_DIR, "%s-%s.jfr" % (self.suite, name))
        tag = "bench-" + name
        start = ["jcmd", str(pid), "JFR.start", "name=" + tag, "settings=profile"]
        r = subprocess.run(start, capture_output=True, text=True, timeout=120)
        if r.returncode != 0 or "Started recording" not in r.stdout:
            self.note("No JFR profile for %s: `%s` said %s" % (what, fmt_cmd(start), (r.stdout + r.stderr).strip()[:200]))
            return None
        try:
            result = fn()
        finally:
            subprocess.run(["jcmd", str(pid), "JFR.stop", "name=" + tag, "filename=" + rec],
                           capture_output=True, text=True, timeout=300)
        hot = [os.path.join(BENCH_DIR, "jfr-hot"), rec, "--top", "8"]
        r = subprocess.run(hot, capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            self.note("No JFR profile for %s: jfr-hot failed: %s" % (what, r.stderr.strip()[-300:]))
            return result
        self.profiles[name] = {"what": what, "kind": "jfr", "file": rec,
                               "command": fmt_cmd(["ops/bench/jfr-hot", os.path.relpath(rec, ROOT), "--top", "8"]),
                               "text": r.stdout.strip()}
        log("JFR profile of %s: %s" % (what, rec))
        return result

    def histogram(self, name, pid, what, top=15):
        """The heap's biggest classes (`jcmd GC.class_histogram`, after a full GC) of the JVM `pid`: the
        evidence beside a heap figure that misses its target."""
        if os.environ.get("BENCH_JFR") == "0" or not shutil.which("jcmd"):
            return
        argv = ["jcmd", str(pid), "GC.class_histogram"]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            self.note("No class histogram for %s: %s" % (what, (r.stdout + r.stderr).strip()[:200]))
            return
        lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
        head = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("num")), 0)
        total = next((ln for ln in lines if ln.startswith("Total")), "")
        self.profiles[name] = {"what": what, "kind": "histogram", "command": "jcmd PID GC.class_histogram",
                               "text": "\n".join(lines[head:head + 2 + top] + ([total] if total else []))}

    def write(self):
        os.makedirs(RESULTS_DIR, exist_ok=True)
        doc = {
            "schema": SCHEMA,
            "suite": self.suite,
            "quick": self.quick,
            "started_at": self.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration_s": round(time.monotonic() - self.t0, 1),
            "machine": machine(self.tmp),
            "params": self.params,
            "figures": self.figures,
            "notes": self.notes,
        }
        if self.charts:
            doc["charts"] = self.charts
        if self.profiles:
            doc["profiles"] = self.profiles
        if self.failures:
            doc["failures"] = self.failures
        if self.background:
            doc["background_cores"] = {"median": round(median(self.background), 2),
                                       "max": round(max(self.background), 2), "samples": len(self.background)}
        out = os.path.join(RESULTS_DIR, self.suite + ".json")
        with open(out + ".tmp", "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        os.replace(out + ".tmp", out)
        log("wrote %s" % out)
        return out


# ---------------------------------------------------------------------------------------------------------
# Ports, files

_taken_ports = set()


def free_port():
    """A port that is free now, below the kernel's ephemeral range (so that no outgoing connection takes it
    between this check and the server's bind) and not handed out before in this run."""
    import random
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError):
        low = 32768
    rnd = random.Random()
    for _ in range(1000):
        port = rnd.randrange(20000, min(low, 32768))
        if port in _taken_ports:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken_ports.add(port)
        return port
    raise RuntimeError("no free port found")


def random_file(path, size):
    """A file of `size` random bytes (incompressible, so nothing along the way can cheat)."""
    with open("/dev/urandom", "rb") as src, open(path, "wb") as dst:
        left = size
        while left:
            chunk = src.read(min(left, 8 * MiB))
            dst.write(chunk)
            left -= len(chunk)
    return path


def sha1_of(path):
    h = hashlib.sha1()
    with open(path, "rb") as f:
        while True:
            b = f.read(8 * MiB)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def warm(path):
    """Reads a file once so that it sits in the page cache."""
    with open(path, "rb") as f:
        while f.read(8 * MiB):
            pass


def sync():
    subprocess.run(["sync"], check=False)


_ZEROS = bytes(8 * MiB)


def recycle_pages(directory, size):
    """Writes `size` bytes to a scratch file in `directory`, makes them durable and deletes the file, then syncs:
    the next `size` bytes written, by whoever is measured next, land in page-cache pages the kernel just got
    back. On a VM whose guest hands free memory back to the host, a write into a page not recently freed costs
    a fault on the host: dd conv=fsync of 1 GiB took 2.6-2.9 CPU s on such pages here and 0.7 on recycled ones.
    Without this, whoever ran after a file was deleted (dd's output, a source file) wrote at the cheap price and
    whoever ran after nothing was deleted at the dear one; every contender writing a file gets this first."""
    if size <= 0:
        sync()
        return
    path = os.path.join(directory, ".bench-recycle")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        left = size
        while left > 0:
            left -= os.write(fd, _ZEROS[:min(left, len(_ZEROS))])
        os.fsync(fd)
    finally:
        os.close(fd)
        os.unlink(path)
    sync()


# ---------------------------------------------------------------------------------------------------------
# imgfed daemon

class Daemon:
    """One `./imgfed serve` with its own config, data dir, ports and federation cluster name."""

    def __init__(self, session, name="imgfed", extra_config="", dc="bench", cluster=None, peer_extra="",
                 federation_extra=""):
        """`cluster`: a federation cluster name shared by the daemons of one suite (default: this one's own);
        `peer_extra`, `federation_extra`: more keys for those sections (say `tls: {...}`, `members: [...]`)."""
        self.s = session
        self.name = name
        self.dc = dc
        self.dir = session.path(name)
        os.makedirs(self.dir)
        self.port = free_port()
        self.peer_port = free_port()
        self.fed_port = free_port()
        self.cluster = cluster or "bench-%d-%s" % (os.getpid(), name)
        self.peer_extra = peer_extra
        self.federation_extra = federation_extra
        self.extra_config = extra_config
        self.config = os.path.join(self.dir, "imgfed.yaml")
        self.base = "http://127.0.0.1:%d" % self.port
        self.proc = None

    def write_config(self):
        with open(self.config, "w") as f:
            f.write(
                "dc: %s\n"
                "data: {dir: %s, capacity: 1TiB}\n"
                "http: {host: 127.0.0.1, port: %d}\n"
                "peer: {host: 127.0.0.1, port: %d%s}\n"
                "federation: {cluster: %s, host: 127.0.0.1, port: %d%s}\n%s"
                % (self.dc, os.path.join(self.dir, "data"), self.port, self.peer_port,
                   ", " + self.peer_extra if self.peer_extra else "", self.cluster, self.fed_port,
                   ", " + self.federation_extra if self.federation_extra else "", self.extra_config))

    def start(self, timeout=180):
        env = dict(os.environ)
        jfr = os.environ.get("BENCH_JFR")
        if jfr:
            os.makedirs(RESULTS_DIR, exist_ok=True)
            rec = os.path.join(RESULTS_DIR, "%s-%s.jfr" % (self.s.suite, self.name))
            env["IMGFED_JAVA_OPTS"] = (env.get("IMGFED_JAVA_OPTS", "") +
                                       " -XX:StartFlightRecording=filename=%s,settings=%s,dumponexit=true"
                                       % (rec, "profile" if jfr == "1" else jfr)).strip()
            log("JFR recording to %s" % rec)
        self.write_config()
        argv = [os.path.join(ROOT, "imgfed"), "serve", "--config", self.config]
        self.argv = argv
        t0 = time.monotonic()
        self.proc = self.s.spawn(argv, self.name + ".log", env=env, cwd=self.dir)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %s during start" % (self.name, self.proc.returncode))
            try:
                status, _ = self.request("GET", "/ping", timeout=2)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() - t0 > timeout:
                raise RuntimeError("%s did not answer /ping within %ds" % (self.name, timeout))
            time.sleep(0.2)
        self.start_seconds = time.monotonic() - t0
        log("%s up on %s in %.1fs (pid %d)" % (self.name, self.base, self.start_seconds, self.proc.pid))
        return self

    def stop(self):
        if self.proc is not None:
            self.s.stop(self.proc)

    @property
    def pid(self):
        return self.proc.pid

    def request(self, method, path, body=None, headers=None, timeout=60, conn=None):
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, data
        finally:
            if conn is None:
                c.close()

    def json(self, method, path, body=None, conn=None, expect=(200,)):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        status, data = self.request(method, path, json.dumps(body).encode() if body is not None else None,
                                    headers, conn=conn)
        if status not in expect:
            raise RuntimeError("%s %s -> %d %s" % (method, path, status, data[:300]))
        return json.loads(data) if data else None

    def create_image(self, name, version="1.0.0", conn=None):
        return self.json("POST", "/images", {"owner": OWNER, "name": name, "version": version,
                                             "type": "zone-dataset", "os": "smartos"}, conn=conn)["uuid"]

    def add_file_bytes(self, uuid, data, conn=None):
        sha1 = hashlib.sha1(data).hexdigest()
        status, body = self.request("PUT", "/images/%s/file?compression=none&sha1=%s" % (uuid, sha1), data,
                                    {"Content-Type": "application/octet-stream"}, conn=conn)
        if status != 200:
            raise RuntimeError("AddImageFile %s -> %d %s" % (uuid, status, body[:300]))

    def activate(self, uuid, conn=None):
        return self.json("POST", "/images/%s?action=activate" % uuid, conn=conn)

    def upload_cmd(self, uuid, path, sha1):
        """The curl command of an AddImageFile of `path` (used for big files, so the client is not Python).

        `-T` (upload-file, a PUT) streams the file; `--data-binary @file` would first read all of it into
        curl's memory, and curl 7.88 refuses that for 1 GiB ("option --data-binary: out of memory").
        """
        return ["curl", "-sS", "-T", path, "-H", "Expect:", "-H", "Content-Type: application/octet-stream",
                "-o", "/dev/null",
                "-w", "%{http_code} %{size_upload} %{time_starttransfer} %{time_total}\\n",
                "%s/images/%s/file?compression=none&sha1=%s" % (self.base, uuid, sha1)]

    def blob_path(self, sha1):
        for dirpath, _, files in os.walk(os.path.join(self.dir, "data")):
            if sha1 in files:
                return os.path.join(dirpath, sha1)
        raise RuntimeError("blob %s not found under %s" % (sha1, self.dir))


# ---------------------------------------------------------------------------------------------------------
# nginx on loopback, with its own prefix and config (never the system's)

class Nginx:
    def __init__(self, session, locations, name="nginx", worker_processes=1, http_extra=""):
        """`locations`: nginx `location` blocks (text) for the one server; `http_extra`: more directives at
        `http` level (say a `log_format` or a `proxy_cache_path`)."""
        self.s = session
        self.dir = session.path(name)
        os.makedirs(os.path.join(self.dir, "logs"))
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.conf = os.path.join(self.dir, "nginx.conf")
        d = self.dir
        user = "user root;\n" if os.geteuid() == 0 else ""
        with open(self.conf, "w") as f:
            f.write(f"""# generated by ops/bench for one run; prefix {d}
{user}daemon off;
master_process on;
worker_processes {worker_processes};
pid {d}/nginx.pid;
error_log {d}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    default_type application/octet-stream;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
{http_extra}    server {{
        listen 127.0.0.1:{self.port};
{locations}
    }}
}}
""")
        self.proc = None

    def argv(self):
        return ["nginx", "-p", self.dir + "/", "-e", os.path.join(self.dir, "logs", "error.log"), "-c", self.conf]

    def start(self, timeout=20):
        t = subprocess.run(self.argv() + ["-t"], capture_output=True, text=True)
        if t.returncode != 0:
            raise RuntimeError("nginx config test failed: " + t.stderr)
        self.proc = self.s.spawn(self.argv(), "nginx.log")
        t0 = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited with %s" % self.proc.returncode)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if time.monotonic() - t0 > timeout:
                    raise RuntimeError("nginx did not listen on %d" % self.port)
                time.sleep(0.05)
        log("nginx up on %s (pid %d, config %s)" % (self.base, self.proc.pid, self.conf))
        return self

    @property
    def pid(self):
        return self.proc.pid


def proxy_cache_nginx(session, upstream, name="nginx-cache"):
    """nginx `proxy_cache` in front of `upstream` (host:port), cache on the session's disk, with
    `proxy_cache_lock` (lock timeout and age raised to 600 s: the 5 s defaults would let clients that wait for
    a big file go upstream too). nginx writes the cache file while it streams to the first client; it never
    fsyncs it. Started; `.cache_dir` is where the cached files go."""
    cache = session.path(name + "-store")
    os.makedirs(cache)
    ng = Nginx(session, """        location / {
            proxy_pass http://%s;
            proxy_cache files;
            proxy_cache_valid 200 1h;
            proxy_cache_lock on;
            proxy_cache_lock_timeout 600s;
            proxy_cache_lock_age 600s;
            proxy_read_timeout 600s;
        }""" % upstream, name=name,
               http_extra="    proxy_cache_path %s keys_zone=files:10m max_size=20g inactive=1h use_temp_path=off;\n"
               % cache)
    ng.cache_dir = cache
    return ng.start()


# ---------------------------------------------------------------------------------------------------------
# Clients

CURL_W = "%{http_code} %{size_download} %{time_starttransfer} %{time_total}\\n"


def curl_get_cmd(url):
    return ["curl", "-sS", "-o", "/dev/null", "-w", CURL_W, url]


def run_curl(argv):
    """Runs a curl built with a `-w` of code, bytes, time_starttransfer, time_total; returns those."""
    out = subprocess.run(argv, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (fmt_cmd(argv), out.returncode, out.stderr.strip()))
    code, size, ttfb, total = out.stdout.split()
    return {"code": int(code), "bytes": int(float(size)), "ttfb": float(ttfb), "total": float(total)}


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not m:
        raise ValueError("not a wrk duration: " + text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(url, threads=2, connections=32, duration=20):
    """Runs wrk with --latency; returns requests/s, latency percentiles (ms), errors and the command."""
    argv = ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % duration, "--latency", url]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 120)
    if out.returncode != 0:
        raise RuntimeError("%s failed: %s" % (fmt_cmd(argv), out.stderr))
    text = out.stdout
    res = {"command": fmt_cmd(argv), "raw": text}
    m = re.search(r"Requests/sec:\s*([\d.]+)", text)
    res["rps"] = float(m.group(1))
    m = re.search(r"(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read", text)
    res["requests"] = int(m.group(1))
    pct = {}
    for p, v in re.findall(r"^\s+(\d+)%\s+([\d.]+\w+)\s*$", text, re.M):
        pct[int(p)] = _ms(v)
    res["p50_ms"], res["p75_ms"], res["p90_ms"], res["p99_ms"] = pct.get(50), pct.get(75), pct.get(90), pct.get(99)
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", text)
    res["socket_errors"] = m.group(1).strip() if m else ""
    m = re.search(r"Latency\s+([\d.]+\w+)\s+([\d.]+\w+)\s+([\d.]+\w+)", text)
    if m:
        res["mean_ms"], res["stdev_ms"], res["max_ms"] = _ms(m.group(1)), _ms(m.group(2)), _ms(m.group(3))
    return res


# ---------------------------------------------------------------------------------------------------------
# Markdown (shared by `run`, which prints it, and `report`, which puts it into BENCHMARKS.md)

def _fmt(v, unit):
    if v is None:
        return "—"
    if isinstance(v, float):
        if unit in ("ratio",):
            return "%.2f" % v
        if abs(v) >= 100:
            s = "{:,.0f}".format(v)
        elif abs(v) >= 10:
            s = "%.1f" % v
        else:
            s = "%.2f" % v
    else:
        s = "{:,}".format(v) if isinstance(v, int) else str(v)
    return s if unit in ("", "ratio") else "%s %s" % (s, unit)


def markdown(doc, charts=()):
    """The suite's Markdown section; `charts`: [(title, link)] of its SVG charts, shown under the table."""
    m = doc["machine"]
    lines = []
    kind = "quick run (`--quick`, smaller sizes: not the reference figures)" if doc.get("quick") else "full run"
    lines.append("Results of `ops/bench/run %s%s` — %s, %s, commit `%s`, %d cores, %s; took %ss."
                 % ("--quick " if doc.get("quick") else "", doc["suite"], kind, doc["started_at"], m["commit"],
                    m["cores"], m["jdk"], doc["duration_s"]))
    lines.append("")
    lines.append("| # | figure | value | target | met |")
    lines.append("|---|---|---|---|---|")
    profiles = doc.get("profiles") or {}
    shown = []  # profiles beside missed figures, in order of first use
    for i, f in enumerate(doc["figures"], 1):
        met = "" if f.get("target") is None else ("yes" if f.get("meets") else "**no**")
        if f.get("target") is not None and not f.get("meets") and f.get("profile") in profiles:
            if f["profile"] not in shown:
                shown.append(f["profile"])
            met += " (profile P%d)" % (shown.index(f["profile"]) + 1)
        lines.append("| %d | %s | %s | %s | %s |" % (i, f["label"], _fmt(f["value"], f["unit"]),
                                                     f.get("target", ""), met))
    for title, link in charts:
        lines.append("")
        lines.append("![%s](%s)" % (title.replace("]", ")").replace("[", "("), link))
    details = [(i, f) for i, f in enumerate(doc["figures"], 1) if f.get("detail")]
    if details:
        lines.append("")
        for i, f in details:
            lines.append("- (%d) %s" % (i, f["detail"]))
    notes = list(doc.get("notes") or [])
    bg = doc.get("background_cores")
    if bg:
        notes.append("Background load (CPU used by other processes on this shared machine while figures were "
                     "taken): median %.2f, max %.2f cores over %d measurements." % (bg["median"], bg["max"],
                                                                                   bg["samples"]))
    if notes:
        lines.append("")
        for n in notes:
            lines.append("- " + n)
    for k, name in enumerate(shown, 1):
        p = profiles[name]
        missed = [str(i) for i, f in enumerate(doc["figures"], 1)
                  if f.get("profile") == name and f.get("target") is not None and not f.get("meets")]
        kind = "JFR profile" if p.get("kind") == "jfr" else "Heap histogram"
        lines.append("")
        lines.append("<details><summary>P%d: %s of %s (beside figure%s %s, which miss%s the target)</summary>"
                     % (k, kind, p["what"], "s" if len(missed) > 1 else "", ", ".join(missed),
                        "" if len(missed) > 1 else "es"))
        lines.append("")
        lines.append("`%s`" % p["command"])
        lines.append("")
        lines.append("```text")
        lines.append(p["text"])
        lines.append("```")
        lines.append("</details>")
    lines.append("")
    lines.append("Commands (by figure #; ports and paths are the run's own temp ones):")
    lines.append("")
    lines.append("```")
    seen = {}
    for i, f in enumerate(doc["figures"], 1):
        cmd = f.get("command")
        if not cmd:
            continue
        if cmd in seen:
            continue
        same = [j for j, g in enumerate(doc["figures"], 1) if g.get("command") == cmd]
        seen[cmd] = True
        lines.append("# %s" % ", ".join(str(j) for j in same))
        lines.append(cmd)
    lines.append("```")
    return "\n".join(lines)
