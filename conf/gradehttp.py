# Helpers for grade-lab6's HTTP tests: a client (one GET, its answer parsed and checked against
# a file), httpd's and the network server's counters read at httpd's console, a load of many
# clients with the check that the server is idle again afterwards, and a host server for the
# guest's wget.  Tested by conf/test_gradehttp.py (the `gradehttp` test).

import contextlib
import hashlib
import http.server
import re
import socket
import threading
import time

from gradelib import TestFailure, fail, free_port
from gradenet import net_connect, recv_all
from gradesrc import c_define, read_host_file

__all__ = ["http_exchange", "http_parse", "HttpConn", "http_get", "check_file_answer", "httpd_try_get",
           "NS_TCP", "NS_PAYLOAD", "ns_payload", "HTTPD_STAT", "HTTPD_IDLE", "httpd_stat", "httpd_break", "SOAK_PATHS",
           "httpd_soak",
           "httpd_soak_check", "host_http_server"]


# ---- The client ----------------------------------------------------------------------------------

def http_exchange(port, request, timeout=20):
    """Send request bytes on a new connection, return the raw answer (until close)."""
    with net_connect(port, timeout) as s:
        s.sendall(request)
        return recv_all(s)


def http_parse(raw, what):
    """(status, headers dict with lower-case names, body) of a raw HTTP/1.0 answer."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        fail("%s: the answer has no end of headers: %r" % (what, raw[:200]))
    lines = head.decode("latin-1").split("\r\n")
    m = re.fullmatch(r"HTTP/1\.[01] (\d{3}) .+", lines[0])
    if not m:
        fail("%s: bad status line %r" % (what, lines[0]))
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            fail("%s: bad header line %r" % (what, line))
        headers[name.strip().lower()] = value.strip()
    return int(m.group(1)), headers, body


class HttpConn:
    """One persistent connection to the guest's httpd: send requests, read the answers one at
    a time, each framed by its Content-Length (HTTP/1.1)."""

    def __init__(self, port, timeout=20):
        self.sock = net_connect(port, timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, what):
        data = self.sock.recv(65536)
        if not data:
            fail("%s: the connection closed before the whole answer" % what)
        self.buf += data

    def answer(self, what, head_only=False):
        """(status, headers, body) of the next answer; for a HEAD request, no body."""
        while b"\r\n\r\n" not in self.buf:
            self._fill(what)
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        status, headers, _ = http_parse(head + b"\r\n\r\n", what)
        if "content-length" not in headers:
            fail("%s: no Content-Length to frame the answer" % what)
        n = 0 if head_only else int(headers["content-length"])
        while len(self.buf) < n:
            self._fill(what)
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body

    def closed(self, timeout=10):
        """Whether the server closes the connection (nothing more comes) within timeout."""
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except OSError:
            return False

    def close(self):
        self.sock.close()


def http_get(port, path, what=None):
    raw = http_exchange(port, b"GET %s HTTP/1.0\r\nHost: test\r\n\r\n" % path.encode())
    return http_parse(raw, what or "GET " + path)


def check_file_answer(port, path, expected, ctype):
    status, headers, body = http_get(port, path)
    if status != 200:
        fail("GET %s: status %d, expected 200" % (path, status))
    if headers.get("content-type") != ctype:
        fail("GET %s: Content-Type %r, expected %r" % (path, headers.get("content-type"), ctype))
    if headers.get("content-length") != str(len(expected)):
        fail("GET %s: Content-Length %r, the file has %d bytes"
             % (path, headers.get("content-length"), len(expected)))
    if body != expected:
        fail("GET %s: %d bytes arrived (sha256 %s), the file has %d (sha256 %s)"
             % (path, len(body), hashlib.sha256(body).hexdigest()[:16], len(expected),
                hashlib.sha256(expected).hexdigest()[:16]))


def httpd_try_get(port, path, timeout=30, gate=None, connect_timeout=None, hang_ok=False):
    """GET path on a new connection: ("ok", body) for a 200, ("refused", None) for a 503,
    ("reset"/"closed", None) for a connection reset or closed without an answer; fails on
    anything else, or on no answer within timeout seconds (a hang).  The connect itself may take
    connect_timeout (default: timeout): it waits for the host, which queues few connections to
    QEMU's forwarder (see httpd_soak), not for the guest.  With hang_ok, no answer within timeout
    returns ("hung", the client's local port) instead of failing.  With gate (a semaphore),
    the connection holds it from before its connect until its first answer byte or its end
    (see httpd_soak)."""
    local, held = None, bool(gate)
    if gate:
        gate.acquire()
    try:
        with net_connect(port, connect_timeout or timeout) as s:
            s.settimeout(timeout)
            local = s.getsockname()[1]
            s.sendall(b"GET %s HTTP/1.0\r\n\r\n" % path.encode())
            raw = s.recv(65536)
            if held:
                gate.release()
                held = False
            if raw:
                raw += recv_all(s)
    except ConnectionResetError:
        return "reset", None
    except socket.timeout:
        if hang_ok:
            return "hung", local
        fail("GET %s from host port %s: no answer and no close within %ds (qemu.pcap shows "
             "whether the connection reached the guest)" % (path, local, timeout))
    finally:
        if held:
            gate.release()
    if raw == b"":
        return "closed", None
    status, headers, body = http_parse(raw, "GET " + path)
    if status == 503:
        return "refused", None
    if status != 200 or headers.get("content-length") != str(len(body)):
        fail("GET %s: status %d, %d bytes, Content-Length %r" % (path, status, len(body),
                                                                  headers.get("content-length")))
    return "ok", body


# ---- The servers' counters, at httpd's console ---------------------------------------------------

# The network server's TCP counts, printed with its counters (httpd's `stat`, nsstat):
# net/lwip/tcpsyn.c and net/lwip/tcpfreed.c.
NS_TCP = (r"^ns stats: TCP: (?P<reopened>\d+) reopened from TIME-WAIT by a new SYN, "
          r"(?P<syn_refused>\d+) SYNs refused with the listener full, "
          r"(?P<freed_held>\d+) freed by lwIP under a socket$")

# Clients' payload through the network server, by kind, and the copies the server made of it
# (net/serv.c, ns_stats_print; inc/ns.h says what each counts).
NS_PAYLOAD = re.compile(
    r"^ns stats: payload: TCP send (?P<send>\d+) bytes, (?P<send_copied>\d+) copied; lent pages "
    r"(?P<lend>\d+) bytes, (?P<lend_copied>\d+) copied; recv (?P<recv>\d+) bytes, "
    r"(?P<recv_copied>\d+) copied; datagrams sent (?P<dgram_sent>\d+) bytes \(frames copied "
    r"(?P<frame_copied>\d+) bytes from outside the heap\), received (?P<dgram_recv>\d+) bytes, "
    r"(?P<dgram_recv_copied>\d+) copied$", re.M)


def ns_payload(output):
    """The last payload counters the network server printed in output (NS_PAYLOAD), as ints;
    fails if it printed none."""
    found = list(NS_PAYLOAD.finditer(output))
    if not found:
        fail("the network server printed no payload counters (NS_PAYLOAD)")
    return {k: int(v) for k, v in found[-1].groupdict().items()}


HTTPD_STAT = re.compile(
    r"^httpd: stat: workers (?P<workers>\d+) \((?P<busy>\d+) busy\), accepted (?P<accepted>\d+), "
    r"served (?P<served>\d+) \((?P<timeouts>\d+) head timeouts\), refused (?P<refused>\d+), "
    r"dropped (?P<dropped>\d+), restarted (?P<restarted>\d+); ns sockets (?P<sockets>\d+), "
    r"threads (?P<threads>\d+) \(max (?P<threads_max>\d+)\), rx pages held (?P<rxheld>\d+) "
    r"\(stashed (?P<stashed>\d+)\), "
    r"tx frames held (?P<txheld>\d+), heap (?P<heap>\d+) bytes; free pages (?P<free>\d+); "
    r"time (?P<time>\d+) ms$")
# What an idle server returns to after any load.
HTTPD_IDLE = ("workers", "busy", "sockets", "threads", "rxheld", "txheld", "heap", "free")


# What the network server holds for connections that are still closing -- lwIP's heap (a
# closing connection's unacknowledged answer and FIN), frames the card may still read -- is
# back only once the peers' last ACKs have arrived, a round trip or a retransmission after the
# clients have their answers.
HTTPD_SETTLING = ("heap", "txheld")
HTTPD_SETTLE_SEC = 5


def httpd_stat(q, settle=None):
    """Type `stat` at httpd's console: its counters once every worker is idle, as ints, and
    the network server's TCP counts (NS_TCP: it prints its counters first).  Ask again, every
    HTTPD_SETTLE_SEC / 25, for at most HTTPD_SETTLE_SEC, until the HTTPD_SETTLING values are
    back to settle's (an earlier httpd_stat), or without settle until no frame is held for
    sending (txheld 0: file pages sent in place stay held until the peer's ACK, which may
    still be on its way); the last answer is returned."""
    deadline = time.monotonic() + HTTPD_SETTLE_SEC
    while True:
        q.send("stat\n")
        tcp = {k: int(v) for k, v in q.expect(NS_TCP).groupdict().items()}
        st = {k: int(v) for k, v in q.expect(HTTPD_STAT.pattern).groupdict().items()}
        st.update(tcp)
        settled = (st["txheld"] == 0 if settle is None
                   else all(st[k] == settle[k] for k in HTTPD_SETTLING))
        if settled or time.monotonic() >= deadline:
            return st
        time.sleep(HTTPD_SETTLE_SEC / 25)


def httpd_break(q, command, while_stopped=None):
    """The kernel monitor's answer to command, typed while the whole guest is stopped: httpd's
    console runs user/breakpoint, whose int3 enters the monitor (interrupts off, no environment
    running); while_stopped() (if given) runs there too, then `continue` lets the guest go on."""
    from kernhelp import PROMPT
    q.send("run breakpoint\n")
    q.expect(r"^breakpoint: before$")
    q.expect(PROMPT)
    out = q.cmd(command)
    if while_stopped:
        while_stopped()
    q.send("continue\n")
    q.expect(r"^breakpoint: after$")
    return out


# ---- Load ----------------------------------------------------------------------------------------

SOAK_PATHS = ["/about.txt", "/index.html", "/style.css", "/logo.svg"]


def httpd_soak(q, sequential, rounds, burst, last=200, verbose=False):
    """Load httpd: `sequential` GETs one after another, `rounds` rounds of `burst` clients at
    once, and one of `last`.  Checks every answer; returns the counts by outcome and the seconds
    of the sequential part and of all.

    The clients of a round run at once, but at most two of them are between their connect and
    their answer's first byte.  QEMU's forwarder listens on the host with a backlog of one:
    the host queues at most two connections it has not accepted yet, and drops the SYN of a
    third, which the client sends again 1 s later.  One connect at a time did not prevent it
    (a connect returns before the forwarder accepts): about one connect in ten waited so, and
    those waits made 2 to 4 of the test's minutes.  A connection that has its first answer
    byte has been accepted, so two unanswered ones at most never overflow the queue.  The
    guest then has up to five host connections open at once (qemu.pcap); with the waits it
    had one to three mostly, and up to forty when the forwarder caught up at once.  httpd's
    bound is reached from the guest (nonreader -hold), 50 connects at once in httpdbad."""
    port = q.ports["PORT80"]
    files = {p: read_host_file("fs" + p) for p in SOAK_PATHS}
    counts = dict(ok=0, refused=0, reset=0, closed=0)
    gate = threading.Semaphore(2)

    def get(i, gate=None):
        path = SOAK_PATHS[i % len(SOAK_PATHS)]
        outcome, body = httpd_try_get(port, path, gate=gate)
        if outcome == "ok" and body != files[path]:
            fail("GET %s: %d bytes differing from the file's %d" % (path, len(body),
                                                                    len(files[path])))
        return outcome

    t0 = time.monotonic()
    for i in range(sequential):
        outcome = get(i)
        if outcome != "ok":
            fail("sequential GET %d of %d: %s, with no other client" % (i + 1, sequential, outcome))
        counts["ok"] += 1
        if verbose and (i + 1) % 10000 == 0:
            print("  %d requests, %.1fs" % (i + 1, time.monotonic() - t0), flush=True)
    t_seq = time.monotonic() - t0
    for n in [burst] * rounds + [last]:
        results = [None] * n

        def one(i):
            try:
                results[i] = get(i, gate)
            except TestFailure as e:
                results[i] = e
        threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for r in results:
            if isinstance(r, TestFailure) or r is None:
                raise r or TestFailure("a client thread ended without a result")
            counts[r] += 1
    return counts, t_seq, time.monotonic() - t0


def httpd_soak_check(q, before, after, counts):
    """The idle values are back, but for three caches: two only grow with a new high-water mark
    of concurrency: the network server keeps a thread's stack for the next thread of its slot
    (net/thread.c; counted exactly, from its threads' maximum), and the file server keeps the
    page of an open-file slot for the next open (fs/serv.c: one page per file open at once,
    so at most one per worker); and the card's driver keeps received pages handed back to
    refill its ring (kern/e1000.h, rule R6; counted exactly, from the stash's size).  A leak of
    even a page per hundred requests exceeds that."""
    m = re.search(r"^#define\s+NS_THREAD_STACK\s+\((\d+) \* PGSIZE\)",
                  read_host_file("net/serv.c").decode(), re.M)
    if not m:
        fail("net/serv.c: no #define NS_THREAD_STACK (N * PGSIZE)")
    stack_pages = int(m.group(1))
    kept = (after["threads_max"] - before["threads_max"]) * stack_pages \
        + after["stashed"] - before["stashed"]
    fs_slack = c_define("user/httpd.c", "HTTPD_WORKERS")
    changed = ["%s %d -> %d" % (k, before[k], after[k]) for k in HTTPD_IDLE
               if k != "free" and before[k] != after[k]]
    if not 0 <= before["free"] - kept - after["free"] <= fs_slack:
        changed.append("free pages %d -> %d (the network server's new thread stacks and the "
                       "card's stash keep %d; the file server's open-file pages may keep up "
                       "to %d)" % (before["free"], after["free"], kept, fs_slack))
    if changed or after["busy"] != 0:
        fail("httpd's idle values changed under load: " + ", ".join(changed))
    for k in ("dropped", "restarted", "timeouts"):
        if after[k] != before[k]:
            fail("%s went from %d to %d under a load of well-behaved clients"
                 % (k, before[k], after[k]))
    served = after["served"] - before["served"]
    refused = after["refused"] - before["refused"]
    if served != counts["ok"]:
        fail("httpd served %d connections, the clients got %d answers" % (served, counts["ok"]))
    if not counts["refused"] <= refused <= counts["refused"] + counts["reset"] + counts["closed"]:
        fail("httpd refused %d, the clients saw %d 503s, %d resets, %d closes"
             % (refused, counts["refused"], counts["reset"], counts["closed"]))


# ---- A server on the host ------------------------------------------------------------------------

@contextlib.contextmanager
def host_http_server(files):
    """An HTTP/1.0 server on 127.0.0.1 for the time of the with block, serving files ({path:
    bytes}, as application/octet-stream; 404 for any other path); yields its port."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path not in files:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(files[self.path])))
            self.end_headers()
            self.wfile.write(files[self.path])

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
