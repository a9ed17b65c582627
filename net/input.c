/* The input helper: frames from the card to the network server, one packet page each, without
 * copying (contract in net/nethelpers.h). */

#include <inc/lib.h>
#include <inc/ns.h>

#include "nethelpers.h"

/* Out of memory has no event to wait for: retry after this long. */
#define INPUT_NOMEM_RETRY_MSEC	10

void
input(envid_t ns_envid)
{
	void *pkt = (void *) INPUT_PKT_VA;

	binaryname = "ns-input";
	for (;;) {
		/* Blocks until the receive interrupt; maps the card's page at pkt. */
		int r = sys_net_recv(pkt, 0);
		if (r == -E_NO_MEM) {
			sys_sleep_until(sys_time_msec() + INPUT_NOMEM_RETRY_MSEC);
			continue;
		}
		if (r < 0)
			panic("sys_net_recv: %e", r);

		/* Lend the page (the frame at np_data, its length in np_len) and let go of it. */
		ipc_send(ns_envid, NSREQ_INPUT, pkt, PTE_P | PTE_U | PTE_W);
		if ((r = sys_page_unmap(0, pkt)) < 0)
			panic("sys_page_unmap: %e", r);
	}
}
