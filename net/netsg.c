/*
 * netsg: scatter-gather transmit and TCP segmentation offload (sys_net_send_batch, struct
 * net_tx_frame in inc/ns.h; kern/e1000.h rules T1-T5).  Runs as ENV_TYPE_NS, without helpers.
 * One call queues two frames:
 *   1. a UDP datagram in three fragments from three pages: the headers and the payload's
 *      start at a page's start, the middle at an odd offset of a second page, the end at the
 *      end of a third;
 *   2. a TCP frame of NETSG_TSO_BYTES of payload over three more pages, which the card cuts
 *      into segments of NETSG_MSS bytes (the last shorter).
 * Every page is unmapped right after the call: the card's pins keep them alive until sent.
 * Both frames ask the card for their checksums (the IP field zero, the TCP/UDP field the
 * pseudo-header's sum, without the length for segmentation).  Then it waits until the card
 * holds no pin and reports the free page count with the pages mapped, and after (NETSG_PAGES
 * more: every page came back).  The grader reads the capture: the datagram's bytes, each segment's length,
 * sequence number, IP identification, flags and checksums.  It also reads this environment's
 * frame counts (env_net_tx_queued and env_net_tx_done, rule T6): both up by the two frames once
 * the card is done, and a refused frame, sent first, counted in neither.
 */

#include <inc/lib.h>
#include <inc/ns.h>

#include "netutil.h"

#define NETSG_PAGES	6
#define NETSG_VA(i)	((uint8_t *) UTEMP + (i) * PGSIZE)
#define NETSG_UDP_PORT	9		/* discard: nobody answers */
#define NETSG_TCP_PORT	9
#define NETSG_UDP_BYTES	1400		/* payload: fits one frame */
#define NETSG_TSO_BYTES	3500
#define NETSG_MSS	1000
#define NETSG_IP_ID	0x5347
#define NETSG_SEQ	0x10000000u


static struct net_info ni;

/* Payload byte j of a frame whose payload starts with tag: the tag, then a pattern. */
static uint8_t
netsg_byte(const char *tag, size_t j)
{
	size_t n = strlen(tag);

	return j < n ? tag[j] : (uint8_t) ((j * 13 + 5) & 0xFF);
}

/* The pseudo-header's sum (RFC 768/793) for src -> dst, folded, not complemented, in network
 * order: what the card expects in the checksum field.  len 0 leaves the length out. */
static uint16_t
netsg_pseudo(const struct ip_hdr *ip, uint8_t proto, uint32_t len)
{
	uint32_t sum = proto + len;
	const uint8_t *a = (const uint8_t *) &ip->src;

	for (int i = 0; i < 8; i += 2)
		sum += (a[i] << 8) | a[i + 1];
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return net_htons(sum);
}

/* Ethernet and IPv4 headers at p for an l4len-byte packet of proto; returns the IP header. */
static struct ip_hdr *
netsg_ip(uint8_t *p, uint8_t proto, uint32_t l4len)
{
	struct eth_hdr *eth = (struct eth_hdr *) p;
	struct ip_hdr *ip = (struct ip_hdr *) (eth + 1);

	memset(eth->dst, 0xFF, ETH_ALEN);
	memcpy(eth->src, ni.mac, ETH_ALEN);
	eth->type = net_htons(ETHERTYPE_IP);
	memset(ip, 0, sizeof(*ip));
	ip->vhl = 0x45;
	ip->len = net_htons(sizeof(*ip) + l4len);
	ip->id = net_htons(NETSG_IP_ID);
	ip->ttl = 64;
	ip->proto = proto;
	ip->src = net_htonl(NET_GUEST_IP);
	ip->dst = net_htonl(NET_GATEWAY_IP);
	return ip;			/* sum 0: the card computes it */
}

/* Both checksums, with the IP header at 14 and the TCP/UDP one after it. */
static struct net_tx_offload
netsg_offload(uint8_t l4_sum_field)
{
	return (struct net_tx_offload) {
		.no_flags = NET_OFFLOAD_ALL,
		.no_ipcss = ETH_HLEN,
		.no_ipcso = ETH_HLEN + offsetof(struct ip_hdr, sum),
		.no_ipcse = ETH_HLEN + sizeof(struct ip_hdr) - 1,
		.no_tucss = ETH_HLEN + sizeof(struct ip_hdr),
		.no_tucso = ETH_HLEN + sizeof(struct ip_hdr) + l4_sum_field,
	};
}

/* Fragment k of f: len bytes at off in page `page`, filled with payload bytes from pos on
 * (after the headers hdr bytes, if any, already written at the page's start). */
static void
netsg_frag(struct net_tx_frame *f, int page, size_t off, size_t hdr, size_t len,
	   const char *tag, size_t *pos)
{
	uint8_t *p = NETSG_VA(page) + off;

	for (size_t j = hdr; j < len; j++)
		p[j] = netsg_byte(tag, (*pos)++);
	f->nf_frags[f->nf_nfrags].nt_va = (uintptr_t) p;
	f->nf_frags[f->nf_nfrags++].nt_len = len;
}

