#!/usr/bin/env python3
# Tests of conf/peerserv.py (run by grade-lab6 as "peerserv-unit"), without QEMU: the packet
# builders against the parsers, then the DHCP and DNS servers on a peer, against hand-built
# requests from a fake guest on the wire (conf/test_rawpeer.py's FakeGuest).
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unitcheck import check  # noqa: E402
import rawpeer as r  # noqa: E402
import peerserv as s  # noqa: E402
from test_rawpeer import FakeGuest, GUEST_MAC  # noqa: E402

ZERO, BCAST = b"\0" * 4, b"\xff" * 4
OFFER, DNS2 = bytes([10, 0, 2, 77]), bytes([10, 0, 2, 53])


def check_packets():
    p = s.dhcp_packet(1, 0x1234, GUEST_MAC, [(53, b"\x01"), (50, OFFER)])
    d = s.dhcp_parse(p)
    check(d and (d["op"], d["xid"], d["chaddr"], d["options"]) ==
          (1, 0x1234, GUEST_MAC, {53: b"\x01", 50: OFFER}), "DHCP round trip: %r" % d)
    check(s.dhcp_parse(p[:200]) is None, "a DHCP message cut before its cookie parsed")
    check(s.dhcp_parse(p[:-1] + b"\x33\x09") is None, "an option past the end parsed")
    check(s.dhcp_parse(p[:236] + b"\0\0\0\0" + p[240:]) is None, "no magic cookie, parsed")
    q = s.dns_query(0x4242, "WWW.Exo.Test.")
    d = s.dns_parse(q)
    check(d and (d["id"], d["name"], d["qtype"], d["question"]) ==
          (0x4242, "www.exo.test", 1, q[12:]), "DNS round trip: %r" % d)
    check(s.dns_parse(q[:11]) is None, "a short query parsed")
    check(s.dns_parse(q[:12] + b"\xc0\x0c\0\1\0\1") is None, "a compressed question parsed")
    check(s.dns_parse(q[:20]) is None, "a cut question parsed")
    check(s.dns_parse(struct.pack("!H", 0x4242) + b"\x81\x00" + q[4:]) is None,
          "a response taken for a query")
    a = s.dns_answer(d, s.RCODE_OK, OFFER)
    check(a[:12] == struct.pack("!HHHHHH", 0x4242, 0x8180, 1, 1, 0, 0) and a.endswith(OFFER)
          and a[12:12 + len(d["question"])] == d["question"], "an A answer: %r" % a)
    junk = s.dns_garbage(d, OFFER)
    check(len(junk) >= 8 and all(j != a for _, j in junk), "the garbage replies")


def dhcp_send(g, kind, src=ZERO, dst=BCAST, xid=7, opts=()):
    msg = s.dhcp_packet(1, xid, GUEST_MAC, [(53, bytes([kind]))] + list(opts), ciaddr=ZERO)
    g.send(r.eth(r.BROADCAST, GUEST_MAC, r.ETH_IP,
                 r.ipv4(src, dst, r.PROTO_UDP, r.udp(src, dst, 68, 67, msg))))


