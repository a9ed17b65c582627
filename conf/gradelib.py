# The grading library behind grade-lab6: declaring tests, building every kernel once, running the
# tests in parallel (each in a process and a directory of its own), judging each guest's console,
# explaining each failure, and reporting as text, JSON, JUnit XML and Gradescope results.
"""Test library for grade-lab6 (Python 3 standard library only).

Declaring tests; they are reported in declaration order, under the group() before them:

    group("lab 1: booting, the monitor")

    test("printf", run="monitor", expect=[r"^selftest printf: ok$", prompt(r"K> ")])

    @test("hello", run="hello", timeout=30, points=2)   # boots the grader kernel with hello
    def _(q):                                           # q: a Qemu handle on the running guest
        q.expect(r"hello, world")

    host_test("fsformat-small", target="obj/fs/fsformat", cmd=[...], status=1, expect=[...])

A kernel test passes when every `expect` regex appears in order, then the function (if any)
returns, and no `reject` regex (plus the defaults set with defaults()) matches any line of the
console output.  Regexes use re.MULTILINE; carriage returns are removed from the output.
An expectation is matched against complete lines only, so that `irq (\\d+)$` cannot match
"irq 1" while the "1" of "irq 11" is still on its way; a prompt, which no newline follows, is
declared with prompt(rx) and may match the unfinished last line.

Options of test(): run (the program the kernel starts; "monitor": none; None: a normal boot), net,
cpus, timeout (seconds before calibration scaling), expect, reject, qemuextra, make_args, points
(default 1), exclusive (run alone: it measures host time or throughput; default False),
exclusive_group (exclusive tests of one group may run together, up to -j, beside no other test),
light (its guest mostly sleeps: it runs beside the -j others, LIGHT_JOBS light tests at a time
(more once no other test waits), never beside an exclusive one; what it checks must not depend
on a quiet host), kernels (more programs whose kernels the test boots itself with boot()), builds
(more make targets it needs), context (a context manager factory run around the boot; what it
yields is added to make's arguments), share_boot (it only reads: tests that say so and boot alike
share a boot).

The handle q: q.expect(rx), q.send(text), q.cmd("help") (type a monitor command, return its
output), q.output, q.remaining(), q.ports["GDBPORT" / "PORT7" / "PORT80"], q.pcap (the frame
capture, complete after q.stop()), q.kernel (the ELF file of the kernel it boots; its symbol
table is read_symbols(q.kernel)), q.dir, q.qemu_pid(), q.cpu_time(), q.wait_exit(), q.stop().
Helpers for test code: fail, assert_match, free_port, source_line, read_symbols, elf_symbols,
kernel_file (the kernel a program boots on), read_pcap, boot (a second guest in the same test),
scaled (a number of seconds times the calibration), test_dir (the running test's directory, for
files it makes).
Type into the monitor only after its prompt: what arrives before the kernel has set up the
serial port is lost.

Every test runs in a process of its own, in obj/grade/NAME/ (console.log, qemu.log, qemu.pcap,
the gdbinit, QEMU's disk snapshot, the test's own prints in grader.out); the directory is kept
when the test fails and removed when it passes.  Nothing is built while tests run: main() builds
every kernel and target the chosen tests need in one make first.
"""

import argparse
import atexit
import codecs
import contextlib
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
import xml.etree.ElementTree as ET

__all__ = ["test", "host_test", "source_test", "group", "defaults", "main", "Console", "Qemu", "TestFailure",
           "fail", "prompt", "assert_match", "free_port", "source_line", "read_symbols", "elf_symbols",
           "kernel_file",
           "read_pcap", "boot", "scaled", "test_dir", "ROOT"]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_settings = {
    "timeout": 30,          # seconds a kernel or host test may run, unless it says otherwise
    "build_timeout": 900,   # seconds for the build (the first one may install packages)
    "reject": [],           # regexes that fail every kernel test (e.g. a kernel panic)
    "grace": 5,             # seconds between SIGTERM and SIGKILL when stopping a process group
    "tail": 40,             # console lines shown when a test fails
    "build": True,          # main() builds before running (the self-test's fake suite does not)
    "grade_dir": "obj/grade",   # where each test's directory goes
    "costs": None,      # a file of each test's measured seconds and CPU seconds (_load_costs)
    "panic": r"kernel panic at",        # a kernel panic's line
    "user_panic": r"user panic in",     # a user environment's panic line
}

# The failure classes, in the order they are considered (see _classify).
KINDS = ("build-failed", "kernel-panic", "user-panic", "qemu-died", "timeout", "wrong-output",
         "error")


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
    """A test's verdict.  The message says which expectation failed; `output` is what to show;
    `kind` is its class (KINDS; None: decided later from the console); `expected` the pattern
    waited for, if any."""

    def __init__(self, message, output=None, kind=None, expected=None):
        super().__init__(message)
        self.output, self.kind, self.expected = output, kind, expected


class _PortClash(TestFailure):
    """QEMU could not bind a port the grader chose: another program took it meanwhile."""


def fail(message, output=None):
    raise TestFailure(message, output)


def assert_match(pattern, text, message=None):
    """Return the first match of pattern in text, or fail showing the text searched."""
    m = re.search(pattern, text, re.M)
    if not m:
        raise TestFailure("%s\n  (no match for /%s/ in the text below)"
                          % (message or "unexpected output", pattern), text,
                          kind="wrong-output", expected=pattern)
    return m


# ---- Declaring tests -----------------------------------------------------------------------

class _Test:
    def __init__(self, name, runner, **opts):
        self.name, self.runner, self.fn = name, runner, None
        self.group = _current_group[0]
        self.__dict__.update(opts)

    def program(self):
        """What the test runs, for -l and the reports."""
        if self.runner is _run_host_test:
            return " ".join(["python3" if c == sys.executable else c for c in self.cmd])
        if not getattr(self, "needs_build", True):
            return "(the sources)"
        return self.run or "default"

    def kernels(self):
        """The programs the test boots (kernel_file() says on which kernel)."""
        if self.runner is not _run_kernel_test or self.command:
            return []
        return [self.run or "default"] + list(self.more_kernels)


_tests = []
_current_group = [""]


def group(title):
    """Start a group: the tests declared after it are listed and reported under title.  Groups
    titled "lab N: ..." are reported in the order of N, the others first; a title declared again
    continues its group."""
    _current_group[0] = title


def _in_report_order(tests):
    first = {}
    for i, t in enumerate(_tests):
        first.setdefault(t.group, i)

    def key(t):
        m = re.match(r"lab (\d+)\b", t.group)
        return (int(m.group(1)) if m else -1, first[t.group], _tests.index(t))
    return sorted(tests, key=key)


def _register(t):
    if any(old.name == t.name for old in _tests):
        raise ValueError("test %r declared twice" % t.name)
    if not re.fullmatch(r"[\w.+-]+", t.name):
        raise ValueError("test name %r: letters, digits and _ . + - only (it names a directory)"
                         % t.name)
    _tests.append(t)
    return t


