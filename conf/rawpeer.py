#!/usr/bin/env python3
# The test peer: the other end of the guest's card when QEMU runs with NETWIRE=peer (GNUmakefile),
# where QEMU's dgram netdev carries each frame as one UDP datagram on 127.0.0.1.  It plays the
# gateway (10.0.2.2): ARP, IPv4, ICMP echo both ways, UDP services by port (the place for a
# DHCP and a DNS server), a TCP client; and it builds any frame, well formed or not.  Tested by
# conf/test_rawpeer.py (the `rawpeer-unit` test); run by hand: python3 conf/rawpeer.py -h.
"""The test peer on the guest's wire (Python 3 standard library only).

    peer = Peer()                       # binds 127.0.0.1:peer.port, picks QEMU's wire_port
    ... boot QEMU with peer.make_args() ...
    peer.start()                        # the receiver thread: answers ARP and pings at once
    mac = peer.arp_resolve()            # the guest's MAC, from its ARP reply
    rtt = peer.ping()                   # an echo request, its reply within the time limit
    c = peer.tcp_connect(80)            # a TCP connection to the guest's port 80
    c.send(b"GET / HTTP/1.0\\r\\n\\r\\n"); body = c.recv_all(); c.close()
    peer.send(eth(peer.guest_mac, peer.mac, 0x88b5, b"any bytes"))   # a frame of our own
    peer.stop()

The peer answers for the gateway (peer.ip, 10.0.2.2) and the guest's DNS server (DNS_IP,
10.0.2.3), both at peer.mac.  Services: peer.serve_udp(port, handler) answers every datagram to
one of those addresses and port with what handler(peer, rx) returns (a payload, or None for no
answer); serve_udp(67, dhcp, broadcast=True) also gets the datagrams to the broadcast
addresses, and answers a sender without an address (0.0.0.0) by broadcast, as a DHCP server
does; a DNS server is serve_udp(53, dns).  A server that grows state is a class beside Peer
whose method is the handler.  peer.frames is every frame received (Rx records), in order.
"""

import argparse
import contextlib
import os
import random
import socket
import struct
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gradelib import TestFailure, fail, free_port  # noqa: E402
from gradenet import GATEWAY_IP, GUEST_IP, inet_sum, mac_bytes, dotted, net_ip  # noqa: E402

__all__ = ["Peer", "TcpConn", "Rx", "PEER_MAC", "DNS_IP", "BROADCAST", "PORTS_DYNAMIC", "eth",
           "vlan", "arp", "ipv4", "icmp", "udp", "tcp", "tcp_opts", "pseudo_sum", "parse",
           "ETH_IP", "ETH_ARP",
           "ETH_IPV6", "ETH_VLAN", "ETH_TEST", "PROTO_ICMP", "PROTO_TCP", "PROTO_UDP",
           "TH_FIN", "TH_SYN", "TH_RST", "TH_PSH", "TH_ACK", "TH_URG", "on_wire", "wire_peer",
           "check_wire_basics", "wire_get", "check_wire_file", "check_wire_answer",
           "send_known_frames", "check_wire_frames"]

PEER_MAC = mac_bytes("52:54:00:0a:00:02")   # the gateway's address on the wire
DNS_IP = net_ip("NET_DNS_IP")               # the guest's DNS server: the peer answers for it
BROADCAST = b"\xff" * 6
ETH_IP, ETH_ARP, ETH_IPV6, ETH_VLAN, ETH_TEST = 0x0800, 0x0806, 0x86DD, 0x8100, 0x88B5
PROTO_ICMP, PROTO_TCP, PROTO_UDP = 1, 6, 17
ICMP_ECHOREPLY, ICMP_UNREACH, ICMP_ECHO = 0, 3, 8
TH_FIN, TH_SYN, TH_RST, TH_PSH, TH_ACK, TH_URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
ETH_FRAME_MAX = 14 + 1500      # an untagged frame's largest size, without the CRC
# Our TCP connections' ports: the dynamic range (RFC 6335), which hostile frames leave alone.
PORTS_DYNAMIC = 49152
# QEMU's dgram backend reads into a buffer of 68 KB; a datagram is one frame.
WIRE_MAX = 65536 + 4096


def csum(data):
    """The Internet checksum field for data (RFC 1071)."""
    return ~inet_sum(data) & 0xffff


# ---- Building frames -----------------------------------------------------------------------------
# Each builder takes the fields a test may want wrong as keyword arguments; by default the
# result is well formed, checksums included.

