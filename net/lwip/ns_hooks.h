/* The lwIP hooks of the network server (lwipopts.h names them; lwIP includes this file where
 * it calls a hook). */
#ifndef NET_LWIP_NS_HOOKS_H
#define NET_LWIP_NS_HOOKS_H

#include <lwip/err.h>

struct tcp_pcb;
struct pbuf;

/* net/lwip/netif.c: a segment with data for pcb, which holds a page slot: take it (ERR_OK) or
 * drop it (past the connection's or its client's share of slots).  Core lock held; changes
 * nothing in lwIP. */
err_t	ns_tcp_inpacket(struct tcp_pcb *pcb, struct pbuf *p);

#endif /* !NET_LWIP_NS_HOOKS_H */