def test(name, *, run=None, net=False, cpus=1, timeout=None, expect=(), reject=(),
         qemuextra="", make_args=(), points=1, exclusive=False, exclusive_group=None,
         light=False, kernels=(), builds=(), context=None, command=None, panics=False,
         share_boot=False):
    """Declare a test that boots the kernel.  Use it as a decorator to add a function f(q).

    run="NAME" boots the kernel that starts user program NAME ("monitor": none; None: a normal
    boot); net=True adds the e1000 (free PORT7/PORT80 chosen, q.pcap written); cpus sets CPUS;
    qemuextra and make_args pass through to make.  exclusive=True runs it with no other test:
    for a test that measures host time or throughput under load.  A test on several CPUs is not
    exclusive by default: beside another test its CPUs still run at once most of the time, and
    the host's preemption only adds interleavings to those its races look for (alone, its idle
    CPUs left a core unused: the two-CPU tests ran at ~60% of the machine).
    exclusive_group="NAME" lets exclusive tests of the same group run together (up to -j at
    once), still beside no other test.  light=True: its guest mostly sleeps (an idle measure, a
    countdown), so it takes no job slot: it runs beside the others, LIGHT_JOBS light tests at a
    time (more once no other test waits), never beside an exclusive test.  command=[argv] runs that
    instead of QEMU (the self-test's fake guest), with the make variables as arguments.
    panics=True drops the default rejects (for the one test whose point is the kernel's panic
    report).  share_boot=True: the test only reads what its guest prints and asks (monitor
    commands that change nothing), so tests that say so and boot alike (program, CPUs, card,
    make arguments) share one boot, one after another: each sees the whole output from the
    start, its own rejects, time limit and result (21 monitor tests booted the same kernel 21
    times).
    """
    t = _register(_Test(name, _run_kernel_test, run=run, net=net, cpus=cpus, timeout=timeout,
                        expect=list(expect), reject=list(reject), qemuextra=qemuextra,
                        make_args=list(make_args), points=points,
                        exclusive=exclusive,
                        light=light,
                        exclusive_group=exclusive_group,
                        more_kernels=list(kernels), builds=list(builds), context=context,
                        command=command, panics=panics,
                        share_boot=share_boot and not context))

    def decorate(fn):
        t.fn = fn
        return fn
    return decorate


def host_test(name, target=None, cmd=None, *, expect=(), reject=(), status=0, timeout=None,
              points=1, exclusive=False, light=False):
    """Declare a test that runs a command on the host: make `target` (if given), then run cmd
    (default: the target itself), and require exit status `status` and the regexes in order.
    light=True as for test(): the command mostly waits (for timeouts it tests, say)."""
    if cmd is None and target is None:
        raise ValueError("host_test %r needs a target or a cmd" % name)
    return _register(_Test(name, _run_host_test, target=target, cmd=list(cmd or [target]),
                           expect=list(expect), reject=list(reject), status=status,
                           timeout=timeout, points=points, exclusive=exclusive, light=light,
                           builds=[target] if target else [], command=None))


def source_test(name, points=1):
    """Declare a test that checks the sources themselves, in the grader (no QEMU): use it as a
    decorator on a function f() that calls fail() with what is wrong.  It runs even when the
    build failed: it may say why."""
    t = _register(_Test(name, lambda t: t.fn(), needs_build=False, points=points, timeout=None,
                        exclusive=False, builds=[], command=None))

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


def _make_env(extra=None):
    # Under `make -jN grade` MAKEFLAGS names a jobserver whose descriptors we do not pass on;
    # drop it so that our makes run their own -jN without a warning.  An unbounded -j goes too.
    # Variable overrides (`make grade V=1`) stay.
    env = dict(os.environ)
    flags = [w for w in env.get("MAKEFLAGS", "").split()
             if not w.startswith("--jobserver") and w != "-j" and not re.fullmatch(r"-j\d*", w)]
    env["MAKEFLAGS"] = " ".join(flags)
    env.update(extra or {})
    return env


class _Group:
    """A command in a process group of its own.  A thread collects its stdout and stderr, so the
    guest never stalls on a full pipe, and wakes waiters through a condition variable."""

    def __init__(self, argv, echo=False, stdin=False, env=None):
        self.argv = argv
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, env=_make_env(env), start_new_session=True,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        _live[self.proc.pid] = self.proc
        self.text, self.eof = "", False
        self.status = None          # the exit status, once finish() has reaped it
        self.stopped = False        # finish() was called before the output ended
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
        QEMU flushes its capture on SIGTERM, so it gets the grace period to do so."""
        pgid = self.proc.pid
        if self.status is not None:
            return self.status
        self.stopped = not self.eof
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
        self.status = self.proc.wait()
        _live.pop(pgid, None)
        return self.status


def _build(targets, what, jobs=1):
    """make -jJOBS TARGETS under the build time limit; fail (build-failed) with make's output."""
    g = _Group(["make", "--no-print-directory", "-j%d" % jobs] + targets, echo=_verbose)
    try:
        done = g.wait_until(lambda: g.eof, time.monotonic() + _settings["build_timeout"])
    finally:
        status = g.finish()
    if not done:
        raise TestFailure("%s did not finish within %ds" % (what, _settings["build_timeout"]),
                          g.text, kind="build-failed")
    if status != 0:
        raise TestFailure("%s failed (exit status %d)" % (what, status), g.text,
                          kind="build-failed")
    return g.text


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


# The kernels the grader boots (kern/Makefrag): the monitor's and the normal boot's are kernels of
# their own; every other program runs on the one grader kernel, which takes the program from the
# host at boot (make grade-prog-NAME builds that kernel and the program's file).
_OWN_KERNELS = ("monitor", "default")
# The monitor's kernel boots as on a PC: from its disk through the boot sector (boot/), which
# lab 1's boot test checks, with a VGA card (the pci test lists it).  QEMU loads every other
# kernel by Multiboot (GNUmakefile's KERNBOOT: the boot sector's PIO reads cost 0.2 s of CPU at
# every boot), on a machine without a display card (VGA=none: the CGA console's emulation costs
# QEMU about 0.3 ms of CPU a line), its console the serial port alone.
_PC_KERNELS = ("monitor",)


def kernel_file(prog):
    """The ELF file of the kernel that boots program prog ("monitor", "default" or a program):
    the one whose symbols a test of prog must read."""
    if prog in _OWN_KERNELS:
        return "obj/kern/prog/%s/kernel" % prog
    return "obj/kern/grade/kernel"


def _kernel_target(prog):
    """The make target that builds what booting program prog needs."""
    if prog in _OWN_KERNELS:
        return kernel_file(prog) + ".img"
    return "grade-prog-" + prog


def source_line(path, marker):
    """The 1-based number of the one line of path (relative to the repository) containing marker."""
    with open(os.path.join(ROOT, path)) as f:
        hits = [n for n, line in enumerate(f, 1) if marker in line]
    if len(hits) != 1:
        fail("%s: expected exactly one line containing %r, found %d" % (path, marker, len(hits)))
    return hits[0]


def elf_symbols(path):
    """The defined symbols of the ELF32 file path (relative to the repository), from its symbol
    table, as sorted (address, name, in_text) -- what `nm -n` lists, read without running nm
    (binutils' nm loads every linker plugin it finds, LLVM's included: 0.1 s a file)."""
    with open(os.path.join(ROOT, path), "rb") as f:
        elf = f.read()
    if elf[:4] != b"\x7fELF" or elf[4] != 1:
        fail("%s: not a 32-bit ELF file" % path)
    shoff, = struct.unpack_from("<I", elf, 32)
    shentsize, shnum = struct.unpack_from("<HH", elf, 46)
    # Section headers: name, type, flags, addr, offset, size, link, info, addralign, entsize.
    sections = [struct.unpack_from("<10I", elf, shoff + i * shentsize) for i in range(shnum)]
    shf_execinstr, sht_symtab, stt_section, stt_file = 0x4, 2, 3, 4
    syms = []
    for sh in sections:
        if sh[1] != sht_symtab:
            continue
        strtab = sections[sh[6]]
        for off in range(sh[4] + 16, sh[4] + sh[5], 16):   # entry 0 is the null symbol
            name, value, _, info, _, shndx = struct.unpack_from("<IIIBBH", elf, off)
            if shndx == 0 or (info & 0xF) in (stt_section, stt_file):
                continue                                     # undefined, or not a symbol nm shows
            start = strtab[4] + name
            text = shndx < len(sections) and bool(sections[shndx][2] & shf_execinstr)
            syms.append((value, elf[start:elf.index(b"\0", start)].decode(), text))
    return sorted(syms)


