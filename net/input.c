/* The input helper: frames from the card to the network server in batches, through the receive
 * ring they share (contract in net/nethelpers.h). */

#include <inc/lib.h>
#include <inc/ns.h>
#include <inc/x86.h>

#include "nethelpers.h"

/* Out of memory has no event to wait for: retry after this long. */
#define INPUT_NOMEM_RETRY_MSEC	10

/* Sleep until ns has taken entries out of the full ring (tail moved past `tail`). */
static void
input_wait_room(volatile struct ns_shared *sh, uint32_t tail)
{
	sh->rx_input_waits++;
	ns_ring_sleep(&sh->rx_tail, tail, &sh->rx_input_waiting);
}

void
input(envid_t ns_envid, volatile struct ns_shared *sh, struct net_rx_frame *ring)
{
	binaryname = "ns-input";
	for (;;) {
		uint32_t head = sh->rx_head, tail = sh->rx_tail;
		uint32_t room = NS_RX_RING_SLOTS - (head - tail);

		if (room == 0) {
			input_wait_room(sh, tail);
			continue;
		}
		/* Consecutive entries from head, up to the ring's end; blocks until a frame comes. */
		uint32_t at = head % NS_RX_RING_SLOTS;
		uint32_t n = MIN(room, NS_RX_RING_SLOTS - at);
		int r = sys_net_recv_batch(&ring[at], n, (void *) (INPUT_WIN_VA + at * PGSIZE), 0);
		if (r == -E_NO_MEM) {
			sys_sleep_until(sys_time_msec() + INPUT_NOMEM_RETRY_MSEC);
			continue;
		}
		if (r < 0)
			panic("sys_net_recv_batch: %e", r);

		/* The entries are written before the head that publishes them (x86 keeps stores in
		 * order; the compiler is told by the barrier). */
		ns_barrier();
		sh->rx_head = head + r;
		ns_barrier();
		/* Taking the flag: the frames that come before ns has run need no poke of their
		 * own, and one sent while ns is not receiving yet fails and yields (22 times a
		 * 1 MiB download, when every batch looked at the flag alone). */
		if (sh->rx_ns_idle && xchg(&sh->rx_ns_idle, 0))
			ipc_send(ns_envid, NSREQ_INPUT, NULL, 0);
	}
}
