# Helpers for grade-lab6's network tests below HTTP: the network's addresses (from
# inc/netconf.h), sockets to the guest's forwarded ports, and reading frames: testinput's hex
# dumps, a capture's UDP payloads and TCP segments, IPv4/TCP/UDP checksums.  Tested by
# conf/test_gradenet.py (the `gradenet` test).

import re
import socket
import struct
import threading
import time

from gradelib import fail
from gradesrc import c_define, c_string_define

__all__ = ["ETHERTYPE_IP", "ETHERTYPE_ARP", "ETHERTYPE_TEST", "IP_PROTO_TCP", "IP_PROTO_UDP",
           "TCP_FIN", "TCP_SYN", "TCP_RST", "TCP_ACK", "NET_UP", "net_ip", "dotted", "mac_bytes",
           "GATEWAY_IP", "GUEST_IP", "DEFAULT_MAC", "net_connect", "listen_queue",
           "net_connect_paced", "recv_all", "recv_exact", "flood_connections",
           "parse_hexdump_frames", "udp_payloads", "pcap_tcp", "inet_sum", "ipv4_checksums",
           "check_sent_checksums"]

ETHERTYPE_IP, ETHERTYPE_ARP, ETHERTYPE_TEST = 0x0800, 0x0806, 0x88B5
IP_PROTO_TCP, IP_PROTO_UDP = 6, 17
TCP_FIN, TCP_SYN, TCP_RST, TCP_ACK = 0x01, 0x02, 0x04, 0x10


# ---- Addresses -----------------------------------------------------------------------------------
# The network's facts, from their one home (inc/netconf.h).

def net_ip(name):
    """The IPv4 address #defined as NAME in inc/netconf.h, as 4 bytes."""
    return c_define("inc/netconf.h", name).to_bytes(4, "big")


def dotted(ip):
    """4 address bytes as "a.b.c.d"."""
    return ".".join(str(b) for b in ip)


def mac_bytes(mac):
    """"aa:bb:cc:dd:ee:ff" as 6 bytes."""
    return bytes(int(b, 16) for b in mac.split(":"))


GATEWAY_IP, GUEST_IP = net_ip("NET_GATEWAY_IP"), net_ip("NET_GUEST_IP")
DEFAULT_MAC = c_string_define("inc/netconf.h", "NET_DEFAULT_MAC")


# ---- Sockets to the guest ------------------------------------------------------------------------
# The guest is reached through QEMU's user network: host 127.0.0.1:PORT forwards to a guest port.

NET_UP = r"^ns: serving$"  # the network server's line once it serves its clients

def net_connect(port, timeout=20):
    """A TCP connection to 127.0.0.1:port (a port QEMU forwards to the guest)."""
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def listen_queue(port):
    """How many connections to 127.0.0.1:port the host has completed that its listener (QEMU's
    forwarder) has not accepted yet: the rx_queue of the LISTEN socket in /proc/net/tcp (for a
    listener, Linux shows its accept queue there).  None if nothing listens on the port."""
    want = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        next(f)  # the header line
        for line in f:
            fields = line.split()
            if fields[1] == want and fields[3] == "0A":     # TCP_LISTEN
                return int(fields[4].split(":")[1], 16)
    return None


def net_connect_paced(port, timeout=20, wait=2.0):
    """net_connect once the forwarder has accepted every earlier connection (waiting wait
    seconds at most).  QEMU's forwarder listens with a backlog of one: the host queues at most
    two connections it has not accepted and drops the SYN of a third, which the client sends
    again only 1 s later (then 2 s, ...).  Connections opened one after another without
    waiting met that about one in ten (httpd_soak in conf/gradehttp.py says more); this one
    finds room.  It only paces the connects: the guest still gets every one, as before."""
    deadline = time.monotonic() + wait
    while (listen_queue(port) or 0) > 0 and time.monotonic() < deadline:
        time.sleep(0.002)
    return net_connect(port, timeout)


def recv_all(s, limit=1 << 24):
    """Everything until the peer closes (at most limit bytes)."""
    chunks, total = [], 0
    while total < limit:
        data = s.recv(65536)
        if not data:
            break
        chunks.append(data)
        total += len(data)
    return b"".join(chunks)


def recv_exact(s, n):
    """n bytes from s, or fewer if the peer closes first."""
    got = b""
    while len(got) < n:
        data = s.recv(n - len(got))
        if not data:
            break
        got += data
    return got


def flood_connections(port, conns, nbytes=1 << 18):
    """conns connections to port (paced: net_connect_paced), each sending nbytes in a thread of
    its own (a guest that never reads them blocks the sends, which end with the connection).
    The caller closes them."""
    def send(s):
        try:
            s.sendall(b"x" * nbytes)
        except OSError:
            pass
    socks = []
    for _ in range(conns):
        s = net_connect_paced(port)
        threading.Thread(target=send, args=(s,), daemon=True).start()
        socks.append(s)
    return socks