def read_symbols(path):
    """The ELF file's symbols as {name: address}, leaving out names defined more than once
    (static twins)."""
    addrs, seen = {}, set()
    for addr, name, _ in elf_symbols(path):
        if name in seen:
            addrs.pop(name, None)
        else:
            addrs[name] = addr
        seen.add(name)
    return addrs


def read_pcap(path):
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

    def __init__(self, argv, timeout, reject=(), echo=False, what=None, env=None):
        self.what = what or " ".join(argv)
        self.timeout = timeout
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self.pos = 0                # where the next expect() starts searching
        self.floor = 0              # where a command's output may start (a shared boot's test)
        self._reject = [re.compile(r) for r in reject]
        self._scanned = 0           # output before this offset has been checked for rejects
        self._rejected = None
        super().__init__(argv, echo, stdin=True, env=env)

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
            raise TestFailure("output contains /%s/:\n    %s" % hit, kind="wrong-output")

    def _check_started(self):
        """Hook: fail in a way of its own when the command could not start (see Qemu)."""

    def _state_at_timeout(self):
        """Hook: what the command can say of its state once a wait timed out (see Qemu), as
        lines to add to the failure; "" if nothing."""
        return ""

    def expect(self, pattern, timeout=None, flags=0):
        """Wait for pattern after the cursor; return the match and move the cursor past it.
        timeout (seconds) may only shorten the test's own time limit.  Only complete lines are
        searched (a match in the unfinished last line might still grow or change), unless the
        pattern is a Prompt or the command has exited."""
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
            self._check_started()
            if self.eof:
                why, kind = "%s exited (%s)" % (self.what, self.exit_description()), "qemu-died"
            else:
                why = "timed out after %.1fs" % (time.monotonic() - waited)
                if deadline == self.deadline:
                    why += " (the test's limit is %.0fs)" % self.timeout
                kind = "timeout"
            state = self._state_at_timeout() if kind == "timeout" else ""
            hint = ""
            if rx.search(self.text, self.pos):
                hint = ("\n  (it matches the unfinished last line: if that is a prompt, which no "
                        "newline follows, declare it with prompt())")
            elif rx.search(self.text):
                hint = "\n  (it does appear earlier, before what the previous expectation matched)"
            raise TestFailure("%s waiting for /%s/%s\n  the last lines before it:\n%s%s"
                              % (why, pattern, hint, _last_lines(self.text, 5, "    | "), state),
                              kind=kind, expected=str(pattern))
        self.pos = found.end()
        return found

    def exit_description(self):
        """How the command ended, once its output has ended: its exit status or signal."""
        try:
            # Its output has ended, so it is exiting, if not reaped yet.
            status = self.proc.wait(timeout=_settings["grace"])
        except subprocess.TimeoutExpired:
            return "its output ended, but it still runs"
        return _describe_status(status)

    def send(self, text):
        """Type text into the serial console."""
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise TestFailure("cannot type %r: %s has exited" % (text, self.what),
                              kind="qemu-died")

    def cmd(self, line, prompt=r"K> ", timeout=None):
        """Type a monitor command line, wait for the next prompt, and return what the command
        printed (the echoed command line left out)."""
        self.pos = max(self.pos, self.floor)
        self.send(line + "\n")
        m = self.expect(Prompt(r"(?s:(.*?))(?:%s)" % prompt), timeout=timeout)
        return m.group(1).split("\n", 1)[1] if "\n" in m.group(1) else ""

    def wait_exit(self, timeout=None):
        """Wait for the guest to stop QEMU by itself; return make's exit status."""
        deadline = self.deadline if timeout is None else min(self.deadline,
                                                             time.monotonic() + timeout)
        if not self.wait_until(lambda: self.eof, deadline):
            raise TestFailure("%s still running after %.1fs"
                              % (self.what, time.monotonic() - self.started), kind="timeout")
        return self.finish()


def _describe_status(status):
    if status < 0:
        return "killed by signal %d (%s)" % (-status, signal.Signals(-status).name)
    return "exit status %d" % status


def _last_lines(text, n, prefix=""):
    lines = [l for l in text.rstrip("\n").split("\n") if l.strip()][-n:]
    return "\n".join(prefix + l for l in lines) if lines else prefix + "(no output)"


# ---- The handle on a running guest -----------------------------------------------------------

# How make reports a recipe that died by a signal: strsignal()'s words (make 4.3).
_SIGNAL_WORDS = {signal.strsignal(s): s for s in signal.Signals if signal.strsignal(s)}


