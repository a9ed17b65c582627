#!/usr/bin/env python3
# Tests of conf/rawbad.py (run by grade-lab6 as "rawbad-unit"), without QEMU: the families are
# replayable from their seed, never hold an empty or oversized datagram, stay in the low
# thousands, and each is what it says; chunks keep their limits and groups; run_families paces
# by ping against a fake guest, and names the family and seed after which a guest went silent.
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unitcheck import check, must_fail  # noqa: E402
import rawbad as b  # noqa: E402
import rawpeer as r  # noqa: E402
from test_rawpeer import FakeGuest, GUEST_MAC  # noqa: E402


def check_families(peer):
    total = 0
    for name, _ in b.FAMILIES:
        items = b.family_frames(name, 1, peer)
        frames = [f for c in b.chunks(items) for f in c]
        again = [f for c in b.chunks(b.family_frames(name, 1, peer)) for f in c]
        other = [f for c in b.chunks(b.family_frames(name, 2, peer)) for f in c]
        check(frames == again, "family %s: the same seed gives other frames" % name)
        check(frames != other, "family %s: seeds 1 and 2 give the same frames" % name)
        check(all(0 < len(f) <= r.WIRE_MAX for f in frames),
              "family %s: a frame of %r bytes" % (name, min(len(f) for f in frames)))
        check(20 <= len(frames) <= 700, "family %s: %d frames" % (name, len(frames)))
        total += len(frames)
        parsed = [r.parse(f) for f in frames]
        if name == "runts":
            check(all(len(f) < 60 for f in frames), "a runt of 60 bytes or more")
        elif name == "giants":
            check(min(len(f) for f in frames) >= 1510 and max(len(f) for f in frames) > 9000,
                  "giants from %d to %d bytes" % (min(map(len, frames)), max(map(len, frames))))
        elif name == "vlan":
            check(all(p.etype in (r.ETH_VLAN, b.ETH_QINQ) for p in parsed), "an untagged frame")
        elif name == "ipv6":
            check(all(p.etype == r.ETH_IPV6 for p in parsed), "a frame not IPv6")
        elif name == "ipv4":
            check(sum(p.bad is not None for p in parsed) > len(parsed) // 3,
                  "the IPv4 faults: only %d of %d frames malformed"
                  % (sum(p.bad is not None for p in parsed), len(parsed)))
        elif name == "synburst":
            syns = {p.sport: p.seq for p in parsed if p.flags == r.TH_SYN}
            rsts = {p.sport: p.seq for p in parsed if p.flags == r.TH_RST}
            check(len(syns) == len(rsts) == len(parsed) // 2 > 128, "SYNs %d, resets %d"
                  % (len(syns), len(rsts)))
            check(all(rsts[p] == (syns[p] + 1) & 0xffffffff for p in syns),
                  "a reset outside its half-open connection's window")
            wrong = [p for p in parsed if p.dport != 80 or p.bad or p.sport >= r.PORTS_DYNAMIC]
            check(not wrong, "synburst: %r" % wrong[:1])
        elif name == "arp":
            groups = [i for i in items if isinstance(i, tuple)]
            check(len(groups) == 10 and all(r.parse(g[-1]).sha == peer.mac
                                             and r.parse(g[0]).spa == peer.ip
                                             and r.parse(g[0]).sha != peer.mac
                                             for g in groups),
                  "every poisoning of the gateway is corrected in its group")
        elif name == "broadcast":
            check(all(p.dst == r.BROADCAST for p in parsed), "a storm frame not broadcast")
            check(len(list(b.chunks(items))) == 1 and len(frames) > 4 * 128,
                  "the storm is one burst of more than the receive ring holds, four times over")
    check(1500 <= total <= 3500, "the families send %d frames: not the low thousands" % total)


class Conn:
    """What established_frames reads of a rawpeer.TcpConn."""
    snd_nxt, rcv_nxt, sport, dport = 0xfffffff0, 1000, 40000, 80


