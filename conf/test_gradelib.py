#!/usr/bin/env python3
# Self-test of the grading library's console matching (run by grade-lab6 as "gradelib").
#
# The bug it guards against: a guest line arrives in pieces ("irq 1", then "1\n"), and an
# expectation like /irq (\d+)$/ matched the first piece, so the pci test read irq 1 for a card
# on irq 11 once in a while.  Here a child process plays the guest and writes each piece only
# when told to on its stdin, so what is on the pipe at each check is known: no timing involved.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gradelib import Console, TestFailure, prompt  # noqa: E402

# The "guest": for each line on stdin, write it back with "\n" escapes expanded, unbuffered.
GUEST = r"""
import sys
for line in sys.stdin:
    sys.stdout.write(line.rstrip("\n").replace("\\n", "\n"))
    sys.stdout.flush()
"""


def must_not_match(c, pattern, why):
    """Check that pattern does not match yet; return the failure's message."""
    try:
        m = c.expect(pattern, timeout=0)
    except TestFailure as e:
        return str(e)
    raise SystemExit("FAIL: /%s/ matched %r: %s" % (pattern, m.group(0), why))


def main():
    c = Console([sys.executable, "-c", GUEST], timeout=30, what="the fake guest")
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
    print("gradelib: all passed")


if __name__ == "__main__":
    main()
