#!/usr/bin/env python3
# Self-test of the grading library (run by grade-lab6 as "gradelib"): its console matching, the
# class it gives each kind of failure, its parallel runs, and the three result files it writes.
#
#   conf/test_gradelib.py                     all of it (prints "gradelib: all passed")
#   conf/test_gradelib.py --validate KIND F   check result file F (KIND: json, junit, gradescope)
#
# The first bug it guards against: a guest line arrives in pieces ("irq 1", then "1\n"), and an
# expectation like /irq (\d+)$/ matched the first piece, so the pci test read irq 1 for a card
# on irq 11 once in a while.  Here a child process plays the guest and writes each piece only
# when told to on its stdin, so what is on the pipe at each check is known: no timing involved.
#
# Then a fake suite (this file run with --suite) runs fake guests (this file with --guest MODE)
# through gradelib.main in parallel: guests that time out, panic, die by a signal, print the wrong
# line; guests that bind every port and create every file they are given, all at once; and one
# declared exclusive.  A coordinator (a TCP server here, on 127.0.0.1) is the guests' barrier: it
# answers the sharing guests only once all are running, so they provably overlap, and tells the
# exclusive one how many others are running (every guest keeps a connection to it while it runs).
# Three tests share one boot of a guest that prints two lines and then echoes commands: each
# sees the output from the start, types its own command, and the third fails on its own.
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gradelib  # noqa: E402
from gradelib import Console, TestFailure, prompt  # noqa: E402

# The "guest" of the matching checks: for each line on stdin, write it back with "\n" escapes
# expanded, unbuffered.
ECHO_GUEST = r"""
import sys
for line in sys.stdin:
    sys.stdout.write(line.rstrip("\n").replace("\\n", "\n"))
    sys.stdout.flush()
"""

SHARERS = 3  # sharing guests that must run at once (the fake suite runs with -j SHARERS + 1)


def must_not_match(c, pattern, why):
    """Check that pattern does not match yet; return the failure's message."""
    try:
        m = c.expect(pattern, timeout=0)
    except TestFailure as e:
        return str(e)
    raise SystemExit("FAIL: /%s/ matched %r: %s" % (pattern, m.group(0), why))


def check_matching():
    c = Console([sys.executable, "-c", ECHO_GUEST], timeout=30, what="the fake guest")
    try:
        c.send("irq 1\n")
        c.wait_until(lambda: c.output == "irq 1", c.deadline)
        must_not_match(c, r"irq (\d+)$", "the line is not finished")
        c.send("1\\n\n")
        got = c.expect(r"irq (\d+)$").group(1)
        if got != "11":
            raise SystemExit("FAIL: read irq %s from 'irq 11'" % got)

        c.send("K> \n")
        c.wait_until(lambda: c.output.endswith("K> "), c.deadline)
        why = must_not_match(c, r"K> ", "a plain pattern waits for the end of its line")
        if "declare it with prompt()" not in why:
            raise SystemExit("FAIL: no hint to use prompt() in: %s" % why)
        c.expect(prompt(r"K> "))  # a prompt may match the unfinished line

        c.send("\\npartial\n")
        c.proc.stdin.close()  # the guest ends its output
        c.wait_until(lambda: c.eof, c.deadline)
        c.expect(r"^partial$")  # once the output has ended, its last line is complete
    finally:
        c.finish()


# ---- The fake guest ---------------------------------------------------------------------------

