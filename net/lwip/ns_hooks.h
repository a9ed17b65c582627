/* The lwIP hooks of the network server (lwipopts.h names them; lwIP includes this file where
 * it calls a hook). */
#ifndef NET_LWIP_NS_HOOKS_H
#define NET_LWIP_NS_HOOKS_H

#include <lwip/err.h>

struct tcp_pcb;
struct pbuf;
struct netif;
struct ip4_addr;

/* net/lwip/netif.c: a segment with data for pcb, which holds a page slot: take it (ERR_OK) or
 * drop it (past the connection's or its client's share of slots).  Core lock held; changes
 * nothing in lwIP. */
err_t	ns_tcp_inpacket(struct tcp_pcb *pcb, struct pbuf *p);

/* net/lwip/netif.c: every IPv4 packet, before lwIP looks at it (lwIP's IPv4 input hook): one
 * looped back to our own address on the card's interface gets the checksums the card did not
 * compute; net/nsdns.c notes a name server's answer code; then ns_tcp_syn_input, whose result
 * it returns.  Core lock held. */
int	ns_ip4_input(struct pbuf *p, struct netif *inp);
/* net/lwip/tcpsyn.c: every IPv4 packet, before lwIP looks at it: a SYN that reopens a
 * connection in TIME-WAIT frees that connection's pcb and goes on to the listener; a SYN for a
 * listener with no room is answered with a reset and taken (returns 1: lwIP does not see it).
 * Otherwise returns 0: the packet is lwIP's.  Core lock held. */
int	ns_tcp_syn_input(struct pbuf *p, struct netif *inp);
/* net/lwip/tcpsyn.c: the ISN of a new connection; above the old connection's last sequence
 * number for one reopened from TIME-WAIT.  Core lock held. */
u32_t	ns_tcp_isn(const struct ip4_addr *local_ip, u16_t local_port,
		   const struct ip4_addr *remote_ip, u16_t remote_port);

#endif /* !NET_LWIP_NS_HOOKS_H */
