/* The output helper: frames from the network server's transmit ring to the card, a batch per
 * system call, without copying (contract in net/nethelpers.h). */

#include <inc/lib.h>
#include <inc/ns.h>

#include "nethelpers.h"

void
tx_refusal(struct tx_refusals *r, int err)
{
	uint32_t now = sys_time_msec();

	r->total++;
	r->unreported++;
	if (r->total > 1 && now - r->last_report < OUTPUT_REPORT_MSEC)
		return;
	if (r->unreported == 1)
		cprintf("%s: the kernel refused a frame: %e\n", r->who, err);
	else
		cprintf("%s: the kernel refused %u frames in %u ms (the last: %e); %u in all\n",
			r->who, r->unreported, now - r->last_report, err, r->total);
	r->unreported = 0;
	r->last_report = now;
}

static struct tx_refusals refusals = { "ns-output" };

static void
refuse(volatile struct ns_tx_ring *ring, int err)
{
	ring->refused++;
	tx_refusal(&refusals, err);
}

/* Sleep until ns moves head past `head`. */
static void
output_wait(volatile struct ns_tx_ring *ring, uint32_t head)
{
	ns_ring_sleep(&ring->head, head, &ring->helper_idle);
}

void
output(envid_t ns_envid, volatile struct ns_tx_ring *ring)
{
	binaryname = "ns-output";
	for (;;) {
		uint32_t tail = ring->tail, head = ring->head;

		if (head == tail) {
			output_wait(ring, head);
			continue;
		}
		ns_barrier();		/* the entries are read after the head that published them */
		/* Consecutive entries from tail, up to the ring's end; blocks while the card's
		 * ring is full. */
		uint32_t at = tail % NS_TX_RING_SLOTS;
		uint32_t n = MIN(head - tail, NS_TX_RING_SLOTS - at);
		uint32_t queued = thisenv->env_net_tx_queued;
		/* ns's frames name its own pages (NET_TX_PARENT, rule T7): none is mapped here. */
		int r = sys_net_send_batch((const struct net_tx_frame *) &ring->frames[at], n,
					   ring->send_flags);
		if (r < 0) {
			refuse(ring, r);	/* that frame is skipped: done with the one before */
			ring->ticket[at] = queued;
			r = 1;
		} else {
			/* The kernel queued frames queued + 1 .. queued + r, in order. */
			for (int i = 0; i < r; i++)
				ring->ticket[at + i] = queued + 1 + i;
			ring->batches++;
		}
		ns_barrier();		/* the tickets before the tail that hands them over */
		ring->tail = tail + r;
		ns_barrier();
		if (ring->ns_waiting)
			sys_ipc_try_send(ns_envid, NSREQ_OUTPUT_READY, (void *) UTOP, 0);
	}
}
