/* The output helper: packet pages from the network server to the card, without copying
 * (contract in net/nethelpers.h). */

#include <inc/lib.h>
#include <inc/ns.h>

#include "nethelpers.h"

/* Refused requests: counted, and reported when the first comes and then at most every
 * OUTPUT_REPORT_MSEC, so that a flood of bad requests cannot flood the console. */
static uint32_t refused, refused_unreported, last_report;

static void
refuse(const char *why, int32_t req, envid_t from, int value)
{
	uint32_t now = sys_time_msec();

	refused++;
	refused_unreported++;
	if (refused > 1 && now - last_report < OUTPUT_REPORT_MSEC)
		return;
	if (refused_unreported == 1)
		cprintf("ns-output: refused %s (request %d from %08x, %d)\n", why, req, from,
			value);
	else
		cprintf("ns-output: refused %u requests in %u ms (the last: %s, request %d "
			"from %08x, %d); %u in all\n", refused_unreported, now - last_report, why,
			req, from, value, refused);
	refused_unreported = 0;
	last_report = now;
}

void
output(envid_t ns_envid, volatile uint32_t *waiting)
{
	struct net_pkt *pkt = (struct net_pkt *) OUTPUT_PKT_VA;
	envid_t from;
	int perm, r;

	binaryname = "ns-output";
	for (;;) {
		int32_t req = ipc_recv(&from, pkt, &perm);

		if (from != ns_envid || req != NSREQ_OUTPUT
		    || (perm & (PTE_P | PTE_U)) != (PTE_P | PTE_U)) {
			refuse("a request (page perm)", req, from, perm);
		} else if (pkt->np_len <= 0 || pkt->np_len > NET_FRAME_MAX) {
			refuse("a frame (bytes)", req, from, pkt->np_len);
		} else if ((r = sys_net_send(pkt->np_data, pkt->np_len, NET_TX_OFFLOAD)) < 0) {
			/* The kernel refused it (too short, say): report, never drop silently. */
			refuse("a frame the kernel refused (error)", req, from, r);
		}
		/* The card holds its own reference to the page until the frame is out. */
		if (perm && (r = sys_page_unmap(0, pkt)) < 0)
			panic("sys_page_unmap: %e", r);
		if (waiting && *waiting && from == ns_envid) {
			*waiting = 0;
			sys_ipc_try_send(ns_envid, NSREQ_OUTPUT_READY, (void *) UTOP, 0);
		}
	}
}
