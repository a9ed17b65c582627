/* The network server's helper environments (net/input.c, net/output.c, net/timer.c).  Each is
 * a function that a server (the network server, or a test program standing in for it) runs in
 * a child it forks; the child inherits the network right.  None returns.
 *
 *   input(ns):   receives every frame with sys_net_recv into a packet page (struct net_pkt,
 *                inc/ns.h) and lends the page to ns by IPC (NSREQ_INPUT, PTE_P|PTE_U|PTE_W),
 *                then drops its own mapping: the server holds the page from then on.
 *   output(ns):  accepts packet pages only from ns with NSREQ_OUTPUT and a user page, and
 *                transmits np_data/np_len with sys_net_send, then drops its mapping: the card
 *                holds the page until the frame is sent (kern/e1000.h, rule T2).
 *   timer(ns, interval_msec): sends ns NSREQ_TIMER (no page) every interval_msec, sleeping in
 *                between.
 *
 * Nothing is copied: a frame stays in the page the card wrote it into, or the page the server
 * built it in.
 */
#ifndef NET_NETHELPERS_H
#define NET_NETHELPERS_H

#include <inc/types.h>
#include <inc/env.h>

/* Where each helper maps the packet page it is working on (an address no server uses). */
#define INPUT_PKT_VA	0x0FFFE000
#define OUTPUT_PKT_VA	0x0FFFD000

void	input(envid_t ns_envid) __attribute__((noreturn));
void	output(envid_t ns_envid) __attribute__((noreturn));
void	timer(envid_t ns_envid, uint32_t interval_msec) __attribute__((noreturn));

#endif /* !NET_NETHELPERS_H */
