# Helpers for grade-lab6's kernel tests: the kernel's console protocol (environment messages,
# faults, backtraces, the monitor's memory commands, the shell), facts of the built images
# (symbols, ELF bytes) and the idle measurement.  Facts of the source are conf/gradesrc.py's.
# Tested by conf/test_kernhelp.py (the `kernhelp` test).

import os
import re
import struct
import time

from gradelib import ROOT, assert_match, elf_symbols, fail, prompt
from gradesrc import TRAPS

__all__ = ["PROMPT", "SH_PROMPT", "NO_ENVS", "ENVID", "FRAME", "WHERE", "parse_backtrace",
           "user_text_symbols", "user_function_at", "elf_bytes", "dump_bytes", "read_word",
           "mapping_of", "parse_netstat", "check_netstat_rings", "check_netstat_frames",
           "expect_first_env", "expect_end", "expect_freed", "expect_fault", "expect_mem_check",
           "expect_exit", "sh_cmd", "IDLE_SECONDS", "IDLE_MAX_FRACTION", "assert_idle"]


# ---- The console protocol ------------------------------------------------------------------------

PROMPT = prompt(r"K> ")  # the monitor's prompt; no newline follows it

# The shell's prompt (icode starts init, which starts the shell).
SH_PROMPT = prompt(r"\$ ")


NO_ENVS = r"^sched: no runnable environments; entering the monitor$"


ENVID = r"([0-9a-f]{8})"


FRAME = re.compile(r"  ebp ([0-9a-f]{8})  eip ([0-9a-f]{8})  args((?: [0-9a-f]{8}){5})")


WHERE = re.compile(r"         (\S+):(\d+): (\S+)\+(\d+)")


def parse_backtrace(text):
    """The frames of a backtrace, as dicts; fails on any line that is not in the format."""
    lines = text.rstrip("\n").split("\n")
    if lines[0] != "Stack backtrace:":
        fail("the backtrace should start with 'Stack backtrace:', not %r" % lines[0])
    if len(lines) % 2 != 1:
        fail("a backtrace frame is two lines, but %d lines follow the header" % (len(lines) - 1))
    frames = []
    for i in range(1, len(lines), 2):
        f, w = FRAME.fullmatch(lines[i]), WHERE.fullmatch(lines[i + 1])
        if not f:
            fail("backtrace line %d is not '  ebp XXXXXXXX  eip XXXXXXXX  args A A A A A': %r"
                 % (i, lines[i]))
        if not w:
            fail("backtrace line %d is not '         FILE:LINE: FUNCTION+OFFSET': %r"
                 % (i + 1, lines[i + 1]))
        frames.append({"ebp": int(f[1], 16), "eip": int(f[2], 16),
                       "args": [int(a, 16) for a in f[3].split()],
                       "file": w[1], "line": int(w[2]), "fn": w[3], "off": int(w[4]),
                       "text": lines[i + 1].strip()})
    return frames


# ---- Facts of the built images -------------------------------------------------------------------

# `netstat` (kern/e1000.c): its lines, each a regex whose named groups become the numbers of
# parse_netstat's answer, and the slot maps that follow "tx slots" / "rx slots".
NETSTAT_LINES = [
    r"^e1000 [0-9a-f:]{17}  irq \d+  interrupts (?P<intrs>\d+) ",
    r"^  tx: (?P<tx_frames>\d+) frames (?P<tx_bytes>\d+) bytes \((?P<tx_tso>\d+) segmented by "
    r"the card\) in (?P<tx_doorbells>\d+) doorbells, .* pages pinned (?P<pages_pinned>\d+)$",
    r"^      ring (?P<tx_ring>\d+): clean (?P<tx_clean>\d+) tail (?P<tx_tail>\d+) "
    r"\(TDH (?P<tdh>\d+) TDT (?P<tdt>\d+)\)$",
    r"^  rx: (?P<rx_frames>\d+) frames (?P<rx_bytes>\d+) bytes in (?P<rx_calls>\d+) calls "
    r"\((?P<rx_copied>\d+) copied out\), ",
    r"^      dropped: (?P<rx_dropped>\d+) with errors, overruns \(ring full\) (?P<rxo>\d+)$",
    r"^      ring (?P<rx_ring>\d+): tail (?P<rx_tail>\d+) \(RDH (?P<rdh>\d+) RDT (?P<rdt>\d+)\)$",
    r"^  interrupts by cause: RXT0 (?P<c_rxt0>\d+) RXO (?P<c_rxo>\d+) RXDMT0 (?P<c_rxdmt0>\d+) "
    r"TXDW (?P<c_txdw>\d+), none (?P<c_none>\d+) \(of (?P<c_of>\d+)\)$",
]


