# Services the test peer (conf/rawpeer.py) runs for the guest: a DHCP server (RFC 2131/2132) and
# a DNS server (RFC 1035) answering A records from a table, each a handler of peer.serve_udp,
# and the packets they speak, built and parsed here.  Tested by conf/test_peerserv.py (the
# `peerserv-unit` test).  Python's standard library only.
"""DHCP and DNS servers for the test peer.

    dhcp = DhcpServer(peer, offer=bytes([10, 0, 2, 77]), dns=bytes([10, 0, 2, 53]))
    dhcp.silent = True                  # ignores every request until set back
    dns = DnsServer(peer, {"www.exo.test": GUEST_IP, "down.exo.test": None})
    dns.silent = True                   # answers nothing

The DHCP server offers one address (DISCOVER -> OFFER), acknowledges a REQUEST for it (ACK,
with subnet mask, router, DNS server, lease time and server identifier) and refuses one for
any other address (NAK); on the ACK the peer talks to the guest at that address (peer.guest_ip).
The DNS server answers a query for a name of its table with the name's A record (case does not
matter, a trailing dot neither), a name whose address is None with SERVFAIL, and any other name
with NXDOMAIN; names in dns.garbage get malformed replies first (dns_garbage: what lwIP must
ignore), then their answer.  A query it cannot parse gets nothing; every query is in
dns.queries, every DHCP message type received in dhcp.received.
"""

import contextlib
import struct

from rawpeer import DNS_IP, on_wire, wire_peer

__all__ = ["DhcpServer", "DnsServer", "on_wire_with", "dhcp_packet", "dhcp_parse", "dns_query", "dns_parse",
           "dns_answer", "dns_garbage", "DHCP_DISCOVER", "DHCP_OFFER", "DHCP_REQUEST",
           "DHCP_DECLINE", "DHCP_ACK", "DHCP_NAK", "DHCP_RELEASE", "RCODE_OK",
           "RCODE_SERVFAIL", "RCODE_NXDOMAIN"]

# ---- DHCP ------------------------------------------------------------------------------------------
DHCP_SERVER_PORT, DHCP_CLIENT_PORT = 67, 68
DHCP_MAGIC = b"\x63\x82\x53\x63"
BOOTREQUEST, BOOTREPLY = 1, 2
DHCP_DISCOVER, DHCP_OFFER, DHCP_REQUEST, DHCP_DECLINE, DHCP_ACK, DHCP_NAK, DHCP_RELEASE = \
    1, 2, 3, 4, 5, 6, 7
OPT_PAD, OPT_MASK, OPT_ROUTER, OPT_DNS, OPT_REQUESTED, OPT_LEASE, OPT_TYPE, OPT_SERVER_ID, \
    OPT_END = 0, 1, 3, 6, 50, 51, 53, 54, 255
DHCP_FIXED = 236        # op .. file: the BOOTP part before the magic cookie


def dhcp_packet(op, xid, chaddr, options, *, ciaddr=b"\0" * 4, yiaddr=b"\0" * 4,
                siaddr=b"\0" * 4, flags=0):
    """A DHCP message: the BOOTP fields, the magic cookie, options (a list of (code, bytes)
    pairs, in order) and the end option."""
    fixed = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, 1, 6, 0, xid, 0, flags, ciaddr,
                        yiaddr, siaddr, b"\0" * 4, chaddr.ljust(16, b"\0"), b"", b"")
    opts = b"".join(struct.pack("!BB", code, len(v)) + v for code, v in options)
    return fixed + DHCP_MAGIC + opts + bytes([OPT_END])


def dhcp_parse(data):
    """A DHCP message as a dict: op, xid, flags, ciaddr, yiaddr, chaddr (the 6-byte MAC) and
    options ({code: bytes}); None if it is not one (too short, no magic cookie, an option
    running past the end)."""
    if len(data) < DHCP_FIXED + 4 or data[DHCP_FIXED:DHCP_FIXED + 4] != DHCP_MAGIC:
        return None
    op, _, hlen, _, xid, _, flags, ciaddr, yiaddr = struct.unpack("!BBBBIHH4s4s", data[:20])
    if hlen != 6:
        return None
    opts, i = {}, DHCP_FIXED + 4
    while i < len(data) and data[i] != OPT_END:
        if data[i] == OPT_PAD:
            i += 1
            continue
        if i + 2 > len(data) or i + 2 + data[i + 1] > len(data):
            return None
        opts[data[i]] = data[i + 2:i + 2 + data[i + 1]]
        i += 2 + data[i + 1]
    return {"op": op, "xid": xid, "flags": flags, "ciaddr": ciaddr, "yiaddr": yiaddr,
            "chaddr": data[28:34], "options": opts}


