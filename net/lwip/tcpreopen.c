/* TCP behaviour the network server's peers rely on and lwIP 2.1.3 lacks: a new SYN from the
 * peer of a connection in TIME-WAIT reopens it (RFC 1122 4.2.2.13), with a higher ISN. */

#include <inc/lib.h>
#include <net/serv.h>

#include <lwip/opt.h>
#include <lwip/ip.h>
#include <lwip/inet_chksum.h>
#include <lwip/pbuf.h>
#include <lwip/tcp.h>
#include <lwip/prot/ip4.h>
#include <lwip/prot/tcp.h>
#include <lwip/priv/tcp_priv.h>	/* tcp_tw_pcbs, tcp_ticks */

#include "ns_hooks.h"

/*
 * Why.  httpd speaks HTTP/1.0 and closes first, so every connection it served stays in
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

/* The connection reopened by the segment now being processed, until lwIP picks its ISN. */
static struct {
	bool set;
	ip4_addr_t remote;
	u16_t remote_port, local_port;
	u32_t iss_min;		/* the old connection's snd_nxt: beyond all it sent */
} reopened;

int
ns_tcp_timewait_reopen(struct pbuf *p, struct netif *inp)
{
	const struct ip_hdr *iph = p->payload;
	struct tcp_pcb *pcb;
	ip4_addr_t src, dest;

	(void) inp;
	reopened.set = false;

	/* An unfragmented IPv4 TCP segment whose headers lie in the first buffer (every frame
	 * the server receives is one buffer); lwIP checks the rest. */
	if (p->len < IP_HLEN || IPH_V(iph) != 4 || IPH_PROTO(iph) != IP_PROTO_TCP
	    || (IPH_OFFSET(iph) & PP_HTONS(IP_OFFMASK | IP_MF)))
		return 0;
	u16_t hlen = IPH_HL_BYTES(iph), len = lwip_ntohs(IPH_LEN(iph));
	if (hlen < IP_HLEN || len < hlen + TCP_HLEN || len > p->len)
		return 0;
	const struct tcp_hdr *th = (const struct tcp_hdr *) ((const u8_t *) iph + hlen);
	if ((TCPH_FLAGS(th) & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
		return 0;

	ip4_addr_copy(src, iph->src);
	ip4_addr_copy(dest, iph->dest);
	for (pcb = tcp_tw_pcbs; pcb; pcb = pcb->next)
		if (pcb->remote_port == lwip_ntohs(th->src)
		    && pcb->local_port == lwip_ntohs(th->dest)
		    && ip4_addr_cmp(&pcb->remote_ip, &src) && ip4_addr_cmp(&pcb->local_ip, &dest))
			break;
	if (!pcb || !TCP_SEQ_GT(lwip_ntohl(th->seqno), pcb->rcv_nxt))
		return 0;

	/* Check, then act: a damaged SYN, which lwIP will drop, must not end the TIME-WAIT. */
	pbuf_remove_header(p, hlen);	/* cannot fail: hlen < len <= p->len */
	u16_t sum = inet_chksum_pseudo_partial(p, IP_PROTO_TCP, len - hlen, len - hlen, &src,
					       &dest);
	pbuf_add_header_force(p, hlen);
	if (sum != 0)
		return 0;

	reopened.set = true;
	reopened.remote = src;
	reopened.remote_port = pcb->remote_port;
	reopened.local_port = pcb->local_port;
	reopened.iss_min = pcb->snd_nxt;

	/* Its socket may still be open: httpd lingers up to 250 ms after its FIN for the client's
	 * last bytes, and the client's FIN and new SYN come a millisecond apart.  Its netconn is
	 * told, as for any connection lwIP frees under one (net/lwip/tcpfreed.c). */
	tcp_abort(pcb);
	ns_stats.tcp_tw_reopened++;
	return 0;			/* lwIP goes on with the SYN */
}

u32_t
ns_tcp_isn(const ip4_addr_t *local_ip, u16_t local_port, const ip4_addr_t *remote_ip,
	   u16_t remote_port)
{
	/* lwIP's own rule (tcp_next_iss without the hook): the last ISN plus the TCP ticks. */
	static u32_t iss = 6510;

	(void) local_ip;
	iss += tcp_ticks;
	if (reopened.set && reopened.local_port == local_port
	    && reopened.remote_port == remote_port && ip4_addr_cmp(&reopened.remote, remote_ip)) {
		reopened.set = false;
		if (TCP_SEQ_LT(iss, reopened.iss_min))
			iss = reopened.iss_min;
	}
	return iss;
}