class Qemu(Console):
    """QEMU booting program `kernel` (on the kernel kernel_file() names), run by make's
    run-prebuilt-nox target with the serial console on a pipe, its files in directory dirpath
    and ports of its own.  With command, that command runs instead of make (the
    self-test's fake guest), given the same variables as arguments."""

    def __init__(self, kernel, dirpath, *, net=False, cpus=1, make_args=(), timeout=30,
                 reject=(), echo=False, command=None, qemuextra=""):
        os.makedirs(os.path.join(ROOT, dirpath), exist_ok=True)
        self.dir = dirpath
        self.kernel = kernel_file(kernel)
        self.pcap = os.path.join(dirpath, "qemu.pcap")
        self.ports = {"GDBPORT": free_port()}
        self.ports["PORT7"] = free_port(self.ports.values())
        self.ports["PORT80"] = free_port(self.ports.values())
        # Every run starts from the disk images as built and writes to snapshots of them in its
        # own directory (QEMU puts a snapshot in TMPDIR): no run sees another's writes, and
        # runs in parallel share the images read-only (QEMU locks an image it may write).
        # FSSELFTEST=0: the file system server skips its self-tests (0.1 s of CPU a boot); a
        # test that checks them passes FSSELFTEST=1 in make_args, which come last and win.
        args = ["KERNIMG=%s.img" % self.kernel, "KERNSNAPSHOT=1", "PROG=" + kernel,
                *([] if kernel in _PC_KERNELS else ["KERNBOOT=multiboot", "VGA=none"]),
                "CPUS=%d" % cpus, "FSSNAPSHOT=1", "FSSELFTEST=0",
                "QEMULOG=" + os.path.join(dirpath, "qemu.log"), "QEMUPCAP=" + self.pcap,
                "GDBINIT=" + os.path.join(dirpath, "gdbinit")]
        args += ["%s=%d" % kv for kv in self.ports.items()]
        args += (["NET=1"] if net else []) + (["QEMUEXTRA=" + qemuextra] if qemuextra else [])
        args += list(make_args)
        if command:
            argv, what = list(command) + args, "the fake guest"
        else:
            # -o obj/.deps: never remake the dependency file, which makes in parallel would race
            # to write; run-prebuilt-nox itself builds nothing.
            argv = ["make", "--no-print-directory", "-o", "obj/.deps", "run-prebuilt-nox"] + args
            what = "QEMU (kernel %s)" % kernel
        self.argv_used = argv
        super().__init__(argv, timeout, reject, echo, what=what,
                         env={"TMPDIR": os.path.join(ROOT, dirpath)})

    def _check_started(self):
        if self.eof and re.search(r"Could not set up host forwarding rule|Failed to bind "
                                  r"socket|Address already in use", self.text):
            raise _PortClash("QEMU could not bind a port chosen for it:\n"
                             + _last_lines(self.text, 3, "    | "), kind="qemu-died")

    # The kernel prints its environments when the console gets this character (kern/ps.h:
    # PS_STATUS_KEY, Ctrl-T), between these lines.
    PS_STATUS_KEY = "\x14"
    PS_BEGIN, PS_END = r"^ps: \d+ ms since boot$", r"^ps: end$"

    def _state_at_timeout(self):
        """The guest's environments when a wait timed out (each one's state, what it waits for,
        where it stopped): Ctrl-T at the console, and the list the kernel prints, waited for
        at most two seconds (the self-test's fake guest answers it too)."""
        if self.eof:
            return ""
        start = len(self.text)
        try:
            self.send(self.PS_STATUS_KEY)
        except (OSError, TestFailure):
            return ""
        end = re.compile(self.PS_END, re.M)
        self.wait_until(lambda: end.search(self.text, start), time.monotonic() + 2)
        m = re.search(self.PS_BEGIN + r".*?" + self.PS_END, self.text[start:], re.M | re.S)
        if not m:
            return ""
        return "\n  the guest's environments then (Ctrl-T):\n" + "\n".join(
            "    | " + l for l in m.group(0).split("\n"))

    def exit_description(self):
        """QEMU's exit status or signal, as make reported it (make exits 2 either way)."""
        m = None
        for m in re.finditer(r"^make: \*\*\* \[[^\]]*\] (.*)$", self.text, re.M):
            pass
        if m:
            words = re.sub(r" \(core dumped\)$", "", m.group(1))
            e = re.fullmatch(r"Error (\d+)", words)
            if e:
                return "QEMU's exit status %s" % e.group(1)
            if words in _SIGNAL_WORDS:
                sig = _SIGNAL_WORDS[words]
                return "QEMU killed by signal %d (%s)" % (sig, signal.Signals(sig).name)
            return "make: " + m.group(1)
        if self.argv_used[0] == "make" and Console.exit_description(self) == "exit status 0":
            return "QEMU's exit status 0: the guest reset or powered off (-no-reboot)"
        return Console.exit_description(self)

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
        """Stop QEMU (idempotent); afterwards the output and q.pcap are complete."""
        if self.proc.pid in _live:
            self.finish()


# ---- Running one test (in a process of its own) ------------------------------------------------

_verbose = False
_run = {"dir": None, "scale": 1.0, "consoles": []}  # the test this process runs


def test_dir():
    """The running test's own directory (relative to the tree's top): for files it makes."""
    return _run["dir"]


def scaled(seconds):
    """seconds scaled by the calibration (for a test's own limits on how long a step may take)."""
    return seconds * _run["scale"]


_scaled = scaled


def boot(run, *, net=False, cpus=1, make_args=(), timeout=None, reject=None, name=None):
    """Boot another guest in the running test (its kernel must be declared with kernels=):
    its files go in a subdirectory NAME (default: the program) of the test's directory."""
    q = Qemu(run, os.path.join(_run["dir"], name or run), net=net, cpus=cpus,
             make_args=make_args, timeout=timeout or _scaled(_settings["timeout"]),
             reject=_settings["reject"] if reject is None else reject, echo=_verbose)
    _run["consoles"].append(q)
    return q


def _run_kernel_test(t):
    if not t.expect and not t.fn:
        fail("the test declares nothing to check (no expect= and no function)")
    timeout = _scaled(t.timeout or _settings["timeout"])
    for attempt in range(3):
        try:
            return _boot_and_judge(t, timeout)
        except _PortClash:
            if attempt == 2:
                raise
            for q in _run["consoles"]:
                q.stop()
            _run["consoles"] = []


def _boot_and_judge(t, timeout):
    with (t.context() if t.context else contextlib.nullcontext([])) as extra:
        q = Qemu(t.run or "default", _run["dir"], net=t.net, cpus=t.cpus,
                 make_args=t.make_args + list(extra or []), timeout=timeout,
                 reject=([] if t.panics else _settings["reject"]) + t.reject, echo=_verbose,
                 command=t.command,
                 qemuextra=t.qemuextra)
        _run["consoles"].append(q)
        failure = _judge(t, q, timeout)
        q.stop()
        try:
            q.check_rejects(final=True)  # including what arrived while QEMU was stopping
        except TestFailure as e:
            failure = failure or e
        if failure:
            failure.output = q.output if failure.output is None else failure.output
            raise _classify(failure, q)


def _judge(t, q, timeout):
    """Run test t's expectations and function on the running guest q; return the failure (after
    asking a panicked kernel for its backtrace), or None."""
    def on_alarm(signum, frame):
        raise TestFailure("time limit of %.0fs exceeded" % timeout, kind="timeout")
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
    except _PortClash:
        raise
    except TestFailure as e:
        failure = e
    except Exception:
        failure = TestFailure("error in the test itself:\n" + traceback.format_exc().rstrip(),
                              kind="error")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    if failure and re.search(_settings["panic"], q.output) and not q.eof:
        _ask_backtrace(q)
    return failure


def _run_shared(jobs, scale):
    """Run the tests of jobs (a shared boot's: the leader first) on one boot of the leader's
    guest, one after another; write each one's result.json and console.log in its own
    directory.  Each test starts with the cursor at the start of the output, its own rejects
    (checked over the whole output) and its own time limit."""
    first = jobs[0].test
    _run.update(dir=jobs[0].dir, scale=scale, consoles=[])
    done = []
    try:
        for attempt in range(3):
            try:
                q = Qemu(first.run or "default", jobs[0].dir, net=first.net, cpus=first.cpus,
                         make_args=first.make_args, reject=(), echo=_verbose,
                         qemuextra=first.qemuextra, command=first.command,
                         timeout=sum(_scaled(j.test.timeout or _settings["timeout"])
                                     for j in jobs))
                _run["consoles"] = [q]
                for j in jobs[len(done):]:
                    t, start = j.test, time.monotonic()
                    timeout = _scaled(t.timeout or _settings["timeout"])
                    with q.cond:
                        q.pos, q.floor = 0, len(q.text)
                        q._reject = [re.compile(r) for r in
                                     ([] if t.panics else _settings["reject"]) + t.reject]
                        q._scanned, q._rejected = 0, None
                        q.timeout, q.deadline = timeout, start + timeout
                    failure = _judge(t, q, timeout)
                    if j is jobs[-1]:
                        q.stop()
                    try:
                        q.check_rejects(final=j is jobs[-1])
                    except TestFailure as e:
                        failure = failure or e
                    if failure:
                        failure.output = q.output if failure.output is None else failure.output
                        failure = _classify(failure, q)
                    done.append((j, time.monotonic() - start, failure))
                break
            except _PortClash:
                if attempt == 2 or done:
                    raise
                q.stop()
    except TestFailure as e:   # the boot itself failed: every test not judged yet fails with it
        for j in jobs[len(done):]:
            done.append((j, 0.0, e))
    finally:
        _end_groups()
    text = _run["consoles"][0].output if _run["consoles"] else ""
    for j, seconds, failure in done:
        with open(os.path.join(ROOT, j.dir, "console.log"), "w") as f:
            f.write(text)
        with open(os.path.join(ROOT, j.dir, "result.json"), "w") as f:
            json.dump(_result(j.test.name, j.dir, seconds, failure), f)