# ---- Frames --------------------------------------------------------------------------------------

def parse_hexdump_frames(text):
    """testinput's frames: 'testinput: frame N: LEN bytes' followed by LEN bytes as
    'input: OFFS   hhhh hhhh ...  ascii' lines.  Returns the complete frames, in order."""
    frames = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = re.fullmatch(r"testinput: frame \d+: (\d+) bytes", line)
        if not m:
            continue
        length, data = int(m.group(1)), b""
        for dump in lines[i + 1:i + 1 + (length + 15) // 16]:
            h = re.fullmatch(r"input: ([0-9a-f]{4})  (.{40})  .*", dump)
            if not h or int(h.group(1), 16) != len(data):
                break
            data += bytes.fromhex(h.group(2).replace(" ", ""))
        if len(data) == length:
            frames.append(data)
    return frames


def udp_payloads(frames, dport):
    """Payloads of the IPv4 UDP datagrams to dport among frames (Ethernet padding removed)."""
    out = []
    for f in frames:
        if len(f) < 42 or struct.unpack("!H", f[12:14])[0] != ETHERTYPE_IP or f[23] != 17:
            continue
        ihl = (f[14] & 0xF) * 4
        total = struct.unpack("!H", f[16:18])[0]
        udp = f[14 + ihl:14 + total]
        if len(udp) >= 8 and struct.unpack("!H", udp[2:4])[0] == dport:
            out.append(udp[8:])
    return out


def pcap_tcp(frames):
    """(src ip, dst ip, src port, dst port, flags, seq, time) of the IPv4 TCP frames of a
    capture (read_pcap's (time, frame) pairs; QEMU dates them by the host's wall clock)."""
    out = []
    for when, f in frames:
        if len(f) < 34 or f[12:14] != b"\x08\x00" or f[23] != 6:
            continue
        ihl = (f[14] & 0xf) * 4
        t = f[14 + ihl:]
        if len(t) < 14:
            continue
        out.append((f[26:30], f[30:34], int.from_bytes(t[0:2], "big"),
                    int.from_bytes(t[2:4], "big"), t[13], int.from_bytes(t[4:8], "big"),
                    when))
    return out


# ---- Checksums -----------------------------------------------------------------------------------

def inet_sum(data):
    """The one's complement sum of data as big-endian 16-bit words (an odd last byte padded),
    folded: 0xffff over a span whose checksum field is right."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return total


def ipv4_checksums(f):
    """(proto, IP header checksum right, TCP/UDP checksum right or None for other protocols and
    fragments, L4 payload) of the IPv4 frame f; None if f is not a whole IPv4 packet."""
    if len(f) < 34 or f[12:14] != b"\x08\x00" or f[14] >> 4 != 4:
        return None
    ihl, tot = (f[14] & 0xf) * 4, int.from_bytes(f[16:18], "big")
    if ihl < 20 or tot < ihl or 14 + tot > len(f):
        return None
    ip = f[14:14 + tot]
    proto, l4 = ip[9], ip[ihl:tot]
    ip_ok = inet_sum(ip[:ihl]) == 0xffff
    if proto not in (IP_PROTO_TCP, IP_PROTO_UDP) or int.from_bytes(ip[6:8], "big") & 0x3fff:
        return proto, ip_ok, None, l4
    if proto == IP_PROTO_UDP and len(l4) >= 8 and l4[6:8] == b"\0\0":
        return proto, ip_ok, False, l4  # "no checksum": the card must have put one in
    pseudo = ip[12:20] + struct.pack("!BBH", 0, proto, len(l4))
    return proto, ip_ok, inet_sum(pseudo + l4) == 0xffff, l4


def check_sent_checksums(frames, mac, what):
    """Every IPv4 frame our MAC sent in the capture carries right checksums.  Returns how
    many TCP/UDP frames it checked, by protocol."""
    counts = {IP_PROTO_TCP: 0, IP_PROTO_UDP: 0}
    for i, (_, f) in enumerate(frames):
        c = ipv4_checksums(f) if f[6:12] == mac else None
        if c is None:
            continue
        proto, ip_ok, l4_ok, _ = c
        if not ip_ok:
            fail("%s: frame %d of qemu.pcap (protocol %d) has a wrong IP header checksum"
                 % (what, i, proto))
        if l4_ok is False:
            fail("%s: frame %d of qemu.pcap has a wrong %s checksum" %
                 (what, i, "TCP" if proto == IP_PROTO_TCP else "UDP"))
        if l4_ok:
            counts[proto] += 1
    return counts