def eth(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def vlan(tci, etype, payload):
    """An 802.1Q tag and what follows it (the outer ethertype is ETH_VLAN)."""
    return struct.pack("!HH", tci, etype) + payload


def arp(op, sha, spa, tha, tpa, *, htype=1, ptype=ETH_IP, hlen=6, plen=4):
    return struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + sha + spa + tha + tpa


def ipv4(src, dst, proto, payload, *, ttl=64, ident=0, df=False, mf=False, frag=0, tos=0,
         options=b"", version=4, ihl=None, total=None, sum=None):
    """An IPv4 packet; frag is the offset in 8-byte units; ihl, total and sum override the
    computed header length (in words), total length and checksum."""
    hl = 20 + len(options)
    ihl = hl // 4 if ihl is None else ihl
    total = hl + len(payload) if total is None else total
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | frag
    h = struct.pack("!BBHHHBBH4s4s", version << 4 | ihl, tos, total & 0xffff, ident & 0xffff,
                    flags, ttl, proto, 0, src, dst) + options
    h = h[:10] + struct.pack("!H", csum(h) if sum is None else sum) + h[12:]
    return h + payload


def pseudo_sum(src, dst, proto, length):
    return src + dst + struct.pack("!BBH", 0, proto, length)


def icmp(itype, code, body, *, sum=None):
    h = struct.pack("!BBH", itype, code, 0) + body
    return h[:2] + struct.pack("!H", csum(h) if sum is None else sum) + h[4:]


def udp(src, dst, sport, dport, payload, *, length=None, sum=None):
    length = 8 + len(payload) if length is None else length
    h = struct.pack("!HHHH", sport, dport, length & 0xffff, 0) + payload
    if sum is None:
        sum = csum(pseudo_sum(src, dst, PROTO_UDP, len(h)) + h) or 0xffff
    return h[:6] + struct.pack("!H", sum) + h[8:]


def tcp_opts(mss=None, wscale=None, sack_ok=False, raw=b""):
    """TCP options padded to a multiple of 4 bytes with NOPs (raw bytes go last, as given)."""
    o = b""
    if mss is not None:
        o += struct.pack("!BBH", 2, 4, mss)
    if wscale is not None:
        o += struct.pack("!BBB", 3, 3, wscale)
    if sack_ok:
        o += b"\x04\x02"
    o += raw
    return o + b"\x01" * (-len(o) % 4)


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", *, window=65535, options=b"",
        off=None, urg=0, sum=None):
    """A TCP segment; off overrides the data offset (in words)."""
    off = (20 + len(options)) // 4 if off is None else off
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                    (off & 0xf) << 4, flags, window, 0, urg) + options + payload
    if sum is None:
        sum = csum(pseudo_sum(src, dst, PROTO_TCP, len(h)) + h)
    return h[:16] + struct.pack("!H", sum) + h[18:]


# ---- Reading frames ------------------------------------------------------------------------------

class Rx:
    """A frame as received: raw bytes, arrival time (time.monotonic()), and what parse() found:
    dst, src, etype; for ARP arp_op, sha, spa, tha, tpa; for IPv4 ip_src, ip_dst, proto, ttl,
    frag (offset in bytes, or -1 when MF is set at offset 0: the first of several), l4 (the
    payload) and bad (why a checksum or length is wrong, else None); for ICMP itype, code,
    body; for UDP and TCP sport, dport, data; for TCP seq, ack, flags, window, options."""

    def __init__(self, raw, when=0.0):
        self.raw, self.when, self.bad = raw, when, None
        self.dst = self.src = self.etype = self.proto = self.itype = None
        self.sport = self.dport = self.data = None

    def __repr__(self):
        return "<Rx %s>" % describe(self)


def parse(raw, when=0.0):
    """An Rx for the frame raw; malformed parts leave their fields None and say why in bad."""
    f = Rx(raw, when)
    if len(raw) < 14:
        f.bad = "runt of %d bytes" % len(raw)
        return f
    f.dst, f.src, f.etype = raw[:6], raw[6:12], struct.unpack("!H", raw[12:14])[0]
    body = raw[14:]
    if f.etype == ETH_ARP and len(body) >= 28:
        f.arp_op = struct.unpack("!H", body[6:8])[0]
        f.sha, f.spa, f.tha, f.tpa = body[8:14], body[14:18], body[18:24], body[24:28]
    elif f.etype == ETH_IP:
        _parse_ipv4(f, body)
    return f