def _ask_backtrace(q):
    """After a panic the kernel sits in its monitor: type `backtrace` and wait (briefly, and
    without the reject checks, which the panic line has already tripped) for the next prompt."""
    with contextlib.suppress(TestFailure):
        q.wait_until(lambda: q.text.endswith("K> "), time.monotonic() + 3)
        mark = len(q.text)
        q.send("backtrace\n")
        q.wait_until(lambda: "Stack backtrace:" in q.text[mark:] and q.text.endswith("K> "),
                     time.monotonic() + 5)


def _panic_report(text, start):
    """The kernel panic line at offset start and the backtrace printed after it (if any)."""
    lines = text[start:].split("\n")
    report = [lines[0]]
    if "Stack backtrace:" in text[start:]:
        bt = text[start:].split("Stack backtrace:", 1)[1].split("\n")
        report.append("Stack backtrace:")
        report += [l for l in bt[1:] if l.startswith(" ")]
    return "\n".join("    " + l for l in report)


def _classify(failure, q):
    """Sort a kernel test's failure into its class (KINDS), and add what explains it."""
    text = q.output
    if failure.kind == "error":
        return failure
    m = re.search(r"^.*%s.*$" % _settings["panic"], text, re.M)
    if m:
        failure.kind = "kernel-panic"
        at = str(failure).split("\n")[0]
        at = "" if at.startswith("output contains /%s/" % _settings["panic"]) else \
            "\n  (the test was at: %s)" % at
        failure.args = ("kernel panic:\n%s%s" % (_panic_report(text, m.start()), at),)
        return failure
    # A user panic the test did not wait for (one matched by an expectation is before q.pos).
    m = re.search(r"^.*%s.*$" % _settings["user_panic"], text[q.pos:], re.M)
    if m and failure.kind in ("timeout", "qemu-died", "wrong-output", None):
        failure.kind = "user-panic"
        failure.args = ("user panic: %s\n  (the test was at: %s)"
                        % (m.group(0), str(failure).split("\n")[0]),)
        return failure
    if failure.kind is None:
        failure.kind = "wrong-output"
    return failure


def _run_host_test(t):
    timeout = _scaled(t.timeout or _settings["timeout"])
    what = " ".join(t.cmd)
    try:
        g = _Group(t.cmd, echo=_verbose)
    except OSError as e:
        raise TestFailure("cannot run %s: %s" % (what, e), kind="error")
    try:
        done = g.wait_until(lambda: g.eof, time.monotonic() + timeout)
    finally:
        status = g.finish()
    if not done:
        raise TestFailure("%s did not finish within %.0fs; the last lines:\n%s"
                          % (what, timeout, _last_lines(g.text, 5, "    | ")), g.text,
                          kind="timeout")
    if status < 0:
        raise TestFailure("%s: %s" % (what, _describe_status(status)), g.text, kind="qemu-died")
    if t.status is not None and status != t.status:
        raise TestFailure("%s: exit status %d, expected %d" % (what, status, t.status), g.text,
                          kind="wrong-output")
    pos = 0
    for pattern in t.expect:
        m = re.compile(pattern, re.M).search(g.text, pos)
        if not m:
            raise TestFailure("%s: no /%s/ in the output (after the previous expectation)"
                              % (what, pattern), g.text, kind="wrong-output", expected=pattern)
        pos = m.end()
    for pattern in t.reject:
        if re.search(pattern, g.text, re.M):
            raise TestFailure("%s: output contains /%s/" % (what, pattern), g.text,
                              kind="wrong-output")


def _end_groups():
    """Whatever went wrong, no process group outlives its test: a second signal (Ctrl-C
    reaches us and the grader, which then asks us to stop too) must not cut this short."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    for pgid in list(_live):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        _live.pop(pgid).wait()


def _run_one(t, dirpath, scale):
    """Run test t with its files in dirpath; return its result as a dict (see _result)."""
    _run.update(dir=dirpath, scale=scale, consoles=[])
    start = time.monotonic()
    failure = None
    try:
        t.runner(t)
    except TestFailure as e:
        failure = e
    except Exception:
        failure = TestFailure("error in the grader:\n" + traceback.format_exc().rstrip(),
                              kind="error")
    finally:
        _end_groups()
        for i, q in enumerate(_run["consoles"]):
            with open(os.path.join(ROOT, q.dir, "console.log"), "w") as f:
                f.write(q.output)
    return _result(t.name, dirpath, time.monotonic() - start, failure)


def _result(name, dirpath, seconds, failure):
    r = {"name": name, "status": "passed" if failure is None else "failed",
         "seconds": round(seconds, 3), "class": None, "message": None, "expected": None,
         "last_lines": [], "output": "", "directory": dirpath}
    if failure is not None:
        out = failure.output or ""
        r.update({"class": failure.kind or "wrong-output", "message": str(failure),
                  "expected": failure.expected,
                  "last_lines": out.rstrip("\n").split("\n")[-_settings["tail"]:] if out else []})
    return r


# ---- Running many: builds, calibration, a pool of processes ------------------------------------

def _build_targets(chosen, calibrate):
    targets = ["all"]
    kernels = set(["monitor"] if calibrate else [])
    for t in chosen:
        kernels.update(t.kernels())
        targets += [b for b in t.builds if b not in targets]
    return targets + [_kernel_target(k) for k in sorted(kernels)]


# A boot of the monitor kernel to its prompt, measured on this machine (2-core AMD EPYC, QEMU
# 7.2 without KVM) while it ran nothing else.  Time limits are scaled by how much longer the
# calibration boot takes now, with as many boots at once as tests will run at once.
CALIBRATION_SECONDS = 0.5
SCALE_MIN, SCALE_MAX = 0.75, 4.0


def _calibrate(jobs):
    """Boot the monitor kernel `jobs` times at once; return (scale, seconds to the prompt)."""
    base = os.path.join(_settings["grade_dir"], "calibration")
    shutil.rmtree(os.path.join(ROOT, base), ignore_errors=True)
    qs, times = [], []
    try:
        for i in range(jobs):
            qs.append(Qemu("monitor", os.path.join(base, str(i)), timeout=60))
        for q in qs:
            q.expect(Prompt(r"K> "))
            times.append(time.monotonic() - q.started)
    except TestFailure as e:
        print("calibration: the monitor kernel did not boot (%s); time limits unscaled"
              % str(e).split("\n")[0])
        return 1.0, None
    finally:
        for q in qs:
            q.stop()
    shutil.rmtree(os.path.join(ROOT, base), ignore_errors=True)
    seconds = sum(times) / len(times)
    return min(SCALE_MAX, max(SCALE_MIN, seconds / CALIBRATION_SECONDS)), seconds


class _Job:
    def __init__(self, test, run, runs):
        self.test, self.run = test, run
        self.dir = os.path.join(_settings["grade_dir"], test.name)
        if runs > 1:
            self.dir = os.path.join(self.dir, "run-%d" % run)
        self.pid = self.fd = self.deadline = self.killed = None
        self.result = None
        self.started = self.ended = None    # time.monotonic() when it was started and reaped
        self.members = [self]   # a shared boot's leader: the jobs it runs (itself first)


def _share_boots(jobs):
    """Gather the jobs of tests that may share a boot (test(share_boot=True)) and boot alike,
    run by run, under the first of each set; return the jobs to start (the others are run by
    their leader)."""
    leaders, out = {}, []
    for j in jobs:
        t = j.test
        key = (t.run, t.net, t.cpus, tuple(t.make_args), t.qemuextra, t.light, t.exclusive,
               tuple(t.command or ()), j.run) if getattr(t, "share_boot", False) else None
        if key in leaders:
            leaders[key].members.append(j)
            continue
        if key is not None:
            leaders[key] = j
        out.append(j)
    return out


def _become_subreaper():
    """Make this process the reaper of its orphaned descendants (Linux's
    PR_SET_CHILD_SUBREAPER): QEMU outlives make by a moment when a test stops them, and its
    CPU time then reaches our rusage only if we, not init, reap it.  Elsewhere: nothing."""
    with contextlib.suppress(Exception):
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _reap_orphans(seconds=2.0):
    """Reap the descendants left to us (every process group of the test is killed by now)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def _start(job, scale, capture):
    """Fork a process that runs job's test (a shared boot's: its members'); returns at once."""
    for j in job.members:
        shutil.rmtree(os.path.join(ROOT, j.dir), ignore_errors=True)
        os.makedirs(os.path.join(ROOT, j.dir))
    r, w = os.pipe()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:  # the child: run the test, write result.json, exit without the parent's atexit
        status = 1
        try:
            _become_subreaper()
            os.close(r)
            signal.signal(signal.SIGTERM, _on_signal)
            if capture:
                out = os.open(os.path.join(ROOT, job.dir, "grader.out"),
                              os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(out, 1)
                os.dup2(out, 2)
            path = os.path.join(ROOT, job.dir, "result.json")
            if len(job.members) > 1:
                _run_shared(job.members, scale)     # writes each member's result.json
                with open(path) as f:
                    result = json.load(f)
            else:
                result = _run_one(job.test, job.dir, scale)
                sys.stdout.flush()
            # The CPU the run took (its QEMUs, makes and the test's own code), for the
            # reports: a shared boot's is its first test's.
            _reap_orphans()
            result["cpu"] = round(sum(getattr(resource.getrusage(who), field)
                                      for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                                      for field in ("ru_utime", "ru_stime")), 3)
            with open(path, "w") as f:
                json.dump(result, f)
            status = 0
        except BaseException:
            traceback.print_exc()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_IGN)
            _kill_all_now()
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(status)
    os.close(w)
    job.pid, job.fd, job.started = pid, r, time.monotonic()
    limit = sum(_scaled_limit(j.test, scale) for j in job.members)
    job.deadline = time.monotonic() + limit


