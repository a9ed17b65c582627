#!/usr/bin/env python3
# Tests of conf/rawpeer.py (run by grade-lab6 as "rawpeer-unit"), without QEMU: a fake guest
# holds QEMU's end of the wire (a UDP socket on 127.0.0.1) and checks what the peer sends and
# answers: the builders against the parser, ARP and ping both ways, strays and empty frames,
# waiting that fails saying what it waited for, UDP services, and the TCP client against a
# scripted guest that answers out of order, and one that resets.
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unitcheck import check, must_fail  # noqa: E402
from gradelib import free_port  # noqa: E402
import rawpeer as r  # noqa: E402

GUEST_MAC = bytes.fromhex("525400123456")


class Script(threading.Thread):
    """The fake guest's side of an exchange, in a thread; join() re-raises its failure."""

    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn, self.error = fn, None
        self.start()

    def run(self):
        try:
            self.fn()
        except BaseException as e:     # SystemExit from check() too
            self.error = e

    def join(self):
        super().join(10)
        if self.error:
            raise self.error


class FakeGuest:
    """QEMU's end of the wire, played by hand: frames in and out, one datagram each."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", free_port()))
        self.port = self.sock.getsockname()[1]
        self.peer = r.Peer(wire_port=self.port).start()

    def send(self, frame):
        self.sock.sendto(frame, ("127.0.0.1", self.peer.port))

    def recv(self, timeout=5):
        self.sock.settimeout(timeout)
        raw, addr = self.sock.recvfrom(r.WIRE_MAX)
        check(addr == ("127.0.0.1", self.peer.port), "a frame from %r, not the peer" % (addr,))
        return r.parse(raw)

    def nothing(self, timeout=0.2):
        self.sock.settimeout(timeout)
        try:
            raw = self.sock.recv(r.WIRE_MAX)
        except socket.timeout:
            return True
        raise SystemExit("FAIL: the peer sent what it should not: %s" % r.describe(r.parse(raw)))

    def ip(self, proto, payload, dst=None, **kw):
        self.send(r.eth(r.PEER_MAC, GUEST_MAC, r.ETH_IP,
                        r.ipv4(self.peer.guest_ip, dst or self.peer.ip, proto, payload, **kw)))

    def close(self):
        self.peer.stop()
        self.sock.close()


def check_builders():
    src, dst = bytes([10, 0, 2, 2]), bytes([10, 0, 2, 15])
    for proto, l4 in ((r.PROTO_UDP, r.udp(src, dst, 1000, 7, b"odd")),
                      (r.PROTO_TCP, r.tcp(src, dst, 1000, 80, 5, 6, r.TH_ACK, b"x" * 7,
                                          options=r.tcp_opts(mss=1460, wscale=7, sack_ok=True))),
                      (r.PROTO_ICMP, r.icmp(8, 0, b"\0\1\0\2abc"))):
        f = r.parse(r.eth(GUEST_MAC, r.PEER_MAC, r.ETH_IP, r.ipv4(src, dst, proto, l4)) + b"\0" * 9)
        check(f.bad is None, "a frame built right parses with %r (proto %d)" % (f.bad, proto))
        check(f.proto == proto and f.ip_src == src and f.ip_dst == dst and f.l4 == l4,
              "the parsed IPv4 fields of proto %d (Ethernet padding not in l4)" % proto)
    check((f.itype, f.code, f.body, f.data) == (8, 0, b"\0\1\0\2abc", None),
          "ICMP fields: %r" % f)
    t = r.parse(r.eth(GUEST_MAC, r.PEER_MAC, r.ETH_IP, r.ipv4(src, dst, r.PROTO_TCP, r.tcp(
        src, dst, 1, 2, 3, 4, r.TH_SYN | r.TH_ACK, b"hi", options=r.tcp_opts(mss=536)))))
    check((t.sport, t.dport, t.seq, t.ack, t.flags, t.data, t.options) ==
          (1, 2, 3, 4, r.TH_SYN | r.TH_ACK, b"hi", b"\2\4\2\x18"), "TCP fields: %r" % t)
    bad = [(r.ipv4(src, dst, r.PROTO_UDP, r.udp(src, dst, 1, 2, b"x", sum=1)), "UDP checksum"),
           (r.ipv4(src, dst, r.PROTO_TCP, r.tcp(src, dst, 1, 2, 0, 0, 0, sum=1)), "TCP checksum"),
           (r.ipv4(src, dst, r.PROTO_ICMP, r.icmp(8, 0, b"", sum=1)), "ICMP checksum"),
           (r.ipv4(src, dst, r.PROTO_UDP, b"", sum=1), "IPv4 header checksum"),
           (r.ipv4(src, dst, r.PROTO_UDP, b"", total=99), "total length 99"),
           (r.ipv4(src, dst, r.PROTO_TCP, r.tcp(src, dst, 1, 2, 0, 0, 0, off=4)),
            "TCP data offset 4"),
           (r.ipv4(src, dst, r.PROTO_UDP, b"", version=6), "not an IPv4 header"),
           (r.ipv4(src, dst, r.PROTO_UDP, b"", ihl=4), "not an IPv4 header")]
    for ip, says in bad:
        f = r.parse(r.eth(GUEST_MAC, r.PEER_MAC, r.ETH_IP, ip))
        check(f.bad is not None and says in f.bad, "parse says %r, not %r" % (f.bad, says))
    check(r.udp(src, dst, 1, 2, b"")[6:8] != b"\0\0", "a UDP checksum is never sent as 0")
    check("runt of 5 bytes" in r.describe(r.parse(b"12345")), "a runt's description")
    frag = r.parse(r.eth(GUEST_MAC, r.PEER_MAC, r.ETH_IP, r.ipv4(src, dst, 17, b"x" * 8, mf=True)))
    check(frag.frag == -1 and frag.sport is None, "a first fragment is not read as UDP")
    check(r.ipv4(src, dst, 6, b"", frag=3, df=True)[6:8] == b"\x40\x03", "flags and offset")
    check(r.vlan(5, r.ETH_IP, b"p") == b"\0\5\x08\0p", "an 802.1Q tag")


def check_neighbour():
    g = FakeGuest()
    try:
        p = g.peer
        check(p.make_args() == ["NETWIRE=peer", "WIREPORT=%d" % g.port, "PEERPORT=%d" % p.port],
              "make_args: %r" % p.make_args())
        # The guest asks for the gateway: answered, and the guest's MAC learned.
        g.send(r.eth(r.BROADCAST, GUEST_MAC, r.ETH_ARP,
                     r.arp(1, GUEST_MAC, p.guest_ip, b"\0" * 6, p.ip)))
        f = g.recv()
        check(f.etype == r.ETH_ARP and f.arp_op == 2 and f.sha == r.PEER_MAC and f.spa == p.ip
              and f.dst == GUEST_MAC and f.tpa == p.guest_ip, "the ARP reply: %r" % f)
        check(p.guest_mac == GUEST_MAC, "the guest's MAC learned: %r" % p.guest_mac)
        # Who-has for another address: no answer.  A stray datagram: ignored, not a frame.
        n = len(p.frames)
        g.send(r.eth(r.BROADCAST, GUEST_MAC, r.ETH_ARP,
                     r.arp(1, GUEST_MAC, p.guest_ip, b"\0" * 6, bytes([10, 0, 2, 9]))))
        g.nothing()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"stray", ("127.0.0.1", p.port))
        p.wait(lambda: p.strays == 1, 5, "the stray counted")
        check(len(p.frames) == n + 1, "frames: %d, expected %d" % (len(p.frames), n + 1))
        # Pinged by the guest: the reply carries the same bytes; a bad checksum: no reply.
        body = b"\x12\x34\0\1" + bytes(range(40))
        g.ip(r.PROTO_ICMP, r.icmp(8, 0, body))
        f = g.recv()
        check(f.itype == 0 and f.body == body and f.bad is None and f.ip_dst == p.guest_ip,
              "the echo reply: %r" % f)
        g.ip(r.PROTO_ICMP, r.icmp(8, 0, body, sum=7))
        g.nothing()
        # Our ping: the fake guest answers the second request only (resend).
        t = Script(lambda: ping_answer(g, skip=1))
        rtt = p.ping(size=10, timeout=5, resend=0.2)
        t.join()
        check(0 <= rtt < 5, "a round trip of %r s" % rtt)
        must_fail(lambda: p.ping(timeout=0.3), "a ping nobody answers",
                  "no echo reply from 10.0.2.15 within")
        # arp_resolve, answered; and the empty frame refused.
        t = Script(lambda: arp_answer(g))
        check(p.arp_resolve(timeout=5) == GUEST_MAC, "arp_resolve")
        t.join()
        sent = p.sent
        try:
            p.send(b"")
            raise SystemExit("FAIL: a zero-length frame was sent")
        except ValueError:
            pass
        check(p.sent == sent, "the empty frame counted as sent")
        # A UDP service: the handler's payload goes back to the sender's port.
        p.serve_udp(53, lambda peer, f: b"answer to " + f.data)
        g.ip(r.PROTO_UDP, r.udp(p.guest_ip, p.ip, 4000, 53, b"q"))
        f = g.recv()
        check((f.sport, f.dport, f.data, f.bad) == (53, 4000, b"answer to q", None),
              "the UDP service's answer: %r" % f)
        g.ip(r.PROTO_UDP, r.udp(p.guest_ip, p.ip, 4000, 54, b"q"))
        g.nothing()
        # The DNS server's address: ARP and its service answered from it.
        g.send(r.eth(r.BROADCAST, GUEST_MAC, r.ETH_ARP,
                     r.arp(1, GUEST_MAC, p.guest_ip, b"\0" * 6, r.DNS_IP)))
        f = g.recv()
        check(f.arp_op == 2 and f.spa == r.DNS_IP and f.sha == r.PEER_MAC, "ARP for DNS: %r" % f)
        g.ip(r.PROTO_UDP, r.udp(p.guest_ip, r.DNS_IP, 4001, 53, b"name?"), dst=r.DNS_IP)
        f = g.recv()
        check((f.ip_src, f.sport, f.dport, f.data) == (r.DNS_IP, 53, 4001, b"answer to name?"),
              "the DNS server's answer: %r" % f)
        # A broadcast service (DHCP): a client without an address is answered by broadcast;
        # a broadcast to a service that is not one gets nothing.
        p.serve_udp(67, lambda peer, f: b"offer for " + f.src.hex().encode(), broadcast=True)
        bcast = b"\xff" * 4
        g.send(r.eth(r.BROADCAST, GUEST_MAC, r.ETH_IP, r.ipv4(b"\0" * 4, bcast, r.PROTO_UDP,
                                                           r.udp(b"\0" * 4, bcast, 68, 67, b"d"))))
        f = g.recv()
        check((f.dst, f.ip_src, f.ip_dst, f.sport, f.dport, f.data, f.bad) ==
              (r.BROADCAST, p.ip, bcast, 67, 68, b"offer for " + GUEST_MAC.hex().encode(), None),
              "the broadcast service's answer: %r" % f)
        g.send(r.eth(r.BROADCAST, GUEST_MAC, r.ETH_IP, r.ipv4(p.guest_ip, bcast, r.PROTO_UDP,
                                                           r.udp(p.guest_ip, bcast, 5, 53, b"d"))))
        g.nothing()
        # A handler that fails: the next wait says so.
        p.serve_udp(53, lambda peer, f: 1 / 0)
        g.ip(r.PROTO_UDP, r.udp(p.guest_ip, r.DNS_IP, 4001, 53, b"name?"), dst=r.DNS_IP)
        must_fail(lambda: p.wait(lambda: False, 5, "anything"), "a failed handler",
                  "ZeroDivisionError")
        sent = p.sent
        must_fail(lambda: p.ping(timeout=5, resend=1), "a ping after a failed handler",
                  "ZeroDivisionError")
        check(p.sent == sent + 1, "a ping after a failed handler sent %d requests"
              % (p.sent - sent))
    finally:
        g.close()


def check_echo_loss():
    """The guest's ping meets what the test asked for: the second request unanswered, the
    third answered 0.3 s late, the others at once, every reply with the TTL asked."""
    g = FakeGuest()
    try:
        p = g.peer
        p.drop_echo, p.echo_delay, p.reply_ttl = {2}, {3: 0.3}, 99
        got = {}
        for seq in (1, 2, 3, 4):
            g.ip(r.PROTO_ICMP, r.icmp(8, 0, b"\x12\x34" + bytes([0, seq]) + b"data"))
        start = time.monotonic()
        while len(got) < 3:
            f = g.recv(timeout=2)
            if f.itype == 0:
                got[f.body[3]] = (time.monotonic() - start, f)
        g.nothing(0.3)
        check(sorted(got) == [1, 3, 4], "replies to requests %s, expected 1, 3, 4" % sorted(got))
        check(got[3][0] >= 0.3 > max(got[1][0], got[4][0]),
              "reply times %s: the third 0.3 s late, the others at once"
              % {k: round(v[0], 3) for k, v in got.items()})
        check(all(v[1].ttl == 99 and v[1].bad is None for v in got.values()),
              "replies' TTLs %s, expected 99" % [v[1].ttl for v in got.values()])
        check(p.echo_requests == 4, "echo requests counted: %d" % p.echo_requests)
        must_fail(lambda: r.on_wire(no_such_setting=1).__enter__(), "an unknown setting",
                  "no setting 'no_such_setting'")
    finally:
        g.close()


def check_known_frames():
    g = FakeGuest()
    try:
        p = g.peer
        p.guest_mac = GUEST_MAC

        def guest():
            for chunk in (range(3), range(3, 5)):    # each chunk, then its ping
                for i in chunk:
                    f = g.recv()
                    check(f.etype == r.ETH_TEST and f.dst == GUEST_MAC and 60 <= len(f.raw) <= 400
                          and f.raw[14:25] == b"frame %04d " % i, "known frame %d: %r"
                          % (i, f.raw[:30]))
                ping_answer(g, skip=0, size=56)
        t = Script(guest)
        lengths = r.send_known_frames(p, 5, chunk=3)
        t.join()
        check(lengths == p.sent_lengths[0:3] + p.sent_lengths[4:6],
              "send_known_frames' lengths %r, sent %r" % (lengths, p.sent_lengths))
    finally:
        g.close()


def ping_answer(g, skip, size=10):
    for i in range(skip + 1):
        f = g.recv()
        check(f.itype == 8 and len(f.body) == 4 + size, "a ping of %d bytes: %r" % (size, f))
    g.ip(r.PROTO_ICMP, r.icmp(0, 0, f.body))


def arp_answer(g):
    f = g.recv()
    while f.etype != r.ETH_ARP:     # the request of the ping nobody answered
        f = g.recv()
    check(f.arp_op == 1 and f.tpa == g.peer.guest_ip and f.dst == r.BROADCAST,
          "arp_resolve's request: %r" % f)
    g.send(r.eth(f.src, GUEST_MAC, r.ETH_ARP, r.arp(2, GUEST_MAC, f.tpa, f.sha, f.spa)))


def check_wire_frames():
    with r.Peer() as p:
        ok = r.parse(r.eth(r.PEER_MAC, GUEST_MAC, r.ETH_IP, r.ipv4(p.guest_ip, p.ip, 17, r.udp(
            p.guest_ip, p.ip, 1, 2, b"x" * 1472))))
        p.frames = [ok]
        r.check_wire_frames(p)
        p.frames.append(r.parse(ok.raw + b"\0"))
        must_fail(lambda: r.check_wire_frames(p), "a frame of 1515 bytes", "(1515 bytes)")
        p.frames[1:] = [r.parse(ok.raw[:-1] + b"y")]
        must_fail(lambda: r.check_wire_frames(p), "a bad UDP checksum", "[bad: UDP checksum]")


def check_tcp():
    g = FakeGuest()
    try:
        p = g.peer
        p.guest_mac = GUEST_MAC
        answer = b"A" * 2000 + b"B" * 900
        syn_ports = []

        def guest():
            syn = g.recv()
            check(syn.flags == r.TH_SYN and syn.options[:2] == b"\2\4" and syn.bad is None,
                  "the SYN with its MSS option: %r" % syn)
            syn_ports.append(syn.sport)
            g.nothing(0.8)      # the SYN is sent again after TcpConn.RTO (1 s)
            syn2 = g.recv()
            check(syn2.seq == syn.seq and syn2.flags == r.TH_SYN, "the SYN again: %r" % syn2)

            def seg(seq, flags, data=b""):
                g.ip(r.PROTO_TCP, r.tcp(p.guest_ip, p.ip, 80, syn.sport, seq, ack, flags, data))
            ack, iss = syn.seq + 1, 7000
            seg(iss, r.TH_SYN | r.TH_ACK)
            f = g.recv()
            check(f.flags == r.TH_ACK and f.ack == iss + 1 and f.seq == ack, "the ACK: %r" % f)
            req = g.recv()
            check(req.data == b"GET /\r\n" and req.seq == ack, "the request: %r" % req)
            ack += len(req.data)
            seg(iss + 1, r.TH_ACK)
            # The second segment before the first: dropped and ACKed with what the peer has.
            seg(iss + 1 + 2000, r.TH_ACK | r.TH_FIN, answer[2000:])
            f = g.recv()
            check(f.ack == iss + 1, "the ACK of an out-of-order segment: %r" % f)
            seg(iss + 1, r.TH_ACK, answer[:2000])
            f = g.recv()
            check(f.ack == iss + 2001, "the ACK of the first segment: %r" % f)
            seg(iss + 2001, r.TH_ACK | r.TH_FIN, answer[2000:])
            f = g.recv()
            check(f.ack == iss + 2 + len(answer), "the ACK of the FIN: %r" % f)
            fin = g.recv()
            check(fin.flags == r.TH_FIN | r.TH_ACK and fin.seq == ack, "our FIN: %r" % fin)
            ack += 1
            seg(iss + 2 + len(answer), r.TH_ACK)

        t = Script(guest)
        c = p.tcp_connect(80, timeout=5)
        c.send(b"GET /\r\n")
        got = c.recv_all(timeout=5)
        c.close(timeout=5)
        t.join()
        check(got == answer, "recv_all: %d bytes, expected %d" % (len(got), len(answer)))
        check(c.out_of_order == 1, "out of order: %d" % c.out_of_order)
        check(not p._tcp, "a closed connection is forgotten")
        check(syn_ports[0] >= r.PORTS_DYNAMIC, "our port %d is below the dynamic range"
              % syn_ports[0])

        # A guest that resets instead of answering.
        def resetter():
            syn = g.recv()
            check(syn.sport not in syn_ports, "a port used twice: %d" % syn.sport)
            g.ip(r.PROTO_TCP, r.tcp(p.guest_ip, p.ip, 81, syn.sport, 0, syn.seq + 1,
                                    r.TH_RST | r.TH_ACK))
        t = Script(resetter)
        must_fail(lambda: p.tcp_connect(81, timeout=5), "a connect answered by a reset",
                  "reset the connection")
        t.join()
    finally:
        g.close()


def main():
    check_builders()
    check_neighbour()
    check_tcp()
    check_echo_loss()
    check_known_frames()
    check_wire_frames()
    print("rawpeer: all passed")


if __name__ == "__main__":
    main()