def check_established(peer):
    import random
    frames = b.established_frames(random.Random(3), b.Wire(peer), Conn)
    check(60 <= len(frames) <= 100, "established: %d frames" % len(frames))
    for f in map(r.parse, frames):
        if f.proto != r.PROTO_TCP or f.sport is None:
            continue
        in_window = (f.seq - Conn.snd_nxt) & 0xffffffff < 65536
        check(not (f.flags & r.TH_RST and f.seq == Conn.snd_nxt),
              "established: a reset the guest must take: %r" % f)
        check(not (f.data and in_window and not f.bad),
              "established: data the guest must take into the stream: %r" % f)
        check(not (f.flags & r.TH_SYN and f.seq == Conn.snd_nxt), "a SYN at the next sequence")


def check_chunks():
    frames = [bytes([i]) * (100 + i) for i in range(100)]
    items = frames[:30] + [tuple(frames[30:40])] + frames[40:]
    got = list(b.chunks(items))
    check([f for c in got for f in c] == frames, "chunks lose or reorder frames")
    check(all(len(c) <= b.CHUNK_FRAMES for c in got), "a chunk of more than CHUNK_FRAMES")
    check(any(frames[30] in c and frames[39] in c for c in got), "a group split across chunks")
    big = [b"x" * 40000] * 3
    check([len(c) for c in b.chunks(big)] == [1, 1, 1], "chunks past CHUNK_BYTES")


def answer_pings(g, stop, silent_after=None, giant=False):
    """The fake guest answers each echo request, until it has seen a frame for which
    silent_after(rx) holds; with giant, a frame of 1515 bytes goes with each answer."""
    silent = False
    while not stop.is_set():
        try:
            f = g.recv(timeout=0.2)
        except OSError:
            continue
        silent = silent or bool(silent_after and silent_after(f))
        if f.itype == 8 and f.ip_dst == g.peer.guest_ip and not f.bad and not silent:
            g.send(r.eth(f.src, GUEST_MAC, r.ETH_IP,
                         r.ipv4(f.ip_dst, f.ip_src, r.PROTO_ICMP, r.icmp(0, 0, f.body))))
            if giant:
                g.send(r.eth(f.src, GUEST_MAC, r.ETH_TEST, b"x" * 1501))


def check_run():
    def tagged(f):
        return f.etype == r.ETH_VLAN and len(f.raw) >= 60     # runts carry the type too
    for silent_after, names in ((None, ["runts", "arp", "synburst"]),
                                (tagged, ["runts", "vlan", "tcp"])):
        g = FakeGuest()
        g.peer.guest_mac = GUEST_MAC
        stop = threading.Event()
        t = threading.Thread(target=answer_pings, args=(g, stop, silent_after), daemon=True)
        t.start()
        try:
            if silent_after is None:
                sent = b.run_families(g.peer, 7, names, ping_timeout=5)
                check(sent == {n: len([f for c in b.chunks(b.family_frames(n, 7, g.peer))
                                       for f in c]) for n in names},
                      "run_families' counts: %r" % sent)
            else:
                must_fail(lambda: b.run_families(g.peer, 7, names, ping_timeout=0.5),
                          "a guest silent after the VLAN frames",
                          "after family 'vlan', frames 0-47 of 60 (seed 7; RAWBAD_SEED=7")
        finally:
            stop.set()
            t.join()
            g.close()
    # A guest that answers a ping with a giant besides: the family is named.
    g = FakeGuest()
    g.peer.guest_mac = GUEST_MAC
    stop = threading.Event()
    t = threading.Thread(target=answer_pings, args=(g, stop, None, True), daemon=True)
    t.start()
    try:
        must_fail(lambda: b.run_families(g.peer, 7, ["ipv6"], ping_timeout=5),
                  "a giant from the guest", "the guest's answers to family 'ipv6' (seed 7")
    finally:
        stop.set()
        t.join()
        g.close()
    os.environ["RAWBAD_SEED"] = "4242"
    check(b.rawbad_seed() == "4242", "RAWBAD_SEED is not the seed")


def main():
    with r.Peer() as peer:
        peer.guest_mac = GUEST_MAC
        check_families(peer)
        check_established(peer)
    check_chunks()
    check_run()
    print("rawbad: all passed")


if __name__ == "__main__":
    main()
