/* The output helper: packet pages from the network server to the card, without copying
 * (contract in net/nethelpers.h). */

#include <inc/lib.h>
#include <inc/ns.h>

#include "nethelpers.h"

void
output(envid_t ns_envid)
{
	struct net_pkt *pkt = (struct net_pkt *) OUTPUT_PKT_VA;
	envid_t from;
	int perm, r;

	binaryname = "ns-output";
	for (;;) {
		int32_t req = ipc_recv(&from, pkt, &perm);

		if (from != ns_envid || req != NSREQ_OUTPUT
		    || (perm & (PTE_P | PTE_U)) != (PTE_P | PTE_U)) {
			cprintf("ns-output: refused request %d from %08x (page perm %x)\n", req,
				from, perm);
		} else if (pkt->np_len <= 0 || pkt->np_len > NET_FRAME_MAX) {
			cprintf("ns-output: refused a frame of %d bytes\n", pkt->np_len);
		} else if ((r = sys_net_send(pkt->np_data, pkt->np_len, 0)) < 0) {
			/* The kernel refused it (too short, say): report, never drop silently. */
			cprintf("ns-output: sys_net_send of %d bytes: %e\n", pkt->np_len, r);
		}
		/* The card holds its own reference to the page until the frame is out. */
		if (perm && (r = sys_page_unmap(0, pkt)) < 0)
			panic("sys_page_unmap: %e", r);
	}
}
