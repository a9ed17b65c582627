# The grading library behind grade-lab6: declaring tests, building once, booting QEMU through make
# with the serial console captured, judging its output, and never leaving a QEMU behind.
"""Test library for grade-lab6 (Python 3 standard library only).

Four ways to declare a test; they run in declaration order:

    test("printf", expect=[r"^selftest printf: ok$", prompt(r"K> ")], reject=[r"FAILED"])

    @test("hello", run="hello", timeout=30)       # make prep-hello, then make run-hello-nox
    def _(q):                                     # q: a Qemu handle on the running guest
        q.expect(r"hello, world")

    host_test("printfmt", target="obj/tests/printfmt", expect=[r"all passed"])

    @source_test("tables")                        # runs in the grader: checks the sources
    def _():
        fail("...")                               # with what disagrees

A kernel test passes when every `expect` regex appears in order, then the function (if any)
returns, and no `reject` regex (plus the defaults set with defaults()) matches any line of the
console output.  Regexes use re.MULTILINE; carriage returns are removed from the output.
An expectation is matched against complete lines only, so that `irq (\d+)$` cannot match
"irq 1" while the "1" of "irq 11" is still on its way; a prompt, which no newline follows, is
declared with prompt(rx) and may match the unfinished last line.

The handle q: q.expect(rx), q.send(text), q.cmd("help") (type a monitor command, return its
output), q.output, q.remaining(), q.ports["GDBPORT" / "PORT7" / "PORT80"], q.qemu_pid(),
q.cpu_time(), q.wait_exit(), q.stop() (then qemu.pcap is complete).  Helpers for test code:
fail, assert_match, free_port, source_line, read_symbols, read_pcap.  Type into the monitor only
after its prompt: what arrives before the kernel has set up the serial port is lost.
"""

import argparse
import atexit
import codecs
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback

__all__ = ["test", "host_test", "source_test", "defaults", "main", "Console", "Qemu",
           "TestFailure", "fail", "prompt", "assert_match", "free_port", "source_line",
           "read_symbols", "read_pcap", "ROOT"]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_settings = {
    "timeout": 30,          # seconds a kernel or host test may run, unless it says otherwise
    "build_timeout": 900,   # seconds for one make that builds (the first one may install packages)
    "reject": [],           # regexes that fail every kernel test (e.g. a kernel panic)
    "grace": 5,             # seconds between SIGTERM and SIGKILL when stopping a process group
    "tail": 40,             # console lines shown when a test fails
}


def defaults(**settings):
    """Change the settings above for all tests, e.g. defaults(reject=[r"kernel panic at"])."""
    unknown = set(settings) - set(_settings)
    if unknown:
        raise TypeError("unknown setting(s): %s" % ", ".join(sorted(unknown)))
    _settings.update(settings)


class Prompt(str):
    """A pattern that may match the unfinished last line of output (see prompt())."""


def prompt(pattern):
    """Mark pattern as a prompt: text that no newline follows, such as the monitor's "K> "."""
    return Prompt(pattern)


class TestFailure(Exception):
    """A test's verdict.  The message says which expectation failed; `output` is what to show."""

    def __init__(self, message, output=None):
        super().__init__(message)
        self.output = output


def fail(message, output=None):
    raise TestFailure(message, output)


def assert_match(pattern, text, message=None):
    """Return the first match of pattern in text, or fail showing the text searched."""
    m = re.search(pattern, text, re.M)
    if not m:
        fail("%s\n  (no match for /%s/ in the text below)"
             % (message or "unexpected output", pattern), text)
    return m


# ---- Declaring tests -----------------------------------------------------------------------

class _Test:
    def __init__(self, name, runner, **opts):
        self.name, self.runner, self.fn = name, runner, None
        self.__dict__.update(opts)


_tests = []


def _register(t):
    if any(old.name == t.name for old in _tests):
        raise ValueError("test %r declared twice" % t.name)
    _tests.append(t)
    return t


def test(name, *, run=None, net=False, cpus=1, timeout=None, expect=(), reject=(),
         qemuextra="", make_args=(), panics=False):
    """Declare a test that boots the kernel.  Use it as a decorator to add a function f(q).

    run="NAME" boots user program NAME (make prep-NAME, then run-NAME-nox) instead of the monitor;
    net=True adds the e1000 (the -net targets, free PORT7/PORT80 chosen, qemu.pcap written);
    cpus sets CPUS; qemuextra and make_args pass through to make; panics=True drops the
    default rejects (for the one test whose point is the kernel's panic report).
    """
    t = _register(_Test(name, _run_kernel_test, run=run, net=net, cpus=cpus, timeout=timeout,
                        expect=list(expect), reject=list(reject), qemuextra=qemuextra,
                        make_args=list(make_args), panics=panics))

    def decorate(fn):
        t.fn = fn
        return fn
    return decorate