def guest(mode, coordinator, variables):
    """Play a guest: mode says how it behaves; variables are the make variables the grader
    passes QEMU's run (NAME=VALUE)."""
    var = dict(v.split("=", 1) for v in variables)
    out = sys.stdout

    def say(text):
        out.write(text)
        out.flush()
    # Each guest's first lines go out in one write (atomic on a pipe), so that whatever a test
    # waits for after "fake: booting" is judged against all of them, however slowly we started.
    first = {"timeout": "fake: waiting for nothing\n",
             "panic": "kernel panic at kern/fake.c:42: fake trouble (CPU 0)\nK> ",
             "userpanic": "[00001000] user panic in fakeprog at lib/fake.c:7: fake oops\n",
             "wrong": "fake: the answer is 41\n",
             "bootshare": "fake: line A\nfake: line B\nK> "}
    # Every guest tells the coordinator it runs before it prints anything (a test may end, and
    # stop the guest, at its first line), and keeps the connection until it exits.
    c = socket.create_connection(("127.0.0.1", int(coordinator)), timeout=60)
    if mode not in ("share", "exclusive", "light", "pair", "bootshare"):
        c.sendall(json.dumps({"mode": mode}).encode() + b"\n")
    say("fake: booting\n" + first.get(mode, ""))
    if mode == "timeout":
        # Until the grader stops us; Ctrl-T (the status key) lists the environments, as the
        # kernel does (kern/ps.c), which the grader asks for when a wait times out.
        for ch in iter(lambda: sys.stdin.read(1), ""):
            if ch == "\x14":
                say("ps: 1234 ms since boot\nps: env 00001000 parent 00000000 user blocked  "
                    "runs 7 eip 00800020 waits for console input\nps: end\n")
    elif mode == "panic":
        for line in sys.stdin:
            if line.strip() == "backtrace":
                say("Stack backtrace:\n  ebp f0117f58  eip f0100a3e  args 00000001 00000002 "
                    "00000003 00000004 00000005\n         kern/fake.c:42: fake_trouble+10\nK> ")
    elif mode == "userpanic":
        sys.stdin.read()
    elif mode == "signal":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif mode == "wrong":
        sys.stdin.read()
    elif mode == "bootshare":
        c.sendall(json.dumps({"mode": mode}).encode() + b"\n")
        for line in sys.stdin:    # a monitor whose one command is "echo WORDS"
            say(line + line.split(" ", 1)[1] + "K> " if line.startswith("echo ") else line)
    elif mode in ("share", "exclusive", "light", "pair"):
        # Take every port and file the grader gave this run, as QEMU would; a second run given
        # any of them fails here.
        held = []
        for name in ("GDBPORT", "PORT7", "PORT80"):
            port = int(var[name])
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(socket.AF_INET, kind)
                try:
                    s.bind(("127.0.0.1", port))
                except OSError as e:
                    say("fake: cannot take %s %d: %s\n" % (name, port, e.strerror))
                    return
                held.append(s)
        for name in ("QEMULOG", "QEMUPCAP"):
            try:
                os.close(os.open(var[name], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            except OSError as e:
                say("fake: cannot create %s %s: %s\n" % (name, var[name], e.strerror))
                return
        report = {"mode": mode, "ports": [int(var[n]) for n in ("GDBPORT", "PORT7", "PORT80")],
                  "files": [os.path.abspath(var[n]) for n in ("QEMULOG", "QEMUPCAP")],
                  "snapshot_dir": os.environ.get("TMPDIR")}
        c.sendall(json.dumps(report).encode() + b"\n")
        answer = c.makefile().readline().strip()  # the barrier: see the top of the file
        say("fake: %s\n" % (answer or "no answer from the coordinator"))
        c.close()


# ---- The fake suite -----------------------------------------------------------------------------

def suite(coordinator, args):
    def fake(name, mode, **opts):
        return gradelib.test(name, command=[sys.executable, "-B", os.path.abspath(__file__),
                                            "--guest", mode, coordinator], **opts)

    gradelib.defaults(build=False, timeout=10, reject=[r"kernel panic at"])
    gradelib.group("failures")
    def booted_then_nothing(q):
        # The whole limit for the guest to start (a loaded machine starts Python slowly), then
        # a short wait for a line that never comes.
        q.expect(r"^fake: booting$")
        q.expect(r"^fake: ready$", timeout=0.5)

    fake("fake-timeout", "timeout")(booted_then_nothing)
    fake("fake-panic", "panic", expect=[r"^fake: ready$"])
    fake("fake-userpanic", "userpanic")(booted_then_nothing)
    fake("fake-signal", "signal", expect=[r"^fake: ready$"])

    @fake("fake-wrong", "wrong")
    def _(q):
        m = q.expect(r"^fake: the answer is (\d+)$")
        if m.group(1) != "42":
            gradelib.fail("the answer should be 42, not %s" % m.group(1))

    gradelib.group("sharing")
    for i in range(SHARERS):
        fake("fake-share-%d" % i, "share", points=2, expect=[r"^fake: go$"])
    fake("fake-exclusive", "exclusive", exclusive=True, expect=[r"^fake: alone$"])

    # Two exclusive tests of one group run together (the coordinator lets them go only so), and
    # beside no other: a sharer's barrier would not open, the exclusive one would see them.
    for i in range(2):
        fake("fake-pair-%d" % i, "pair", exclusive=True, exclusive_group="pair",
             expect=[r"^fake: go$"])

    # One boot for three tests: each finds the first line (behind it, for the second and third),
    # and its own command's output, not another's.
    gradelib.group("one boot")

    def boot_reader(word):
        def check(q):
            q.expect(r"^fake: line A$")
            q.expect(r"^fake: line B$")
            q.expect(prompt(r"K> "))
            if q.cmd("echo " + word) != word + "\n":
                gradelib.fail("echo %s did not give back %s alone" % (word, word))
        return check
    fake("fake-boot-1", "bootshare", share_boot=True)(boot_reader("one"))
    fake("fake-boot-2", "bootshare", share_boot=True)(boot_reader("two"))

    @fake("fake-boot-wrong", "bootshare", share_boot=True)
    def _(q):
        q.expect(r"^fake: line A$")
        gradelib.fail("a failure of its own")

    # A light test takes no slot, but never runs beside the exclusive one, which would see it:
    # it holds its connection to the coordinator a moment after its line.
    @fake("fake-light", "light", light=True)
    def _(q):
        q.expect(r"^fake: light$")
        time.sleep(0.3)
    return gradelib.main(args, suite="fake")


class Coordinator:
    """The fake guests' barrier and witness, on a port of 127.0.0.1 (see the top of the file).
    Each guest connects, sends a line of JSON, and keeps the connection until it exits.  One
    thread serves them all with select(); finish() stops it once it has read every report."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.pending = {}   # connection -> the part of its report line read so far
        self.waiting, self.guests, self.reports, self.pair = [], [], [], []
        self.stop_r, self.stop_w = os.pipe()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        stopping = False
        while True:
            # Once told to stop (every guest has exited), drain what is already there.
            ready, _, _ = select.select([self.server, self.stop_r] + list(self.pending), [], [],
                                       0 if stopping else None)
            if stopping and not ready:
                return
            for r in ready:
                if r == self.stop_r:
                    os.read(self.stop_r, 1)
                    stopping = True
                elif r is self.server:
                    conn, _ = self.server.accept()
                    self.pending[conn] = b""
                else:
                    data = r.recv(4096)
                    line = self.pending.pop(r) + data
                    if b"\n" in line:
                        self.handle(r, json.loads(line.split(b"\n")[0]))
                    elif data:
                        self.pending[r] = line

    def running(self):
        """Guests still running: their connections have not reached end of file.  A guest's
        socket is closed when its process exits, before the grader can reap it."""
        readable, _, _ = select.select(self.guests, [], [], 0)
        return len([c for c in self.guests if c not in readable])

    def handle(self, conn, report):
        self.reports.append(report)
        if report["mode"] == "light":
            conn.sendall(b"light\n")
        if report["mode"] == "exclusive":
            n = self.running()
            conn.sendall(b"alone\n" if n == 0 else b"not alone: %d others running\n" % n)
            conn.close()
            return
        self.guests.append(conn)
        if report["mode"] == "share":
            self.waiting.append(conn)
            if len(self.waiting) == SHARERS:
                for c in self.waiting:
                    c.sendall(b"go\n")
                self.waiting = []
        if report["mode"] == "pair":
            self.pair.append(conn)
            if len(self.pair) == 2:
                # Judged once, before either is answered: the first one told "go" may exit
                # before the second is answered, and then would not count as running.
                answer = b"go\n" if self.running() == 2 else b"not alone\n"
                for c in self.pair:
                    c.sendall(answer)

    def finish(self):
        os.write(self.stop_w, b"x")
        self.thread.join()
        self.server.close()
        for c in self.guests:
            c.close()


# ---- Validating the result files against their formats -------------------------------------------

def validate_json(path):
    """grade-lab6 --json: the keys README documents, with their types."""
    doc = json.load(open(path))
    need = {"suite": str, "seconds": (int, float), "jobs": int, "repeat": int,
            "time_scale": (int, float), "passed": int, "failed": int, "tests": list}
    for key, kind in need.items():
        if not isinstance(doc.get(key), kind):
            raise SystemExit("FAIL: %s: %r should be a %s" % (path, key, kind))
    for t in doc["tests"]:
        for key, kind in {"name": str, "group": str, "program": str, "points": (int, float),
                          "status": str, "seconds": (int, float), "runs": int,
                          "passed_runs": int, "last_lines": list}.items():
            if not isinstance(t.get(key), kind):
                raise SystemExit("FAIL: %s: test %r: %r should be a %s" % (path, t.get("name"),
                                                                          key, kind))
        if t["status"] not in ("passed", "failed"):
            raise SystemExit("FAIL: %s: test %s: status %r" % (path, t["name"], t["status"]))
        if (t["status"] == "passed") != (t["class"] is None) or \
                (t["class"] is not None and t["class"] not in gradelib.KINDS):
            raise SystemExit("FAIL: %s: test %s: class %r with status %s"
                             % (path, t["name"], t["class"], t["status"]))
    if doc["passed"] + doc["failed"] != len(doc["tests"]):
        raise SystemExit("FAIL: %s: passed + failed != the number of tests" % path)
    return doc


# JUnit XML as Jenkins and most CI read it (the junit-10.xsd schema that pytest tests against):
# required attributes per element, the children each may have, and the time format.
JUNIT_REQUIRED = {"testsuites": (), "testsuite": ("name", "tests", "failures", "errors"),
                  "testcase": ("name",), "failure": (), "error": (), "skipped": (),
                  "system-out": (), "system-err": (), "properties": (), "property": ("name",
                                                                                     "value")}
JUNIT_CHILDREN = {"testsuites": {"testsuite"},
                  "testsuite": {"testsuite", "properties", "testcase", "system-out", "system-err"},
                  "testcase": {"skipped", "error", "failure", "system-out", "system-err"},
                  "properties": {"property"}}
JUNIT_TIME = re.compile(r"(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]{0,3})?")


def validate_junit(path):
    root = ET.parse(path).getroot()
    if root.tag != "testsuites":
        raise SystemExit("FAIL: %s: the root is <%s>, not <testsuites>" % (path, root.tag))

    def walk(el):
        for attr in JUNIT_REQUIRED.get(el.tag, ()):
            if attr not in el.attrib:
                raise SystemExit("FAIL: %s: <%s> without its required %s" % (path, el.tag, attr))
        if "time" in el.attrib and el.tag in ("testsuites", "testsuite") and \
                not JUNIT_TIME.fullmatch(el.attrib["time"]):
            raise SystemExit("FAIL: %s: <%s time=%r>" % (path, el.tag, el.attrib["time"]))
        for child in el:
            if child.tag not in JUNIT_CHILDREN.get(el.tag, set()):
                raise SystemExit("FAIL: %s: <%s> inside <%s>" % (path, child.tag, el.tag))
            walk(child)
    walk(root)
    for s in root.iter("testsuite"):
        cases = s.findall("testcase")
        counts = (len(cases), sum(c.find("failure") is not None for c in cases),
                  sum(c.find("error") is not None for c in cases))
        if counts != (int(s.get("tests")), int(s.get("failures")), int(s.get("errors"))):
            raise SystemExit("FAIL: %s: suite %s counts %s, its attributes say %s"
                             % (path, s.get("name"), counts, (s.get("tests"), s.get("failures"),
                                                              s.get("errors"))))
    return root


# Gradescope's results.json (gradescope-autograders.readthedocs.io, "Autograder Specifications"):
# the keys it defines at the top and per test, all optional but the score somewhere.
GS_TOP = {"score", "execution_time", "output", "output_format", "test_output_format",
          "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
          "leaderboard"}
GS_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output",
           "output_format", "tags", "visibility", "extra_data"}
GS_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def validate_gradescope(path):
    doc = json.load(open(path))
    if set(doc) - GS_TOP:
        raise SystemExit("FAIL: %s: keys Gradescope does not define: %s"
                         % (path, set(doc) - GS_TOP))
    if not isinstance(doc.get("score"), (int, float)) and not all(
            "score" in t for t in doc.get("tests", [])):
        raise SystemExit("FAIL: %s: no score, at the top or on every test" % path)
    for t in doc.get("tests", []):
        if set(t) - GS_TEST:
            raise SystemExit("FAIL: %s: test keys Gradescope does not define: %s"
                             % (path, set(t) - GS_TEST))
        if t.get("status") not in (None, "passed", "failed"):
            raise SystemExit("FAIL: %s: status %r" % (path, t["status"]))
        if t.get("visibility") not in (None,) + tuple(GS_VISIBILITY):
            raise SystemExit("FAIL: %s: visibility %r" % (path, t["visibility"]))
        for key in ("score", "max_score"):
            if key in t and not isinstance(t[key], (int, float)):
                raise SystemExit("FAIL: %s: test %s: %s %r" % (path, t.get("name"), key, t[key]))
        if not isinstance(t.get("name", ""), str) or not isinstance(t.get("output", ""), str):
            raise SystemExit("FAIL: %s: name and output are strings" % path)
    if isinstance(doc.get("score"), (int, float)) and abs(
            doc["score"] - sum(t.get("score", 0) for t in doc.get("tests", []))) > 1e-9:
        raise SystemExit("FAIL: %s: the score is not the sum of the tests' scores" % path)
    return doc


# ---- Running the fake suite and judging what it reported ----------------------------------------

EXPECTED_CLASSES = {
    "fake-timeout": ("timeout", [r"waiting for /\^fake: ready\$/", r"fake: waiting for nothing",
                                 r"the guest's environments then \(Ctrl-T\)",
                                 r"ps: env 00001000 .* waits for console input"]),
    "fake-panic": ("kernel-panic", [r"kernel panic at kern/fake\.c:42: fake trouble",
                                    r"Stack backtrace:", r"kern/fake\.c:42: fake_trouble\+10"]),
    "fake-userpanic": ("user-panic", [r"user panic in fakeprog at lib/fake\.c:7: fake oops"]),
    "fake-signal": ("qemu-died", [r"signal 11 \(SIGSEGV\)"]),
    "fake-wrong": ("wrong-output", [r"the answer should be 42, not 41"]),
    "fake-boot-wrong": ("wrong-output", [r"a failure of its own"]),
}
BOOT_SHARERS = 2    # the tests of the shared boot that pass


def check_fake_suite():
    base = os.path.join(gradelib._settings["grade_dir"], "gradelib")
    here = os.path.join(gradelib.ROOT, base)
    os.makedirs(here, exist_ok=True)
    files = {k: os.path.join(here, "fake-results." + k) for k in ("json", "xml", "gs.json")}
    coordinator = Coordinator()
    argv = [sys.executable, "-B", os.path.abspath(__file__), "--suite", str(coordinator.port),
            "-j", str(SHARERS + 1), "--grade-dir", os.path.join(base, "fake"),
            "--json", files["json"], "--junit", files["xml"], "--gradescope", files["gs.json"]]
    try:
        run = subprocess.run(argv, cwd=gradelib.ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=120, text=True)
    finally:
        coordinator.finish()
    out = run.stdout
    print(out.rstrip("\n"))
    if run.returncode != 1 or not re.search(r"^%d passed, %d failed$" % (SHARERS + 4 + BOOT_SHARERS,
                                                                       len(EXPECTED_CLASSES)),
                                            out, re.M) or not out.endswith("failed\n"):
        raise SystemExit("FAIL: the fake suite should end with '%d passed, %d failed' and exit "
                         "status 1 (it exited %d)" % (SHARERS + 4 + BOOT_SHARERS, len(EXPECTED_CLASSES),
                                                      run.returncode))
    doc = validate_json(files["json"])
    tests = {t["name"]: t for t in doc["tests"]}
    for name, (kind, patterns) in EXPECTED_CLASSES.items():
        t = tests[name]
        if t["class"] != kind:
            raise SystemExit("FAIL: %s should fail as %s, not %s: %s" % (name, kind, t["class"],
                                                                       t["message"]))
        for p in patterns:
            if not re.search(p, t["message"]):
                raise SystemExit("FAIL: %s's explanation lacks /%s/:\n%s" % (name, p, t["message"]))
        if not t["directory"] or not os.path.isdir(os.path.join(gradelib.ROOT, t["directory"])):
            raise SystemExit("FAIL: %s failed, but its directory %s was not kept"
                             % (name, t["directory"]))
        if "kept: %s/" % t["directory"] not in out:
            raise SystemExit("FAIL: the path of %s's directory is not printed" % name)
    for t in doc["tests"]:
        if t["name"] not in EXPECTED_CLASSES and t["status"] != "passed":
            raise SystemExit("FAIL: %s failed: %s" % (t["name"], t["message"]))
        if t["status"] == "passed" and os.path.exists(os.path.join(
                gradelib.ROOT, base, "fake", t["name"])):
            raise SystemExit("FAIL: %s passed, but its directory was kept" % t["name"])

    # The sharing guests ran at once (the barrier let them go) and took distinct ports, files and
    # snapshot directories; the exclusive one ran alone.
    reports = coordinator.reports
    shared = [r for r in reports if r["mode"] == "share"]
    if len(reports) != len(EXPECTED_CLASSES) + SHARERS + 4:
        raise SystemExit("FAIL: %d guests told the coordinator they run, expected %d"
                         % (len(reports), len(EXPECTED_CLASSES) + SHARERS + 4))
    if sum(r["mode"] == "bootshare" for r in reports) != 1:
        raise SystemExit("FAIL: the three tests of one boot booted %d guests"
                         % sum(r["mode"] == "bootshare" for r in reports))
    if len(shared) != SHARERS:
        raise SystemExit("FAIL: %d sharing guests reported, expected %d" % (len(shared), SHARERS))
    for key in ("ports", "files"):
        every = [x for r in shared for x in r[key]]
        if len(set(every)) != len(every):
            raise SystemExit("FAIL: runs at once shared %s: %s" % (key, every))
    dirs = [r["snapshot_dir"] for r in shared]
    if None in dirs or len(set(dirs)) != len(dirs):
        raise SystemExit("FAIL: runs at once shared a snapshot directory (TMPDIR): %s" % dirs)

    validate_junit(files["xml"])
    root = ET.parse(files["xml"]).getroot()
    suite_el = root.find("testsuite")
    if (suite_el.get("tests"), suite_el.get("failures")) != (str(len(tests)),
                                                             str(len(EXPECTED_CLASSES))):
        raise SystemExit("FAIL: the JUnit suite says %s tests, %s failures"
                         % (suite_el.get("tests"), suite_el.get("failures")))
    for case in suite_el.iter("testcase"):
        f = case.find("failure")
        want = EXPECTED_CLASSES.get(case.get("name"), (None,))[0]
        if (f.get("type") if f is not None else None) != want:
            raise SystemExit("FAIL: JUnit case %s: failure type %r, expected %r"
                             % (case.get("name"), f is not None and f.get("type"), want))
    gs = validate_gradescope(files["gs.json"])
    want_score = 2 * SHARERS + 4 + BOOT_SHARERS
    want_max = 2 * SHARERS + 4 + BOOT_SHARERS + len(EXPECTED_CLASSES)
    if gs["score"] != want_score or sum(t["max_score"] for t in gs["tests"]) != want_max:
        raise SystemExit("FAIL: Gradescope score %s of %s, expected %d of %d"
                         % (gs["score"], sum(t["max_score"] for t in gs["tests"]), want_score,
                            want_max))


def main():
    if sys.argv[1:2] == ["--guest"]:
        return guest(sys.argv[2], sys.argv[3], sys.argv[4:])
    if sys.argv[1:2] == ["--suite"]:
        return suite(sys.argv[2], sys.argv[3:])
    if sys.argv[1:2] == ["--validate"]:
        {"json": validate_json, "junit": validate_junit,
         "gradescope": validate_gradescope}[sys.argv[2]](sys.argv[3])
        print("%s: valid %s" % (sys.argv[3], sys.argv[2]))
        return 0
    check_matching()
    check_fake_suite()
    print("gradelib: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