def _scaled_limit(t, scale):
    # The test stops itself at its limit; this is the net under it (a hung test process).
    return (t.timeout or _settings["timeout"]) * scale + 3 * _settings["grace"] + 30


def _reap(job):
    os.close(job.fd)
    _, status = os.waitpid(job.pid, 0)
    job.ended = time.monotonic()
    for j in job.members:
        j.started, j.ended = job.started, job.ended
        try:
            with open(os.path.join(ROOT, j.dir, "result.json")) as f:
                j.result = json.load(f)
        except (OSError, ValueError):
            how = ("killed after %.0fs, its net time limit"
                   % sum(_scaled_limit(m.test, 1) for m in job.members)
                   if job.killed else "ended (%s) without a result" % _describe_status(
                       -os.WTERMSIG(status) if os.WIFSIGNALED(status)
                       else os.WEXITSTATUS(status)))
            j.result = _result(j.test.name, j.dir, 0, TestFailure(
                "the test's process %s; see %s/grader.out" % (how, job.dir),
                kind="timeout" if job.killed else "error"))


def exclusive_group(job):
    """The group of an exclusive test's job (test(exclusive_group=)), or None."""
    return getattr(job.test, "exclusive_group", None) if job.test.exclusive else None


# The costs file (defaults(costs=PATH); conf/mkcosts.py writes it from --json results): each
# test's seconds, CPU seconds and share of a core as measured, {"tests": {NAME: {"seconds": S,
# "cpu": C, "share": F}}}.  The pool orders the jobs by the seconds and packs them by the share
# (_run_jobs); a test it does not name costs a core for as long as its declared limit, as if
# there were no file.
def _load_costs():
    path = _settings["costs"]
    if not path:
        return {}
    try:
        with open(os.path.join(ROOT, path)) as f:
            costs = json.load(f)["tests"]
        return {name: (float(c["seconds"]), float(c["cpu"]), float(c["share"]))
                for name, c in costs.items()}
    except (OSError, ValueError, KeyError, TypeError) as e:
        print("costs: %s unreadable (%s): jobs ordered by their limits, a core each"
              % (path, e))
        return {}


# A job's share of a core is never taken below this: a test that mostly waits still boots, and
# its waits end in bursts.
JOB_WEIGHT_MIN = 0.3
# Light tests at once beside the others.  One at a time, the light tests (13, about 67 s, 12 s
# of CPU) ran back to back through the whole test phase and ended the suite on an idle machine.
LIGHT_JOBS = 2