def check_dhcp():
    g = FakeGuest()
    try:
        dhcp = s.DhcpServer(g.peer, OFFER, dns=DNS2, lease=600)
        check(DNS2 in g.peer.addresses, "the DNS server's address not the peer's")
        dhcp_send(g, s.DHCP_DISCOVER)
        f = g.recv()
        d = s.dhcp_parse(f.data)
        o = d["options"]
        check((f.dst, f.ip_dst, f.sport, f.dport, f.bad) == (r.BROADCAST, BCAST, 67, 68, None),
              "the offer's addressing: %r" % f)
        check((d["op"], d["xid"], d["yiaddr"], d["chaddr"]) == (2, 7, OFFER, GUEST_MAC),
              "the offer: %r" % d)
        check((o[53], o[1], o[3], o[6], o[51], o[54]) ==
              (b"\x02", b"\xff\xff\xff\x00", r.GATEWAY_IP, DNS2, struct.pack("!I", 600),
               r.GATEWAY_IP), "the offer's options: %r" % o)
        check(g.peer.guest_ip == r.GUEST_IP, "an offer changed the guest's address")
        # A request for another address: NAK, nothing bound.
        dhcp_send(g, s.DHCP_REQUEST, opts=[(50, r.GUEST_IP), (54, r.GATEWAY_IP)])
        d = s.dhcp_parse(g.recv().data)
        check(d["options"][53] == b"\x06" and d["yiaddr"] == ZERO and dhcp.acked is None,
              "a request for another address: %r" % d)
        # The request for the offer, to this server: ACK; the peer now talks to it.
        dhcp_send(g, s.DHCP_REQUEST, xid=8, opts=[(50, OFFER), (54, r.GATEWAY_IP)])
        d = s.dhcp_parse(g.recv().data)
        check(d["options"][53] == b"\x05" and d["xid"] == 8 and d["yiaddr"] == OFFER
              and d["options"][6] == DNS2, "the ACK: %r" % d)
        check((dhcp.acked, g.peer.guest_ip, g.peer.guest_mac) == (OFFER, OFFER, GUEST_MAC),
              "after the ACK: %r" % ((dhcp.acked, g.peer.guest_ip),))
        # To another server, malformed, or silent: nothing.
        dhcp_send(g, s.DHCP_REQUEST, opts=[(50, OFFER), (54, DNS2)])
        g.nothing()
        g.send(r.eth(r.BROADCAST, GUEST_MAC, r.ETH_IP, r.ipv4(
            ZERO, BCAST, r.PROTO_UDP, r.udp(ZERO, BCAST, 68, 67, b"\x01" * 100))))
        g.nothing()
        dhcp.silent = True
        dhcp_send(g, s.DHCP_DISCOVER)
        g.nothing()
        check(dhcp.received == [1, 3, 3, 3, 1], "the requests seen: %r" % dhcp.received)
    finally:
        g.close()


def dns_ask(g, name, qtype=1, ident=0x99):
    g.ip(r.PROTO_UDP, r.udp(r.GUEST_IP, r.DNS_IP, 5353, 53, s.dns_query(ident, name, qtype)),
         dst=r.DNS_IP)


def check_dns():
    g = FakeGuest()
    try:
        dns = s.DnsServer(g.peer, {"www.exo.test": OFFER, "Down.exo.test.": None})
        for name, qtype, rcode, answers in (("WWW.exo.test", 1, 0, 1), ("www.exo.test.", 1, 0, 1),
                                            ("nosuch.exo.test", 1, 3, 0),
                                            ("down.exo.test", 1, 2, 0),
                                            ("www.exo.test", 28, 0, 0)):
            dns_ask(g, name, qtype)
            f = g.recv()
            ident, flags, qd, an = struct.unpack("!HHHH", f.data[:8])
            check((f.ip_src, f.sport, f.dport, ident, flags & 0x800f, qd, an) ==
                  (r.DNS_IP, 53, 5353, 0x99, 0x8000 | rcode, 1, answers),
                  "the answer for %s type %d: %r" % (name, qtype, f.data))
            if answers:
                check(f.data.endswith(OFFER), "the A record of %s: %r" % (name, f.data))
        g.ip(r.PROTO_UDP, r.udp(r.GUEST_IP, r.DNS_IP, 5353, 53, b"\x12" * 11), dst=r.DNS_IP)
        g.nothing()
        dns.silent = True
        dns_ask(g, "www.exo.test")
        g.nothing()
        dns.silent = False
        dns.garbage.add("www.exo.test")
        dns_ask(g, "www.exo.test", ident=0x1234)
        q = s.dns_parse(s.dns_query(0x1234, "www.exo.test"))
        junk = [j for _, j in s.dns_garbage(q, b"\6\6\6\6")]
        got = [g.recv() for _ in range(len(junk) + 2)]
        check([f.data for f in got[:len(junk)]] == junk, "the garbage replies, in order")
        check(got[-2].ip_src == r.GATEWAY_IP and got[-2].data.endswith(b"\6\6\6\6"),
              "the answer from the wrong address: %r" % got[-2])
        check(got[-1].ip_src == r.DNS_IP and got[-1].data.endswith(OFFER),
              "the answer after the garbage: %r" % got[-1])
        check(dns.queries == ["www.exo.test"] * 2 + ["nosuch.exo.test", "down.exo.test"]
              + ["www.exo.test"] * 3, "the queries seen: %r" % dns.queries)
    finally:
        g.close()


def main():
    check_packets()
    check_dhcp()
    check_dns()
    print("peerserv: all passed")


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    main()
