/* A TCP SYN, before lwIP sees it: what the network server's peers rely on and lwIP 2.1.3 lacks.
 *   - A new SYN from the peer of a connection in TIME-WAIT reopens it (RFC 1122 4.2.2.13), with
 *     a higher ISN.
 *   - A SYN that the listener has no room for is refused with a reset, not dropped. */

#include <inc/lib.h>
#include <inc/x86.h>		/* read_tsc */
#include <net/serv.h>

#include <lwip/opt.h>
#include <lwip/ip.h>
#include <lwip/inet_chksum.h>
#include <lwip/pbuf.h>
#include <lwip/tcp.h>
#include <lwip/prot/ip4.h>
#include <lwip/prot/tcp.h>
#include <lwip/priv/tcp_priv.h>	/* tcp_tw_pcbs, tcp_active_pcbs, tcp_listen_pcbs */

#include "ns_hooks.h"

/*
 * Reopening.  httpd speaks HTTP/1.0 and closes first, so every connection it served stays in
 * TIME-WAIT in the guest for 2 MSL (two minutes of guest time, or until lwIP needs its pcb for a
 * new connection).  Host clients reach the guest through QEMU's forwarder (libslirp), which
 * accepts the host connection at once and opens one to the guest from 10.0.2.2 with the host
 * client's own port.  The host may reuse a port as soon as its side of the old connection is
 * gone -- it cannot know that the guest still remembers it; httpdsoak saw port 51666 again
 * 6 s after its first connection.  lwIP answers such a SYN with an ACK of the old connection
 * (or an RST if the SYN falls in its window), and ignores the RST the forwarder then sends
 * (RFC 1337); the forwarder sends its SYN again every few seconds for 75 s, and meanwhile the
 * host client, connected to the forwarder, waits for an answer with no sign of trouble.
 *
 * BSD and Linux reopen a connection in TIME-WAIT when a SYN's sequence number lies beyond the
 * end of the old one (RFC 1122 4.2.2.13): no segment of the old connection can then be taken
 * for one of the new, provided the new ISN also lies beyond the old connection's last number
 * (ns_tcp_isn).  We do the same, before lwIP sees the segment: the TIME-WAIT pcb is freed --
 * what lwIP itself does to the oldest one when its pool runs short -- and the SYN goes on to the
 * listener.  The RFC's other condition, back to TIME-WAIT if the SYN proves an old duplicate,
 * is left out: QEMU's user network neither duplicates nor reorders frames, and a duplicate of
 * the old connection's own SYN fails the sequence test.  Counted in ns_stats.tcp_tw_reopened.
 */

/*
 * Refusing.  A listener holds at most its backlog of connections that it has not accepted yet
 * (half-open ones included), and lwIP drops a SYN beyond that without a word, relying on the
 * peer to try again.  Through QEMU's forwarder that is a hang: the host client is connected to
 * the forwarder at once, and the forwarder sends its SYN again only after about 6 s, then 12 s
 * (seen: 200 simultaneous connects to httpd, with a backlog of 64, left 50 to 100 of them with
 * no answer after 10 s while httpd sat idle).  A server past its bound should say so at once:
 * we answer such a SYN with a reset, which the forwarder passes on to the host client as a
 * refused connection.  Counted in ns_stats.tcp_syn_refused.
 */

/* The TCP segment in p, if p holds an unfragmented IPv4 TCP segment with only SYN among SYN,
 * ACK, RST and FIN, whose headers lie in the first buffer (every frame the server receives is
 * one buffer), and whose checksum is right (a damaged SYN, which lwIP would drop, must change
 * nothing).  Fills the addresses and the TCP header's place; lwIP checks the rest. */
