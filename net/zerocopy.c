/*
 * zerocopy: the page ownership rules of kern/e1000.h under load.  Runs as ENV_TYPE_NS, without
 * helpers: pings the gateway (10.0.2.2, which QEMU's user network answers itself, even with
 * restrict=on) ZC_N times with up to ZC_WINDOW requests in flight, and checks every reply:
 * IP and ICMP checksums, identifier, sequence number (in order) and a payload that differs by
 * sequence number and length.  Each request goes out of a page that is let go of at once, in
 * three ways that earlier zero-copy designs got wrong:
 *   - a fresh page at a reused address, the frame at an odd offset, unmapped right after the
 *     send (the card must keep the page: rule T2, and the offset: rule T1);
 *   - a fresh page mapped over the previous one at the same address (rule T2);
 *   - the page of the last reply, rewritten in place into the next request and sent, after
 *     which the next sys_net_recv maps another page over it (rules T2, R2, R3).
 * At the end the free page count must equal the one at the start, once the card has released
 * every page (pages_pinned == 0): no page leaked, none freed twice (that would panic).
 */

#include <inc/lib.h>
#include <inc/ns.h>

#include "netutil.h"

#define ZC_N		1000
#define ZC_WINDOW	8
#define ZC_ID		0x5A43		/* ICMP identifier of our pings */
#define TX_VA		((uint8_t *) UTEMP)
#define RX_VA		((struct net_pkt *) (UTEMP + PGSIZE))
#define ZC_HDRS		(ETH_HLEN + sizeof(struct ip_hdr) + sizeof(struct icmp_echo))

static struct net_info ni;
static uint8_t gw_mac[ETH_ALEN];
static int zc_errors;

static void
zc_fail(const char *what, uint32_t seq)
{
	if (zc_errors++ < 10)
		cprintf("zerocopy: FAIL: %s (sequence %u)\n", what, seq);
}

/* Payload length and bytes of request seq: lengths 18..1471, so frames of every size class. */
static size_t
zc_payload_len(uint32_t seq)
{
	return 18 + (seq * 97) % (NET_FRAME_MAX - 4 - ZC_HDRS - 18);
}

static uint8_t
zc_payload_byte(uint32_t seq, size_t i)
{
	return (seq * 131 + i * 7 + (i >> 8)) & 0xFF;
}

/* Build echo request seq at frame; returns the frame length. */
static size_t
zc_build(uint8_t *frame, uint32_t seq)
{
	struct eth_hdr *eth = (struct eth_hdr *) frame;
	struct ip_hdr *ip = (struct ip_hdr *) (eth + 1);
	struct icmp_echo *icmp = (struct icmp_echo *) (ip + 1);
	uint8_t *data = (uint8_t *) (icmp + 1);
	size_t plen = zc_payload_len(seq);

	memcpy(eth->dst, gw_mac, ETH_ALEN);
	memcpy(eth->src, ni.mac, ETH_ALEN);
	eth->type = net_htons(ETHERTYPE_IP);
	memset(ip, 0, sizeof(*ip));
	ip->vhl = 0x45;
	ip->len = net_htons(sizeof(*ip) + sizeof(*icmp) + plen);
	ip->id = net_htons(seq);
	ip->ttl = 64;
	ip->proto = IP_PROTO_ICMP;
	ip->src = net_htonl(NET_GUEST_IP);
	ip->dst = net_htonl(NET_GATEWAY_IP);
	ip->sum = net_cksum(ip, sizeof(*ip));
	icmp->type = ICMP_ECHO;
	icmp->code = 0;
	icmp->sum = 0;
	icmp->id = net_htons(ZC_ID);
	icmp->seq = net_htons(seq);
	for (size_t i = 0; i < plen; i++)
		data[i] = zc_payload_byte(seq, i);
	icmp->sum = net_cksum(icmp, sizeof(*icmp) + plen);
	return ETH_HLEN + sizeof(*ip) + sizeof(*icmp) + plen;
}

/* Is this frame the echo reply to request seq, intact?  Other frames (ARP from the gateway)
 * return false without complaint; a damaged or out-of-order reply is a failure. */
static bool
zc_check(const uint8_t *frame, int len, uint32_t seq)
{
	const struct eth_hdr *eth = (const struct eth_hdr *) frame;
	const struct ip_hdr *ip = (const struct ip_hdr *) (eth + 1);
	const struct icmp_echo *icmp = (const struct icmp_echo *) (ip + 1);
	const uint8_t *data = (const uint8_t *) (icmp + 1);
	size_t plen = zc_payload_len(seq);

	if ((size_t) len < ZC_HDRS || eth->type != net_htons(ETHERTYPE_IP)
	    || ip->proto != IP_PROTO_ICMP || icmp->type != ICMP_ECHO_REPLY)
		return false;
	if (memcmp(eth->dst, ni.mac, ETH_ALEN) != 0 || ip->src != net_htonl(NET_GATEWAY_IP)
	    || ip->dst != net_htonl(NET_GUEST_IP) || icmp->id != net_htons(ZC_ID))
		zc_fail("reply addressed wrongly", seq);
	else if (net_ntohs(icmp->seq) != (seq & 0xFFFF))
		zc_fail("reply out of order", seq);
	else if (net_cksum(ip, sizeof(*ip)) != 0
		 || net_ntohs(ip->len) != sizeof(*ip) + sizeof(*icmp) + plen
		 || (size_t) len < ZC_HDRS + plen
		 || net_cksum(icmp, sizeof(*icmp) + plen) != 0)
		zc_fail("bad length or checksum", seq);
	else
		for (size_t i = 0; i < plen; i++)
			if (data[i] != zc_payload_byte(seq, i)) {
				zc_fail("payload differs", seq);
				break;
			}
	return true;
}