def _run_jobs(jobs, njobs, scale, capture, on_done, costs=None):
    """Run jobs on njobs cores; an exclusive test's job runs with no other (but exclusive tests
    of its group); a light test's job takes no share of the cores (LIGHT_JOBS at a time, more
    once no other job waits; never beside an exclusive one; the longest measured first).  With
    costs (_load_costs), each other job takes the share of a core it used when measured (the
    largest of its runs' CPU seconds over seconds, at least JOB_WEIGHT_MIN, at most 1), and jobs
    start while their shares fit in njobs, one job more than njobs at most: two that mostly wait
    share a core.  Without, each takes a whole one.  Calls on_done(job) as each ends."""
    costs = costs or {}

    def is_light(j):
        return getattr(j.test, "light", False) and not j.test.exclusive and njobs > 1
    light = [j for j in jobs if is_light(j)]
    queue = [j for j in jobs if not j.test.exclusive and not is_light(j)]

    def measured(j):
        # (seconds, share of a core) of the job's tests as measured (a shared boot: its
        # members' seconds, its first test's share, which carries its CPU), or None if the
        # costs lack one of them.
        c = [costs.get(m.test.name) for m in j.members]
        if not c or None in c:
            return None
        return sum(s for s, _, _ in c), c[0][2]

    def weight(j):
        m = measured(j)
        if m is None or j.test.exclusive:
            return 1.0
        # At most a core, as without costs: a test's make, Python and QEMU's I/O thread add
        # to its guest's CPU (a one-CPU test measures up to 1.1), and two CPUs' guests wait
        # on each other.
        return min(1.0, max(JOB_WEIGHT_MIN, m[1]))
    # Long tests first (their measured seconds, else their declared limit: an unmeasured test
    # goes early), so that the pool does not end with one long test running alone; then the
    # exclusive ones: those of a group first, together, each group's longest first; the others
    # one at a time.  The light ones run one after another from the start, beside the others,
    # and not once an exclusive one is next.
    def limit(j):
        return j.test.timeout or _settings["timeout"]

    def expected(j):
        m = measured(j)
        return limit(j) if m is None else m[0]
    queue.sort(key=lambda j: -expected(j))
    light.sort(key=lambda j: -expected(j))
    exclusive = [j for j in jobs if j.test.exclusive]
    groups = [g for g in dict.fromkeys(exclusive_group(j) for j in exclusive) if g]
    queue += sorted([j for j in exclusive if exclusive_group(j)],
                    key=lambda j: (groups.index(exclusive_group(j)), -limit(j)))
    queue += [j for j in exclusive if not exclusive_group(j)]

    def may_join(job, running):
        # A test without a group runs beside tests without one, an exclusive one beside none,
        # unless all those running are other exclusive tests of its own group (not more runs
        # of itself, with --repeat: the group says which different tests fit together).
        if not job.test.exclusive:
            return not any(j.test.exclusive for j in running)
        return not running or (exclusive_group(job) is not None and all(
            exclusive_group(j) == exclusive_group(job) and j.test is not job.test
            for j in running))
    def next_job(slots):
        # The first waiting job whose share fits beside the running ones (an exclusive job
        # only in its turn, with a slot free); None if none fits now.
        used = sum(weight(j) for j in slots)
        for job in queue:
            if job.test.exclusive:
                fits = job is queue[0] and len(slots) < njobs
                return job if fits and may_join(job, running) else None
            if not slots or (len(slots) <= njobs and used + weight(job) <= njobs + 1e-6
                             and may_join(job, running)):
                return job
        return None
    running = []
    try:
        while queue or light or running:
            slots = [j for j in running if not is_light(j)]
            job = next_job(slots)
            while job:
                queue.remove(job)
                _start(job, scale, capture)
                running.append(job)
                slots.append(job)
                job = next_job(slots)
            # LIGHT_JOBS light jobs beside the others; once no other job is waiting, the
            # light ones may take the free slots too (else the suite could end with them
            # running one after another on an idle machine).
            light_cap = LIGHT_JOBS + (0 if queue else max(0, njobs - len(slots)))
            while light and sum(is_light(j) for j in running) < light_cap and not any(
                    j.test.exclusive for j in running) and not (
                    queue and queue[0].test.exclusive):
                job = light.pop(0)
                _start(job, scale, capture)
                running.append(job)
            if not running:
                continue
            now = time.monotonic()
            wait = max(0.0, min(j.deadline for j in running) - now)
            ready, _, _ = select.select([j.fd for j in running], [], [], wait)
            for job in list(running):
                if job.fd in ready:
                    _reap(job)
                    running.remove(job)
                    on_done(job)
                elif time.monotonic() >= job.deadline:
                    # SIGTERM unwinds the test (it stops its QEMU); SIGKILL after the grace.
                    sig = signal.SIGKILL if job.killed else signal.SIGTERM
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(job.pid, sig)
                    job.killed = True
                    job.deadline = time.monotonic() + 2 * _settings["grace"]
    except KeyboardInterrupt:
        # Ctrl-C reached the test processes too (one process group): let them stop their QEMUs.
        for job in running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(job.pid, signal.SIGTERM)
        for job in running:
            _reap(job)
        raise


# ---- Reporting ---------------------------------------------------------------------------------

def _summarize(t, results):
    """One test's entry in the reports, from the results of its runs."""
    passed = sum(r["status"] == "passed" for r in results)
    first_fail = next((r for r in results if r["status"] != "passed"), None)
    entry = {"name": t.name, "group": t.group, "program": t.program(), "points": t.points,
             "exclusive": t.exclusive, "status": "passed" if passed == len(results) else "failed",
             "runs": len(results), "passed_runs": passed,
             "seconds": round(sum(r["seconds"] for r in results) / max(1, len(results)), 3),
             "class": None, "message": None, "expected": None, "last_lines": [],
             "directory": None, "results": results}
    if first_fail:
        entry.update({k: first_fail[k] for k in ("class", "message", "expected", "last_lines",
                                                 "directory")})
    return entry


def _print_entry(e, out):
    if e["runs"] > 1:
        verdict = "%s (%d/%d runs passed, %.1fs each)" % (
            "OK" if e["status"] == "passed" else "FAIL", e["passed_runs"], e["runs"],
            e["seconds"])
    else:
        verdict = "%s (%.1fs)" % ("OK" if e["status"] == "passed" else "FAIL", e["seconds"])
    print("%s: %s" % (e["name"], verdict), file=out)
    for r in e["results"]:
        extra = r.get("stdout", "").rstrip("\n")
        if extra:
            print(extra, file=out)
    if e["status"] != "passed":
        print("    [%s] %s" % (e["class"], e["message"].split("\n")[0]), file=out)
        for line in e["message"].split("\n")[1:]:
            print("    " + line, file=out)
        if e["last_lines"] and not _verbose:
            print("    --- the last %d console lines ---" % len(e["last_lines"]), file=out)
            for line in e["last_lines"]:
                print("    | " + line, file=out)
        if e["directory"]:
            print("    kept: %s/" % e["directory"], file=out)
    out.flush()


def _write_json(path, entries, info):
    doc = dict(info)
    doc["tests"] = [{k: v for k, v in e.items() if k != "results"} for e in entries]
    for d, e in zip(doc["tests"], entries):
        d["run_results"] = [{k: r.get(k) for k in ("status", "seconds", "cpu", "class",
                                                    "directory", "start", "end")}
                            for r in e["results"]]
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def _failure_text(e):
    text = "[%s] %s" % (e["class"], e["message"])
    if e["last_lines"]:
        text += "\n--- the last %d console lines ---\n%s" % (len(e["last_lines"]),
                                                            "\n".join(e["last_lines"]))
    if e["directory"]:
        text += "\nkept: %s/" % e["directory"]
    return text


def _xml_text(s):
    """s without the characters XML 1.0 cannot carry (a guest may print any byte)."""
    return re.sub(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", "?", s)


def _write_junit(path, entries, info):
    failures = sum(e["status"] != "passed" and e["class"] != "error" for e in entries)
    errors = sum(e["status"] != "passed" and e["class"] == "error" for e in entries)
    root = ET.Element("testsuites", name=info["suite"], tests=str(len(entries)),
                      failures=str(failures), errors=str(errors), time="%.3f" % info["seconds"])
    suite = ET.SubElement(root, "testsuite", name=info["suite"], tests=str(len(entries)),
                          failures=str(failures), errors=str(errors), skipped="0",
                          time="%.3f" % info["seconds"], timestamp=info["started"],
                          hostname=socket.gethostname())
    for e in entries:
        case = ET.SubElement(suite, "testcase", name=e["name"],
                             classname="%s.%s" % (info["suite"], re.sub(r"\W+", "_", e["group"])
                                                  .strip("_") or "tests"),
                             time="%.3f" % e["seconds"])
        if e["status"] != "passed":
            tag = "error" if e["class"] == "error" else "failure"
            el = ET.SubElement(case, tag, type=e["class"],
                               message=_xml_text(e["message"].split("\n")[0]))
            el.text = _xml_text(_failure_text(e))
        if e["runs"] > 1:
            out = ET.SubElement(case, "system-out")
            out.text = "%d of %d runs passed" % (e["passed_runs"], e["runs"])
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)


def _write_gradescope(path, entries, info):
    tests = []
    for e in entries:
        ok = e["status"] == "passed"
        tests.append({"name": e["name"], "score": float(e["points"] if ok else 0),
                      "max_score": float(e["points"]), "status": "passed" if ok else "failed",
                      "output": "passed in %.1fs" % e["seconds"] if ok else _failure_text(e),
                      "tags": [e["group"]] if e["group"] else [], "visibility": "visible"})
    doc = {"score": sum(t["score"] for t in tests), "execution_time": round(info["seconds"]),
           "output": "%d passed, %d failed" % (info["passed"], info["failed"]),
           "stdout_visibility": "visible", "tests": tests}
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


