#!/usr/bin/env python3
# Tests of conf/gradenet.py (run by grade-lab6 as "gradenet"): the addresses read from
# inc/netconf.h, the sockets on a local server, and the frame readers on frames built here:
# testinput's hex dump, UDP payloads under Ethernet padding, TCP segments, and checksums right,
# wrong, absent and of fragments.
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unitcheck import check, must_fail  # noqa: E402
import gradenet as n  # noqa: E402

OUR_MAC, PEER_MAC = bytes.fromhex("525400123456"), bytes.fromhex("525400abcdef")
PEER_IP = bytes([10, 0, 2, 2])


def ones_complement(data):
    """The Internet checksum of data (RFC 1071), computed bytewise: what the field holds."""
    data += b"\0" * (len(data) % 2)
    total = 0
    for i in range(0, len(data), 2):
        total += data[i] << 8 | data[i + 1]
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def ipv4_frame(proto, l4, src=PEER_IP, dst=None, mac=OUR_MAC, frag=0, l4_sum_at=None, pad=0):
    """An Ethernet frame from mac carrying an IPv4 packet with right checksums; the L4 checksum
    (at offset l4_sum_at of l4) over the pseudo-header.  pad: Ethernet padding bytes after it."""
    dst = dst or n.GUEST_IP
    if l4_sum_at is not None:
        pseudo = src + dst + struct.pack("!BBH", 0, proto, len(l4))
        l4 = l4[:l4_sum_at] + b"\0\0" + l4[l4_sum_at + 2:]
        l4 = l4[:l4_sum_at] + struct.pack("!H", ones_complement(pseudo + l4)) + l4[l4_sum_at + 2:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, frag, 64, proto, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", ones_complement(ip)) + ip[12:]
    return b"\xff" * 6 + mac + b"\x08\x00" + ip + l4 + b"\0" * pad


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, seq, flags, payload=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 8192, 0, 0) + payload


def check_addresses():
    check(n.GUEST_IP == bytes([10, 0, 2, 15]) and n.GATEWAY_IP == bytes([10, 0, 2, 2]),
          "QEMU's user network: the guest at 10.0.2.15, the gateway at 10.0.2.2")
    check(n.dotted(n.GUEST_IP) == "10.0.2.15", "dotted")
    check(n.mac_bytes(n.DEFAULT_MAC) == OUR_MAC, "mac_bytes of NET_DEFAULT_MAC")


def check_checksums():
    # RFC 1071's example: the words 0001 f203 f4f5 f6f7 sum to ddf2.
    check(n.inet_sum(bytes.fromhex("0001f203f4f5f6f7")) == 0xddf2, "inet_sum of RFC 1071's data")
    check(n.inet_sum(b"\x01") == 0x0100, "inet_sum pads an odd byte")
    check(n.inet_sum(b"\xff\xff\x00\x01") == 0x0001, "inet_sum folds the carry")

    payload = b"csumoffload 7 " + bytes(range(33))  # an odd length
    good = ipv4_frame(n.IP_PROTO_UDP, udp(7, 7, payload), l4_sum_at=6)
    proto, ip_ok, l4_ok, l4 = n.ipv4_checksums(good)
    check((proto, ip_ok, l4_ok, l4[8:]) == (17, True, True, payload), "a right UDP frame")
    bad = good[:-1] + bytes([good[-1] ^ 1])
    check(n.ipv4_checksums(bad)[1:3] == (True, False), "a UDP payload changed after its sum")
    bad_ip = good[:22] + bytes([good[22] - 1]) + good[23:]  # the TTL
    check(n.ipv4_checksums(bad_ip)[1:3] == (False, True), "an IP header changed after its sum")
    nosum = ipv4_frame(n.IP_PROTO_UDP, udp(7, 7, payload))
    check(n.ipv4_checksums(nosum)[2] is False, "UDP's 'no checksum' counts as wrong")
    seg = ipv4_frame(n.IP_PROTO_TCP, tcp(80, 5555, 1, n.TCP_ACK, b"x" * 100), l4_sum_at=16)
    check(n.ipv4_checksums(seg)[:3] == (6, True, True), "a right TCP segment")
    frag = ipv4_frame(n.IP_PROTO_UDP, udp(7, 7, payload), frag=0x2000)
    check(n.ipv4_checksums(frag)[2] is None, "a fragment's L4 checksum is not judged")
    check(n.ipv4_checksums(good[:30]) is None, "a cut frame is no whole packet")
    arp = b"\xff" * 6 + OUR_MAC + b"\x08\x06" + bytes(28)
    check(n.ipv4_checksums(arp) is None, "ARP is not IPv4")

    theirs = ipv4_frame(n.IP_PROTO_UDP, udp(7, 7, payload), mac=PEER_MAC)  # not ours: ignored
    counts = n.check_sent_checksums([(0, good), (0, seg), (0, theirs), (0, arp)], OUR_MAC, "t")
    check(counts == {n.IP_PROTO_TCP: 1, n.IP_PROTO_UDP: 1}, "check_sent_checksums: %s" % counts)
    must_fail(lambda: n.check_sent_checksums([(0, good), (0, bad)], OUR_MAC, "t"),
              "a wrong UDP checksum", "t: frame 1 of qemu.pcap has a wrong UDP checksum")
    must_fail(lambda: n.check_sent_checksums([(0, bad_ip)], OUR_MAC, "t"),
              "a wrong IP checksum", "wrong IP header checksum")