def parse_netstat(text):
    """The monitor's `netstat` printout as a dict: the counters and ring indices by the names
    of NETSTAT_LINES' groups (ints), tx_map and rx_map (a character a slot, in slot order),
    tx_pinned ([(slot, page)], the sender left out) and rx_pages ([(page, True if the ring's
    only reference)]).  Fails, showing the text, on a line missing."""
    out = {}
    for rx in NETSTAT_LINES:
        m = assert_match(rx, text, "netstat: a line is missing")
        out.update({k: int(v) for k, v in m.groupdict().items()})

    def rows(title, pattern):
        m = assert_match(r"^  %s.*\n(?:    \(.*\n(?:     [A-Za-z].*\n)?)?((?:    +\d+[ *].*\n?)+)"
                         % title, text, "netstat: no %s" % title)
        return [re.fullmatch(r" +(\d+)" + pattern, line).group(2) for line in
                m.group(1).rstrip("\n").split("\n")]
    out["tx_map"] = "".join(rows("tx slots", r" (\S+)"))
    out["rx_map"] = "".join(rows("rx slots", r" (\S+)"))
    pages = "".join(rows("rx pages", r"((?:[ *][0-9a-f]{5})+)"))
    out["rx_pages"] = [(int(p[1:], 16), p[0] == " ") for p in re.findall(r"[ *][0-9a-f]{5}",
                                                                        pages)]
    m = assert_match(r"^  tx pages pinned by the card \(slot:page.*\):((?: \d+:[0-9a-f]{5}"
                     r"(?:@[0-9a-f]{8})?)*| none)$", text, "netstat: no pinned pages line")
    out["tx_pinned"] = [(int(a), int(b, 16)) for a, b in re.findall(r"(\d+):([0-9a-f]{5})",
                                                                    m.group(1))]
    if len(out["tx_map"]) != out["tx_ring"] or len(out["rx_map"]) != out["rx_ring"] \
            or len(out["rx_pages"]) != out["rx_ring"]:
        fail("netstat: %d TX slots, %d RX slots and %d RX pages shown, rings of %d and %d"
             % (len(out["tx_map"]), len(out["rx_map"]), len(out["rx_pages"]), out["tx_ring"],
                out["rx_ring"]), text)
    return out


def check_netstat_rings(s, what):
    """One netstat snapshot (parse_netstat) agrees with itself and with the driver's rules
    (kern/e1000.h): every RX slot holds a page of its own that only the ring references; the
    held-back slot is RDT; the filled slots (RDT, RDH) have DD set and the card's [RDH, RDT)
    not; the card has sent everything queued (QEMU's does at the doorbell), so no TX slot is in
    flight or pins a page; the interrupts by cause add up."""
    n = s["rx_ring"]
    errors = []
    if s["rdt"] != s["rx_tail"] or s["tdt"] != s["tx_tail"]:
        errors.append("RDT %d / TDT %d, but the driver's tails are %d / %d"
                      % (s["rdt"], s["tdt"], s["rx_tail"], s["tx_tail"]))
    want = "".join("T" if i == s["rdt"] else "F" if (i - s["rdt"]) % n < (s["rdh"] - s["rdt"]) % n
                   else "c" for i in range(n))
    if s["rx_map"].replace("f", "F") != want:
        errors.append("RX slots %s, expected %s for RDH %d RDT %d"
                      % (s["rx_map"], want, s["rdh"], s["rdt"]))
    pages = [p for p, _ in s["rx_pages"]]
    if len(set(pages)) != n or not all(only for _, only in s["rx_pages"]):
        errors.append("RX pages: %d distinct of %d, %d with another reference"
                      % (len(set(pages)), n, sum(not only for _, only in s["rx_pages"])))
    if not (s["tdh"] == s["tdt"] == s["tx_clean"]) or s["tx_map"] != "." * s["tx_ring"] \
            or s["tx_pinned"] or s["pages_pinned"]:
        errors.append("TX: TDH %d TDT %d clean %d, slots %s, pinned %r (%d)"
                      % (s["tdh"], s["tdt"], s["tx_clean"], s["tx_map"].strip("."),
                         s["tx_pinned"], s["pages_pinned"]))
    causes = ("c_rxt0", "c_rxdmt0", "c_txdw", "c_none")
    if s["c_of"] != s["intrs"] or s["c_rxo"] != s["rxo"] or any(s[c] > s["intrs"] for c in causes) \
            or sum(s[c] for c in causes) + s["c_rxo"] < s["intrs"]:
        errors.append("interrupts %d, by cause %s" % (s["intrs"], {c: s[c] for c in causes}))
    if errors:
        fail("netstat %s: %s" % (what, "; ".join(errors)))


