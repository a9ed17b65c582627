#!/usr/bin/env python3
# Tests of conf/kernhelp.py (run by grade-lab6 as "kernhelp"): parsing the kernel's output (a
# backtrace, the monitor's memory dump), and following a scripted console (gradelib's Console
# on a child that prints a kernel's lines and answers commands as the monitor and shell do).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gradelib import Console, TestFailure  # noqa: E402
from unitcheck import check, must_fail  # noqa: E402
import kernhelp as k  # noqa: E402

# The scripted kernel: prints argv[1], then answers each line typed with the echo of the line
# and its answer in argv[2] (a dict by line), or nothing.
SCRIPTED_GUEST = r"""
import ast, sys
sys.stdout.write(sys.argv[1])
sys.stdout.flush()
answers = ast.literal_eval(sys.argv[2])
for line in sys.stdin:
    sys.stdout.write(line + answers.get(line.rstrip("\n"), ""))
    sys.stdout.flush()
"""

BOOT = ("[00000000] new env 00001000\n"
        "[00001000] user fault va 00000000 ip 00800034\n"
        "  trap 0x0000000e Page Fault\n"
        "  err  0x00000004 [user, read, not-present]\n"
        "[00001000] free env 00001000\n"
        "[00000000] new env 00001001\n"
        "[00001001] user_mem_check assertion failure for va f0100000\n"
        "[00001001] free env 00001001\n"
        "sched: no runnable environments; entering the monitor\n"
        "K> ")
ANSWERS = {
    "showmappings 0xef000000 0xef001000": "ef000000  0011a000  U-P\nK> ",
    "showmappings 0x0 0x1000": "00000000  unmapped\nK> ",
    "dumpmem 0xf0100004 4":
        "f0100000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\nK> ",
    "ls": "[00001002] new env 00001003\nmotd\nlorem\n[00001003] exiting gracefully\n$ ",
}


def scripted(boot=BOOT):
    return Console([sys.executable, "-c", SCRIPTED_GUEST, boot, repr(ANSWERS)], timeout=10,
                   what="the scripted kernel")


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

    q = scripted()
    try:
        env = k.expect_first_env(q)
        check(env == "00001000", "expect_first_env")
        k.expect_fault(q, env, "Page Fault", va=(0x10, 0), err="user, read, not-present")
        check(k.expect_mem_check(q, "00001001", va=0xf0100000) == 0xf0100000, "expect_mem_check")
        k.expect_end(q)
        check(k.mapping_of(q, 0xef000000) == (0x11a000, "U-P"), "mapping_of a mapped page")
        check(k.mapping_of(q, 0) is None, "mapping_of an unmapped page")
        check(k.read_word(q, 0xf0100004) == 0x07060504, "read_word in the middle of a line")
        check(k.sh_cmd(q, "ls") == "motd\nlorem\n", "sh_cmd leaves out environments' lines")
    finally:
        q.finish()
    for what, says, fn in (
            ("a fault elsewhere", "should be at va 00000010",
             lambda q: k.expect_fault(q, "00001000", "Page Fault", va=0x10)),
            ("another trap", "trap 0x0000000d General Protection",
             lambda q: k.expect_fault(q, "00001000", "General Protection")),
            ("a pointer check elsewhere", "should be 00000001, not f0100000",
             lambda q: (k.expect_fault(q, "00001000", "Page Fault"),
                        k.expect_mem_check(q, "00001001", va=1)))):
        q = scripted()
        q.proc.stdin.close()  # the guest ends its output: a missing line fails at once
        try:
            k.expect_first_env(q)
            try:
                fn(q)
            except TestFailure as e:
                check(says in str(e), "%s: failed without %r: %s" % (what, says, e))
            else:
                raise SystemExit("FAIL: %s should fail" % what)
        finally:
            q.finish()
    print("kernhelp: all passed")


if __name__ == "__main__":
    main()