# ---- The command line --------------------------------------------------------------------------

def main(argv=None, suite="exo386"):
    """Parse the command line, build, run the chosen tests and print the verdicts.  Returns the
    exit status: 0 if every test passed."""
    global _verbose
    ap = argparse.ArgumentParser(description="Build the kernel and run its tests.")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="show every test's output live (runs one test at a time)")
    ap.add_argument("-l", "--list", action="store_true",
                    help="list the tests (group, program, points) and exit")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                    help="run N tests at once (default: the number of cores, %(default)s)")
    ap.add_argument("-k", metavar="PATTERN", action="append", default=[],
                    help="run the tests whose name contains a match of regex PATTERN")
    ap.add_argument("--repeat", type=int, default=1, metavar="K",
                    help="run each test K times; it passes only if every run passes")
    ap.add_argument("--json", metavar="FILE", help="write the results as JSON")
    ap.add_argument("--junit", metavar="FILE", help="write the results as JUnit XML")
    ap.add_argument("--gradescope", metavar="FILE",
                    help="write a Gradescope autograder results.json")
    ap.add_argument("--keep", action="store_true",
                    help="keep the directory of a test that passed too")
    ap.add_argument("--no-calibrate", action="store_true",
                    help="do not scale time limits by a calibration boot")
    ap.add_argument("--grade-dir", help=argparse.SUPPRESS)
    ap.add_argument("names", nargs="*", metavar="NAME", help="run only these tests")
    args = ap.parse_args(argv)
    if args.grade_dir:
        _settings["grade_dir"] = args.grade_dir
    if args.list:
        width = max(len(t.name) for t in _tests)
        last = None
        for t in _in_report_order(_tests):
            if t.group != last:
                print("== %s ==" % (t.group or "tests"))
                last = t.group
            flags = ("  exclusive" if t.exclusive else "") + (
                "  light" if getattr(t, "light", False) else "") + (
                "  %d points" % t.points if t.points != 1 else "")
            print("%-*s  %s%s" % (width, t.name, t.program(), flags))
        return 0
    names = [t.name for t in _tests]
    unknown = [n for n in args.names if n not in names]
    if unknown:
        ap.error("unknown test %s; the tests are: %s" % (", ".join(unknown), " ".join(names)))
    if args.jobs < 1 or args.repeat < 1:
        ap.error("-j and --repeat need a positive number")
    chosen = _in_report_order([t for t in _tests if (not args.names or t.name in args.names)
                               and all(re.search(k, t.name) for k in args.k)])
    if not chosen:
        ap.error("no test is selected")
    _verbose = args.verbose
    njobs = 1 if args.verbose else args.jobs

    os.chdir(ROOT)
    atexit.register(_kill_all_now)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)

    start = time.monotonic()
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    entries, scale, build_failure = [], 1.0, None
    phases = [start, None]      # when the build and the calibration ended
    jobs = []
    calibrate = _settings["build"] and not args.no_calibrate and any(
        t.runner is _run_kernel_test and not t.command for t in chosen)
    interrupted = False
    try:
        if _settings["build"]:
            targets = _build_targets(chosen, calibrate)
            try:
                _build(targets, "make (%d targets)" % len(targets),
                       jobs=max(njobs, os.cpu_count() or 1))
                print("make: OK (%.1fs)" % (time.monotonic() - start), flush=True)
            except TestFailure as e:
                build_failure = e
                print("make: FAIL (%.1fs)" % (time.monotonic() - start))
                print("\n".join("    | " + l for l in (e.output or "").split("\n")[-30:]))
        phases[0] = time.monotonic()
        if calibrate and not build_failure:
            scale, seconds = _calibrate(njobs)
            if seconds is not None:
                print("calibration: %d boot%s to the monitor took %.2fs (here, unloaded: %.2fs): "
                      "time limits x%.2f" % (njobs, "s at once" if njobs > 1 else "", seconds,
                                             CALIBRATION_SECONDS, scale), flush=True)

        phases[1] = time.monotonic()
        jobs = [_Job(t, k, args.repeat) for t in chosen for k in range(1, args.repeat + 1)]
        by_test = {t.name: [j for j in jobs if j.test is t] for t in chosen}
        printed = [0]
        last_group = [None]

        def flush_in_order():
            # Report in declaration order, each test once all its runs have ended.
            while printed[0] < len(chosen):
                t = chosen[printed[0]]
                if any(j.result is None for j in by_test[t.name]):
                    return
                results = [j.result for j in by_test[t.name]]
                for j in by_test[t.name]:
                    if j.started is not None:  # seconds since the grader started, for timelines
                        j.result.update(start=round(j.started - start, 3),
                                        end=round(j.ended - start, 3))
                for j in by_test[t.name]:
                    with contextlib.suppress(OSError):
                        with open(os.path.join(ROOT, j.dir, "grader.out")) as f:
                            j.result["stdout"] = f.read()
                entry = _summarize(t, results)
                if t.group != last_group[0] and t.group:
                    print("== %s ==" % t.group)
                last_group[0] = t.group
                _print_entry(entry, sys.stdout)
                entries.append(entry)
                if entry["status"] == "passed" and not args.keep:
                    shutil.rmtree(os.path.join(ROOT, _settings["grade_dir"], t.name),
                                  ignore_errors=True)
                printed[0] += 1

        if build_failure:
            # The source tests still run: they may say what is wrong.
            sources = [j for j in jobs if not getattr(j.test, "needs_build", True)]
            for j in jobs:
                if j not in sources:
                    j.result = _result(j.test.name, None, 0, TestFailure(
                        "not run: the build failed (%s)" % str(build_failure).split("\n")[0],
                        kind="build-failed"))
            if sources:
                _run_jobs(sources, njobs, scale, capture=not args.verbose,
                          on_done=lambda job: flush_in_order())
            flush_in_order()
        else:
            _run_jobs(_share_boots(jobs), njobs, scale, capture=not args.verbose,
                      on_done=lambda job: flush_in_order(), costs=_load_costs())
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted: the tests not reported above count as failed")
    total = time.monotonic() - start
    passed = sum(e["status"] == "passed" for e in entries)
    failed = len(chosen) - passed
    info = {"suite": suite, "started": started, "seconds": round(total, 3), "jobs": njobs,
            "repeat": args.repeat, "time_scale": round(scale, 3), "passed": passed,
            "failed": failed, "interrupted": interrupted}
    for path, writer in ((args.json, _write_json), (args.junit, _write_junit),
                         (args.gradescope, _write_gradescope)):
        if path:
            writer(path, entries, info)
    if failed:
        print("Failed: %s" % " ".join(t.name for t in chosen
                                      if t.name not in {e["name"] for e in entries
                                                        if e["status"] == "passed"}))
    if phases[1] is not None:
        # The time while exclusive tests ran (those of a group overlap: counted once).
        exclusive, last = 0.0, None
        for a, b in sorted((j.started, j.ended) for j in jobs if j.test.exclusive and j.ended):
            exclusive += max(0.0, b - max(a, last or a))
            last = max(b, last or b)
        print("Total time: %.1fs (build %.1fs, calibration %.1fs, tests %.1fs of which %.1fs "
              "for exclusive tests alone)" % (total, phases[0] - start, phases[1] - phases[0],
                                               time.monotonic() - phases[1], exclusive))
    else:
        print("Total time: %.1fs" % total)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1
