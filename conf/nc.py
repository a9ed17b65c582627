#!/usr/bin/env python3
# A minimal netcat for `make nc-7` / `make nc-80`: connects to HOST PORT, copies standard input
# to the connection and the connection to standard output, and ends when the server closes
# (after our end of input, we close our sending side and wait for the rest of the answer).
"""Usage: nc.py HOST PORT"""

import os
import socket
import sys
import threading


def pump_stdin(s):
    try:
        for chunk in iter(lambda: sys.stdin.buffer.read1(4096), b""):
            s.sendall(chunk)
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    try:
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
    except OSError as e:
        sys.exit("nc: %s:%s: %s" % (sys.argv[1], sys.argv[2], e))
    threading.Thread(target=pump_stdin, args=(s,), daemon=True).start()
    out = sys.stdout.buffer
    while True:
        data = s.recv(65536)
        if not data:
            break
        out.write(data)
        out.flush()


if __name__ == "__main__":
    status = 0
    try:
        main()
        sys.stdout.flush()
    except (KeyboardInterrupt, BrokenPipeError):
        pass
    except SystemExit as e:
        print(e, file=sys.stderr)
        status = 1
    # The stdin thread may still be blocked reading: leave without waiting for it.
    os._exit(status)