void
umain(int argc, char **argv)
{
	struct net_tx_frame frames[2];
	struct mem_stat before, after;
	int r;

	binaryname = "netsg";
	if ((r = sys_net_info(&ni)) < 0)
		panic("sys_net_info: %e", r);
	for (int i = 0; i < NETSG_PAGES; i++)
		if ((r = sys_page_alloc(0, NETSG_VA(i), PTE_P | PTE_U | PTE_W)) < 0)
			panic("sys_page_alloc: %e", r);
	if ((r = sys_mem_stat(&before)) < 0)
		panic("sys_mem_stat: %e", r);
	memset(frames, 0, sizeof(frames));

	/* 1. UDP in three fragments: 42 header bytes + 300, then 700 at offset 1001, then the
	 * last 400 bytes of a page. */
	size_t pos = 0, hdr = ETH_HLEN + sizeof(struct ip_hdr) + sizeof(struct udp_hdr);
	struct ip_hdr *ip = netsg_ip(NETSG_VA(0), IP_PROTO_UDP,
				     sizeof(struct udp_hdr) + NETSG_UDP_BYTES);
	struct udp_hdr *udp = (struct udp_hdr *) (ip + 1);
	udp->sport = net_htons(4444);
	udp->dport = net_htons(NETSG_UDP_PORT);
	udp->len = net_htons(sizeof(*udp) + NETSG_UDP_BYTES);
	udp->sum = netsg_pseudo(ip, IP_PROTO_UDP, sizeof(*udp) + NETSG_UDP_BYTES);
	frames[0].nf_offload = netsg_offload(offsetof(struct udp_hdr, sum));
	netsg_frag(&frames[0], 0, 0, hdr, hdr + 300, "netsg udp ", &pos);
	netsg_frag(&frames[0], 1, 1001, 0, 700, "netsg udp ", &pos);
	netsg_frag(&frames[0], 2, PGSIZE - 400, 0, 400, "netsg udp ", &pos);
	assert(pos == NETSG_UDP_BYTES);

	/* 2. TCP, segmented by the card: 54 header bytes + 1000, then 2000, then 500 at 96. */
	pos = 0;
	hdr = ETH_HLEN + sizeof(struct ip_hdr) + sizeof(struct tcp_hdr);
	ip = netsg_ip(NETSG_VA(3), IP_PROTO_TCP, sizeof(struct tcp_hdr) + NETSG_TSO_BYTES);
	struct tcp_hdr *tcp = (struct tcp_hdr *) (ip + 1);
	memset(tcp, 0, sizeof(*tcp));
	tcp->sport = net_htons(4445);
	tcp->dport = net_htons(NETSG_TCP_PORT);
	tcp->seq = net_htonl(NETSG_SEQ);
	tcp->off = (sizeof(*tcp) / 4) << 4;
	tcp->flags = TCP_FLAG_ACK | TCP_FLAG_PSH;
	tcp->win = net_htons(8192);
	tcp->sum = netsg_pseudo(ip, IP_PROTO_TCP, 0);
	frames[1].nf_offload = netsg_offload(offsetof(struct tcp_hdr, sum));
	frames[1].nf_offload.no_flags |= NET_OFFLOAD_TSO;
	frames[1].nf_hdrlen = hdr;
	frames[1].nf_mss = NETSG_MSS;
	netsg_frag(&frames[1], 3, 0, hdr, hdr + 1000, "netsg tso ", &pos);
	netsg_frag(&frames[1], 4, 0, 0, 2000, "netsg tso ", &pos);
	netsg_frag(&frames[1], 5, 96, 0, 500, "netsg tso ", &pos);
	assert(pos == NETSG_TSO_BYTES);

	/* A frame the kernel refuses (no fragment) counts nowhere. */
	uint32_t queued0 = thisenv->env_net_tx_queued, done0 = thisenv->env_net_tx_done;
	struct net_tx_frame bad;
	memset(&bad, 0, sizeof(bad));
	if ((r = sys_net_send_batch(&bad, 1, 0)) != -E_INVAL)
		cprintf("netsg: FAIL: a frame without fragments: %e, not -E_INVAL\n", r);

	uint32_t tx_before = ni.tx_frames, doorbells = ni.tx_doorbells;
	r = sys_net_send_batch(frames, 2, 0);
	for (int i = 0; i < NETSG_PAGES; i++)
		if (sys_page_unmap(0, NETSG_VA(i)) < 0)
			panic("sys_page_unmap");
	if (r != 2)
		cprintf("netsg: FAIL: sys_net_send_batch returned %e (%d), not 2\n", r, r);

	/* The pins go when the card is done (at the next send, tick or counter query). */
	for (int tries = 0; tries < 100000; tries++) {
		if ((r = sys_net_info(&ni)) < 0)
			panic("sys_net_info: %e", r);
		if (ni.pages_pinned == 0)
			break;
		sys_yield();
	}
	if ((r = sys_mem_stat(&after)) < 0)
		panic("sys_mem_stat: %e", r);
	cprintf("netsg: sent %u frames with %u doorbell; pages pinned %u; free pages with ours %u, "
		"after %u\n", ni.tx_frames - tx_before, ni.tx_doorbells - doorbells,
		ni.pages_pinned, before.free_pages, after.free_pages);
	cprintf("netsg: this environment's frames: queued %u, done %u\n",
		thisenv->env_net_tx_queued - queued0, thisenv->env_net_tx_done - done0);
}