def host_test(name, target=None, cmd=None, *, expect=(), reject=(), status=0, timeout=None):
    """Declare a test that runs a command on the host: make `target` (if given), then run cmd
    (default: the target itself), and require exit status `status` and the regexes in order."""
    if cmd is None and target is None:
        raise ValueError("host_test %r needs a target or a cmd" % name)
    return _register(_Test(name, _run_host_test, target=target, cmd=list(cmd or [target]),
                           expect=list(expect), reject=list(reject), status=status,
                           timeout=timeout))


def source_test(name):
    """Declare a test that checks the sources themselves, in the grader (no QEMU): use it as a
    decorator on a function f() that calls fail() with what is wrong.  It runs even when the
    build failed: it may say why."""
    t = _register(_Test(name, lambda t: t.fn(), needs_build=False))

    def decorate(fn):
        t.fn = fn
        return fn
    return decorate


# ---- Process groups --------------------------------------------------------------------------
# Every command runs in a session (so a process group) of its own: one signal then reaches make,
# QEMU and anything else they started, and a Ctrl-C at the terminal reaches only the grader.

_live = {}  # pgid -> Popen: groups started and not yet known to be gone


def _kill_all_now():
    for pgid in list(_live):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass


def _on_signal(signum, frame):
    # Unwind like Ctrl-C does, so the `finally` clauses stop QEMU gracefully; atexit is the net.
    raise KeyboardInterrupt("signal %d" % signum)


def _proc_stat(pid):
    """(comm, fields after comm) of /proc/PID/stat; fields[0] is the state (field 3 in proc(5))."""
    with open("/proc/%d/stat" % pid) as f:
        stat = f.read()
    return stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()


def _group_members(pgid):
    """Live (not zombie) processes in group pgid, as (pid, comm)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                comm, fields = _proc_stat(int(entry))
            except (OSError, ValueError):
                continue  # it exited while we looked
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append((int(entry), comm))
    return members


def _make_env():
    # Under `make -jN grade` MAKEFLAGS names a jobserver whose descriptors we do not pass on;
    # drop it so that our makes run their own -jN without a warning.  An unbounded -j goes too.
    # Variable overrides (`make grade V=1`) stay.
    env = dict(os.environ)
    flags = [w for w in env.get("MAKEFLAGS", "").split()
             if not w.startswith("--jobserver") and w != "-j"]
    env["MAKEFLAGS"] = " ".join(flags)
    return env


class _Group:
    """A command in a process group of its own.  A thread collects its stdout and stderr, so the
    guest never stalls on a full pipe, and wakes waiters through a condition variable."""

    def __init__(self, argv, echo=False, stdin=False):
        self.argv = argv
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, env=_make_env(), start_new_session=True,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        _live[self.proc.pid] = self.proc
        self.text, self.eof = "", False
        self.cond = threading.Condition()
        self._echo = echo
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        fd = self.proc.stdout.fileno()
        data = b"?"
        try:
            while data:
                data = os.read(fd, 65536)
                chunk = decoder.decode(data, final=not data).replace("\r", "")
                with self.cond:
                    self.text += chunk
                    self.cond.notify_all()
                if self._echo and chunk:
                    try:
                        sys.stdout.write(chunk)
                        sys.stdout.flush()
                    except (OSError, ValueError):
                        self._echo = False  # our stdout is gone (| head); keep collecting
        finally:
            # EOF: every process holding the pipe (make, QEMU, ...) has exited.  Set it even if
            # this thread dies, or every wait would run into its deadline.
            with self.cond:
                self.eof = True
                self.cond.notify_all()

    def wait_until(self, ready, deadline):
        """Block until ready() is true (checked whenever output arrives), the output ends, or the
        deadline (time.monotonic()) passes.  Returns ready()."""
        with self.cond:
            while not ready():
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    return bool(ready())
                self.cond.wait(left)
            return True

    def finish(self):
        """Stop the group (SIGTERM; SIGKILL after the grace period) and return the exit status.
        QEMU flushes qemu.pcap on SIGTERM, so it gets the grace period to do so."""
        pgid = self.proc.pid
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        try:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if self.eof and not _group_members(pgid):
                    break
                os.killpg(pgid, sig)
                self.wait_until(lambda: self.eof, time.monotonic() + _settings["grace"])
        except ProcessLookupError:
            pass
        # Reap make last: until then its pid, which names the group, cannot be reused.
        status = self.proc.wait()
        _live.pop(pgid, None)
        return status


def _build(targets, what):
    """make TARGETS under the build time limit; fail with the tail of make's output."""
    g = _Group(["make", "--no-print-directory"] + targets, echo=_verbose)
    try:
        done = g.wait_until(lambda: g.eof, time.monotonic() + _settings["build_timeout"])
    finally:
        status = g.finish()
    if not done:
        fail("%s did not finish within %ds" % (what, _settings["build_timeout"]), g.text)
    if status != 0:
        fail("%s failed (exit status %d)" % (what, status), g.text)


