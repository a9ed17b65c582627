/* The network server's helper environments (net/input.c, net/output.c, net/timer.c).  Each is
 * a function that a server (the network server, or a test program standing in for it) runs in
 * a child it forks; the child inherits the network right.  None returns.
 *
 *   input(ns, shared, ring): receives frames in batches (sys_net_recv_batch) straight into
 *                the receive ring it shares with ns, and tells ns only when ns is about to
 *                sleep (RECEIVE RING below).
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
 * Nothing longer than NET_RX_INLINE_MAX bytes is copied: a frame stays in the page the card
 * wrote it into, or the page the server built it in.
 *
 * RECEIVE RING: NS_RX_RING_SLOTS entries (struct net_rx_frame) at NS_RX_RING_VA, shared by ns
 * and its input helper (PTE_SHARE), with the counters rx_head and rx_tail in struct ns_shared
 * (free-running: entry i is frames[i % NS_RX_RING_SLOTS]).
 *   - The helper owns the entries [rx_head, rx_tail + NS_RX_RING_SLOTS): it has the kernel
 *     fill them (sys_net_recv_batch, consecutive entries up to the ring's end), each long
 *     frame's page mapped at INPUT_WIN_VA + i * PGSIZE for entry i, then publishes them by
 *     moving rx_head.  ns owns [rx_tail, rx_head): it reads each entry, maps a long frame's
 *     page from the helper's window into a page slot of its own (sys_page_map: the helper is
 *     its child), and gives the entries back by moving rx_tail.  Each side writes only its
 *     own counter, and the entries only while it owns them.
 *   - The helper's window mapping of a page stays until the kernel maps the next frame over
 *     it, so a page is freed when both ns and that mapping have let go.
 *   - Waking: ns sets rx_ns_idle just before it waits for IPC and then looks at the ring once
 *     more; the helper, having moved rx_head, clears rx_ns_idle if set and sends ns
 *     NSREQ_INPUT (no page).  With the ring full the helper sets rx_input_waiting, looks once
 *     more, and sleeps on rx_tail's page (sys_page_wait); ns, having moved rx_tail, clears it
 *     and wakes the page.  Each side writes its counter and then reads the other's flag, with
 *     a full barrier between (two CPUs may run them at once), so no wake-up is lost.  A frame
 *     costs ns one wake-up only when it was idle: a burst is drained in one turn.
 */
#ifndef NET_NETHELPERS_H
#define NET_NETHELPERS_H

#include <inc/types.h>
#include <inc/env.h>
#include <inc/memlayout.h>
#include <inc/ns.h>

/* Where each helper maps the packet page it is working on (INPUT_PKT_VA, OUTPUT_PKT_VA), and
 * the page the network server shares with its output and timer helpers (NS_SHARED_VA, struct
 * ns_shared below): inc/memlayout.h. */
#define OUTPUT_REPORT_MSEC 10000

struct ns_shared;
struct net_rx_frame;
void	input(envid_t ns_envid, volatile struct ns_shared *shared, struct net_rx_frame *ring)
	__attribute__((noreturn));
void	output(envid_t ns_envid, volatile uint32_t *waiting) __attribute__((noreturn));
#define TIMER_MIN_MSEC	10

/* The page the network server shares with its helpers (at NS_SHARED_VA, PTE_SHARE). */
struct ns_shared {
	uint32_t output_waiting;	/* ns queued frames: tell it when you take the next */
	uint32_t timer_deadline;	/* tick ns when the clock (sys_time_msec) reaches this */
	uint32_t rx_head;		/* receive ring: entries the input helper published */
	uint32_t rx_tail;		/* receive ring: entries ns has taken */
	uint32_t rx_ns_idle;		/* ns is about to wait: poke it (NSREQ_INPUT) */
	uint32_t rx_input_waiting;	/* the input helper waits for room: wake rx_tail's page */
};

/* The receive ring's entries: NS_RX_RING_SLOTS at NS_RX_RING_VA (a power of two, so the
 * free-running counters wrap cleanly, and one batch call's worth). */
#define NS_RX_RING_SLOTS	64
#define NS_RX_RING_PAGES	2
static_assert(NS_RX_RING_SLOTS == NET_RX_BATCH_MAX, "a call can fill the whole ring");
static_assert(NS_RX_RING_SLOTS * sizeof(struct net_rx_frame) == NS_RX_RING_PAGES * PGSIZE,
	      "the entries fill the ring's pages");
static_assert(NS_RX_RING_VA + NS_RX_RING_PAGES * PGSIZE <= NS_TX_BASE
	      && INPUT_WIN_VA + NS_RX_RING_SLOTS * PGSIZE <= NS_RX_RING_VA,
	      "the ring and the window fit their regions (inc/memlayout.h)");

/* A full barrier: this CPU's earlier stores are visible to all before its later loads. */
static inline void
ns_barrier(void)
{
	__sync_synchronize();
}

void	timer(envid_t ns_envid, volatile uint32_t *deadline) __attribute__((noreturn));

#endif /* !NET_NETHELPERS_H */
