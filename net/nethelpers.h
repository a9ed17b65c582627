/* The network server's helper environments (net/input.c, net/output.c, net/timer.c).  Each is
 * a function that a server (the network server, or a test program standing in for it) runs in
 * a child it forks; the child inherits the network right.  None returns.
 *
 *   input(ns, shared, ring): receives frames in batches (sys_net_recv_batch) straight into
 *                the receive ring it shares with ns, and tells ns only when ns is about to
 *                sleep (RECEIVE RING below).
 *   output(ns, ring): hands the frames ns posts in the transmit ring to the card, as many as
 *                are ready with each sys_net_send_batch (one doorbell), and sleeps while the
 *                ring is empty (TRANSMIT RING below).  Frames the kernel refuses are skipped,
 *                counted, and reported on the console at most every OUTPUT_REPORT_MSEC.
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
 *   - Waking: ns sets rx_ns_idle just before it waits for IPC, looks at the ring once more,
 *     and clears the flag when it wakes; the helper, having moved rx_head, takes the flag
 *     (clears it, atomically) and sends ns NSREQ_INPUT (no page) if it was set: one poke a
 *     wait, since the batches that come before ns runs again need none (it drains the ring
 *     every turn), and a poke before ns is receiving again fails and yields.  With the ring
 *     full the helper sets rx_input_waiting, looks once more, sleeps on rx_tail's page (sys_page_wait) and clears
 *     the flag when it wakes; ns, having moved rx_tail, wakes the page if the flag is set.
 *     Each side writes its counter and then reads the other's flag, with a full barrier
 *     between (two CPUs may run them at once), and only the sleeper sets its flag: so no
 *     wake-up is lost (one that comes before the sleep finds the counter moved and returns
 *     at once), while an extra one costs a look.  A frame costs ns one wake-up only when it
 *     was idle: a burst is drained in one turn.
 *   - ns may also take frames from the card itself (rx_poll in net/serv.c), with
 *     NET_RX_ORDERED: the kernel refuses while the helper holds frames it took and has not
 *     called for more since, and the helper publishes before it calls again, so ns drains the
 *     ring first and then handles its own, later, frames: the order the card received them.
 *
 * TRANSMIT RING: struct ns_tx_ring at NS_TX_RING_VA, shared by ns (or a test standing in for
 * it: net/txring.c is the producer's side) and its output helper, PTE_SHARE.  The frames name
 * the producer's pages (send_flags NET_TX_PARENT: ns), or pages the producer mapped at the same
 * addresses in the helper (the tests).
 *   - ns owns the free entries: it writes one (a struct net_tx_frame naming its pages by
 *     address) at head while head - tail < NS_TX_RING_SLOTS, and then moves head; the helper
 *     owns [tail, head): it passes them to sys_net_send_batch straight from the ring, which
 *     pins every fragment's page, and then moves tail.  Each side writes only its own
 *     counter, and an entry only while it owns it.
 *   - Having handed entries to the kernel, the helper stamps each with its ticket before it
 *     moves tail past them: the value its env_net_tx_queued (inc/env.h) took when the kernel
 *     queued that frame, so the card is done with the frame once the helper's
 *     env_net_tx_done reaches the ticket (kern/e1000.h, rule T6).  A frame the kernel refused
 *     gets the ticket of the frame queued before it: done when that one is.  ns copies the
 *     tickets out before it writes those entries again, and writes no byte an entry named
 *     until its ticket is done.
 *   - Waking: the helper sets helper_idle before it sleeps on head's page, looks at head once
 *     more, and clears the flag when it wakes; ns, having moved head (once for a batch,
 *     txring_kick), wakes the page if the flag is set.  When the ring is full ns keeps its
 *     frames and sets ns_waiting until it has posted them all; the helper, having moved tail,
 *     pokes ns with NSREQ_OUTPUT_READY while the flag is set (one sys_ipc_try_send: if ns is
 *     not receiving it is running, and looks at the ring itself).  Barriers, and who writes
 *     each flag, as for the receive ring.
 */
#ifndef NET_NETHELPERS_H
#define NET_NETHELPERS_H

#include <inc/lib.h>
#include <inc/env.h>
#include <inc/memlayout.h>
#include <inc/ns.h>

/* Where each helper maps the packet page it is working on (INPUT_PKT_VA, OUTPUT_PKT_VA), and
 * the page the network server shares with its output and timer helpers (NS_SHARED_VA, struct
 * ns_shared below): inc/memlayout.h. */
#define OUTPUT_REPORT_MSEC 10000

/* Frames the kernel refused a sender (the output helper's, or the server's own sends:
 * net/lwip/netif.c): counted, and reported on the console, prefixed by who, when the first
 * comes and then at most every OUTPUT_REPORT_MSEC, so that a flood of bad frames cannot flood
 * the console (net/output.c). */
struct tx_refusals {
	const char *who;
	uint32_t total, unreported, last_report;
};
void	tx_refusal(struct tx_refusals *r, int err);

struct ns_shared;
struct net_rx_frame;
void	input(envid_t ns_envid, volatile struct ns_shared *shared, struct net_rx_frame *ring)
	__attribute__((noreturn));
struct ns_tx_ring;
void	output(envid_t ns_envid, volatile struct ns_tx_ring *ring) __attribute__((noreturn));
#define TIMER_MIN_MSEC	10

