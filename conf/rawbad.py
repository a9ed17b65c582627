# Hostile frames for the `rawbad` test: a family per kind of fault (runts, giants, unknown
# ethertypes, VLAN tags, IPv4 header faults, fragments, ICMP/UDP/TCP header and option faults,
# a SYN burst, ARP floods and a poisoned gateway, IPv6, a broadcast storm, and segments into an
# established connection), each a function of a seeded random.Random, sent through the test
# peer (conf/rawpeer.py) with the guest's liveness checked after every chunk.  Tested by
# conf/test_rawbad.py (the `rawbad-unit` test).
"""Hostile frame families.  run_families(peer, seed) sends each family in chunks, pings the guest
after every chunk (which also paces the flood: a chunk is sent only once the guest has taken the
one before), and fails naming the family and the seed after which the guest stopped answering,
or sent a malformed frame.  family_frames(name, seed, peer) replays one family's frames exactly.
run_established(peer, seed, request) attacks a connection it opens, then sends request on it."""

import contextlib
import os
import random
import struct
import time

from gradelib import fail, TestFailure
from rawpeer import (BROADCAST, ETH_ARP, ETH_IP, ETH_IPV6, ETH_TEST, ETH_VLAN, PORTS_DYNAMIC,
                     PROTO_ICMP, PROTO_TCP, PROTO_UDP, TH_ACK, TH_FIN, TH_PSH, TH_RST, TH_SYN,
                     TH_URG, arp, check_wire_frames, eth, icmp, ipv4, tcp, tcp_opts, udp, vlan)

__all__ = ["failing_with", "FAMILIES", "family_frames", "run_families", "rawbad_seed",
           "established_frames", "run_established",
           "CHUNK_FRAMES", "CHUNK_BYTES"]

# A chunk stays well inside the guest's receive ring (128 slots) and QEMU's socket buffer.
CHUNK_FRAMES, CHUNK_BYTES = 48, 64 * 1024
ETH_QINQ = 0x88A8


class Wire:
    """The addresses a family writes frames with: ours (the gateway) and the guest's."""

    def __init__(self, peer):
        self.mac, self.ip = peer.mac, peer.ip
        self.gmac, self.gip = peer.guest_mac or BROADCAST, peer.guest_ip

    def ip4(self, proto, payload, src=None, dst=None, **kw):
        return eth(self.gmac, self.mac, ETH_IP, ipv4(src or self.ip, dst or self.gip, proto,
                                                     payload, **kw))

    def echo(self, rng, size=None):
        size = rng.randrange(0, 200) if size is None else size
        return icmp(8, 0, struct.pack("!HH", rng.randrange(1 << 16), rng.randrange(1 << 16))
                    + rng.randbytes(size))


def rand_mac(rng):
    return bytes([rng.randrange(256) & 0xfe | 0x02]) + rng.randbytes(5)   # unicast, local


def net_ip(w, rng):
    """A random host of the guest's /24, not the guest or us."""
    while True:
        ip = w.gip[:3] + bytes([rng.randrange(1, 255)])
        if ip not in (w.gip, w.ip):
            return ip


# ---- The families: each returns its frames, none empty -------------------------------------------

def fam_runts(rng, w):
    """Frames shorter than an Ethernet header, and headers with truncated IPv4/ARP after."""
    frames = [rng.randbytes(n) for n in range(1, 14)]
    for n in range(14, 60):
        etype = rng.choice((ETH_IP, ETH_ARP, ETH_VLAN, ETH_IPV6))
        frames.append(w.gmac + w.mac + struct.pack("!H", etype) + rng.randbytes(n - 14))
    return frames


def fam_giants(rng, w):
    """Frames around and past the largest (1514 bytes, 1518 tagged): the card must drop what
    does not fit a buffer, the driver what does not fit a frame."""
    frames = []
    for n in list(range(1510, 1531)) + [rng.randrange(1531, 9000) for _ in range(8)] + [16000]:
        if rng.random() < 0.5:
            frames.append(w.ip4(PROTO_ICMP, w.echo(rng, n - 14 - 20 - 8)))
        else:
            frames.append(w.gmac + w.mac + struct.pack("!H", ETH_IP) + rng.randbytes(n - 14))
    return frames


