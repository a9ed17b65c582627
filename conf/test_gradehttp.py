#!/usr/bin/env python3
# Tests of conf/gradehttp.py (run by grade-lab6 as "gradehttp"): answers parsed and judged, the
# outcomes a GET can have (on a local server that answers, refuses, closes, resets or hangs), a
# small load on the host server, httpd's counters read from a scripted console, and the check
# that the server is idle again after a load, with and without a leak.
import os
import re
import socket
import struct
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gradelib import TestFailure  # noqa: E402
from unitcheck import check, must_fail  # noqa: E402
import gradehttp as h  # noqa: E402
from gradesrc import read_host_file  # noqa: E402


def check_parse():
    raw = b"HTTP/1.0 404 Not Found\r\nContent-Type: text/html\r\nContent-Length:  4 \r\n\r\nnone"
    check(h.http_parse(raw, "t") == (404, {"content-type": "text/html", "content-length": "4"},
                                     b"none"), "http_parse")
    must_fail(lambda: h.http_parse(b"HTTP/1.0 200 OK\r\n", "t"), "no end of headers",
              "t: the answer has no end of headers")
    must_fail(lambda: h.http_parse(b"HTTP/2 200 OK\r\n\r\n", "t"), "HTTP/2", "bad status line")
    must_fail(lambda: h.http_parse(b"HTTP/1.0 200 OK\r\nno colon\r\n\r\n", "t"), "a header",
              "bad header line 'no colon'")


def check_host_server():
    files = {"/a.bin": bytes(range(256)) * 40}
    with h.host_http_server(files) as port:
        status, headers, body = h.http_get(port, "/a.bin")
        check(status == 200 and body == files["/a.bin"] and
              headers["content-length"] == "10240", "GET from host_http_server")
        h.check_file_answer(port, "/a.bin", files["/a.bin"], "application/octet-stream")
        must_fail(lambda: h.check_file_answer(port, "/a.bin", files["/a.bin"][:-1],
                                              "application/octet-stream"),
                  "another length", "Content-Length '10240', the file has 10239 bytes")
        must_fail(lambda: h.check_file_answer(port, "/a.bin", b"x" * 10240,
                                              "application/octet-stream"), "other bytes", "sha256")
        must_fail(lambda: h.check_file_answer(port, "/a.bin", files["/a.bin"], "text/plain"),
                  "another type", "Content-Type 'application/octet-stream', expected 'text/plain'")
        must_fail(lambda: h.check_file_answer(port, "/b.bin", b"", "text/plain"),
                  "a missing file", "GET /b.bin: status 404, expected 200")


class ScriptedServer:
    """A server that answers each connection as the next of its modes says: "ok", "busy" (503),
    "close", "reset", "hang" (reads the request, answers nothing until stop) or "error"."""

    def __init__(self, modes):
        self.modes, self.done = list(modes), threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        for mode in self.modes:
            c, _ = self.sock.accept()
            c.recv(4096)
            if mode == "ok":
                c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi")
            elif mode == "busy":
                c.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
            elif mode == "error":
                c.sendall(b"HTTP/1.0 500 Oops\r\nContent-Length: 0\r\n\r\n")
            elif mode == "reset":
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif mode == "hang":
                self.done.wait()
            c.close()

    def stop(self):
        self.done.set()
        self.sock.close()


def check_try_get():
    srv = ScriptedServer(["ok", "busy", "close", "reset", "hang", "hang", "error"])
    try:
        check(h.httpd_try_get(srv.port, "/") == ("ok", b"hi"), "a 200")
        check(h.httpd_try_get(srv.port, "/") == ("refused", None), "a 503")
        check(h.httpd_try_get(srv.port, "/") == ("closed", None), "a close without an answer")
        check(h.httpd_try_get(srv.port, "/") == ("reset", None), "a reset")
        outcome, local = h.httpd_try_get(srv.port, "/", timeout=0.3, hang_ok=True)
        check(outcome == "hung" and isinstance(local, int), "a hang, allowed")
        must_fail(lambda: h.httpd_try_get(srv.port, "/x", timeout=0.3), "a hang",
                  "GET /x from host port")
        srv.done.set()  # the two hanging connections end; then the error
        gate = threading.Semaphore(1)
        must_fail(lambda: h.httpd_try_get(srv.port, "/", gate=gate), "a 500", "status 500")
        check(gate.acquire(blocking=False), "the gate is released after a failure")
    finally:
        srv.stop()


class FakeConsole:
    """What a test's q offers httpd_stat and httpd_soak: send, expect over a scripted output,
    and the forwarded ports."""

    def __init__(self, output, port=None):
        self.output, self.pos, self.sent, self.ports = output, 0, [], {"PORT80": port}

    def send(self, text):
        self.sent.append(text)

    def expect(self, pattern):
        m = re.compile(pattern, re.M).search(self.output, self.pos)
        if not m:
            raise TestFailure("no /%s/" % pattern)
        self.pos = m.end()
        return m

    def cmd(self, line):
        """A monitor command: its output is what the script has up to the next prompt."""
        self.sent.append(line)
        end = self.output.index("K> ", self.pos)
        out, self.pos = self.output[self.pos:end], end + 3
        return out.lstrip("\n")


STAT = ("ns stats: TCP: 2 reopened from TIME-WAIT by a new SYN, 0 SYNs refused with the "
        "listener full, 1 freed by lwIP under a socket\n"
        "httpd: stat: workers 32 (0 busy), accepted 10, served 9 (4 head timeouts), refused 0, "
        "dropped 1, restarted 0; ns sockets 1, threads 3 (max 5), rx pages held 0 (stashed 7), "
        "tx frames held 0, heap 5120 bytes; free pages 7000; time 1234 ms\n")


