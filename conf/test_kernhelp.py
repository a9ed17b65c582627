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


def netstat_text(rdh=2, rdt=1, tdh=4, intrs=1, rxt0=1, rx_frames=2, rx_bytes=158, copied=2,
                 tx_frames=3, rx_map=None, pages=None):
    """A `netstat` printout as kern/e1000.c writes it (a capture of one, with knobs)."""
    rx_map = rx_map or "".join("T" if i == rdt else "F" if (i - rdt) % 128 < (rdh - rdt) % 128
                               else "c" for i in range(128))
    pages = pages or [" %05x" % (0x100 + i) for i in range(128)]
    return ("e1000 52:54:00:12:34:56  irq 11  interrupts %d (at most one every 128 us)\n"
            "  tx: %d frames 182 bytes (0 segmented by the card) in 2 doorbells, ring full 0 "
            "times (senders waited 0), pages pinned 0\n"
            "      ring 256: clean %d tail %d (TDH %d TDT %d)\n"
            "  rx: %d frames %d bytes in 1 calls (%d copied out), ring empty 2 times, ring pages "
            "128\n"
            "      dropped: 0 with errors, overruns (ring full) 0\n"
            "      ring 128: tail %d (RDH %d RDT %d)\n"
            "  interrupts by cause: RXT0 %d RXO 0 RXDMT0 0 TXDW 1, none 0 (of %d)\n"
            "  tx slots (TDH %d TDT %d)\n"
            "    (. free; in flight: x context, f fragment, e last fragment (EOP); upper case: DD "
            "set, done)\n"
            % (intrs, tx_frames, tdh, tdh, tdh, tdh, rx_frames, rx_bytes, copied, rdt, rdh, rdt,
               rxt0, intrs, tdh, tdh)
            + "".join("    %3d %s\n" % (i, "." * 64) for i in range(0, 256, 64))
            + "  tx pages pinned by the card (slot:page, and the sender at a frame's last, rule "
            "T6): none\n"
            "  rx slots (RDH %d RDT %d)\n" % (rdh, rdt)
            + "    (c the card's, empty; F a frame for software, DD and EOP set; f DD without "
            "EOP;\n     T held back by software (RDT); ! DD disagrees with the owner)\n"
            + "".join("    %3d %s\n" % (i, rx_map[i:i + 64]) for i in range(0, 128, 64))
            + "  rx pages (each slot's physical page, the ring's only; * another reference holds "
            "it: rule R1 broken)\n"
            + "".join("    %3d%s\n" % (i, "".join(pages[i:i + 16])) for i in range(0, 128, 16)))


def check_netstat():
    s = k.parse_netstat(netstat_text())
    check((s["rdh"], s["rdt"], s["rx_tail"], s["tdh"], s["intrs"], s["c_rxt0"], s["rx_bytes"])
          == (2, 1, 1, 4, 1, 1, 158) and s["rx_map"][:3] == "cTc" and len(s["tx_map"]) == 256
          and s["rx_pages"][5] == (0x105, True) and s["tx_pinned"] == [], "parse_netstat: %r" % s)
    k.check_netstat_rings(s, "sample")
    pinned = netstat_text().replace("rule T6): none", "rule T6): 4:0012a 5:0012b@00001003")
    check(k.parse_netstat(pinned)["tx_pinned"] == [(4, 0x12a), (5, 0x12b)], "tx_pinned")
    must_fail(lambda: k.check_netstat_rings(k.parse_netstat(pinned), "x"), "pages in flight",
              "pinned [(4, 298), (5, 299)]")
    must_fail(lambda: k.parse_netstat(netstat_text().replace("  rx: ", "  rx ")),
              "a netstat without its rx line", "a line is missing")
    must_fail(lambda: k.parse_netstat(netstat_text().replace("." * 64 + "\n", "." * 60 + "\n", 1)),
              "a TX map short of slots", "252 TX slots")
    bad_map = "cT!" + "c" * 125
    for what, text, says in (
            ("a DD in a card's slot", netstat_text(rx_map=bad_map), "RX slots cT!"),
            ("a page held twice", netstat_text(pages=["*00100"] + [" %05x" % (0x100 + i)
                                                                   for i in range(1, 128)]),
             "1 with another reference"),
            ("RDT not the tail", netstat_text().replace("tail 1 (RDH", "tail 3 (RDH"),
             "RDT 1 / TDT 4, but the driver's tails are 3 / 4"),
            ("causes beyond the interrupts", netstat_text(rxt0=2), "by cause")):
        must_fail(lambda: k.check_netstat_rings(k.parse_netstat(text), "x"), what, says)
    # 130 frames in (two of them short), 2 out: the head wraps the ring.
    after = k.parse_netstat(netstat_text(rdh=4, rdt=3, intrs=5, rxt0=5, rx_frames=132,
                                         rx_bytes=158 + 128 * 200 + 2 * 60, copied=4, tx_frames=5,
                                         tdh=7))
    sent = [200] * 128 + [42, 60]
    k.check_netstat_frames(s, after, sent, 2, 124)
    must_fail(lambda: k.check_netstat_frames(s, after, sent[:-1], 2, 124), "a frame too few",
              "rx_frames moved by 130, expected 129")
    must_fail(lambda: k.check_netstat_frames(s, after, sent, 3, 124), "a frame out too many",
              "tx_frames moved by 2, expected 3")
    must_fail(lambda: k.check_netstat_frames(s, after, sent, 2, 200), "the copy limit",
              "rx_copied moved by 2, expected 130")
    same_tdh = k.parse_netstat(netstat_text(rdh=4, rdt=3, intrs=5, rxt0=5, rx_frames=132,
                                            rx_bytes=158 + 128 * 200 + 2 * 60, copied=4,
                                            tx_frames=5, tdh=5))
    must_fail(lambda: k.check_netstat_frames(s, same_tdh, sent, 2, 124),
              "two frames sent in one descriptor", "TDH moved from 4 to 5 for 2 frames")


def main():
    check_netstat()
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