def _parse_ipv4(f, body):
    if len(body) < 20 or body[0] >> 4 != 4 or (body[0] & 0xf) < 5:
        f.bad = "not an IPv4 header"
        return
    hl, total = (body[0] & 0xf) * 4, struct.unpack("!H", body[2:4])[0]
    if total < hl or total > len(body):
        f.bad = "IPv4 total length %d, frame holds %d" % (total, len(body))
        return
    if inet_sum(body[:hl]) != 0xffff:
        f.bad = "IPv4 header checksum"
    f.ttl, f.proto = body[8], body[9]
    f.ip_src, f.ip_dst = body[12:16], body[16:20]
    fl = struct.unpack("!H", body[6:8])[0]
    f.frag = (fl & 0x1fff) * 8 or (-1 if fl & 0x2000 else 0)
    f.l4 = l4 = body[hl:total]
    if f.frag:
        return  # a fragment: its transport header, if any, is checked by no one here
    if f.proto == PROTO_ICMP and len(l4) >= 4:
        f.itype, f.code, f.body = l4[0], l4[1], l4[4:]
        if inet_sum(l4) != 0xffff:
            f.bad = f.bad or "ICMP checksum"
    elif f.proto in (PROTO_UDP, PROTO_TCP) and len(l4) >= (8 if f.proto == PROTO_UDP else 20):
        f.sport, f.dport = struct.unpack("!HH", l4[:4])
        if f.proto == PROTO_UDP:
            f.data = l4[8:struct.unpack("!H", l4[4:6])[0]]
            has_sum = l4[6:8] != b"\0\0"
        else:
            f.seq, f.ack, off, f.flags, f.window = struct.unpack("!IIBBH", l4[4:16])
            f.options, f.data = l4[20:(off >> 4) * 4], l4[(off >> 4) * 4:]
            if not 20 <= (off >> 4) * 4 <= len(l4):
                f.bad = "TCP data offset %d" % (off >> 4)
            has_sum = True
        if has_sum and inet_sum(pseudo_sum(f.ip_src, f.ip_dst, f.proto, len(l4)) + l4) != 0xffff:
            f.bad = f.bad or ("UDP checksum" if f.proto == PROTO_UDP else "TCP checksum")


def describe(f):
    """One line saying what frame f is (the by-hand mode's log, and failure messages)."""
    if f.etype is None:
        return f.bad
    if f.etype == ETH_ARP and hasattr(f, "arp_op"):
        if f.arp_op == 2:
            s = "ARP %s is-at %s" % (dotted(f.spa), f.sha.hex(":"))
        else:
            s = "ARP op %d: who-has %s tell %s" % (f.arp_op, dotted(f.tpa), dotted(f.spa))
            s = s.replace("op 1: ", "")
    elif f.etype == ETH_IP and f.proto is not None:
        s = "IPv4 %s > %s proto %d" % (dotted(f.ip_src), dotted(f.ip_dst), f.proto)
        if f.itype is not None:
            s += " ICMP type %d code %d" % (f.itype, f.code)
        elif f.sport is not None:
            s += " port %d > %d, %d bytes" % (f.sport, f.dport, len(f.data))
            if f.proto == PROTO_TCP:
                s += " flags %s seq %d ack %d" % (
                    "".join(c for c, b in zip("FSRPAU", (1, 2, 4, 8, 16, 32)) if f.flags & b)
                    or "-", f.seq, f.ack)
    else:
        s = "ethertype 0x%04x, %d bytes" % (f.etype, len(f.raw))
    return s + (" [bad: %s]" % f.bad if f.bad else "")


# ---- The peer ------------------------------------------------------------------------------------