def check_break():
    q = FakeConsole("breakpoint: before\nWelcome\nK> netstat\ne1000 up\nK> continue\n"
                    "breakpoint: after\n")
    order = []
    out = h.httpd_break(q, "netstat", lambda: order.append(list(q.sent)))
    check(out == "netstat\ne1000 up\n" and q.sent == ["run breakpoint\n", "netstat", "continue\n"]
          and order == [["run breakpoint\n", "netstat"]],
          "httpd_break: %r, sent %r, stopped after %r" % (out, q.sent, order))
    must_fail(lambda: h.httpd_break(FakeConsole("breakpoint: before\nK> x\nK> "), "x"),
              "no 'breakpoint: after'", "breakpoint: after")


def check_stat():
    q = FakeConsole("stat\n" + STAT)
    st = h.httpd_stat(q)
    check(q.sent == ["stat\n"], "httpd_stat types stat")
    check(st["reopened"] == 2 and st["freed_held"] == 1 and st["workers"] == 32 and
          st["timeouts"] == 4 and st["threads_max"] == 5 and st["free"] == 7000 and
          st["txheld"] == 0 and st["heap"] == 5120, "httpd_stat")
    must_fail(lambda: h.httpd_stat(FakeConsole(STAT.split("\n")[1])), "no TCP counts")
    line = ("ns stats: payload: TCP send %d bytes, 4 copied; lent pages 1048576 bytes, 1048576 "
            "copied; recv 7 bytes, 7 copied; datagrams sent 0 bytes (frames copied 98 bytes from "
            "outside the heap), received 1 bytes, 1 copied\n")
    pl = h.ns_payload("x\n" + line % 1 + "y\n" + line % 5)
    check(pl["send"] == 5 and pl["lend"] == 1048576 and pl["lend_copied"] == 1048576 and
          pl["frame_copied"] == 98 and pl["dgram_recv_copied"] == 1, "ns_payload: the last line")
    must_fail(lambda: h.ns_payload("ns stats: payload: TCP\n"), "no payload counters",
              "no payload counters")
    # The line the server prints has the words the pattern expects.
    fmt = re.search(r'cprintf\("ns stats: payload: ((?:[^;]|;)*?)\\n"',
                    re.sub(r'"\s*\n\s*"', "", read_host_file("net/serv.c").decode()))
    check(fmt and h.NS_PAYLOAD.match("ns stats: payload: " + re.sub(r"%u", "1", fmt[1])),
          "NS_PAYLOAD matches net/serv.c's format")

    before = h.httpd_stat(FakeConsole(STAT))
    # A closing connection still held heap at the first look: asked again, settled.
    q = FakeConsole(STAT.replace("heap 5120 bytes", "heap 9000 bytes") + STAT)
    st = h.httpd_stat(q, settle=before)
    check(q.sent == ["stat\n", "stat\n"] and st["heap"] == 5120, "httpd_stat(settle=)")
    counts = dict(ok=10, refused=2, reset=1, closed=0)
    after = dict(before, served=before["served"] + 10, refused=before["refused"] + 3)
    h.httpd_soak_check(None, before, after, counts)
    stack = int(re.search(r"NS_THREAD_STACK\s+\((\d+) \* PGSIZE\)",
                          read_host_file("net/serv.c").decode())[1])
    grown = dict(after, threads_max=before["threads_max"] + 1, free=before["free"] - stack - 3)
    h.httpd_soak_check(None, before, grown, counts)  # a new thread's stack, 3 open-file pages
    leak = dict(grown, free=grown["free"] - 100)
    must_fail(lambda: h.httpd_soak_check(None, before, leak, counts), "a leak",
              "free pages 7000 -> %d" % leak["free"])
    must_fail(lambda: h.httpd_soak_check(None, before, dict(after, busy=1), counts),
              "a busy worker", "busy 0 -> 1")
    must_fail(lambda: h.httpd_soak_check(None, before, dict(after, dropped=2), counts),
              "a drop", "dropped went from 1 to 2")
    must_fail(lambda: h.httpd_soak_check(None, before, after, dict(counts, ok=9)),
              "an answer not counted", "httpd served 10 connections, the clients got 9")
    must_fail(lambda: h.httpd_soak_check(None, before, after, dict(counts, refused=4)),
              "more 503s than refusals", "httpd refused 3")


def check_soak():
    files = {p: read_host_file("fs" + p) for p in h.SOAK_PATHS}
    with h.host_http_server(files) as port:
        counts, t_seq, total = h.httpd_soak(FakeConsole("", port), 4, 2, 6, last=5)
        check(counts == dict(ok=21, refused=0, reset=0, closed=0) and 0 <= t_seq <= total,
              "httpd_soak on the host server: %s" % counts)
    wrong = dict(files, **{h.SOAK_PATHS[1]: b"not the file"})
    with h.host_http_server(wrong) as port:
        must_fail(lambda: h.httpd_soak(FakeConsole("", port), 4, 0, 0, last=0),
                  "a wrong file", "GET %s: 12 bytes differing" % h.SOAK_PATHS[1])


def main():
    check_parse()
    check_host_server()
    check_try_get()
    check_stat()
    check_break()
    check_soak()
    print("gradehttp: all passed")


if __name__ == "__main__":
    main()
