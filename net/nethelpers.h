/* The network server's helper environments (net/input.c, net/output.c, net/timer.c).  Each is
 * a function that a server (the network server, or a test program standing in for it) runs in
 * a child it forks; the child inherits the network right.  None returns.
 *
 *   input(ns):   receives every frame with sys_net_recv into a packet page (struct net_pkt,
 *                inc/ns.h) and lends the page to ns by IPC (NSREQ_INPUT, PTE_P|PTE_U|PTE_W),
 *                then drops its own mapping: the server holds the page from then on.
 *   output(ns, waiting): accepts packet pages only from ns with NSREQ_OUTPUT and a user page,
 *                and transmits np_data/np_len with sys_net_send (NET_TX_OFFLOAD: the card
 *                inserts the checksums np_offload asks for), then drops its mapping: the
 *                card holds the page until the frame is sent (kern/e1000.h, rule T2).  When
 *                ns found it busy and queued frames, ns sets *waiting (a word of a page both
 *                share, PTE_SHARE, or NULL for none): after its frame the helper clears it and
 *                tells ns NSREQ_OUTPUT_READY with one sys_ipc_try_send, never a retry loop (if
 *                ns is not receiving it is running, and sends its queue on its own).  Refused
 *                requests are counted, and reported on the console at most every
 *                OUTPUT_REPORT_MSEC: any environment may send to the helper.
 *   timer(ns, deadline): sends ns NSREQ_TIMER (no page) when the clock reaches *deadline (a
 *                word of the page ns shares with its helpers, which ns moves as its timers
 *                and timed waits come and go; sys_page_wake when it moves it earlier), sleeping
 *                in between (sys_page_wait_until), and at most every TIMER_MIN_MSEC.
 *
 * Nothing is copied: a frame stays in the page the card wrote it into, or the page the server
 * built it in.
 */
#ifndef NET_NETHELPERS_H
#define NET_NETHELPERS_H

#include <inc/types.h>
#include <inc/env.h>
#include <inc/memlayout.h>

/* Where each helper maps the packet page it is working on (INPUT_PKT_VA, OUTPUT_PKT_VA), and
 * the page the network server shares with its output and timer helpers (NS_SHARED_VA, struct
 * ns_shared below): inc/memlayout.h. */
#define OUTPUT_REPORT_MSEC 10000

void	input(envid_t ns_envid) __attribute__((noreturn));
void	output(envid_t ns_envid, volatile uint32_t *waiting) __attribute__((noreturn));
#define TIMER_MIN_MSEC	10

/* The page the network server shares with its helpers (at NS_SHARED_VA, PTE_SHARE). */
struct ns_shared {
	uint32_t output_waiting;	/* ns queued frames: tell it when you take the next */
	uint32_t timer_deadline;	/* tick ns when the clock (sys_time_msec) reaches this */
};

void	timer(envid_t ns_envid, volatile uint32_t *deadline) __attribute__((noreturn));

#endif /* !NET_NETHELPERS_H */