class DhcpServer:
    """The peer's DHCP server (module docstring); serves at once (peer.serve_udp)."""

    def __init__(self, peer, offer, *, mask=b"\xff\xff\xff\x00", router=None, dns=DNS_IP,
                 lease=3600):
        self.peer, self.offer, self.mask, self.lease = peer, offer, mask, lease
        self.router, self.dns, self.server_id = router or peer.ip, dns, peer.ip
        self.silent = False
        self.received = []      # the message type of every request, in order
        self.acked = None       # the address acknowledged last
        peer.addresses.add(dns)
        peer.serve_udp(DHCP_SERVER_PORT, self.handle, broadcast=True)

    def reply(self, req, kind):
        opts = [(OPT_TYPE, bytes([kind])), (OPT_SERVER_ID, self.server_id)]
        if kind != DHCP_NAK:
            opts += [(OPT_LEASE, struct.pack("!I", self.lease)), (OPT_MASK, self.mask),
                     (OPT_ROUTER, self.router), (OPT_DNS, self.dns)]
        return dhcp_packet(BOOTREPLY, req["xid"], req["chaddr"], opts, flags=req["flags"],
                           ciaddr=req["ciaddr"],
                           yiaddr=self.offer if kind != DHCP_NAK else b"\0" * 4)

    def handle(self, peer, rx):
        req = dhcp_parse(rx.data or b"")
        if req is None or req["op"] != BOOTREQUEST or len(req["options"].get(OPT_TYPE, b"")) != 1:
            return None
        kind = req["options"][OPT_TYPE][0]
        self.received.append(kind)
        if self.silent:
            return None
        if kind == DHCP_DISCOVER:
            return self.reply(req, DHCP_OFFER)
        if kind != DHCP_REQUEST:
            return None     # DECLINE, RELEASE, INFORM: nothing to answer here
        server = req["options"].get(OPT_SERVER_ID)
        if server is not None and server != self.server_id:
            return None     # the client chose another server's offer
        wanted = req["options"].get(OPT_REQUESTED, req["ciaddr"])
        if wanted != self.offer:
            return self.reply(req, DHCP_NAK)
        self.acked = self.offer
        peer.guest_ip, peer.guest_mac = self.offer, req["chaddr"]
        return self.reply(req, DHCP_ACK)


# ---- DNS -------------------------------------------------------------------------------------------
DNS_PORT = 53
RCODE_OK, RCODE_SERVFAIL, RCODE_NXDOMAIN = 0, 2, 3
QTYPE_A, QCLASS_IN = 1, 1
DNS_QR, DNS_RD, DNS_RA = 0x8000, 0x0100, 0x0080


def dns_name(name):
    """name in the wire's form: length-prefixed labels, then a zero byte."""
    out = b""
    for label in name.rstrip(".").split(".") if name.strip(".") else []:
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_query(ident, name, qtype=QTYPE_A, flags=DNS_RD):
    return struct.pack("!HHHHHH", ident, flags, 1, 0, 0, 0) + dns_name(name) + \
        struct.pack("!HH", qtype, QCLASS_IN)


def dns_parse(data):
    """A query as a dict: id, flags, name (text, lower case, no trailing dot), qtype, qclass and
    question (its bytes, name and type and class, for the answer); None if it is not one query
    of one question with plain labels (no compression in a question)."""
    if len(data) < 12:
        return None
    ident, flags, qd = struct.unpack("!HHH", data[:6])
    if flags & DNS_QR or qd != 1:
        return None
    labels, i = [], 12
    while True:
        if i >= len(data) or data[i] & 0xc0:
            return None
        n = data[i]
        i += 1
        if n == 0:
            break
        if i + n > len(data):
            return None
        labels.append(data[i:i + n].decode("latin-1"))
        i += n
    if i + 4 > len(data):
        return None
    qtype, qclass = struct.unpack("!HH", data[i:i + 4])
    return {"id": ident, "flags": flags, "name": ".".join(labels).lower(), "qtype": qtype,
            "qclass": qclass, "question": data[12:i + 4]}


