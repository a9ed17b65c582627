/*
 * csumoffload: transmit checksum offload (sys_net_send with NET_TX_OFFLOAD, struct
 * net_tx_offload in inc/ns.h; kern/e1000.h rule T5).  Runs as ENV_TYPE_NS, without helpers.
 *   1. Bad requests are refused with -E_INVAL and change nothing: buf not at a packet page's
 *      np_data, unknown flags, a range or checksum field past the frame, a field outside its
 *      range.
 *   2. CO_N frames go out with offload, in turn UDP, TCP, ICMP (IP header only), UDP with IP
 *      options, and a plain frame (no offload, checksums computed here) between them, so the
 *      kernel writes a new context some times and reuses the card's at others, and plain
 *      frames pass the context untouched.  Each offloaded frame leaves its IP checksum field 0
 *      and its TCP/UDP one holding only the pseudo-header's sum: the checksums in the capture
 *      are right only if the card computed them (the grader checks them in qemu.pcap; each
 *      frame carries "csumoffload N" to be counted).
 *   3. An ICMP echo request to the gateway with the IP checksum offloaded is answered: QEMU's
 *      user network drops IP packets whose header checksum is wrong.
 */

#include <inc/lib.h>
#include <inc/ns.h>

#include "netutil.h"

#define CO_N		200		/* offloaded frames: more than the TX ring (64) */
#define CO_ID		0x4353		/* ICMP identifier of our ping */
#define CO_UDP_PORT	9		/* discard: nobody answers */
#define CO_TCP_PORT	9
#define IP_OPT_NOP	1		/* RFC 791: the no-operation option */
#define PKT_VA		((struct net_pkt *) UTEMP)
#define RX_VA		((struct net_pkt *) (UTEMP + PGSIZE))


static struct net_info ni;
static uint8_t gw_mac[ETH_ALEN];
static int co_errors, co_refused;

static void
co_fail(const char *what, int i, int r)
{
	if (co_errors++ < 10)
		cprintf("csumoffload: FAIL: %s (%d: %e)\n", what, i, r);
}

static void
co_info(void)
{
	int r = sys_net_info(&ni);
	if (r < 0)
		panic("sys_net_info: %e", r);
}

/* The one's complement sum of n bytes at p as big-endian 16-bit words, folded, not
 * complemented (an odd last byte counts as its word's high half). */