def check_netstat_frames(before, after, sent, received, inline_max):
    """Between two netstat snapshots the card received the frames of lengths `sent` (padded to
    60 bytes, as the card stores them) and sent `received` frames (none segmented): the counters
    moved by exactly that, the receive head by as many slots, and at least one receive interrupt
    came, and the transmit head moved by a descriptor a frame or more."""
    lens = [max(60, n) for n in sent]
    d = {k: after[k] - before[k] for k in after if isinstance(after[k], int)}
    want = {"rx_frames": len(lens), "rx_bytes": sum(lens),
            "rx_copied": sum(n <= inline_max for n in lens), "rx_dropped": 0,
            "tx_frames": received}
    wrong = ["%s moved by %d, expected %d" % (k, d[k], v) for k, v in want.items() if d[k] != v]
    if d["rdh"] % after["rx_ring"] != len(lens) % after["rx_ring"]:
        wrong.append("RDH moved from %d to %d, not by %d frames" % (before["rdh"], after["rdh"],
                                                                   len(lens)))
    # A frame takes a descriptor or more (a context, fragments): fewer is a lost doorbell.
    if received and not received <= d["tdh"] % after["tx_ring"] < after["tx_ring"] - 1:
        wrong.append("TDH moved from %d to %d for %d frames" % (before["tdh"], after["tdh"],
                                                               received))
    if d["intrs"] < 1 or d["c_rxt0"] < 1:
        wrong.append("%d interrupts, %d with RXT0, for %d frames" % (d["intrs"], d["c_rxt0"],
                                                                     len(lens)))
    if wrong:
        fail("netstat after %d frames in, %d out: %s" % (len(lens), received, "; ".join(wrong)))


def user_text_symbols(prog):
    """The text symbols of obj/user/PROG, as sorted (address, name)."""
    return [(addr, name) for addr, name, text in elf_symbols("obj/user/" + prog) if text]


def user_function_at(prog, addr):
    """The name of the function of user program PROG that contains addr, or None."""
    name = None
    for a, n in user_text_symbols(prog):
        if a > addr:
            break
        name = n
    return name


def elf_bytes(path, vaddr, n):
    """n bytes of the ELF file's loaded image at vaddr (from its program headers)."""
    with open(os.path.join(ROOT, path), "rb") as f:
        elf = f.read()
    phoff, phentsize, phnum = (struct.unpack_from("<I", elf, 28)[0],
                               *struct.unpack_from("<HH", elf, 42))
    for i in range(phnum):
        _, off, va, _, filesz = struct.unpack_from("<5I", elf, phoff + i * phentsize)
        if va <= vaddr and vaddr + n <= va + filesz:
            return elf[off + vaddr - va:off + vaddr - va + n]
    fail("%s: no loaded segment holds %08x" % (path, vaddr))


# ---- The monitor's memory commands ---------------------------------------------------------------

def dump_bytes(out):
    """The bytes of `dumpmem` output lines, in order."""
    return bytes(int(b, 16) for line in re.findall(r"^[0-9a-f]{8} ((?: [0-9a-f]{2}){16})$",
                                                    out, re.M) for b in line.split())


def read_word(q, va):
    """The 32-bit little-endian word at kernel address va, read with `dumpmem`."""
    out = q.cmd("dumpmem 0x%x 4" % va)
    m = assert_match(r"^%08x ((?: [0-9a-f]{2}){16})$" % (va & ~15), out,
                     "dumpmem 0x%x 4 should print the 16-byte line at %08x" % (va, va & ~15))
    data = bytes(int(b, 16) for b in m[1].split())
    return int.from_bytes(data[va % 16:va % 16 + 4], "little")


def mapping_of(q, va):
    """`showmappings` for the one page at va: (pa, perm), or None if it says unmapped."""
    out = q.cmd("showmappings 0x%x 0x%x" % (va, va + 4096))
    m = assert_match(r"^%08x  (?:([0-9a-f]{8})  (\S+)(.*)|unmapped.*)$" % va, out,
                     "showmappings should print one line for %08x" % va)
    return None if m[1] is None else (int(m[1], 16), m[2] + m[3])