def dns_answer(q, rcode, addr=None, ttl=60):
    """The reply to query q (dns_parse's dict): rcode, and an A record for addr if given (its
    name a pointer to the question's)."""
    flags = DNS_QR | DNS_RA | (q["flags"] & DNS_RD) | rcode
    answer = b""
    if addr is not None:
        answer = struct.pack("!HHHIH", 0xc00c, QTYPE_A, QCLASS_IN, ttl, 4) + addr
    return struct.pack("!HHHHHH", q["id"], flags, 1, 1 if answer else 0, 0, 0) + \
        q["question"] + answer


def dns_garbage(q, addr):
    """Malformed or misdirected replies to query q that a resolver must ignore, not take for an
    answer nor for a failure: (description, payload) pairs."""
    good = dns_answer(q, RCODE_OK, addr)
    hdr = lambda ident, flags, qd, an: struct.pack("!HHHHHH", ident, flags, qd, an, 0, 0)  # noqa
    return [
        ("shorter than a header", good[:7]),
        ("a header without its question", hdr(q["id"], DNS_QR, 1, 1)),
        ("another id", struct.pack("!H", q["id"] ^ 0x5a5a) + good[2:]),
        ("not a response", struct.pack("!HH", q["id"], 0) + good[4:]),
        ("two questions", hdr(q["id"], DNS_QR, 2, 1) + good[12:]),
        ("another name asked", dns_answer(dict(q, question=dns_name("other.exo.test")
                                               + q["question"][-4:]), RCODE_OK, addr)),
        ("a question that points at itself", hdr(q["id"], DNS_QR, 1, 1)
         + b"\xc0\x0c" + q["question"][-4:]),
        ("a question cut short", hdr(q["id"], DNS_QR, 1, 0) + q["question"][:3]),
        ("five answers announced, half of one sent", hdr(q["id"], DNS_QR, 1, 5)
         + q["question"] + good[len(good) - 16:len(good) - 8]),
    ]


class DnsServer:
    """The peer's DNS server on the address the guest asks (DNS_IP, or one added to
    peer.addresses): records maps a name to its address (4 bytes) or None (SERVFAIL)."""

    def __init__(self, peer, records, *, ttl=60):
        self.peer, self.ttl = peer, ttl
        self.records = {k.lower().rstrip("."): v for k, v in records.items()}
        self.silent = False
        self.garbage = set()    # names answered by dns_garbage's replies before their answer
        self.queries = []       # the names asked, in order (lower case)
        peer.serve_udp(DNS_PORT, self.handle)

    def answer(self, q):
        if q["name"] not in self.records:
            return dns_answer(q, RCODE_NXDOMAIN)
        addr = self.records[q["name"]]
        if addr is None:
            return dns_answer(q, RCODE_SERVFAIL)
        if q["qtype"] != QTYPE_A or q["qclass"] != QCLASS_IN:
            return dns_answer(q, RCODE_OK)      # the name exists, without such a record
        return dns_answer(q, RCODE_OK, addr, self.ttl)

    def handle(self, peer, rx):
        q = dns_parse(rx.data or b"")
        if q is None:
            return None
        self.queries.append(q["name"])
        if self.silent:
            return None
        reply = self.answer(q)
        if q["name"] in self.garbage:
            for _, junk in dns_garbage(q, b"\x06\x06\x06\x06"):
                peer.send_udp(rx.ip_src, DNS_PORT, rx.sport, junk, src=rx.ip_dst,
                              dst_mac=rx.src)
            # The right answer from the wrong address (RFC 5452: ignored).
            other = next(a for a in sorted(peer.addresses) if a != rx.ip_dst)
            peer.send_udp(rx.ip_src, DNS_PORT, rx.sport, dns_answer(q, RCODE_OK, b"\6\6\6\6"),
                          src=other, dst_mac=rx.src)
        return reply


# ---- In a grader test ------------------------------------------------------------------------------

def on_wire_with(setup, make_args=()):
    """A test's context= like rawpeer's on_wire, whose peer first runs setup(peer) (to start
    its services, which must answer from the guest's first frame on), the boot getting
    make_args besides the wire's."""
    @contextlib.contextmanager
    def context():
        with on_wire() as args:
            setup(wire_peer())
            yield list(args) + list(make_args)
    return context