static const struct tcp_hdr *
syn_parse(struct pbuf *p, ip4_addr_t *src, ip4_addr_t *dest, u16_t *seglen)
{
	const struct ip_hdr *iph = p->payload;

	if (p->len < IP_HLEN || IPH_V(iph) != 4 || IPH_PROTO(iph) != IP_PROTO_TCP
	    || (IPH_OFFSET(iph) & PP_HTONS(IP_OFFMASK | IP_MF)))
		return NULL;
	u16_t hlen = IPH_HL_BYTES(iph), len = lwip_ntohs(IPH_LEN(iph));
	if (hlen < IP_HLEN || len < hlen + TCP_HLEN || len > p->len)
		return NULL;
	const struct tcp_hdr *th = (const struct tcp_hdr *) ((const u8_t *) iph + hlen);
	if ((TCPH_FLAGS(th) & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN
	    || TCPH_HDRLEN_BYTES(th) < TCP_HLEN || TCPH_HDRLEN_BYTES(th) > len - hlen)
		return NULL;
	ip4_addr_copy(*src, iph->src);
	ip4_addr_copy(*dest, iph->dest);

	pbuf_remove_header(p, hlen);	/* cannot fail: hlen < len <= p->len */
	u16_t sum = inet_chksum_pseudo_partial(p, IP_PROTO_TCP, len - hlen, len - hlen, src, dest);
	pbuf_add_header_force(p, hlen);
	if (sum != 0)
		return NULL;
	*seglen = len - hlen - TCPH_HDRLEN_BYTES(th);
	return th;
}

/* The pcb in list for this segment's connection, or NULL. */
static struct tcp_pcb *
pcb_find(struct tcp_pcb *list, const struct tcp_hdr *th, const ip4_addr_t *src,
	 const ip4_addr_t *dest)
{
	for (struct tcp_pcb *pcb = list; pcb; pcb = pcb->next)
		if (pcb->remote_port == lwip_ntohs(th->src)
		    && pcb->local_port == lwip_ntohs(th->dest)
		    && ip4_addr_cmp(&pcb->remote_ip, src) && ip4_addr_cmp(&pcb->local_ip, dest))
			return pcb;
	return NULL;
}

/* The connection reopened by the segment now being processed, until lwIP picks its ISN. */
static struct {
	bool set;
	ip4_addr_t remote;
	u16_t remote_port, local_port;
	u32_t iss_min;		/* the old connection's snd_nxt: beyond all it sent */
} reopened;

static void
syn_reopen(const struct tcp_hdr *th, const ip4_addr_t *src, const ip4_addr_t *dest)
{
	struct tcp_pcb *pcb = pcb_find(tcp_tw_pcbs, th, src, dest);

	if (!pcb || !TCP_SEQ_GT(lwip_ntohl(th->seqno), pcb->rcv_nxt))
		return;
	reopened.set = true;
	reopened.remote = *src;
	reopened.remote_port = pcb->remote_port;
	reopened.local_port = pcb->local_port;
	reopened.iss_min = pcb->snd_nxt;

	/* Its socket may still be open: httpd lingers up to 250 ms after its FIN for the client's
	 * last bytes, and the client's FIN and new SYN come a millisecond apart.  Its netconn is
	 * told, as for any connection lwIP frees under one (net/lwip/tcpfreed.c). */
	tcp_abort(pcb);
	ns_stats.tcp_tw_reopened++;
}

/* Whether the SYN is for a listener that has no room for it (and no connection has it yet: a
 * SYN sent again for a half-open connection goes to that connection). */
static bool
syn_no_room(const struct tcp_hdr *th, const ip4_addr_t *src, const ip4_addr_t *dest)
{
	struct tcp_pcb_listen *lpcb;

	for (lpcb = tcp_listen_pcbs.listen_pcbs; lpcb; lpcb = lpcb->next)
		if (lpcb->local_port == lwip_ntohs(th->dest)
		    && (ip4_addr_isany_val(*ip_2_ip4(&lpcb->local_ip))
			|| ip4_addr_cmp(ip_2_ip4(&lpcb->local_ip), dest)))
			break;
	return lpcb && lpcb->accepts_pending >= lpcb->backlog
	       && !pcb_find(tcp_active_pcbs, th, src, dest);
}

int
ns_tcp_syn_input(struct pbuf *p, struct netif *inp)
{
	const struct tcp_hdr *th;
	ip4_addr_t src, dest;
	u16_t seglen;

	reopened.set = false;
	if (!(th = syn_parse(p, &src, &dest, &seglen)) || !ip4_addr_cmp(&dest, netif_ip4_addr(inp)))
		return 0;
	syn_reopen(th, &src, &dest);
	if (!syn_no_room(th, &src, &dest))
		return 0;		/* lwIP goes on with the SYN */

	/* RFC 793's reset for a segment without ACK: SEQ 0, ACK the SYN and its data. */
	ip_addr_t local, remote;
	ip_addr_copy_from_ip4(local, dest);
	ip_addr_copy_from_ip4(remote, src);
	tcp_rst(NULL, 0, lwip_ntohl(th->seqno) + seglen + 1, &local, &remote,
		lwip_ntohs(th->dest), lwip_ntohs(th->src));
	ns_stats.tcp_syn_refused++;
	pbuf_free(p);
	return 1;			/* taken: lwIP does not see it */
}

/*
 * Initial sequence numbers, as RFC 6528 asks: ISN = M + F(addresses, ports, secret), M a clock
 * counting 4 us, F a hash keyed by a secret.  One connection's ISNs rise with time, as RFC 793
 * wants, while another connection's cannot be told from it: an attacker who sees his own
 * connections cannot guess the sequence numbers of someone else's to inject data or a reset.
 * (lwIP's own rule, the last ISN plus its 500 ms ticks, gave every connection of a burst the
 * same ISN.)  F is a 32-bit mixing hash, not the cryptographic function the RFC recommends;
 * its secret comes from the cycle counter at the first connection, which no other machine sees.
 */
static u32_t
isn_mix(u32_t h, u32_t v)
{
	h ^= v * 0x9e3779b1u;	/* 2^32 / golden ratio, odd */
	h = (h << 13) | (h >> 19);
	return h * 5 + 0xe6546b64u;
}

u32_t
ns_tcp_isn(const ip4_addr_t *local_ip, u16_t local_port, const ip4_addr_t *remote_ip,
	   u16_t remote_port)
{
	static u32_t secret;

	while (secret == 0)
		secret = (u32_t) read_tsc() ^ lwip_port_rand();
	u32_t f = isn_mix(secret, ip4_addr_get_u32(local_ip));
	f = isn_mix(f, ip4_addr_get_u32(remote_ip));
	f = isn_mix(f, ((u32_t) local_port << 16) | remote_port);
	f ^= f >> 16;
	f *= 0x85ebca6bu;
	f ^= f >> 13;
	u32_t iss = sys_time_msec() * 250 + f;

	if (reopened.set && reopened.local_port == local_port
	    && reopened.remote_port == remote_port && ip4_addr_cmp(&reopened.remote, remote_ip)) {
		reopened.set = false;
		if (TCP_SEQ_LT(iss, reopened.iss_min))
			iss = reopened.iss_min;
	}
	return iss;
}