def check_frames():
    d1, d2 = b"exo386 datagram 0001 ", b"exo386 datagram 0002 " + bytes(range(40))
    f1 = ipv4_frame(n.IP_PROTO_UDP, udp(4000, 7, d1), pad=60 - 42 - len(d1))  # a 60-byte minimum
    f2 = ipv4_frame(n.IP_PROTO_UDP, udp(4000, 7, d2))
    f3 = ipv4_frame(n.IP_PROTO_UDP, udp(4000, 9, d1))
    check(n.udp_payloads([f1, f2, f3], 7) == [d1, d2], "udp_payloads: the padding left out")

    syn = ipv4_frame(n.IP_PROTO_TCP, tcp(40000, 80, 0x12345678, n.TCP_SYN))
    got = n.pcap_tcp([(0.0, syn), (0.1, f1)])
    check(got == [(PEER_IP, n.GUEST_IP, 40000, 80, n.TCP_SYN, 0x12345678, 0.0)],
          "pcap_tcp: %s" % got)

    # net/testinput.c's dump: "input: OFFS  " then " hhhh" per two bytes (blanks past the end),
    # two spaces and the printable bytes.
    def dump(i, frame):
        out = ["testinput: frame %d: %d bytes" % (i, len(frame))]
        for off in range(0, len(frame), 16):
            chunk = frame[off:off + 16]
            hexes = "".join((" " if j % 2 == 0 else "") +
                            ("%02x" % chunk[j] if j < len(chunk) else "  ") for j in range(16))
            text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
            out.append("input: %04x  %s  %s" % (off, hexes, text))
        return out
    text = dump(0, f1) + ["some other line"] + dump(1, f2) + dump(2, f2)[:-1]  # the last cut
    frames = n.parse_hexdump_frames("\n".join(text) + "\n")
    check(frames == [f1, f2], "parse_hexdump_frames: %d frames" % len(frames))


def check_sockets():
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    port = lsock.getsockname()[1]
    held = []

    def serve():
        c, _ = lsock.accept()  # first: echo 5 bytes, then send 100000 and close
        c.sendall(c.recv(5))
        c.sendall(b"z" * 100000)
        c.close()
        while True:  # then: hold connections without reading
            try:
                held.append(lsock.accept()[0])
            except OSError:
                return
    threading.Thread(target=serve, daemon=True).start()
    with n.net_connect(port) as s:
        s.sendall(b"hello")
        check(n.recv_exact(s, 5) == b"hello", "recv_exact")
        check(n.recv_all(s) == b"z" * 100000, "recv_all until the close")
        check(n.recv_exact(s, 5) == b"", "recv_exact after the close")
    socks = n.flood_connections(port, 3, nbytes=1 << 22)  # more than the buffers hold
    try:
        check(len(socks) == 3, "flood_connections")
    finally:
        for s in socks:
            s.close()
        lsock.close()
        for c in held:
            c.close()


def check_listen_queue():
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)  # as QEMU's forwarder: two connections fit before it accepts
    port = lsock.getsockname()[1]
    conns = []
    try:
        check(n.listen_queue(port) == 0, "listen_queue of an idle listener: %r"
              % n.listen_queue(port))
        conns += [n.net_connect(port), n.net_connect(port)]
        check(n.listen_queue(port) == 2, "listen_queue with two connections not accepted: %r"
              % n.listen_queue(port))
        t = time.monotonic()
        threading.Timer(0.3, lambda: conns.extend(lsock.accept()[0] for _ in range(2))).start()
        conns.append(n.net_connect_paced(port, wait=5))
        took = time.monotonic() - t
        check(0.25 <= took < 1, "net_connect_paced waits for the accept, not for a SYN retry: "
              "%.2fs" % took)
        conns.append(n.net_connect_paced(port, wait=0.1))  # one waits: gives up after 0.1 s
    finally:
        lsock.close()
        for c in conns:
            c.close()
    check(n.listen_queue(port) is None, "listen_queue of a closed port: %r" % n.listen_queue(port))


def main():
    check_addresses()
    check_listen_queue()
    check_checksums()
    check_frames()
    check_sockets()
    print("gradenet: all passed")


if __name__ == "__main__":
    main()
