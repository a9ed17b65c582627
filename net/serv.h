/* The network server's internal contract (net/serv.c, net/nssock.c, net/lwip/netif.c): page
 * slots for received pages, the answer to a client, the counters, and the interface driver. */
#ifndef NET_SERV_H
#define NET_SERV_H

#include <inc/lib.h>
#include <inc/ns.h>
#include <net/nsconf.h>

#include <lwip/err.h>

struct netif;
struct pbuf;

/*
 * Page slots.  Every page the server receives by IPC lands in a slot of its own: a packet page
 * from the input helper, or a client's request page.  The slot stays mapped as long as its owner
 * needs the page -- an lwIP buffer that points into the frame (until lwIP frees it), or the
 * server thread answering the request (until it has answered) -- and ns_page_release then unmaps
 * it and returns the slot.  One owner releases each slot, once.  Others may hold it meanwhile
 * (ns_page_hold: lwIP sending a client's bytes from it, a frame naming it): the release then
 * waits for the last ns_page_unhold.  The unmapping itself is batched: a released slot stays
 * busy, its page mapped, until the next allocation of slots unmaps every such page with one
 * sys_page_unmap_pages (at least once a dispatcher turn, before it waits).  When no slot is
 * free the dispatcher receives without a page: a frame is then dropped (counted in rx_dropped), a request
 * answered -E_NO_MEM.
 *
 * The slots are NS_PAGE_SLOTS pages from NS_PAGE_BASE, below the thread stacks
 * (THREAD_STACK_BASE) and above the program (inc/memlayout.h).
 */
/* NS_PAGE_SLOTS (inc/ns.h): 4 MB, every frame of 48 full TCP receive windows and room for
 * requests. */

void *	ns_page_alloc(void);		/* a free slot's address, or NULL */
void	ns_page_release(void *va);	/* unmap the slot's page, free the slot */
void	ns_page_recycle(void *va);	/* the same for a received frame's page, which goes
					 * back to the card's ring if we alone hold it */
int	ns_page_slot(const void *va);	/* 0 .. NS_PAGE_SLOTS - 1 */
/* A request's handler keeps its request page (in its slot) past the answer: whoever keeps it
 * releases it later, with ns_page_release.  Only for the page of the request being served. */
void	ns_page_keep(void *page);
bool	ns_page_in_slots(const void *va);	/* is va inside a page slot? */
void	ns_page_hold(const void *va);	/* keep the slot holding va mapped ... */
bool	ns_page_held(const void *va);	/* (is it so kept?) */
void	ns_page_unhold(const void *va);	/* ... until as many unholds, and its release */

/* The counters of inc/ns.h, updated where things happen. */
extern struct ns_stats ns_stats;
void	ns_stats_fill(struct ns_stats *st);	/* ns_stats plus the gathered ones */
void	ns_stats_print(const struct ns_stats *st);

/* The output helper, which takes our outgoing frames (net/nethelpers.h). */
extern envid_t ns_output_envid;

/* Answer a client: send it the value now, or, if it is not waiting yet, queue the answer for
 * the dispatcher to send when it is (net/serv.c); never waits.  A client that does not wait
 * for NS_REPLY_MSEC loses its answer (counted in replies_lost). */
void	ns_reply(envid_t client, int32_t value);

/* net/nssock.c: the socket table and the client requests. */
/* NS_SOCK_MAX (net/nsconf.h): sockets open at once, all clients together. */
#define NS_SOCK_ENVS	4		/* environments that may use one socket at once */

void	nssock_init(void);
/* Serve one client request (code in [NSREQ_HELPER_MAX, NSREQ_CLIENT_MAX)), with the client's
 * request page req and, for a send, the ndata data pages that came with it at data (read-only,
 * consecutive); may block its thread.  Returns the answer value. */
int32_t	nssock_serve(envid_t client, uint32_t code, union nsipc *req, const uint8_t *data,
		     uint32_t ndata);
/* Close the sockets whose environments have all exited; run by the reaper thread. */
void	nssock_reap(void);
uint32_t nssock_open_count(void);
void	nssock_print(const char *prefix);	/* a console line per socket */
uint32_t nssock_heap_pressure(void);		/* NS_HEAP_PRESSURE (net/nssock.c) */
/* net/serv.c: the server's state on the console, for a server that seems stuck: page slots,
 * answers waiting, held sends, each socket (nssock_print) and each thread (thread_print). */