static void
zc_send(const void *frame, size_t len)
{
	int r = sys_net_send(frame, len, 0);
	if (r < 0)
		panic("sys_net_send: %e", r);
}

/* Send request seq from a page let go of at once (the three ways of the header comment). */
static void
zc_send_request(uint32_t seq, bool have_reply_page)
{
	int r;

	if (seq % 3 == 2 && have_reply_page) {
		/* Reuse the received page in place: the frame at np_data (NET_PKT_DATA_OFFSET). */
		size_t len = zc_build(RX_VA->np_data, seq);
		zc_send(RX_VA->np_data, len);
		return;		/* the next sys_net_recv maps another page over it */
	}
	if ((r = sys_page_alloc(0, TX_VA, PTE_P | PTE_U | PTE_W)) < 0)
		panic("sys_page_alloc: %e", r);
	size_t len = zc_payload_len(seq) + ZC_HDRS;
	size_t off = (seq % 3 == 0) ? 1 + (seq * 61) % (PGSIZE - len - 1) : 0;
	zc_build(TX_VA + off, seq);
	zc_send(TX_VA + off, len);
	if (seq % 3 == 0 && (r = sys_page_unmap(0, TX_VA)) < 0)
		panic("sys_page_unmap: %e", r);
}

static uint32_t
zc_free_pages(void)
{
	struct mem_stat st;
	int r = sys_mem_stat(&st);
	if (r < 0)
		panic("sys_mem_stat: %e", r);
	return st.free_pages;
}

static void
zc_info(void)
{
	int r = sys_net_info(&ni);
	if (r < 0)
		panic("sys_net_info: %e", r);
}

void
umain(int argc, char **argv)
{
	int r;

	binaryname = "zerocopy";
	/* Give both addresses their page table before counting, so that the count at the end
	 * differs only by what the network calls did. */
	for (uint8_t *va = TX_VA; va <= (uint8_t *) RX_VA; va += PGSIZE)
		if ((r = sys_page_alloc(0, va, PTE_P | PTE_U | PTE_W)) < 0
		    || (r = sys_page_unmap(0, va)) < 0)
			panic("sys_page_alloc/unmap: %e", r);
	zc_info();
	uint32_t free_before = zc_free_pages();
	struct net_info before = ni;

	/* The gateway's MAC, by ARP. */
	if ((r = sys_page_alloc(0, TX_VA, PTE_P | PTE_U | PTE_W)) < 0)
		panic("sys_page_alloc: %e", r);
	zc_send(TX_VA, net_arp_request(TX_VA, ni.mac, NET_GUEST_IP, NET_GATEWAY_IP));
	net_arp_await_reply(RX_VA, NET_GATEWAY_IP, gw_mac);

	uint32_t sent = 0, received = 0, other = 0;
	bool have_reply_page = false;
	while (received < ZC_N) {
		while (sent < ZC_N && sent - received < ZC_WINDOW) {
			zc_send_request(sent, have_reply_page);
			have_reply_page = false;	/* that page is now on its way out */
			sent++;
		}
		int n = sys_net_recv(RX_VA, 0);
		if (n < 0)
			panic("sys_net_recv: %e", n);
		if (RX_VA->np_len != n)
			zc_fail("np_len differs from the returned length", received);
		if (zc_check(RX_VA->np_data, n, received)) {
			received++;
			have_reply_page = true;
		} else {
			other++;
		}
	}

	/* Let go of everything, wait for the card to release its pins, count again.  The TX
	 * interrupt that releases the last pins follows the last send at once; yielding lets it
	 * in.  The bound only turns a leak into a failure instead of a hang. */
	if ((r = sys_page_unmap(0, TX_VA)) < 0 || (r = sys_page_unmap(0, RX_VA)) < 0)
		panic("sys_page_unmap: %e", r);
	int tries;
	for (tries = 0; tries < 10000; tries++) {
		zc_info();
		if (ni.pages_pinned == 0)
			break;
		sys_yield();
	}
	if (ni.pages_pinned != 0)
		zc_fail("the card still pins pages", ni.pages_pinned);
	uint32_t free_after = zc_free_pages();
	if (free_after != free_before)
		zc_fail("free page count changed", free_after - free_before);

	cprintf("zerocopy: sent %u, received %u echo replies (+%u other frames); tx_frames +%u, "
		"rx_frames +%u, tx ring full %u times\n", sent, received, other,
		ni.tx_frames - before.tx_frames, ni.rx_frames - before.rx_frames,
		ni.tx_ring_full - before.tx_ring_full);
	cprintf("zerocopy: free pages before %u, after %u; pages pinned %u\n", free_before,
		free_after, ni.pages_pinned);
	if (zc_errors == 0)
		cprintf("zerocopy: ok\n");
	else
		cprintf("zerocopy: %d errors\n", zc_errors);
}