/* The page the network server shares with its helpers (at NS_SHARED_VA, PTE_SHARE). */
struct ns_shared {
	uint32_t timer_deadline;	/* tick ns when the clock (sys_time_msec) reaches this */
	uint32_t rx_head;		/* receive ring: entries the input helper published */
	uint32_t rx_tail;		/* receive ring: entries ns has taken */
	uint32_t rx_ns_idle;		/* ns is about to wait: poke it (NSREQ_INPUT) */
	uint32_t rx_input_waiting;	/* the input helper waits for room: wake rx_tail's page */
	uint32_t rx_input_waits;	/* times the input helper found the ring full */
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

/* The transmit ring. */
#define NS_TX_RING_SLOTS	64
struct ns_tx_ring {
	uint32_t head;			/* ns: frames posted (free-running) */
	uint32_t tail;			/* helper: frames handed to the card */
	uint32_t helper_idle;		/* the helper is about to sleep: wake head's page */
	uint32_t ns_waiting;		/* ns holds frames for a full ring: poke it */
	uint32_t refused;		/* frames the kernel refused (the helper counts) */
	uint32_t batches;		/* sys_net_send_batch calls: frames / batches a call */
	uint32_t send_flags;		/* producer, before the fork: the helper's flags for
					 * sys_net_send_batch (NET_TX_PARENT: the frames name the
					 * producer's pages, mapped nowhere else; else the helper's) */
	uint32_t pad[9];
	struct net_tx_frame frames[NS_TX_RING_SLOTS];
	uint32_t ticket[NS_TX_RING_SLOTS];	/* helper: entry i's ticket, once tail passed it */
};
#define NS_TX_RING_PAGES	((sizeof(struct ns_tx_ring) + PGSIZE - 1) / PGSIZE)
static_assert(NS_TX_RING_SLOTS <= NET_TX_BATCH_MAX, "one call can take the whole ring");
static_assert(NS_TX_RING_VA + NS_TX_RING_PAGES * PGSIZE <= INPUT_WIN_VA,
	      "the transmit ring fits its region (inc/memlayout.h)");

/* net/txring.c: the producer's side of the transmit ring (ns, or a test standing in for it).
 * txring_create maps the ring at NS_TX_RING_VA, PTE_SHARE, before the helper is forked. */
volatile struct ns_tx_ring *txring_create(void);
/* Post frame f (its pages mapped in the helper at the addresses it names); false if the
 * ring is full (ns_waiting is set: NSREQ_OUTPUT_READY comes when there is room). */
bool	txring_post(volatile struct ns_tx_ring *ring, const struct net_tx_frame *f);
/* Wake the helper if it sleeps: once after posting a batch. */
void	txring_kick(volatile struct ns_tx_ring *ring);
/* Every frame that found the ring full is posted now: no more pokes needed. */
void	txring_done_waiting(volatile struct ns_tx_ring *ring);

/* net/rxring.c: the consumer's side of the receive ring, for test programs standing in for
 * the server (which takes frames into its page slots itself). */
struct rxring {
	volatile struct ns_shared *sh;
	struct net_rx_frame *ring;
	envid_t input;			/* the input helper (set once forked) */
	void *map_va;			/* where a long frame's page is mapped */
	bool taken;			/* the entry at rx_tail was handed out */
	uint32_t pokes;			/* NSREQ_INPUT wake-ups received */
};
/* Map the shared page and the ring (PTE_SHARE), before the input helper is forked. */
void	rxring_setup(struct rxring *c, void *map_va);
/* The next frame, waiting for it if need be: its bytes at *frame, its length returned.  The
 * previous one's entry is given back first. */
int	rxring_next(struct rxring *c, const uint8_t **frame);

/* A full barrier: this CPU's earlier stores are visible to all before its later loads. */
static inline void
ns_barrier(void)
{
	__sync_synchronize();
}

/* The rings' waiting, both halves (the flag rule of the comment at the top).  The sleeper: set
 * its flag, look at the other side's counter once more, sleep on its page while it still holds
 * seen, clear the flag.  The waker, having moved its counter: wake the page if the flag is set,
 * never touching the flag.  A waker that took the flag (640fc27; httpd-cpus2 hung in 3 of 8
 * runs) could lose a sleeper: the sleeper sees the move, clears its flag, consumes, and sets
 * the flag again for its next sleep; the waker, late, now takes that new flag and wakes the
 * page before the sleeper is in sys_page_wait, which then sleeps (the counter has not moved
 * since), its flag clear, so no later move wakes it.  A page wake-up is not kept for a sleep
 * to come; the input helper's poke (net/input.c) may take rx_ns_idle because an IPC send waits
 * for ns to receive, and then ends that next wait. */
static inline void
ns_ring_sleep(volatile uint32_t *counter, uint32_t seen, volatile uint32_t *flag)
{
	*flag = 1;
	ns_barrier();
	if (*counter == seen) {
		int r = sys_page_wait(counter, seen, pageref((const void *) counter));
		if (r < 0)
			panic("sys_page_wait: %e", r);
	}
	*flag = 0;
}

static inline void
ns_ring_wake(volatile uint32_t *counter, volatile uint32_t *flag)
{
	ns_barrier();
	if (*flag)
		sys_page_wake(counter);
}

void	timer(envid_t ns_envid, volatile uint32_t *deadline) __attribute__((noreturn));

#endif /* !NET_NETHELPERS_H */
