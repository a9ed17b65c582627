/* Ethernet, ARP, IPv4, ICMP and UDP headers and helpers for the network test programs and
 * helpers in net/ (the network server uses lwIP's own).  Header-only: static inline. */
#ifndef NET_NETUTIL_H
#define NET_NETUTIL_H

#include <inc/lib.h>		/* sys_net_recv */
#include <inc/ns.h>		/* struct net_pkt */
#include <inc/netconf.h>

#define ETH_ALEN	6
#define ETH_HLEN	NET_ETH_HLEN
#define ETHERTYPE_IP	0x0800
#define ETHERTYPE_ARP	0x0806
#define ETHERTYPE_TEST	0x88B5	/* IEEE 802 "local experimental" type: test frames */

#define ARP_HRD_ETHER	1
#define ARP_OP_REQUEST	1
#define ARP_OP_REPLY	2

#define IP_PROTO_ICMP	1
#define IP_PROTO_TCP	6
#define IP_PROTO_UDP	17
#define ICMP_ECHO_REPLY	0
#define ICMP_ECHO	8

struct eth_hdr {
	uint8_t dst[ETH_ALEN];
	uint8_t src[ETH_ALEN];
	uint16_t type;			/* network order */
} __attribute__((packed));

struct arp_pkt {
	uint16_t hrd, pro;		/* network order */
	uint8_t hln, pln;
	uint16_t op;			/* network order */
	uint8_t sha[ETH_ALEN];
	uint32_t spa;			/* network order */
	uint8_t tha[ETH_ALEN];
	uint32_t tpa;			/* network order */
} __attribute__((packed));

struct ip_hdr {
	uint8_t vhl;			/* version 4, header length 5 words: 0x45 */
	uint8_t tos;
	uint16_t len, id, off;		/* network order */
	uint8_t ttl, proto;
	uint16_t sum;
	uint32_t src, dst;		/* network order */
} __attribute__((packed));

struct icmp_echo {
	uint8_t type, code;
	uint16_t sum;
	uint16_t id, seq;		/* network order */
} __attribute__((packed));

struct udp_hdr {
	uint16_t sport, dport, len, sum;	/* network order */
} __attribute__((packed));

/* The TCP header (RFC 793) without options. */
struct tcp_hdr {
	uint16_t sport, dport;		/* network order */
	uint32_t seq, ack;		/* network order */
	uint8_t off, flags;		/* data offset in words << 4; TCP_FLAG_* */
	uint16_t win, sum, urp;		/* network order */
} __attribute__((packed));
#define TCP_HLEN	20
#define TCP_FLAG_PSH	0x08
#define TCP_FLAG_ACK	0x10

static_assert(sizeof(struct eth_hdr) == ETH_HLEN, "Ethernet header");
static_assert(sizeof(struct arp_pkt) == 28, "ARP packet");
static_assert(sizeof(struct ip_hdr) == 20, "IPv4 header");
static_assert(sizeof(struct tcp_hdr) == TCP_HLEN, "TCP header");

static inline uint16_t
net_htons(uint16_t v)
{
	return (v >> 8) | (v << 8);
}

static inline uint32_t
net_htonl(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xFF00) | ((v << 8) & 0xFF0000) | (v << 24);
}

#define net_ntohs net_htons
#define net_ntohl net_htonl

/* The Internet checksum (RFC 1071) of len bytes: 0 when a header that holds its own checksum
 * is intact. */
static inline uint16_t
net_cksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (p[0] << 8) | p[1];
	if (len)
		sum += p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return net_htons(~sum & 0xFFFF);
}

/* Build an ARP request "who has tpa? tell spa" from mac at frame; returns its length. */
static inline size_t
net_arp_request(uint8_t *frame, const uint8_t *mac, uint32_t spa, uint32_t tpa)
{
	struct eth_hdr *eth = (struct eth_hdr *) frame;
	struct arp_pkt *arp = (struct arp_pkt *) (eth + 1);

	memset(eth->dst, 0xFF, ETH_ALEN);
	memcpy(eth->src, mac, ETH_ALEN);
	eth->type = net_htons(ETHERTYPE_ARP);
	arp->hrd = net_htons(ARP_HRD_ETHER);
	arp->pro = net_htons(ETHERTYPE_IP);
	arp->hln = ETH_ALEN;
	arp->pln = 4;
	arp->op = net_htons(ARP_OP_REQUEST);
	memcpy(arp->sha, mac, ETH_ALEN);
	arp->spa = net_htonl(spa);
	memset(arp->tha, 0, ETH_ALEN);
	arp->tpa = net_htonl(tpa);
	return ETH_HLEN + sizeof(*arp);
}

/* If frame (len bytes) is an ARP reply from spa, the ARP packet; else NULL. */
static inline const struct arp_pkt *
net_arp_reply_from(const uint8_t *frame, size_t len, uint32_t spa)
{
	const struct eth_hdr *eth = (const struct eth_hdr *) frame;
	const struct arp_pkt *arp = (const struct arp_pkt *) (eth + 1);

	if (len < ETH_HLEN + sizeof(*arp) || eth->type != net_htons(ETHERTYPE_ARP)
	    || arp->op != net_htons(ARP_OP_REPLY) || arp->spa != net_htonl(spa))
		return NULL;
	return arp;
}

/* After an ARP request for spa: receive frames at rx (a page-aligned address, its page
 * replaced each time) until spa's reply, dropping the others; store spa's MAC in mac. */
static inline void
net_arp_await_reply(struct net_pkt *rx, uint32_t spa, uint8_t *mac)
{
	for (;;) {
		int n = sys_net_recv(rx, 0);
		if (n < 0)
			panic("sys_net_recv: %e", n);
		const struct arp_pkt *arp = net_arp_reply_from(rx->np_data, n, spa);
		if (arp) {
			memcpy(mac, arp->sha, ETH_ALEN);
			return;
		}
	}
}

#endif /* !NET_NETUTIL_H */