class Peer:
    """The guest's one neighbour on the wire (see the module's docstring).  All waiting is on
    a condition the receiver thread signals at each frame, with a time limit; a limit passed
    fails (gradelib.fail) saying what did not come."""

    def __init__(self, ip=GATEWAY_IP, mac=PEER_MAC, guest_ip=GUEST_IP, port=0, wire_port=None):
        self.ip, self.mac, self.guest_ip = ip, mac, guest_ip
        # Every address we answer for (ARP, ping, UDP services): the gateway's and the DNS
        # server's the guest is configured with (inc/netconf.h), or more (peer.addresses.add).
        self.addresses = {ip, DNS_IP}
        self.subnet_broadcast = guest_ip[:3] + b"\xff"
        self.guest_mac = None           # learned from the guest's ARP
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # A flood's answers must not be lost here before the receiver reads them.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]
        self.wire_port = wire_port or free_port([self.port])
        self.frames = []                # every frame from the guest, in order (Rx)
        self.sent = 0                   # frames we sent
        self.sent_lengths = []          # and their lengths, in order
        self.strays = 0                 # datagrams from anyone but QEMU's end, ignored
        self.misaddressed = 0           # echo replies to a MAC not ours, ignored
        self.errors = []                # what went wrong answering a frame (wait() fails)
        self.answer_arp = True          # answer who-has for our address
        self.answer_ping = True         # answer echo requests to our address
        # A guest's ping meets loss and delay: the echo requests to our addresses are counted
        # from 1 (echo_requests), those numbered in drop_echo go unanswered, and the answer
        # to one numbered in echo_delay leaves that many seconds late; replies carry reply_ttl.
        self.echo_requests = 0
        self.drop_echo = set()
        self.echo_delay = {}
        self.reply_ttl = 64
        self.log = None                 # a function given one line per frame (by hand)
        self._udp = {}                  # our UDP port -> (handler, serves broadcasts too)
        self._tcp = {}                  # (our port, guest port) -> TcpConn
        self._used_ports = set()        # our ports of every TcpConn so far
        self._echo = {}                 # (ident, seq) -> the echo reply's Rx
        self._cv = threading.Condition()
        self._thread, self._stopping = None, False

    def make_args(self):
        """make's arguments that put QEMU's card on this peer's wire."""
        return ["NETWIRE=peer", "WIREPORT=%d" % self.wire_port, "PEERPORT=%d" % self.port]

    # -- the receiver --

    def start(self):
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopping = True
        with self._cv:
            self._cv.notify_all()
        # The receiver blocks in recvfrom: a datagram of our own wakes it.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"stop", ("127.0.0.1", self.port))
        if self._thread:
            self._thread.join(5)
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def _receive(self):
        while not self._stopping:
            try:
                raw, addr = self.sock.recvfrom(WIRE_MAX)
            except OSError:
                return
            if addr != ("127.0.0.1", self.wire_port):
                with self._cv:
                    self.strays += 1
                    self._cv.notify_all()
                continue
            f = parse(raw, time.monotonic())
            if self.log:
                self.log(describe(f))
            with self._cv:
                self.frames.append(f)
                try:
                    self._handle(f)
                except Exception:      # a service's handler: reported by the next wait
                    self.errors.append("%s\n%s" % (describe(f), traceback.format_exc()))
                self._cv.notify_all()

    def _handle(self, f):
        """Answer what a neighbour answers (under the lock)."""
        if f.etype == ETH_ARP and hasattr(f, "arp_op"):
            if f.spa == self.guest_ip and f.sha != BROADCAST:
                self.guest_mac = f.sha
            if f.arp_op == 1 and f.tpa in self.addresses and self.answer_arp:
                self.send(eth(f.sha, self.mac, ETH_ARP, arp(2, self.mac, f.tpa, f.sha, f.spa)))
            return
        if f.etype != ETH_IP or f.proto is None or f.frag:
            return
        if f.proto == PROTO_UDP and f.ip_dst in (b"\xff" * 4, self.subnet_broadcast) \
                and f.dport in self._udp and self._udp[f.dport][1] and not f.bad:
            self._udp_answer(f, self.ip)     # a broadcast service (DHCP) answers as the gateway
            return
        if f.ip_dst not in self.addresses:
            return
        if f.proto == PROTO_ICMP and f.itype == ICMP_ECHO and self.answer_ping and not f.bad:
            self._echo_answer(f)
        elif f.proto == PROTO_ICMP and f.itype == ICMP_ECHOREPLY and len(f.body) >= 4:
            # A reply to another MAC would reach no neighbour of a real wire: not an answer.
            if f.dst == self.mac:
                self._echo[struct.unpack("!HH", f.body[:4])] = f
            else:
                self.misaddressed += 1
        elif f.proto == PROTO_UDP and f.dport in self._udp and not f.bad:
            self._udp_answer(f, f.ip_dst)
        elif f.proto == PROTO_TCP and (f.dport, f.sport) in self._tcp and not f.bad:
            self._tcp[f.dport, f.sport]._segment(f)

    def _echo_answer(self, f):
        self.echo_requests += 1
        n = self.echo_requests
        if n in self.drop_echo:
            return
        frame = eth(f.src, self.mac, ETH_IP, ipv4(f.ip_dst, f.ip_src, PROTO_ICMP,
                                                  icmp(ICMP_ECHOREPLY, 0, f.body),
                                                  ttl=self.reply_ttl))
        if n not in self.echo_delay:
            self.send(frame)
            return

        def late():
            with self._cv:
                if not self._stopping:
                    self.send(frame)
        t = threading.Timer(self.echo_delay[n], late)
        t.daemon = True
        t.start()

    # -- sending --

    def send(self, frame):
        """Put frame on the wire as one datagram.  Never an empty one: QEMU's dgram backend
        stops reading its socket after a zero-length datagram."""
        if not frame:
            raise ValueError("rawpeer: a zero-length frame would stop QEMU's dgram backend")
        self.sock.sendto(frame, ("127.0.0.1", self.wire_port))
        self.sent += 1
        self.sent_lengths.append(len(frame))

    def send_ip(self, dst, proto, payload, *, dst_mac=None, src=None, **ipopts):
        """An IPv4 packet from src (default: our address) to dst, to dst_mac (default: the
        guest's)."""
        self.send(eth(dst_mac or self.guest_mac or BROADCAST, self.mac, ETH_IP,
                      ipv4(src or self.ip, dst, proto, payload, **ipopts)))

    def send_udp(self, dst, sport, dport, payload, *, src=None, dst_mac=None):
        """A datagram from src:sport (default: our address) to dst:dport; to the broadcast
        address 255.255.255.255 it goes to the broadcast MAC."""
        src = src or self.ip
        if dst == b"\xff" * 4:
            dst_mac = BROADCAST
        self.send_ip(dst, PROTO_UDP, udp(src, dst, sport, dport, payload), dst_mac=dst_mac,
                     src=src)

    def serve_udp(self, port, handler, broadcast=False):
        """Answer datagrams to our port on any of our addresses (and, with broadcast, to the
        broadcast addresses too: a DHCP server's) with handler(peer, rx), which returns the
        answer's payload or None (it may send what it likes itself, peer.send_udp).  The
        answer goes from the address asked (the gateway's for a broadcast) to the sender's
        address and port, or to the broadcast address when the sender has none yet (0.0.0.0,
        as a DHCP client before its lease)."""
        with self._cv:
            self._udp[port] = (handler, broadcast)

    def _udp_answer(self, f, src):
        reply = self._udp[f.dport][0](self, f)
        if reply is not None:
            to = f.ip_src if f.ip_src != b"\0" * 4 else b"\xff" * 4
            self.send_udp(to, f.dport, f.sport, reply, src=src, dst_mac=f.src)

    # -- waiting --

    def wait(self, cond, timeout, what):
        """cond() (evaluated under the lock at each frame) within timeout seconds, or fail
        saying what was awaited.  Returns cond()'s value."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                if self.errors:
                    fail("rawpeer: answering the guest's frame %s" % self.errors[0])
                v = cond()
                if v:
                    return v
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping:
                    fail("rawpeer: no %s within %gs (the guest sent %d frames; the last: %s)"
                         % (what, timeout, len(self.frames),
                            "; ".join(describe(f) for f in self.frames[-3:]) or "none"))
                self._cv.wait(left)

    def wait_frame(self, match, timeout, what, since=0):
        """The first frame from index since on for which match(rx) holds."""
        def found():
            for f in self.frames[since:]:
                if match(f):
                    return f
            return None
        return self.wait(found, timeout, what)

    # -- the protocols, as a client --

    def arp_resolve(self, ip=None, timeout=10):
        """Ask who has ip (default: the guest's address); its MAC, from the reply."""
        ip = ip or self.guest_ip
        since = len(self.frames)
        self.send(eth(BROADCAST, self.mac, ETH_ARP, arp(1, self.mac, self.ip, b"\0" * 6, ip)))
        f = self.wait_frame(lambda f: f.etype == ETH_ARP and getattr(f, "arp_op", 0) == 2
                            and f.spa == ip and f.tpa == self.ip, timeout,
                            "ARP reply from %s" % dotted(ip), since)
        return f.sha

    def ping(self, ip=None, size=56, timeout=10, resend=None, ident=None):
        """Send an echo request with size bytes of data after its identifier and sequence
        number (1472: a 1500-byte packet) to ip (default: the guest) and wait for the reply
        carrying the same bytes; returns the round trip in seconds.  With resend, a new
        request goes out every resend seconds until a reply comes (for a guest whose ring a
        flood may have filled); the reply to any of them counts."""
        ip = ip or self.guest_ip
        ident = random.randrange(1, 0x10000) if ident is None else ident
        deadline = time.monotonic() + timeout
        seq, sent = 0, {}
        while True:
            seq += 1
            body = struct.pack("!HH", ident, seq) + bytes((seq + i) & 0xff for i in range(size))
            sent[seq] = (time.monotonic(), body)
            self.send_ip(ip, PROTO_ICMP, icmp(ICMP_ECHO, 0, body))
            step = min(resend or timeout, deadline - time.monotonic())

            def answered():
                for s in sent:
                    if (ident, s) in self._echo:
                        return s
                return None
            try:
                s = self.wait(answered, max(step, 0.01), "echo reply from %s" % dotted(ip))
            except TestFailure as e:
                if time.monotonic() < deadline and not self.errors:
                    continue
                fail("rawpeer: no echo reply from %s within %gs (%d requests of %d bytes): %s"
                     % (dotted(ip), timeout, seq, size, str(e).split(" (", 1)[-1].rstrip(")")))
            f = self._echo[ident, s]
            if f.body != sent[s][1] or f.bad:
                fail("rawpeer: echo reply from %s carries %d bytes unlike the request's %d%s"
                     % (dotted(ip), len(f.body), len(sent[s][1]),
                        " (%s)" % f.bad if f.bad else ""))
            return f.when - sent[s][0]

    def tcp_connect(self, port, ip=None, timeout=10, sport=None):
        """A TCP connection from us (port sport, default: one of the dynamic range this peer
        has not used: the guest may hold a port's last connection in TIME-WAIT) to the guest's
        port (TcpConn), once established."""
        with self._cv:
            while sport is None or sport in self._used_ports:
                sport = random.randrange(PORTS_DYNAMIC, 1 << 16)
            self._used_ports.add(sport)
        c = TcpConn(self, ip or self.guest_ip, sport, port)
        with self._cv:
            self._tcp[sport, port] = c
        c.connect(timeout)
        return c

    def forget(self, conn):
        with self._cv:
            self._tcp.pop((conn.sport, conn.dport), None)


class TcpConn:
    """The client side of one TCP connection, enough to send a request and read an answer:
    in-order data only (a segment out of order is dropped and ACKed with what we have, so the
    guest sends it again), our segments sent again after RTO seconds without their ACK, a
    fixed window, no options but MSS.  Segments arrive through Peer._segment under the lock."""

    MSS, WINDOW, RTO = 1460, 65535, 1.0

    def __init__(self, peer, ip, sport, dport):
        self.peer, self.ip, self.sport, self.dport = peer, ip, sport, dport
        self.iss = random.randrange(1 << 32)
        self.snd_una = self.snd_nxt = self.iss
        self.rcv_nxt = None             # set by the SYN-ACK
        self.data, self.fin, self.reset = bytearray(), False, False
        self.out_of_order = 0

    def _send(self, seq, flags, payload=b"", options=b""):
        self.peer.send_ip(self.ip, PROTO_TCP, tcp(self.peer.ip, self.ip, self.sport, self.dport,
                                                  seq, self.rcv_nxt or 0, flags, payload,
                                                  window=self.WINDOW, options=options))

    def _segment(self, f):
        if f.flags & TH_RST:
            self.reset = True
            return
        if f.flags & TH_SYN and f.flags & TH_ACK and self.rcv_nxt is None:
            if f.ack != (self.iss + 1) & 0xffffffff:
                return
            self.rcv_nxt = (f.seq + 1) & 0xffffffff
            self.snd_una = self.snd_nxt = f.ack
            self._send(self.snd_nxt, TH_ACK)
            return
        if self.rcv_nxt is None:
            return
        if f.flags & TH_ACK and 0 < (f.ack - self.snd_una) & 0xffffffff \
                <= (self.snd_nxt - self.snd_una) & 0xffffffff:
            self.snd_una = f.ack
        if f.data or f.flags & TH_FIN:
            if f.seq == self.rcv_nxt:
                self.data += f.data
                self.rcv_nxt = (self.rcv_nxt + len(f.data)) & 0xffffffff
                if f.flags & TH_FIN and not self.fin:
                    self.fin = True
                    self.rcv_nxt = (self.rcv_nxt + 1) & 0xffffffff
            else:
                self.out_of_order += 1
            self._send(self.snd_nxt, TH_ACK)

    def _until(self, cond, timeout, what, again=None):
        """Wait for cond, calling again() (a retransmission) every RTO seconds meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            left = max(deadline - time.monotonic(), 0.01)
            try:
                return self.peer.wait(lambda: self.reset or cond(),
                                      min(self.RTO, left) if again else left, what)
            except TestFailure as e:
                if time.monotonic() < deadline and again and not self.peer.errors:
                    with self.peer._cv:
                        again()
                    continue
                fail("rawpeer: no %s within %gs on the connection %d > %d: %s"
                     % (what, timeout, self.sport, self.dport,
                        str(e).split(" (", 1)[-1].rstrip(")")))
            finally:
                if self.reset:
                    fail("rawpeer: the guest reset the connection %d > %d (%s)"
                         % (self.sport, self.dport, what))

    def connect(self, timeout):
        opts = tcp_opts(mss=self.MSS)
        with self.peer._cv:
            self.snd_nxt = (self.iss + 1) & 0xffffffff
            self._send(self.iss, TH_SYN, options=opts)
        self._until(lambda: self.rcv_nxt is not None, timeout,
                    "SYN-ACK from port %d" % self.dport,
                    lambda: self._send(self.iss, TH_SYN, options=opts))

    def send(self, payload, timeout=10):
        """Send payload (in segments of MSS) and wait until the guest has ACKed it all."""
        with self.peer._cv:
            start = self.snd_nxt
            self.snd_nxt = (start + len(payload)) & 0xffffffff

            def push():
                done = (self.snd_una - start) & 0xffffffff
                for off in range(done, len(payload), self.MSS):
                    self._send(start + off, TH_ACK | TH_PSH, payload[off:off + self.MSS])
            push()
        self._until(lambda: self.snd_una == self.snd_nxt, timeout,
                    "ACK of our %d bytes" % len(payload), push)

    def recv_all(self, timeout=10):
        """Everything the guest sends until its FIN."""
        self._until(lambda: self.fin, timeout, "FIN from port %d" % self.dport)
        return bytes(self.data)

    def recv_until(self, pred, timeout=10, what="data"):
        """The bytes received so far once pred(bytes) holds."""
        self._until(lambda: pred(bytes(self.data)), timeout, what)
        return bytes(self.data)

    def close(self, timeout=10):
        """Send our FIN and wait for its ACK; then forget the connection."""
        try:
            if not self.reset:
                with self.peer._cv:
                    fin_seq = self.snd_nxt
                    self.snd_nxt = (fin_seq + 1) & 0xffffffff
                    self._send(fin_seq, TH_FIN | TH_ACK)
                self._until(lambda: self.snd_una == self.snd_nxt, timeout, "ACK of our FIN",
                            lambda: self._send(fin_seq, TH_FIN | TH_ACK))
        finally:
            self.peer.forget(self)


# ---- In a grader test ----------------------------------------------------------------------------

_wired = []     # the peer of the test running in this process (each test has a process)


@contextlib.contextmanager
def on_wire(**settings):
    """A test's context= (gradelib): a started Peer for the time of the boot, QEMU's card on
    its wire (the make arguments yielded); the test's function reaches it with wire_peer().
    settings are Peer attributes set before the guest starts (functools.partial(on_wire,
    drop_echo={3}) for a guest whose third echo request goes unanswered)."""
    with Peer() as peer:
        for name, value in settings.items():
            if not hasattr(peer, name):
                fail("rawpeer: a Peer has no setting %r" % name)
            setattr(peer, name, value)
        peer.start()
        _wired.append(peer)
        try:
            yield peer.make_args()
        finally:
            _wired.remove(peer)


def wire_peer():
    """The peer of the running test (declared with context=on_wire)."""
    if not _wired:
        fail("rawpeer: the test has no peer: declare it with context=on_wire")
    return _wired[-1]


# ---- Checks on the wire --------------------------------------------------------------------------

def check_wire_basics(peer, sizes=(0, 56, 1472)):
    """The guest asked for the gateway by ARP at start (and took our answer, or it could not
    reply below), answers our ARP with the MAC it asked from, and answers a ping of each size
    (1472: a full 1500-byte packet) with the same bytes."""
    peer.wait(lambda: peer.guest_mac, 10, "ARP request from the guest for the gateway")
    mac = peer.arp_resolve()
    if mac != peer.guest_mac:
        fail("rawpeer: the guest's ARP reply says %s, its own request came from %s"
             % (mac.hex(":"), peer.guest_mac.hex(":")))
    for size in sizes:
        peer.ping(size=size)


def wire_get(peer, path, port=80, timeout=20):
    """The raw answer to an HTTP/1.0 GET of path over a connection from the peer."""
    c = peer.tcp_connect(port, timeout=timeout)
    c.send(("GET %s HTTP/1.0\r\n\r\n" % path).encode(), timeout=timeout)
    raw = c.recv_all(timeout=timeout)
    c.close(timeout=timeout)
    return raw


def check_wire_file(peer, path, expected, ctype):
    """A GET of path through the peer answers 200 with exactly the bytes expected."""
    check_wire_answer(wire_get(peer, path), path, expected, ctype)


def check_wire_answer(raw, path, expected, ctype):
    """raw is an HTTP/1.0 answer 200 with exactly the bytes expected, of type ctype."""
    from gradehttp import http_parse
    status, headers, body = http_parse(raw, "GET %s through the peer" % path)
    if status != 200 or headers.get("content-type") != ctype:
        fail("GET %s through the peer: status %d, Content-Type %r; expected 200, %r"
             % (path, status, headers.get("content-type"), ctype))
    if body != expected:
        fail("GET %s through the peer: %d bytes, the file has %d%s" % (
            path, len(body), len(expected), "" if len(body) != len(expected) else
            " (first difference at byte %d)" % next(i for i, (a, b) in
                                                    enumerate(zip(body, expected)) if a != b)))


def send_known_frames(peer, n, chunk=50):
    """Send n frames of the test ethertype to the guest (which answers none), of lengths
    60..400 bytes, in chunks each followed by a ping: once its reply is in, the guest has
    taken every frame before it.  Returns the lengths sent (the pings are in peer's lists)."""
    lengths = [60 + (i * 37) % 341 for i in range(n)]
    for start in range(0, n, chunk):
        for i in range(start, min(n, start + chunk)):
            peer.send(eth(peer.guest_mac, peer.mac, ETH_TEST,
                          b"frame %04d " % i + b"x" * (lengths[i] - 25)))
        peer.ping(resend=1)
    return lengths


def check_wire_frames(peer, since=0):
    """Every frame the guest sent (from index since on) parses with right lengths and
    checksums, and none is longer than Ethernet carries untagged (1514 bytes: the card cut
    every TCP segment it was asked to)."""
    with peer._cv:
        frames = peer.frames[since:]
    bad = [f for f in frames if f.bad or len(f.raw) > ETH_FRAME_MAX]
    if bad:
        fail("rawpeer: %d of the guest's %d frames are malformed: %s"
             % (len(bad), len(frames), "; ".join("%s (%d bytes)" % (describe(f), len(f.raw))
                                                 for f in bad[:5])))


# ---- By hand -------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(
        description="The test peer on the guest's wire: prints the make command that boots the "
        "guest on it, answers ARP and pings, logs every frame, and can GET a file over TCP.")
    ap.add_argument("--port", type=int, default=0, help="the peer's UDP port (default: any)")
    ap.add_argument("--wire-port", type=int, help="QEMU's UDP port (default: a free one)")
    ap.add_argument("--get", metavar="PATH",
                    help="once the guest has spoken, ping it and GET PATH from its port 80")
    ap.add_argument("-q", "--quiet", action="store_true", help="do not log every frame")
    ap.add_argument("--dhcp", metavar="ADDR",
                    help="serve DHCP, offering ADDR (boot the guest with DHCP=1 too)")
    ap.add_argument("--dns", metavar="NAME=ADDR", action="append", default=[],
                    help="serve DNS on %s with this A record (repeatable; other names: "
                    "NXDOMAIN)" % dotted(DNS_IP))
    args = ap.parse_args(argv)
    peer = Peer(port=args.port, wire_port=args.wire_port)
    # The services (conf/peerserv.py imports this module, so it comes in here).
    from peerserv import DhcpServer, DnsServer
    if args.dhcp:
        DhcpServer(peer, socket.inet_aton(args.dhcp))
    if args.dns:
        DnsServer(peer, {n: socket.inet_aton(a) for n, a in (x.split("=", 1) for x in args.dns)})
    if not args.quiet:
        peer.log = lambda line: print("rawpeer: <", line, flush=True)
    print("rawpeer: on 127.0.0.1:%d; boot the guest with\n  make qemu-nox-net %s%s"
          % (peer.port, " ".join(peer.make_args()), " DHCP=1" if args.dhcp else ""),
          flush=True)
    with peer.start():
        if args.get:
            peer.wait(lambda: peer.guest_mac, 600, "ARP from the guest")
            print("rawpeer: the guest is at %s; ping: %.1f ms" %
                  (peer.guest_mac.hex(":"), peer.ping(resend=1) * 1000), flush=True)
            c = peer.tcp_connect(80, timeout=30)
            c.send(("GET %s HTTP/1.0\r\n\r\n" % args.get).encode())
            sys.stdout.buffer.write(c.recv_all(timeout=30))
            c.close()
            return 0
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    sys.exit(main())