def fam_ethertypes(rng, w):
    """Ethertypes nobody here speaks (lengths under 0x600 too), to us and to broadcast."""
    known = (ETH_IP, ETH_ARP, ETH_VLAN, ETH_QINQ, ETH_IPV6)
    frames = []
    while len(frames) < 100:
        t = rng.choice((rng.randrange(0x10000), rng.randrange(0x600), ETH_TEST))
        if t not in known:
            frames.append(eth(rng.choice((w.gmac, BROADCAST)), w.mac, t,
                              rng.randbytes(rng.randrange(46, 300))))
    return frames


def fam_vlan(rng, w):
    """802.1Q and 802.1ad tags, nested, around pings and ARP requests: not for an untagged
    interface."""
    frames = []
    for _ in range(60):
        inner = rng.choice((
            (ETH_IP, ipv4(w.ip, w.gip, PROTO_ICMP, w.echo(rng))),
            (ETH_ARP, arp(1, w.mac, w.ip, b"\0" * 6, w.gip)),
            (ETH_VLAN, vlan(rng.randrange(1 << 16), ETH_IP,
                            ipv4(w.ip, w.gip, PROTO_ICMP, w.echo(rng))))))
        frames.append(eth(w.gmac, w.mac, rng.choice((ETH_VLAN, ETH_QINQ)),
                          vlan(rng.randrange(1 << 16), *inner)))
    return frames


def fam_ipv4(rng, w):
    """Every IPv4 header fault, around an echo request: version, IHL short and long, total
    length short, long, zero and past the frame, checksum, TTL 0, options of garbage, source
    and destination that are no host's, unknown protocols, the reserved flag."""
    frames = []
    for _ in range(12):
        e = w.echo(rng)
        n = len(e) + 20
        frames += [w.ip4(PROTO_ICMP, e, version=rng.choice((0, 1, 5, 6, 7, 15))),
                   w.ip4(PROTO_ICMP, e, ihl=rng.randrange(5)),
                   w.ip4(PROTO_ICMP, e, ihl=rng.randrange(6, 16)),
                   w.ip4(PROTO_ICMP, e, total=rng.randrange(20)),
                   w.ip4(PROTO_ICMP, e, total=rng.randrange(n + 1, 65536)),
                   w.ip4(PROTO_ICMP, e, total=0),
                   w.ip4(PROTO_ICMP, e, total=rng.randrange(20, n)),
                   w.ip4(PROTO_ICMP, e, sum=rng.randrange(1 << 16)),
                   w.ip4(PROTO_ICMP, e, ttl=0),
                   w.ip4(PROTO_ICMP, e, options=rng.randbytes(rng.randrange(1, 11) * 4)),
                   w.ip4(PROTO_ICMP, e, options=b"\x44\x00" + rng.randbytes(2)),  # len 0
                   w.ip4(PROTO_ICMP, e, src=rng.choice((b"\xff" * 4, b"\0" * 4, w.gip,
                                                        b"\xe0\0\0\1", b"\x7f\0\0\1"))),
                   w.ip4(PROTO_ICMP, e, dst=rng.choice((net_ip(w, rng), b"\xe0\0\0\1",
                                                        b"\x7f\0\0\1", b"\0" * 4))),
                   w.ip4(rng.choice((0, 2, 41, 47, 50, 132, 253, 255)), rng.randbytes(40)),
                   w.ip4(PROTO_ICMP, e, tos=rng.randrange(256), ident=rng.randrange(1 << 16))]
        # Options a host must accept (record route, then NOP and EOL padding) on a ping of
        # the largest size they leave room for: the answer is as large.
        rr = b"\x07\x23\x04" + b"\0" * 32 + b"\x01\x00\x00\x00\x00"
        frames.append(w.ip4(PROTO_ICMP, w.echo(rng, 1500 - 60 - 8), options=rr))
        reserved = bytearray(w.ip4(PROTO_ICMP, e))
        reserved[20] |= 0x80       # the evil bit: flags' reserved bit (checksum left stale)
        frames.append(bytes(reserved))
    return frames