void	ns_state_print(void);
/* The environment a netconn's socket belongs to (the first of its environments), 0 if the
 * netconn is no client's socket (yet). */
struct netconn;
envid_t	nssock_conn_owner(const struct netconn *conn);

/* net/lwip/netif.c: the Ethernet interface over the input and output helpers. */
err_t	ns_netif_init(struct netif *netif);
/* Hand a received packet page (in a page slot) to lwIP, without copying the frame; the slot is
 * released when lwIP frees the buffer, or at once if the frame is refused. */
void	ns_netif_input(struct netif *netif, void *page);
/* Hand lwIP a copy of a received frame of len bytes at frame (a receive ring entry's). */
void	ns_netif_input_copy(struct netif *netif, const void *frame, int32_t len);
/* Does the receive ring entry next stand for f, a pure ACK lwIP may skip (net/lwip/ackthin.c)? */
bool	ns_netif_ack_superseded(const struct net_rx_frame *f, const struct net_rx_frame *next);
void	ns_ack_thin_check(void);
struct tcp_pcb;
/* An accepted connection starts with RFC 6928's window (net/lwip/tcpiw.c). */
void	ns_tcp_initial_window(struct tcp_pcb *pcb);	/* start-up self-check: "selftest ns-ackthin: ok" */
/* The transmit ring, before the helpers are forked (the output helper inherits it), and the
 * transmit region -- header slots and lwIP's heap, which frames name -- after, before lwIP
 * starts (the output helper names its pages in our address space: NET_TX_PARENT). */
void	ns_netif_tx_init(void);
void	ns_netif_tx_region_init(void);
struct ns_tx_ring;
volatile struct ns_tx_ring *ns_netif_tx_ring(void);
/* Frames whose bytes the card may still read: posted and not known done, or waiting. */
uint32_t ns_netif_tx_held(void);
/* The end of a dispatcher turn: send the frame being built and those waiting for room in the
 * ring, and wake the output helper if it sleeps. */
uint32_t ns_netif_flush(void);	/* frames we handed the card ourselves since the last call */

/* net/nsaddr.c: the interface's address.  ns_addr_start adds netif (lwIP's core unlocked) with
 * the static address or starts DHCP, as argv[1] says ("dhcp", "static", none, or the static
 * address to take instead of 10.0.2.15), and prints it;
 * false if the interface could not be added.  ns_addr_ready: whether it has an address yet
 * (DHCP may still be asking). */
bool	ns_addr_start(struct netif *netif, int argc, char **argv);
bool	ns_addr_ready(void);

/* net/nsdns.c: name lookups through lwIP's resolver (NSREQ_GETHOSTBYNAME), and a look at every
 * IPv4 packet before lwIP (ns_ip4_input) for the answer code of a name server's reply, which
 * lwIP does not pass on. */
int32_t	nsdns_lookup(envid_t client, uint32_t code, volatile union nsipc *req);
void	nsdns_input_peek(const struct pbuf *p);

/* net/lwip/tcpfreed.c: a netconn whose connection lwIP frees without telling it is told at
 * once.  ns_tcp_freed_init once, after tcpip_init; ns_tcp_track on every TCP netconn made (the
 * connections a listener accepts are tracked by it); ns_tcp_untrack just before it listens and
 * ns_tcp_track again after, whether the listen worked or not. */
void	ns_tcp_freed_init(void);
void	ns_tcp_track(struct netconn *conn);

/* net/lwip/sendhold.c: the pages of a client's send that lwIP sends from in place, held until
 * the peer acknowledges their bytes (end: the sequence number after the last) or the
 * connection is freed.  Under the core lock. */
struct tcp_pcb;
/* Hold the pages before the write: a token, 0 if none is free (copy the bytes instead). */
uint32_t ns_send_hold_begin(const struct tcp_pcb *pcb, const void *pages, uint32_t npages);
void	ns_send_hold_end(uint32_t token);	/* written: its bytes end lwIP's buffered ones */
void	ns_send_hold_check(void);		/* drop the holds of acknowledged bytes */
void	ns_send_hold_freed(const struct tcp_pcb *pcb);
uint32_t ns_send_hold_count(void);
void	ns_tcp_untrack(struct netconn *conn);

#endif /* !NET_SERV_H */