static uint16_t
co_sum(const void *p, size_t n, uint32_t sum)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i += 2)
		sum += (b[i] << 8) | (i + 1 < n ? b[i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return sum;
}

/* The IP header at ip: ihl bytes (20 or 24: one word of NOP options), total tot bytes. */
static void
co_ip(struct ip_hdr *ip, size_t ihl, size_t tot, uint8_t proto, uint16_t id, uint32_t dst)
{
	memset(ip, 0, ihl);
	ip->vhl = 0x40 | (ihl / 4);
	ip->len = net_htons(tot);
	ip->id = net_htons(id);
	ip->ttl = 64;
	ip->proto = proto;
	ip->src = net_htonl(NET_GUEST_IP);
	ip->dst = net_htonl(dst);
	memset((uint8_t *) ip + sizeof(*ip), IP_OPT_NOP, ihl - sizeof(*ip));
}

/* The pseudo-header's sum (RFC 793/768) for l4len bytes of proto after ip. */
static uint16_t
co_pseudo(const struct ip_hdr *ip, uint8_t proto, size_t l4len)
{
	return co_sum(&ip->src, 2 * sizeof(ip->src), proto + l4len);
}

/* Frame i (0 <= i < CO_N) at f: an IPv4 UDP or TCP segment to the gateway, IP options in
 * some; its payload "csumoffload i" padded to an odd or even length.  Fills *o for the card to
 * compute both checksums, or, if plain, computes them here.  Returns the frame length. */
static size_t
co_build(uint8_t *f, int i, struct net_tx_offload *o, bool plain)
{
	struct eth_hdr *eth = (struct eth_hdr *) f;
	size_t ihl = (i % 4 == 3) ? sizeof(struct ip_hdr) + 4 : sizeof(struct ip_hdr);
	struct ip_hdr *ip = (struct ip_hdr *) (eth + 1);
	uint8_t *l4 = (uint8_t *) ip + ihl;
	bool tcp = (i % 4 == 1);
	size_t hlen = tcp ? TCP_HLEN : sizeof(struct udp_hdr);
	size_t plen = 21 + (i * 37) % 1200;	/* odd and even, room for the text */
	size_t l4len = hlen + plen;
	size_t csum_at = tcp ? offsetof(struct tcp_hdr, sum) : offsetof(struct udp_hdr, sum);

	memcpy(eth->dst, gw_mac, ETH_ALEN);
	memcpy(eth->src, ni.mac, ETH_ALEN);
	eth->type = net_htons(ETHERTYPE_IP);
	co_ip(ip, ihl, ihl + l4len, tcp ? IP_PROTO_TCP : IP_PROTO_UDP, i, NET_GATEWAY_IP);
	memset(l4, 0, hlen);
	if (tcp) {
		struct tcp_hdr *t = (struct tcp_hdr *) l4;
		t->sport = net_htons(40000 + i);
		t->dport = net_htons(CO_TCP_PORT);
		t->seq = net_htonl(i);
		t->off = (TCP_HLEN / 4) << 4;
		t->flags = TCP_FLAG_ACK;
		t->win = net_htons(1024);
	} else {
		struct udp_hdr *u = (struct udp_hdr *) l4;
		u->sport = net_htons(40000 + i);
		u->dport = net_htons(CO_UDP_PORT);
		u->len = net_htons(l4len);
	}
	memset(l4 + hlen, 'x', plen);
	snprintf((char *) l4 + hlen, plen, "csumoffload %d", i);
	l4[hlen + plen - 1] = 'x';	/* over snprintf's NUL */

	/* The field holds the pseudo-header's sum: summing the segment from its start then
	 * covers both, which is what the card does (it adds no pseudo-header itself). */
	uint8_t *field = l4 + csum_at;
	uint16_t ph = co_pseudo(ip, ip->proto, l4len);
	field[0] = ph >> 8;
	field[1] = ph & 0xFF;
	memset(o, 0, sizeof(*o));
	if (plain) {
		ip->sum = net_cksum(ip, ihl);
		uint16_t s = ~co_sum(l4, l4len, 0);
		if (s == 0 && !tcp)
			s = 0xFFFF;	/* RFC 768: 0 would mean "no checksum" */
		field[0] = s >> 8;
		field[1] = s & 0xFF;
		return ETH_HLEN + ihl + l4len;
	}
	o->no_flags = NET_OFFLOAD_IP | NET_OFFLOAD_L4;
	o->no_ipcss = ETH_HLEN;
	o->no_ipcso = ETH_HLEN + offsetof(struct ip_hdr, sum);
	o->no_ipcse = ETH_HLEN + ihl - 1;
	o->no_tucss = l4 - f;
	o->no_tucso = field - f;
	return ETH_HLEN + ihl + l4len;
}

/* An ICMP echo request to the gateway at f, its IP checksum left to the card. */
static size_t
co_build_ping(uint8_t *f, struct net_tx_offload *o)
{
	struct eth_hdr *eth = (struct eth_hdr *) f;
	struct ip_hdr *ip = (struct ip_hdr *) (eth + 1);
	struct icmp_echo *icmp = (struct icmp_echo *) (ip + 1);
	size_t plen = 32;

	memcpy(eth->dst, gw_mac, ETH_ALEN);
	memcpy(eth->src, ni.mac, ETH_ALEN);
	eth->type = net_htons(ETHERTYPE_IP);
	co_ip(ip, sizeof(*ip), sizeof(*ip) + sizeof(*icmp) + plen, IP_PROTO_ICMP, 0xC0DE,
	      NET_GATEWAY_IP);
	memset(icmp, 0, sizeof(*icmp));
	icmp->type = ICMP_ECHO;
	icmp->id = net_htons(CO_ID);
	icmp->seq = net_htons(1);
	memset(icmp + 1, 'p', plen);
	icmp->sum = net_cksum(icmp, sizeof(*icmp) + plen);
	memset(o, 0, sizeof(*o));
	o->no_flags = NET_OFFLOAD_IP;
	o->no_ipcss = ETH_HLEN;
	o->no_ipcso = ETH_HLEN + offsetof(struct ip_hdr, sum);
	o->no_ipcse = ETH_HLEN + sizeof(*ip) - 1;
	return ETH_HLEN + sizeof(*ip) + sizeof(*icmp) + plen;
}

/* Send the frame in PKT_VA with its np_offload; a fresh page each time, as the card may still
 * read the last one (kern/e1000.h, rule T3). */
static int
co_send(size_t len, int flags)
{
	return sys_net_send(PKT_VA->np_data, len, flags);
}

static void
co_fresh_page(void)
{
	int r = sys_page_alloc(0, PKT_VA, PTE_P | PTE_U | PTE_W);
	if (r < 0)
		panic("sys_page_alloc: %e", r);
}

/* One bad request: refused with -E_INVAL, no frame queued, no page pinned. */
static void
co_bad(const char *what, const uint8_t *buf, size_t len, const struct net_tx_offload *o)
{
	co_info();
	struct net_info before = ni;
	PKT_VA->np_offload = *o;
	int r = sys_net_send(buf, len, NET_TX_OFFLOAD);
	co_info();
	if (r != -E_INVAL)
		co_fail(what, -1, r);
	else if (ni.tx_frames != before.tx_frames || ni.pages_pinned != before.pages_pinned)
		co_fail(what, -2, r);
	else
		co_refused++;
	cprintf("csumoffload: bad request (%s): %e\n", what, r);
}

static void
co_bad_requests(void)
{
	struct net_tx_offload good, o;

	co_fresh_page();
	size_t len = co_build(PKT_VA->np_data, 0, &good, false);
	uint8_t *f = PKT_VA->np_data;

	o = good;
	co_bad("buf not at np_data", f + 1, len - 1, &o);
	co_bad("buf at the page start", (uint8_t *) PKT_VA, len, &o);
	o.no_flags |= 0x4;
	co_bad("unknown offload flag", f, len, &o);
	o = good;
	o.no_ipcse = len;
	co_bad("IP range past the frame", f, len, &o);
	o.no_ipcse = 0xFFFF;
	co_bad("IP range far past the frame", f, len, &o);
	o = good;
	o.no_ipcso = o.no_ipcse;
	co_bad("IP checksum field crosses its range's end", f, len, &o);
	o.no_ipcso = o.no_ipcss - 1;
	co_bad("IP checksum field before its range", f, len, &o);
	o = good;
	o.no_tucso = 60 - 1;
	co_bad("TCP/UDP checksum field crosses the frame's end", f, 60, &o);
	o.no_tucso = 200;
	co_bad("TCP/UDP checksum field past the frame", f, 60, &o);
	o = good;
	o.no_tucso = o.no_tucss - 1;
	co_bad("TCP/UDP checksum field before its range", f, len, &o);
	o = good;
	o.no_tucss = 100;
	o.no_tucso = 102;
	co_bad("TCP/UDP range starting past the frame", f, 60, &o);
}

/* The gateway's MAC, by ARP. */
static void
co_arp(void)
{
	co_fresh_page();
	int r = sys_net_send(PKT_VA->np_data, net_arp_request(PKT_VA->np_data, ni.mac,
							      NET_GUEST_IP, NET_GATEWAY_IP), 0);
	if (r < 0)
		panic("sys_net_send: %e", r);
	net_arp_await_reply(RX_VA, NET_GATEWAY_IP, gw_mac);
}

/* Is the frame at f (n bytes) our ping's reply? */
static bool
co_is_reply(const uint8_t *f, int n)
{
	const struct eth_hdr *eth = (const struct eth_hdr *) f;
	const struct ip_hdr *ip = (const struct ip_hdr *) (eth + 1);
	const struct icmp_echo *icmp = (const struct icmp_echo *) (ip + 1);

	return (size_t) n >= ETH_HLEN + sizeof(*ip) + sizeof(*icmp)
		&& eth->type == net_htons(ETHERTYPE_IP) && ip->proto == IP_PROTO_ICMP
		&& icmp->type == ICMP_ECHO_REPLY && icmp->id == net_htons(CO_ID);
}

void
umain(int argc, char **argv)
{
	int r, plain = 0;

	binaryname = "csumoffload";
	co_info();
	co_arp();
	co_bad_requests();

	for (int i = 0; i < CO_N; i++) {
		bool is_plain = (i % 5 == 4);
		co_fresh_page();
		size_t len = co_build(PKT_VA->np_data, i, &PKT_VA->np_offload, is_plain);
		plain += is_plain;
		if ((r = co_send(len, is_plain ? 0 : NET_TX_OFFLOAD)) < 0)
			co_fail("send", i, r);
	}

	co_fresh_page();
	size_t len = co_build_ping(PKT_VA->np_data, &PKT_VA->np_offload);
	if ((r = co_send(len, NET_TX_OFFLOAD)) < 0)
		co_fail("send ping", 0, r);
	uint32_t start = sys_time_msec();
	bool answered = false;
	while (!answered && sys_time_msec() - start < 5000) {
		int n = sys_net_recv(RX_VA, NET_NONBLOCK);
		if (n == -E_AGAIN)
			sys_yield();
		else if (n < 0)
			panic("sys_net_recv: %e", n);
		else
			answered = co_is_reply(RX_VA->np_data, n);
	}
	if (!answered)
		co_fail("no answer to the ping whose IP checksum the card computed", 0, 0);

	for (int tries = 0; tries < 10000 && (co_info(), ni.pages_pinned) != 0; tries++)
		sys_yield();
	cprintf("csumoffload: %d bad requests refused; sent %d frames with offload, %d plain; "
		"ping answered %s; pages pinned %u\n", co_refused, CO_N - plain, plain,
		answered ? "yes" : "no", ni.pages_pinned);
	if (co_errors == 0)
		cprintf("csumoffload: ok\n");
	else
		cprintf("csumoffload: %d errors\n", co_errors);
}