def fam_fragments(rng, w):
    """Fragments: overlapping and contradicting, tiny, past 64 KB, duplicated, and first
    fragments of datagrams that never end (the guest reassembles nothing: all dropped)."""
    frames = []
    for _ in range(20):
        ident = rng.randrange(1 << 16)
        body = w.echo(rng, 600)
        frames += [w.ip4(PROTO_ICMP, body[:400], ident=ident, mf=True),
                   w.ip4(PROTO_ICMP, body[200:], ident=ident, frag=25),       # overlaps
                   w.ip4(PROTO_ICMP, rng.randbytes(300), ident=ident, frag=30),
                   w.ip4(PROTO_ICMP, body[:8], ident=ident, mf=True),         # tiny
                   w.ip4(PROTO_ICMP, body[8:], ident=ident, frag=1),
                   w.ip4(PROTO_UDP, rng.randbytes(100), ident=ident, frag=8191, mf=True),
                   w.ip4(PROTO_TCP, rng.randbytes(24), ident=ident, frag=rng.randrange(8192))]
    for i in range(200):        # endless: first fragments only, each of its own datagram
        frames.append(w.ip4(rng.choice((PROTO_ICMP, PROTO_UDP, PROTO_TCP)),
                            rng.randbytes(rng.randrange(8, 1400) // 8 * 8),
                            ident=i, mf=True))
    return frames


def fam_icmp(rng, w):
    """ICMP headers short and wrong: every type with random codes, bad checksums, lengths
    under a header, errors quoting garbage, echo requests to broadcast."""
    frames = []
    for t in range(256):
        if t % 2 == 0 or rng.random() < 0.3:
            frames.append(w.ip4(PROTO_ICMP, icmp(t, rng.randrange(256),
                                                 rng.randbytes(rng.randrange(0, 64)))))
    for _ in range(20):
        frames += [w.ip4(PROTO_ICMP, rng.randbytes(rng.randrange(1, 8))),
                   w.ip4(PROTO_ICMP, w.echo(rng), ),
                   w.ip4(PROTO_ICMP, icmp(8, 0, rng.randbytes(20), sum=rng.randrange(1 << 16))),
                   w.ip4(PROTO_ICMP, icmp(3, rng.randrange(16), ipv4(
                       w.gip, w.ip, rng.choice((PROTO_TCP, PROTO_UDP)), rng.randbytes(8)))),
                   eth(BROADCAST, w.mac, ETH_IP, ipv4(w.ip, b"\xff" * 4, PROTO_ICMP,
                                                      w.echo(rng)))]
    return frames


def fam_udp(rng, w):
    """UDP headers wrong: length zero, short, past the packet, under it; bad and absent
    checksums; to the echo port, httpd's, closed ports (an ICMP error each), port 0."""
    frames = []
    for _ in range(25):
        d = rng.randbytes(rng.randrange(0, 200))
        sp, dp = rng.randrange(1 << 16), rng.choice((7, 80, 0, rng.randrange(1 << 16)))
        good = udp(w.ip, w.gip, sp, dp, d)
        frames += [w.ip4(PROTO_UDP, udp(w.ip, w.gip, sp, dp, d, length=0)),
                   w.ip4(PROTO_UDP, udp(w.ip, w.gip, sp, dp, d, length=rng.randrange(1, 8))),
                   w.ip4(PROTO_UDP, udp(w.ip, w.gip, sp, dp, d,
                                        length=rng.randrange(len(d) + 9, 65536))),
                   w.ip4(PROTO_UDP, udp(w.ip, w.gip, sp, dp, d + b"x" * 8,
                                        length=8 + len(d))),
                   w.ip4(PROTO_UDP, good[:6] + struct.pack("!H", rng.randrange(1, 1 << 16))
                         + good[8:]),
                   w.ip4(PROTO_UDP, good[:6] + b"\0\0" + good[8:]),
                   w.ip4(PROTO_UDP, rng.randbytes(rng.randrange(1, 8))),
                   w.ip4(PROTO_UDP, good)]
    return frames


def fam_tcp(rng, w):
    """TCP headers and options wrong, to httpd's port and closed ones: data offsets under the
    header and past the segment, bad checksums, flag combinations nobody sends, options with
    length 0 or 1 (a parser that loops on them never ends), lengths past the header, MSS 0,
    window scale 255, garbage after EOL, urgent pointers past the data."""
    frames = []
    opts = [b"\x02\x00", b"\x02\x01", b"\x02\x04\x00\x00", b"\x02\x28" + b"\x05\xb4",
            b"\x03\x03\xff", b"\x03\x00", b"\x04\x02" + b"\x05\x0a" + rng.randbytes(2),
            b"\x05\x00", b"\x08\x0a" + rng.randbytes(4), b"\x00" + rng.randbytes(7),
            b"\x01" * 40, b"\xfe\x02", b"\xfe\x00", b"\x22\x01", b"\x02\x04\x05"]
    for _ in range(14):
        # Ports below the peer's own connections' (PORTS_DYNAMIC): a half-open connection left
        # behind never meets one of those.
        sp = rng.randrange(1024, PORTS_DYNAMIC)
        dp = rng.choice((80, 80, 7, rng.randrange(1 << 16)))
        seq, ack = rng.randrange(1 << 32), rng.randrange(1 << 32)
        data = rng.randbytes(rng.randrange(0, 100))

        def seg(**kw):
            return w.ip4(PROTO_TCP, tcp(w.ip, w.gip, sp, dp, kw.pop("seq", seq), ack,
                                        kw.pop("flags", TH_SYN), kw.pop("data", data), **kw))
        o = rng.choice(opts)
        frames += [seg(off=rng.randrange(5)),
                   seg(off=15),
                   seg(sum=rng.randrange(1 << 16)),
                   seg(flags=rng.randrange(256)),
                   seg(flags=TH_SYN | TH_FIN | TH_URG | TH_PSH, urg=0xffff),
                   seg(flags=TH_SYN | TH_RST),
                   seg(flags=TH_ACK | TH_URG, urg=rng.randrange(1 << 16)),
                   seg(options=o + b"\x01" * (-len(o) % 4)),
                   seg(options=tcp_opts(raw=o), flags=TH_ACK),
                   seg(options=rng.randbytes(rng.randrange(1, 11) * 4)),
                   w.ip4(PROTO_TCP, rng.randbytes(rng.randrange(1, 20)))]
    return frames


def fam_synburst(rng, w):
    """A burst of SYNs to httpd's port from ports of their own (more than the listener's
    backlog), then a reset for each: the half-open connections must all go."""
    ports = rng.sample(range(1024, PORTS_DYNAMIC), 300)
    isn = {p: rng.randrange(1 << 32) for p in ports}
    syn = [w.ip4(PROTO_TCP, tcp(w.ip, w.gip, p, 80, isn[p], 0, TH_SYN,
                                options=tcp_opts(mss=rng.randrange(64, 1461))))
           for p in ports]
    rst = [w.ip4(PROTO_TCP, tcp(w.ip, w.gip, p, 80, isn[p] + 1, 0, TH_RST)) for p in ports]
    return syn + rst


def fam_arp(rng, w):
    """An ARP flood: requests and replies from many hosts (more than the guest's ARP table
    holds), malformed ones, requests for others; then a poisoned gateway: the gateway's
    address claimed by another MAC, to the guest and to all, which our own announcement
    corrects last (a reply that then reaches a MAC of nobody is no answer)."""
    frames = []
    for _ in range(150):
        mac, ip = rand_mac(rng), net_ip(w, rng)
        frames.append(eth(rng.choice((BROADCAST, w.gmac)), mac, ETH_ARP, rng.choice((
            arp(1, mac, ip, b"\0" * 6, w.gip),
            arp(2, mac, ip, w.gmac, w.gip),
            arp(1, mac, ip, b"\0" * 6, net_ip(w, rng)),
            arp(2, mac, ip, BROADCAST, ip)))))
    for _ in range(40):
        mac, ip = rand_mac(rng), net_ip(w, rng)
        frames.append(eth(w.gmac, mac, ETH_ARP, rng.choice((
            arp(1, mac, ip, b"\0" * 6, w.gip, htype=rng.randrange(2, 1 << 16)),
            arp(1, mac, ip, b"\0" * 6, w.gip, ptype=rng.randrange(1 << 16)),
            arp(1, mac, ip, b"\0" * 6, w.gip, hlen=rng.randrange(256), plen=rng.randrange(256)),
            arp(rng.randrange(3, 1 << 16), mac, ip, b"\0" * 6, w.gip),
            arp(1, mac, ip, b"\0" * 6, w.gip)[:rng.randrange(1, 28)],
            arp(2, BROADCAST, ip, w.gmac, w.gip),
            arp(1, mac, w.gip, b"\0" * 6, w.gip)))))      # someone claims the guest's address
    for _ in range(10):     # each poisoning and its correction in one chunk (chunks())
        bogus = rand_mac(rng)
        frames.append((eth(w.gmac, bogus, ETH_ARP, arp(2, bogus, w.ip, w.gmac, w.gip)),
                       eth(BROADCAST, bogus, ETH_ARP, arp(1, bogus, w.ip, b"\0" * 6, w.ip)),
                       eth(BROADCAST, w.mac, ETH_ARP, arp(2, w.mac, w.ip, BROADCAST, w.ip))))
    return frames


def fam_ipv6(rng, w):
    """IPv6 frames (the guest speaks none): neighbour solicitations, echo requests, garbage,
    to it, to all-nodes multicast and to broadcast."""
    frames = []
    for _ in range(60):
        payload = rng.randbytes(rng.randrange(0, 120))
        hdr = struct.pack("!IHBB", 6 << 28, len(payload), rng.choice((58, 6, 17, 0, 59, 44)),
                          255) + rng.randbytes(32)
        frames.append(eth(rng.choice((w.gmac, BROADCAST, b"\x33\x33\0\0\0\1")), w.mac, ETH_IPV6,
                          rng.choice((hdr + payload, rng.randbytes(rng.randrange(1, 60))))))
    return frames


def fam_broadcast(rng, w):
    """A broadcast storm: ARP requests for everyone, datagrams to the limited and the subnet
    broadcast addresses, broadcast pings, broadcast frames of unknown types; in one burst,
    unpaced (one group: chunks() never splits it), more than four times what the receive ring
    holds."""
    frames = []
    bcast = w.gip[:3] + b"\xff"
    for _ in range(4 * 130):
        k = rng.randrange(4)
        if k == 0:
            frames.append(eth(BROADCAST, w.mac, ETH_ARP,
                              arp(1, w.mac, w.ip, b"\0" * 6, net_ip(w, rng))))
        elif k == 1:
            dst = rng.choice((b"\xff" * 4, bcast))
            frames.append(eth(BROADCAST, w.mac, ETH_IP, ipv4(
                w.ip, dst, PROTO_UDP, udp(w.ip, dst, rng.randrange(1 << 16),
                                          rng.choice((7, 67, 68, 53, 137, rng.randrange(1 << 16))),
                                          rng.randbytes(rng.randrange(0, 300))))))
        elif k == 2:
            frames.append(eth(BROADCAST, w.mac, ETH_IP, ipv4(
                w.ip, rng.choice((b"\xff" * 4, bcast)), PROTO_ICMP, w.echo(rng))))
        else:
            frames.append(eth(BROADCAST, rand_mac(rng), rng.randrange(0x600, 0x800),
                              rng.randbytes(rng.randrange(46, 200))))
    return [tuple(frames)]


# In the order they are sent.  The last two leave the guest's tables churned: the GET after
# them shows it still learns the gateway and serves.
FAMILIES = [("runts", fam_runts), ("giants", fam_giants), ("ethertypes", fam_ethertypes),
            ("vlan", fam_vlan), ("ipv4", fam_ipv4), ("fragments", fam_fragments),
            ("icmp", fam_icmp), ("udp", fam_udp), ("tcp", fam_tcp), ("synburst", fam_synburst),
            ("ipv6", fam_ipv6), ("arp", fam_arp), ("broadcast", fam_broadcast)]


def family_frames(name, seed, peer):
    """The frames family `name` sends for seed (the same seed, the same frames); an item may be
    a tuple of frames that go in one chunk."""
    fn = dict(FAMILIES)[name]
    return fn(random.Random("%s/%s" % (seed, name)), Wire(peer))


def chunks(frames):
    """frames in chunks of at most CHUNK_FRAMES frames and CHUNK_BYTES bytes; a tuple of
    frames (a family's item) is never split across two chunks."""
    chunk, size = [], 0
    for item in frames:
        group = item if isinstance(item, tuple) else (item,)
        n = sum(len(f) for f in group)
        if chunk and (len(chunk) + len(group) > CHUNK_FRAMES or size + n > CHUNK_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.extend(group)
        size += n
    if chunk:
        yield chunk


@contextlib.contextmanager
def failing_with(context):
    """A failure inside says context first (the family and seed that led to it)."""
    try:
        yield
    except TestFailure as e:
        fail("%s: %s" % (context, e))


def established_frames(rng, w, c):
    """Segments into the established connection c (rawpeer.TcpConn, nothing sent on it yet)
    that a receiver must not take into the stream, nor take as a reset: data with a bad
    checksum where the request will go, data far out of the window and before it, resets and
    SYNs not at the exact next sequence number, ACKs of data never sent, malformed options on
    empty segments, and bytes past the IP total length (Ethernet padding, not data)."""
    frames = []
    nxt, rcv = c.snd_nxt, c.rcv_nxt
    for _ in range(6):
        def seg(seq, flags, data=b"", ack=rcv, **kw):
            return w.ip4(PROTO_TCP, tcp(w.ip, w.gip, c.sport, c.dport, seq, ack, flags, data,
                                        **kw))
        junk = b"BAD " + rng.randbytes(rng.randrange(1, 60))
        frames += [seg(nxt, TH_ACK | TH_PSH, junk, sum=rng.randrange(1 << 16)),
                   seg(nxt + (1 << 31) + rng.randrange(1 << 20), TH_ACK | TH_PSH, junk),
                   seg(nxt - 70000 - rng.randrange(1 << 20), TH_ACK | TH_PSH, junk),
                   seg(nxt + 1 + rng.randrange(1000), TH_RST),
                   seg(nxt + (1 << 31), TH_RST | TH_ACK),
                   seg(rng.randrange(1 << 32), TH_SYN),
                   seg(nxt, TH_ACK, ack=rcv + 100000 + rng.randrange(1 << 20)),
                   seg(nxt, TH_ACK, off=rng.randrange(5)),
                   seg(nxt, TH_ACK, off=15),
                   seg(nxt, TH_ACK, options=rng.choice((b"\x02\x00\x00\x00", b"\x08\x01\x00\x00",
                                                        b"\x03\x03\xff\x00",
                                                        b"\x01\x01\x05\x0c" + rng.randbytes(8)))),
                   seg(nxt, TH_ACK | TH_URG, urg=rng.randrange(1, 1 << 16)),
                   seg(nxt, TH_ACK) + junk]
    return frames


def run_established(peer, seed, request, timeout=20):
    """Open a connection to the guest's port 80, send established_frames into it, then
    request on it; returns the raw answer.  Fails naming the family and seed if the guest
    reset the connection or stopped answering."""
    with failing_with("rawbad: family 'established' (seed %s; RAWBAD_SEED=%s replays it)"
                      % (seed, seed)):
        c = peer.tcp_connect(80, timeout=timeout)
        frames = established_frames(random.Random("%s/established" % seed), Wire(peer), c)
        for chunk in chunks(frames):
            for f in chunk:
                peer.send(f)
            peer.ping(timeout=timeout, resend=1)
        c.send(request, timeout=timeout)
        raw = c.recv_all(timeout=timeout)
        c.close(timeout=timeout)
    return raw


def rawbad_seed():
    """$RAWBAD_SEED (a replay), or a fresh seed; printed either way."""
    seed = os.environ.get("RAWBAD_SEED") or str(random.randrange(10 ** 9))
    print("  rawbad: seed %s (RAWBAD_SEED=%s ./grade-lab6 rawbad replays it)" % (seed, seed),
          flush=True)
    return seed


def run_families(peer, seed, names=None, ping_timeout=8, log=None):
    """Send each family (all, or those named) for seed, pinging the guest after every chunk;
    fails naming the family, the chunk and the seed after which no echo reply came.  Returns
    {family: frames sent}."""
    sent = {}
    for name, _ in FAMILIES:
        if names and name not in names:
            continue
        t0, done, heard = time.monotonic(), 0, len(peer.frames)
        frames = [f for c in chunks(family_frames(name, seed, peer)) for f in c]
        for chunk in chunks(family_frames(name, seed, peer)):
            for f in chunk:
                peer.send(f)
            done += len(chunk)
            try:
                peer.ping(timeout=ping_timeout, resend=1)
            except TestFailure as e:
                fail("rawbad: the guest stopped answering ping after family %r, frames %d-%d "
                     "of %d (seed %s; RAWBAD_SEED=%s replays it): %s"
                     % (name, done - len(chunk), done - 1, len(frames), seed, seed, e))
        with failing_with("rawbad: the guest's answers to family %r (seed %s; RAWBAD_SEED=%s "
                          "replays it)" % (name, seed, seed)):
            check_wire_frames(peer, heard)
        sent[name] = len(frames)
        if log:
            log("rawbad: %s: %d frames, then ping answered (%.2fs)"
                % (name, len(frames), time.monotonic() - t0))
    return sent