# ---- Environments' messages ----------------------------------------------------------------------

def expect_first_env(q):
    """The id of the environment the kernel starts (its parent is 00000000)."""
    return q.expect(r"^\[00000000\] new env %s$" % ENVID)[1]


def expect_end(q):
    """The last environment is gone, and the kernel is in the monitor."""
    q.expect(NO_ENVS)
    q.expect(PROMPT)


def expect_freed(q, env):
    q.expect(r"^\[[0-9a-f]{8}\] free env %s$" % env)


def expect_fault(q, env, trap, prog=None, va=None, err=None, fn="umain"):
    """env is destroyed by a fault: the kernel's report, the trap frame's trap line (and, for a
    page fault, its err line), then the free.  The faulting ip must lie in function fn of prog;
    va (if given) is the expected fault address, or a tuple of the acceptable ones."""
    m = q.expect(r"^\[%s\] user fault va %s ip %s$" % (env, ENVID, ENVID))
    fault_va, ip = int(m[1], 16), int(m[2], 16)
    if va is not None and fault_va not in (va if isinstance(va, tuple) else (va,)):
        fail("the fault should be at va %s, not %08x"
             % (" or ".join("%08x" % v for v in (va if isinstance(va, tuple) else (va,))),
                fault_va))
    if prog and fn and user_function_at(prog, ip) != fn:
        fail("the faulting ip %08x should be in %s (obj/user/%s), but is in %s"
             % (ip, fn, prog, user_function_at(prog, ip)))
    q.expect(r"^  trap 0x%08x %s$" % (TRAPS[trap], trap))
    if err:
        q.expect(r"^  err  0x[0-9a-f]{8} \[%s\]$" % re.escape(err))
    expect_freed(q, env)


def expect_mem_check(q, env, va=None, midline=False):
    """env is destroyed by the kernel's pointer check; returns the address it reported.
    midline: the kernel's line may end a line that env's own output began (env printed bytes
    without a newline just before: buggyhello2's sys_cputs of memory up to the bad page)."""
    m = q.expect(r"%s\[%s\] user_mem_check assertion failure for va %s$"
                 % ("" if midline else "^", env, ENVID))
    if va is not None and int(m[1], 16) != va:
        fail("the bad address reported should be %08x, not %s" % (va, m[1]))
    expect_freed(q, env)
    return int(m[1], 16)


def expect_exit(q, env):
    q.expect(r"^\[%s\] exiting gracefully$" % env)
    expect_freed(q, env)


def sh_cmd(q, line):
    """Type a shell command; return its output (the echo of the line and the kernel's
    environment messages left out)."""
    out = q.cmd(line, prompt=SH_PROMPT)
    return "\n".join(l for l in out.split("\n") if not re.match(r"^\[[0-9a-f]{8}\] ", l))


# A guest whose environments all wait (for frames, for input, for a child) halts every CPU:
# QEMU's CPU time over IDLE_SECONDS stays under IDLE_MAX_FRACTION of one core.  One guest CPU
# spinning costs a whole core (1.0); halted CPUs cost QEMU their timer interrupts (100 Hz each
# with 2 CPUs; one CPU alone stops ticking, kern/time.c) and its main loop: a few per cent of a
# core here, so 0.10 leaves room for a loaded host and fails a busy-wait on either CPU.
# The measure needs no core of its own: an idle guest costs the same CPU time on a busy host,
# and a spinning CPU still takes most of a core beside another test's QEMU (the monitor, which
# polls the serial port, measured 73% over 3 s next to forkbomb; the shell's prompt 2%).  So
# the tests that use it run beside the others.  3 s is 300 clock ticks of /proc's CPU time:
# the limit is 30 of them, an idle guest takes about 6, a spinning one well over 100.
IDLE_SECONDS, IDLE_MAX_FRACTION = 3, 0.10


def assert_idle(q, name):
    c0, t0 = q.cpu_time(), time.monotonic()
    time.sleep(IDLE_SECONDS)  # the quantity is CPU time over an idle interval
    c1, t1 = q.cpu_time(), time.monotonic()
    frac = (c1 - c0) / (t1 - t0)
    if frac > IDLE_MAX_FRACTION:
        fail("QEMU used %.0f%% of a core while the guest was idle for %.1f s (limit %.0f%%)"
             % (100 * frac, t1 - t0, 100 * IDLE_MAX_FRACTION))
    print("  %s: QEMU used %.1f%% of a core over %.1f s" % (name, 100 * frac, t1 - t0))
