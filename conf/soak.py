#!/usr/bin/env python3
# make soak: boots the httpd demo and sends it N requests one after another (100,000 unless
# told), then checks that its idle counters are back, as grade-lab6's httpdsoak does at 2000.
# Prints requests, seconds, requests/s, errors and the counters before and after.
"""Usage: python3 conf/soak.py [--requests N] [-v]"""

import argparse
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gradelib import Qemu, free_port, ROOT  # noqa: E402
from bench import http_get  # noqa: E402

PATHS = ["/about.txt", "/index.html", "/style.css", "/logo.svg"]
# The network server prints its counters before httpd's own line.
REOPENED = r"^ns stats: TCP: (\d+) reopened from TIME-WAIT by a new SYN, "
STAT = (r"^httpd: stat: .*; ns sockets (\d+), threads (\d+) \(max (\d+)\), rx pages held (\d+) \(stashed \d+\), "
        r"tx frames held \d+, heap \d+ bytes; free pages (\d+); time \d+ ms$")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=100000)
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    files = {p: open(os.path.join(ROOT, "fs" + p), "rb").read() for p in PATHS}
    ports = {"GDBPORT": free_port()}
    ports["PORT7"] = free_port(ports.values())
    ports["PORT80"] = free_port(ports.values())
    q = Qemu("run-httpd-nox-net", ports, [], 3600 + args.requests // 50,
             [r"kernel panic at"], args.v)
    try:
        q.expect(r"^httpd: listening on port 80$", timeout=120)
        port = ports["PORT80"]
        for i in range(100):  # the caches grow to what this load needs
            http_get(port, PATHS[i % len(PATHS)])
        q.send("stat\n")
        reopened_before = int(q.expect(REOPENED).group(1))
        before = q.expect(STAT).group(0)
        errors, t0 = 0, time.monotonic()
        for i in range(args.requests):
            path = PATHS[i % len(PATHS)]
            try:
                status, body = http_get(port, path, timeout=30)
                if status != 200 or body != files[path]:
                    errors += 1
            except (OSError, ValueError):
                errors += 1
            if args.v and (i + 1) % 10000 == 0:
                print("soak: %d requests, %.0fs" % (i + 1, time.monotonic() - t0), flush=True)
        secs = time.monotonic() - t0
        q.send("stat\n")
        reopened = int(q.expect(REOPENED).group(1)) - reopened_before
        after = q.expect(STAT).group(0)
    finally:
        q.stop()
    print("soak: %d requests in %.1fs, %.0f requests/s, %d errors"
          % (args.requests, secs, args.requests / secs, errors))
    print("soak: connections reopened from TIME-WAIT (a host port reused): %d" % reopened)
    print("soak: before: %s" % before)
    print("soak: after:  %s" % after)
    b, a = re.match(STAT, before).groups(), re.match(STAT, after).groups()
    print("soak: sockets %s -> %s, threads %s -> %s (max %s -> %s), rx pages held %s -> %s, "
          "free pages %s -> %s" % (b[0], a[0], b[1], a[1], b[2], a[2], b[3], a[3], b[4], a[4]))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