# ---- Ports, files ----------------------------------------------------------------------------

def free_port(avoid=()):
    """A 127.0.0.1 port that is free for both TCP and UDP right now (and not in avoid)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            if port in avoid:
                continue
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def source_line(path, marker):
    """The 1-based number of the one line of path (relative to the repository) containing marker."""
    with open(os.path.join(ROOT, path)) as f:
        hits = [n for n, line in enumerate(f, 1) if marker in line]
    if len(hits) != 1:
        fail("%s: expected exactly one line containing %r, found %d" % (path, marker, len(hits)))
    return hits[0]


def read_symbols(path="obj/kern/kernel.sym"):
    """nm output as {name: address}, leaving out names defined more than once (static twins)."""
    addrs, seen = {}, set()
    with open(os.path.join(ROOT, path)) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                if parts[2] in seen:
                    addrs.pop(parts[2], None)
                else:
                    addrs[parts[2]] = int(parts[0], 16)
                seen.add(parts[2])
    return addrs


def read_pcap(path="qemu.pcap"):
    """The frames of a pcap file (QEMU's filter-dump writes one), as a list of (time, bytes)."""
    with open(os.path.join(ROOT, path), "rb") as f:
        data = f.read()
    if len(data) < 24:
        fail("%s: %d bytes, too short for a pcap header" % (path, len(data)))
    for endian in "<>":
        magic = struct.unpack(endian + "I", data[:4])[0]
        if magic in (0xa1b2c3d4, 0xa1b23c4d):  # microsecond and nanosecond timestamps
            break
    else:
        fail("%s: not a pcap file (magic %s)" % (path, data[:4].hex()))
    scale = 1e-6 if magic == 0xa1b2c3d4 else 1e-9
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frames.append((sec + frac * scale, data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return frames


# ---- Judging a console as its output arrives ---------------------------------------------------

class Console(_Group):
    """A command whose output is judged as it arrives (the serial console of a guest).

    expect() searches the output from a cursor that each match moves forward, so a series of
    expects must appear in that order.  The `reject` regexes are checked line by line as output
    arrives, so a panic fails the test at once instead of at the time limit.
    """

    def __init__(self, argv, timeout, reject=(), echo=False, what=None):
        self.what = what or " ".join(argv)
        self.timeout = timeout
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self.pos = 0                # where the next expect() starts searching
        self._reject = [re.compile(r) for r in reject]
        self._scanned = 0           # output before this offset has been checked for rejects
        self._rejected = None
        super().__init__(argv, echo, stdin=True)

    @property
    def output(self):
        """All console output so far (make's lines included)."""
        return self.text

    def remaining(self):
        """Seconds left before the test's time limit."""
        return max(0.0, self.deadline - time.monotonic())

    def _scan_rejects(self, final=False):
        end = len(self.text) if final else self.text.rfind("\n") + 1
        for line in self.text[self._scanned:end].splitlines():
            for rx in self._reject:
                if rx.search(line):
                    self._rejected = self._rejected or (rx.pattern, line)
        self._scanned = max(self._scanned, end)
        return self._rejected

    def check_rejects(self, final=False):
        """Fail if a reject regex has matched a line (final: also the unfinished last line)."""
        with self.cond:
            hit = self._scan_rejects(final)
        if hit:
            fail("output contains /%s/:\n    %s" % hit)

    def expect(self, pattern, timeout=None, flags=0):
        """Wait for pattern after the cursor; return the match and move the cursor past it.
        timeout (seconds) may only shorten the test's own time limit.  Only complete lines are
        searched (a match in the unfinished last line might still grow or change), unless the
        pattern is a Prompt or QEMU has exited."""
        rx = re.compile(pattern, re.M | flags)
        partial = isinstance(pattern, Prompt)
        deadline = self.deadline
        if timeout is not None:
            deadline = min(deadline, time.monotonic() + timeout)
        found, waited = None, time.monotonic()

        def ready():
            nonlocal found
            end = len(self.text) if partial or self.eof else self.text.rfind("\n") + 1
            found = rx.search(self.text, self.pos, end) if end >= self.pos else None
            return found or self._scan_rejects()
        self.wait_until(ready, deadline)
        self.check_rejects()
        if not found:
            if self.eof:
                why = "%s exited" % self.what
            else:
                why = "timed out after %.1fs" % (time.monotonic() - waited)
                if deadline == self.deadline:
                    why += " (the test's limit is %ds)" % self.timeout
            hint = ""
            if rx.search(self.text, self.pos):
                hint = ("\n  (it matches the unfinished last line: if that is a prompt, which no "
                        "newline follows, declare it with prompt())")
            elif rx.search(self.text):
                hint = "\n  (it does appear earlier, before what the previous expectation matched)"
            fail("%s waiting for /%s/%s" % (why, pattern, hint))
        self.pos = found.end()
        return found

    def send(self, text):
        """Type text into the serial console."""
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            fail("cannot type %r: %s has exited" % (text, self.what))

    def cmd(self, line, prompt=r"K> "):
        """Type a monitor command line, wait for the next prompt, and return what the command
        printed (the echoed command line left out)."""
        self.send(line + "\n")
        m = self.expect(Prompt(r"(?s:(.*?))(?:%s)" % prompt))
        return m.group(1).split("\n", 1)[1] if "\n" in m.group(1) else ""

    def wait_exit(self, timeout=None):
        """Wait for the guest to stop QEMU by itself; return make's exit status."""
        deadline = self.deadline if timeout is None else min(self.deadline,
                                                             time.monotonic() + timeout)
        if not self.wait_until(lambda: self.eof, deadline):
            fail("%s still running after %.1fs" % (self.what, time.monotonic() - self.started))
        return self.finish()


# ---- The handle on a running guest -----------------------------------------------------------

class Qemu(Console):
    """make TARGET (a qemu-nox style target) with the serial console on a pipe."""

    def __init__(self, target, ports, make_args, timeout, reject, echo=False):
        self.target, self.ports = target, ports
        args = ["%s=%d" % kv for kv in ports.items()] + make_args
        super().__init__(["make", "--no-print-directory", target] + args, timeout, reject,
                         echo, what="QEMU (make %s)" % target)

    def qemu_pid(self):
        """The pid of the QEMU process (a child of make in our process group)."""
        pids = [pid for pid, comm in _group_members(self.proc.pid) if comm.startswith("qemu")]
        if len(pids) != 1:
            fail("expected one QEMU process in the group, found %d" % len(pids))
        return pids[0]

    def cpu_time(self):
        """CPU seconds (user + system) QEMU has used so far, from /proc/PID/stat."""
        _, fields = _proc_stat(self.qemu_pid())
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        """Stop QEMU (idempotent); afterwards the output and qemu.pcap are complete."""
        if self.proc.pid in _live:
            self.finish()


# ---- Running tests ---------------------------------------------------------------------------

_verbose = False


def _run_kernel_test(t):
    if not t.expect and not t.fn:
        fail("the test declares nothing to check (no expect= and no function)")
    timeout = t.timeout or _settings["timeout"]
    # Build first, under the build limit, so that the time limit is the guest's alone.
    _build(["prep-" + t.run] if t.run else [], "make prep-" + t.run if t.run else "make")
    target = ("run-%s-nox" % t.run if t.run else "qemu-nox") + ("-net" if t.net else "")
    ports = {"GDBPORT": free_port()}
    if t.net:
        ports["PORT7"] = free_port(ports.values())
        ports["PORT80"] = free_port(ports.values())
        if os.path.exists("qemu.pcap"):
            os.unlink("qemu.pcap")  # so that a test never reads an old capture
    args = ["CPUS=%d" % t.cpus] + (["QEMUEXTRA=" + t.qemuextra] if t.qemuextra else [])
    q = Qemu(target, ports, args + t.make_args, timeout, ([] if t.panics else _settings["reject"]) + t.reject, _verbose)

    def on_alarm(signum, frame):
        fail("time limit of %ds exceeded" % timeout)
    # A backstop for test code that blocks outside expect() (on a socket, say): SIGALRM
    # interrupts the blocking call.  expect() itself stops at the limit with a better message.
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout + 1)
    failure = None
    try:
        for pattern in t.expect:
            q.expect(pattern)
        if t.fn:
            t.fn(q)
    except TestFailure as e:
        failure = e
    except Exception:
        failure = TestFailure("error in the test itself:\n" + traceback.format_exc().rstrip())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        q.stop()
    try:
        q.check_rejects(final=True)  # including what arrived while QEMU was stopping
    except TestFailure as e:
        failure = failure or e
    if failure:
        # Show the whole output, not the part seen when the test failed: a panic message that
        # came a moment later is usually the explanation.
        failure.output = q.output if failure.output is None else failure.output
        raise failure


def _run_host_test(t):
    timeout = t.timeout or _settings["timeout"]
    if t.target:
        _build([t.target], "make " + t.target)
    what = " ".join(t.cmd)
    try:
        g = _Group(t.cmd, echo=_verbose)
    except OSError as e:
        fail("cannot run %s: %s" % (what, e))
    try:
        done = g.wait_until(lambda: g.eof, time.monotonic() + timeout)
    finally:
        status = g.finish()
    if not done:
        fail("%s did not finish within %ds" % (what, timeout), g.text)
    if t.status is not None and status != t.status:
        fail("%s: exit status %d, expected %d" % (what, status, t.status), g.text)
    pos = 0
    for pattern in t.expect:
        m = re.compile(pattern, re.M).search(g.text, pos)
        if not m:
            fail("%s: no /%s/ in the output (after the previous expectation)" % (what, pattern),
                 g.text)
        pos = m.end()
    for pattern in t.reject:
        if re.search(pattern, g.text, re.M):
            fail("%s: output contains /%s/" % (what, pattern), g.text)


def _show_failure(e):
    for line in str(e).splitlines():
        print("    " + line)
    if e.output and not _verbose:  # verbose mode has shown it all already
        lines = e.output.rstrip("\n").split("\n")
        shown = lines[-_settings["tail"]:]
        print("    --- last %d of %d output lines ---" % (len(shown), len(lines)))
        for line in shown:
            print("    | " + line)


def _attempt(name, started, fn):
    """Run fn(); print NAME: OK/FAIL (time) and why it failed.  Returns True if it passed."""
    try:
        fn()
    except TestFailure as e:
        print("%s: FAIL (%.1fs)" % (name, time.monotonic() - started))
        _show_failure(e)
        ok = False
    except KeyboardInterrupt:
        print("%s: INTERRUPTED (%.1fs)" % (name, time.monotonic() - started))
        raise
    else:
        print("%s: OK (%.1fs)" % (name, time.monotonic() - started))
        ok = True
    finally:
        # Whatever went wrong, no process group outlives its test.
        for pgid in list(_live):
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _live.pop(pgid).wait()
        sys.stdout.flush()
    return ok


def main(argv=None):
    """Parse the command line, build, run the chosen tests and print the verdicts.  Returns the
    exit status: 0 if every test passed."""
    global _verbose
    names = [t.name for t in _tests]
    ap = argparse.ArgumentParser(description="Build the kernel and run its tests.")
    ap.add_argument("-v", "--verbose", action="store_true", help="show every test's output live")
    ap.add_argument("-l", "--list", action="store_true", help="list the tests and exit")
    ap.add_argument("names", nargs="*", metavar="NAME", help="run only these tests")
    args = ap.parse_args(argv)
    if args.list:
        print("\n".join(names))
        return 0
    unknown = [n for n in args.names if n not in names]
    if unknown:
        ap.error("unknown test %s; the tests are: %s" % (", ".join(unknown), " ".join(names)))
    _verbose = args.verbose
    chosen = [t for t in _tests if not args.names or t.name in args.names]

    os.chdir(ROOT)
    atexit.register(_kill_all_now)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)

    start = time.monotonic()
    passed = 0
    try:
        built = _attempt("make", start, lambda: _build([], "make"))
        for t in chosen:
            if _verbose:
                print("--- %s ---" % t.name, flush=True)
            if built or not getattr(t, "needs_build", True):
                passed += _attempt(t.name, time.monotonic(), lambda: t.runner(t))
            else:
                print("%s: FAIL (not run: the build failed)" % t.name)
    except KeyboardInterrupt:
        pass  # the interrupted test has said so; the rest count as failed
    print("Total time: %.1fs" % (time.monotonic() - start))
    print("%d passed, %d failed" % (passed, len(chosen) - passed))
    return 0 if passed == len(chosen) else 1
