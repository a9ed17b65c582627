/* The producer's side of the transmit ring (contract in net/nethelpers.h): the network server,
 * or a test program standing in for it, posts frames; its output helper sends them. */

#include <inc/lib.h>
#include <inc/ns.h>

#include "nethelpers.h"

volatile struct ns_tx_ring *
txring_create(void)
{
	for (uint32_t i = 0; i < NS_TX_RING_PAGES; i++) {
		int r = sys_page_alloc(0, (void *) (NS_TX_RING_VA + i * PGSIZE),
				       PTE_P | PTE_U | PTE_W | PTE_SHARE);
		if (r < 0)
			panic("the transmit ring: %e", r);
	}
	return (volatile struct ns_tx_ring *) NS_TX_RING_VA;
}

bool
txring_post(volatile struct ns_tx_ring *ring, const struct net_tx_frame *f)
{
	uint32_t head = ring->head;

	if (head - ring->tail >= NS_TX_RING_SLOTS) {
		ring->ns_waiting = 1;
		ns_barrier();
		/* The helper may have moved tail before it could see the flag: look again. */
		if (head - ring->tail >= NS_TX_RING_SLOTS)
			return false;
	}
	memcpy((void *) &ring->frames[head % NS_TX_RING_SLOTS], f, sizeof(*f));
	ns_barrier();			/* the entry before the head that publishes it */
	ring->head = head + 1;
	return true;
}

void
txring_done_waiting(volatile struct ns_tx_ring *ring)
{
	ring->ns_waiting = 0;
}

void
txring_kick(volatile struct ns_tx_ring *ring)
{
	ns_ring_wake(&ring->head, &ring->helper_idle);
}
