#!/usr/bin/env python3
# Tests of conf/kernhelp.py (run by grade-lab6 as "kernhelp"): parsing the kernel's output (a
# backtrace, the monitor's memory dump).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gradelib import TestFailure  # noqa: E402
import kernhelp as k  # noqa: E402


def check(cond, what):
    if not cond:
        raise SystemExit("FAIL: " + what)


def must_fail(fn, what):
    try:
        fn()
    except TestFailure:
        return
    raise SystemExit("FAIL: %s should fail" % what)


def main():
    bt = ("Stack backtrace:\n"
          "  ebp f0117f38  eip f0100a3e  args 00000000 00000001 f0117f68 00000000 f0100b00\n"
          "         kern/monitor.c:127: mon_recurse+46\n")
    frames = k.parse_backtrace(bt)
    check(len(frames) == 1 and frames[0]["eip"] == 0xf0100a3e and frames[0]["line"] == 127 and
          frames[0]["fn"] == "mon_recurse" and frames[0]["args"][1] == 1, "parse_backtrace")
    must_fail(lambda: k.parse_backtrace(bt.replace("  ebp", " ebp")), "a malformed frame")
    must_fail(lambda: k.parse_backtrace(bt + "  ebp\n"), "a frame of one line")
    check(k.dump_bytes("f0100000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n"
                       "f0100010  unmapped\n") == bytes(range(16)), "dump_bytes")
    print("kernhelp: all passed")


if __name__ == "__main__":
    main()
