/* testoutput: stands in for the network server (ENV_TYPE_NS) and sends TESTOUTPUT_N numbered
 * test frames through the output helper's transmit ring, each in a page it lets go of at once:
 * more frames than the TX ring holds, so that every slot is pinned, reclaimed and reused. */

#include <inc/lib.h>
#include <inc/ns.h>

#include "nethelpers.h"
#include "netutil.h"

#define TESTOUTPUT_N	300	/* more than the TX ring (256) holds: every slot reused */
/* Frame i is built in the page at frame_va(i), one of TESTOUTPUT_VAS addresses in turn, mapped
 * at the same address in the output helper (the ring names pages by address). */
#define TESTOUTPUT_VAS	16

static uintptr_t
frame_va(int i)
{
	return (uintptr_t) UTEMP + (i % TESTOUTPUT_VAS) * PGSIZE;
}

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

/* Wait (bounded) until the helper has taken frame `seq` out of the ring. */
static void
testoutput_wait_taken(volatile struct ns_tx_ring *ring, uint32_t seq)
{
	for (int tries = 0; (int32_t) (ring->tail - seq) <= 0; tries++) {
		if (tries == 100000)
			panic("the output helper took no frame (tail %u, waiting for %u)", ring->tail,
			      seq);
		sys_yield();
	}
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

	volatile struct ns_tx_ring *ring = txring_create();
	if ((out = fork()) < 0)
		panic("fork: %e", out);
	if (out == 0)
		output(ns, ring);

	for (int i = 0; i < TESTOUTPUT_N; i++) {
		/* The helper must be done with the frame that used this address last. */
		if (i >= TESTOUTPUT_VAS)
			testoutput_wait_taken(ring, i - TESTOUTPUT_VAS);
		/* A fresh page each time: the previous one at this address, still mapped in the
		 * helper, is replaced there while the card may still hold it. */
		void *va = (void *) frame_va(i);
		if ((r = sys_page_alloc(0, va, PTE_P | PTE_U | PTE_W)) < 0)
			panic("sys_page_alloc: %e", r);
		struct eth_hdr *eth = va;
		memset(eth->dst, 0xFF, ETH_ALEN);
		memcpy(eth->src, ni.mac, ETH_ALEN);
		eth->type = net_htons(ETHERTYPE_TEST);
		int n = snprintf((char *) (eth + 1), NET_FRAME_MAX - ETH_HLEN, "Packet %02d", i);
		if ((r = sys_page_map(0, va, out, va, PTE_P | PTE_U)) < 0)
			panic("sys_page_map: %e", r);

		struct net_tx_frame f = { .nf_nfrags = 1 };
		f.nf_frags[0].nt_va = (uintptr_t) va;
		f.nf_frags[0].nt_len = ETH_HLEN + n;
		while (!txring_post(ring, &f))
			sys_yield();
		txring_kick(ring);
		/* Half the time let go of the page at once; otherwise the next alloc does. */
		if (i % 2 == 0 && (r = sys_page_unmap(0, va)) < 0)
			panic("sys_page_unmap: %e", r);
	}

	ni = testoutput_drain(tx_before + TESTOUTPUT_N);
	cprintf("testoutput: sent %d frames (tx ring full %u times, pages pinned %u) in %u "
		"batches\n", ni.tx_frames - tx_before, ni.tx_ring_full, ni.pages_pinned,
		ring->batches);
}
