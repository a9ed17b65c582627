#!/usr/bin/env python3
"""The test of `make doctor` (grade-lab6's `doctor`): on this machine every check passes; with
QEMU taken off PATH it names that one problem and the command that fixes it, and fails."""
import os
import socket
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def doctor(env=None):
    gdb, p7, p80 = free_ports(3)
    # -o obj/.deps: never remake the dependency file, which tests running beside may read.
    r = subprocess.run(["make", "--no-print-directory", "-s", "-o", "obj/.deps", "doctor",
                        "GDBPORT=%d" % gdb, "PORT7=%d" % p7, "PORT80=%d" % p80],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def check(cond, what, out):
    if not cond:
        sys.exit("doctor test: %s\n%s" % (what, out))


status, out = doctor()
check(status == 0 and "doctor: all " in out, "make doctor fails on this machine", out)

# PATH with everything but QEMU: a directory of links to every other program on PATH.
with tempfile.TemporaryDirectory() as bindir:
    for d in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            link = os.path.join(bindir, name)
            if not name.startswith("qemu-system-") and not os.path.lexists(link):
                os.symlink(os.path.join(d, name), link)
    status, out = doctor(dict(os.environ, PATH=bindir))
check(status != 0 and "doctor: 1 of " in out,
      "make doctor without QEMU on PATH: exit %d, or not exactly one problem" % status, out)
check("doctor: PROBLEM: no QEMU 'qemu-system-i386'; fix: apt-get install --no-install-recommends "
      "qemu-system-x86" in out, "no line naming the missing QEMU and its fix", out)
print("doctor: test passed")
