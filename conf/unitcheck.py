"""What the grader's own unit tests (conf/test_*.py) check with: a condition, and a call that
must fail the way a test fails (gradelib.TestFailure), naming what is wrong."""
from gradelib import TestFailure


def check(cond, what):
    """cond holds, or the unit test stops here, saying what."""
    if not cond:
        raise SystemExit("FAIL: " + what)


def must_fail(fn, what, says=""):
    """fn() fails with a TestFailure whose message contains says."""
    try:
        fn()
    except TestFailure as e:
        if says not in str(e):
            raise SystemExit("FAIL: %s failed without naming %r: %s" % (what, says, e))
        return
    raise SystemExit("FAIL: %s should fail" % what)
