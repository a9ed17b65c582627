/* testoutput: stands in for the network server (ENV_TYPE_NS) and sends TESTOUTPUT_N numbered
 * test frames through the output helper, each in a page it lets go of at once: more frames
 * than the TX ring holds, so that every slot is pinned, reclaimed and reused. */

#include <inc/lib.h>
#include <inc/ns.h>

#include "nethelpers.h"
#include "netutil.h"

#define TESTOUTPUT_N	300	/* more than the TX ring (256) holds: every slot reused */
#define PKT_VA		((struct net_pkt *) UTEMP)

/* Wait (bounded) until the helper has handed every frame to the card and the card has
 * released every page.  The helper runs as soon as we yield; nothing else to block on. */
static struct net_info
testoutput_drain(uint32_t tx_goal)
{
	struct net_info ni;
	int r;

	for (int tries = 0; tries < 100000; tries++) {
		if ((r = sys_net_info(&ni)) < 0)
			panic("sys_net_info: %e", r);
		if (ni.tx_frames >= tx_goal && ni.pages_pinned == 0)
			return ni;
		sys_yield();
	}
	panic("the output helper did not send %u frames (tx_frames %u, pinned %u)", tx_goal,
	      ni.tx_frames, ni.pages_pinned);
}

void
umain(int argc, char **argv)
{
	struct net_info ni;
	envid_t ns = sys_getenvid(), out;
	int r;

	binaryname = "testoutput";
	if ((r = sys_net_info(&ni)) < 0)
		panic("sys_net_info: %e", r);
	uint32_t tx_before = ni.tx_frames;

	if ((out = fork()) < 0)
		panic("fork: %e", out);
	if (out == 0)
		output(ns, NULL);

	for (int i = 0; i < TESTOUTPUT_N; i++) {
		/* A fresh page at the same address each time: the previous one, if still mapped,
		 * is replaced while the card may still hold it. */
		if ((r = sys_page_alloc(0, PKT_VA, PTE_P | PTE_U | PTE_W)) < 0)
			panic("sys_page_alloc: %e", r);
		struct eth_hdr *eth = (struct eth_hdr *) PKT_VA->np_data;
		memset(eth->dst, 0xFF, ETH_ALEN);
		memcpy(eth->src, ni.mac, ETH_ALEN);
		eth->type = net_htons(ETHERTYPE_TEST);
		int n = snprintf((char *) (eth + 1), NET_FRAME_MAX - ETH_HLEN, "Packet %02d", i);
		PKT_VA->np_len = ETH_HLEN + n;

		ipc_send(out, NSREQ_OUTPUT, PKT_VA, PTE_P | PTE_U | PTE_W);
		/* Half the time let go of the page at once; otherwise the next alloc does. */
		if (i % 2 == 0 && (r = sys_page_unmap(0, PKT_VA)) < 0)
			panic("sys_page_unmap: %e", r);
	}

	ni = testoutput_drain(tx_before + TESTOUTPUT_N);
	cprintf("testoutput: sent %d frames (tx ring full %u times, pages pinned %u)\n",
		ni.tx_frames - tx_before, ni.tx_ring_full, ni.pages_pinned);
}
