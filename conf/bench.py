#!/usr/bin/env python3
# make bench: boots the httpd demo under QEMU several times and measures, from the host, the
# time from QEMU's start to the first answer, requests per second for a small file, and MB/s
# for the large file.  Prints the medians and writes them to bench.txt, with the frame path's
# counters (httpd's console command stat: frames a wake-up, a call, a doorbell; interrupts,
# copies and zeroed pages per MB).  Python standard
# library only; QEMU is started through make (conf/gradelib.py's Qemu handle), so the run uses
# the same targets and ports as the tests.
"""Usage: python3 conf/bench.py [--runs N] [--requests N] [--large N] [-v]"""

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gradelib import Qemu, TestFailure, ROOT  # noqa: E402

PROG = "httpd"                  # booted on the grader kernel, obj/kern/grade/kernel.img
BUILD_TARGET = "grade-prog-" + PROG     # that kernel and httpd's file (GNUmakefile)
SMALL = "/about.txt"            # fs/about.txt
LARGE = "/large.bin"            # generated into the file system image (obj/fs/large.bin)
LARGE_HOST = os.path.join(ROOT, "obj", "fs", "large.bin")
FIRST_ANSWER_LIMIT = 120        # seconds for the guest to boot and answer


def http_get(port, path, timeout=10.0):
    """One HTTP/1.0 GET on a new connection to 127.0.0.1:port.  Returns (status, body), or
    raises OSError/ValueError when the connection fails or the answer is not HTTP."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"GET %s HTTP/1.0\r\nHost: bench\r\n\r\n" % path.encode())
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    raw = b"".join(chunks)
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/"):
        raise ValueError("not an HTTP answer (%d bytes)" % len(raw))
    status = int(head.split(b" ", 2)[1])
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and int(value) != len(body):
            raise ValueError("body of %d bytes, Content-Length %d" % (len(body), int(value)))
    return status, body


def wait_for_qemu(q, limit):
    """The time QEMU appeared in make's process group."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            q.qemu_pid()
            return time.monotonic()
        except TestFailure:
            if q.eof:
                raise SystemExit("bench: make run-prebuilt-nox (%s) ended before QEMU "
                                 "started:\n%s" % (PROG, q.output[-2000:]))
            time.sleep(0.002)
    raise SystemExit("bench: QEMU did not start within %ds" % limit)


def one_run(args, large_bytes):
    # The grader's way to boot a program's prebuilt kernel, with ports of its own.
    q = Qemu(PROG, os.path.join("obj", "bench"), net=True, timeout=FIRST_ANSWER_LIMIT + 300,
             reject=[r"kernel panic at"], echo=args.verbose)
    ports = q.ports
    try:
        t0 = wait_for_qemu(q, 60)
        # Before the guest listens, QEMU's forwarder accepts the connection and then closes
        # it: retry until a complete answer arrives.
        first = None
        while first is None:
            if time.monotonic() - t0 > FIRST_ANSWER_LIMIT:
                raise SystemExit("bench: no answer within %ds:\n%s"
                                 % (FIRST_ANSWER_LIMIT, q.output[-2000:]))
            try:
                status, _ = http_get(ports["PORT80"], "/", timeout=5)
                if status == 200:
                    first = time.monotonic() - t0
            except (OSError, ValueError):
                time.sleep(0.01)

        start = time.monotonic()
        for _ in range(args.requests):
            status, _ = http_get(ports["PORT80"], SMALL)
            if status != 200:
                raise SystemExit("bench: %s answered %d" % (SMALL, status))
        rps = args.requests / (time.monotonic() - start)

        speeds = []
        for _ in range(args.large):
            start = time.monotonic()
            status, body = http_get(ports["PORT80"], LARGE, timeout=60)
            elapsed = time.monotonic() - start
            if status != 200 or body != large_bytes:
                raise SystemExit("bench: %s arrived wrong (status %d, %d bytes)"
                                 % (LARGE, status, len(body)))
            speeds.append(len(body) / elapsed / 1e6)
        return first, rps, statistics.median(speeds), frame_counters(q)
    finally:
        q.stop()


FRAMES = (r"^httpd: stat: frames: rx (\d+) in (\d+) wake-ups and (\d+) receive calls; tx (\d+) "
          r"bytes in (\d+) frames \((\d+) segments merged, (\d+) segmented by the card\) in "
          r"(\d+) send calls and (\d+) doorbells; interrupts (\d+); copied (\d+) bytes from "
          r"clients, (\d+) into frames; receive pages zeroed (\d+), recycled (\d+)$")


def frame_counters(q):
    """The frame path's counters since boot (httpd's console command stat), as the figures
    issue 14 asks for: frames a wake-up, a call and a doorbell, interrupts and copies per MB."""
    q.send("stat\n")
    m = q.expect(FRAMES, timeout=30)
    (rx, wakes, rcalls, txb, txf, merged, tso, scalls, bells, intrs, ccopy, fcopy, zeroed,
     recycled) = (int(x) for x in m.groups())
    mb = txb / 1e6 or 1
    return ("rx %.1f frames a wake-up, %.1f a receive call; tx %.1f segments a frame, %.1f "
            "frames a send call and a doorbell; %.0f interrupts, %.2f MB copied, %.0f pages "
            "zeroed (%d recycled) per MB sent"
            % (rx / max(wakes, 1), rx / max(rcalls, 1), (txf + merged) / max(txf, 1),
               txf / max(bells, 1), intrs / mb, (ccopy + fcopy) / 1e6 / mb, zeroed / mb,
               recycled))


def machine():
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    qemu = subprocess.run(["make", "-s", "--no-print-directory", "print-qemu"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip() or "qemu"
    version = subprocess.run([qemu, "--version"], capture_output=True,
                             text=True).stdout.split("\n")[0]
    return "%s, %d CPUs, %s; %s" % (model, os.cpu_count() or 0, platform.platform(), version)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3, help="boots to take the median of")
    ap.add_argument("--requests", type=int, default=100, help="small-file requests per run")
    ap.add_argument("--large", type=int, default=3, help="large-file transfers per run")
    ap.add_argument("-v", "--verbose", action="store_true", help="show the guest console")
    args = ap.parse_args()
    os.chdir(ROOT)

    build = subprocess.run(["make", "--no-print-directory"])
    if build.returncode == 0:
        build = subprocess.run(["make", "--no-print-directory", BUILD_TARGET])
    if build.returncode != 0:
        raise SystemExit("bench: make %s failed" % BUILD_TARGET)
    with open(LARGE_HOST, "rb") as f:
        large_bytes = f.read()

    results = []
    for i in range(args.runs):
        r = one_run(args, large_bytes)
        print("run %d: first answer %.2f s, %.1f requests/s, %.2f MB/s" % ((i + 1,) + r[:3]))
        print("  %s" % r[3])
        results.append(r[:3])
        counters = r[3]
    first, rps, mbs = (statistics.median(col) for col in zip(*results))

    text = ("exo386 httpd benchmark, %s\n"
            "machine: %s\n"
            "medians of %d boots (%d requests of %s, %d transfers of %s, %d bytes):\n"
            "  QEMU start to first answer  %.2f s\n"
            "  small file                  %.1f requests/s\n"
            "  large file                  %.2f MB/s\n"
            "the frame path, last run: %s\n"
            % (time.strftime("%Y-%m-%d %H:%M %Z"), machine(), args.runs, args.requests, SMALL,
               args.large, LARGE, len(large_bytes), first, rps, mbs, counters))
    with open(os.path.join(ROOT, "bench.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
