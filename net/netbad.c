/*
 * netbad: every bad argument to the network system calls is refused with the right error and
 * changes nothing: no free page count, no reference count (read through pages[] at UPAGES), no
 * frame counter.  Runs as ENV_TYPE_NS (with the network right); user/netperm checks the calls
 * without it.  A page mapped below UTOP without PTE_U cannot be made from user space
 * (sys_page_alloc and sys_page_map require PTE_U), so "not a user page" is tested with the
 * kernel's pages above ULIM and the user-readable kernel views above UTOP.
 */

#include <inc/lib.h>
#include <inc/ns.h>

#include "netutil.h"

#define PG	((uint8_t *) UTEMP)			/* mapped read/write */
#define RO	((uint8_t *) (UTEMP + PGSIZE))		/* mapped read-only */
#define UNMAPPED ((uint8_t *) (UTEMP + 2 * PGSIZE))	/* never mapped */
#define RXVA	((uint8_t *) (UTEMP + 3 * PGSIZE))	/* mapped; target of sys_net_recv */

/* Everything a refused call must leave as it was. */
struct netbad_state {
	uint32_t free_pages;
	uint16_t ref_pg, ref_ro, ref_rx;
	pte_t pte_rx;
	uint32_t tx_frames, rx_frames, pages_pinned;
};

static int nchecks, nfailed;

static uint16_t
netbad_ref(const void *va)
{
	pte_t pte = uvpt[PGNUM(va)];
	return pages[PGNUM(PTE_ADDR(pte))].pp_ref;
}

static void
netbad_state(struct netbad_state *s)
{
	struct mem_stat st;
	struct net_info ni;
	int r;

	if ((r = sys_mem_stat(&st)) < 0 || (r = sys_net_info(&ni)) < 0)
		panic("sys_mem_stat/sys_net_info: %e", r);
	memset(s, 0, sizeof(*s));	/* the padding too: states are compared with memcmp */
	s->free_pages = st.free_pages;
	s->ref_pg = netbad_ref(PG);
	s->ref_ro = netbad_ref(RO);
	s->ref_rx = netbad_ref(RXVA);
	s->pte_rx = uvpt[PGNUM(RXVA)];
	s->tx_frames = ni.tx_frames;
	s->rx_frames = ni.rx_frames;
	s->pages_pinned = ni.pages_pinned;
}

/* Check one call's result against want, and that nothing changed if it was refused. */
static void
netbad_check(const char *what, const struct netbad_state *before, int got, int want)
{
	struct netbad_state after;

	nchecks++;
	netbad_state(&after);
	if (got != want) {
		nfailed++;
		cprintf("netbad: FAIL: %s returned %e (%d), expected %e\n", what, got, got, want);
	} else if (want < 0 && memcmp(before, &after, sizeof(after)) != 0) {
		nfailed++;
		cprintf("netbad: FAIL: %s was refused but changed state: free %u->%u, refs "
			"%u/%u/%u->%u/%u/%u, tx %u->%u, rx %u->%u, pinned %u->%u\n", what,
			before->free_pages, after.free_pages, before->ref_pg, before->ref_ro,
			before->ref_rx, after.ref_pg, after.ref_ro, after.ref_rx,
			before->tx_frames, after.tx_frames, before->rx_frames, after.rx_frames,
			before->pages_pinned, after.pages_pinned);
	}
}

#define CHECK(call, want)						\
	do {								\
		struct netbad_state s_;					\
		netbad_state(&s_);					\
		netbad_check(#call, &s_, (call), (want));		\
	} while (0)

/* Bad addresses for a buffer, each refused with the same error. */
static const uintptr_t bad_bufs[] = { UTOP, UPAGES, UVPT, ULIM, KERNBASE, 0xFFFFF000,
				      (uintptr_t) UNMAPPED, 0 };
/* Bad destination pages for sys_net_recv. */
static const uintptr_t bad_dsts[] = { UTOP, UPAGES, UVPT, KERNBASE, 0xFFFFF000,
				      (uintptr_t) RXVA + 1, (uintptr_t) RXVA + PGSIZE - 4 };
static const size_t bad_lens[] = { 0, 1, ETH_HLEN - 1, NET_FRAME_MAX + 1, PGSIZE, 0x80000000,
				   0xFFFFFFFF };

static void
netbad_frame(uint8_t *p)
{
	struct eth_hdr *eth = (struct eth_hdr *) p;
	memset(eth->dst, 0xFF, ETH_ALEN);
	memset(eth->src, 0, ETH_ALEN);
	eth->type = net_htons(ETHERTYPE_TEST);
}

void
umain(int argc, char **argv)
{
	struct net_info ni;
	int r;

	binaryname = "netbad";
	if ((r = sys_page_alloc(0, PG, PTE_P | PTE_U | PTE_W)) < 0
	    || (r = sys_page_alloc(0, RO, PTE_P | PTE_U | PTE_W)) < 0
	    || (r = sys_page_alloc(0, RXVA, PTE_P | PTE_U | PTE_W)) < 0)
		panic("sys_page_alloc: %e", r);
	netbad_frame(PG);
	netbad_frame(PG + PGSIZE - 60);
	netbad_frame(RO + PGSIZE - 60);
	if ((r = sys_page_map(0, RO, 0, RO, PTE_P | PTE_U)) < 0)
		panic("sys_page_map: %e", r);

	/* sys_net_send */
	for (size_t i = 0; i < ARRAY_SIZE(bad_bufs); i++)
		CHECK(sys_net_send((void *) bad_bufs[i], 60, 0), -E_FAULT);
	for (size_t i = 0; i < ARRAY_SIZE(bad_lens); i++)
		CHECK(sys_net_send(PG, bad_lens[i], 0), -E_INVAL);
	CHECK(sys_net_send(PG + PGSIZE - 59, 60, 0), -E_INVAL);	/* crosses the page end */
	CHECK(sys_net_send((void *) (UTOP - 59), 60, 0), -E_INVAL);	/* ... into UTOP */
	CHECK(sys_net_send(PG, 60, 4), -E_INVAL);			/* unknown flag */
	CHECK(sys_net_send(PG, 60, NET_TX_OFFLOAD), -E_INVAL);	/* not a packet page's np_data */
	CHECK(sys_net_send(PG, 60, 0x80000000), -E_INVAL);
	/* The edges that are fine: the shortest frame, a frame ending at the page's end, a
	 * read-only page (the card only reads it). */
	CHECK(sys_net_send(PG, ETH_HLEN, 0), 0);
	CHECK(sys_net_send(PG + PGSIZE - 60, 60, NET_NONBLOCK), 0);
	CHECK(sys_net_send(RO + PGSIZE - 60, 60, 0), 0);

	/* sys_net_send_batch: bad counts, arrays and fragment lists; each frame a valid one but
	 * for what is named.  The frame array lives in bss, the fragments on PG and RO. */
	static struct net_tx_frame fr[2];
	struct net_tx_frame *f = &fr[0];
	memset(fr, 0, sizeof(fr));
	f->nf_nfrags = 1;
	f->nf_frags[0] = (struct net_tx_frag) { (uintptr_t) PG, 60, 0 };
	fr[1] = *f;
	CHECK(sys_net_send_batch(fr, 0, 0), -E_INVAL);
	CHECK(sys_net_send_batch(fr, NET_TX_BATCH_MAX + 1, 0), -E_INVAL);
	CHECK(sys_net_send_batch(fr, 1, 2), -E_INVAL);			/* unknown flag */
	/* The parent's pages (rule T7): the kernel started us, we have no parent to name. */
	CHECK(sys_net_send_batch(fr, 1, NET_TX_PARENT), -E_PERM);
	for (size_t i = 0; i < ARRAY_SIZE(bad_bufs); i++)
		CHECK(sys_net_send_batch((struct net_tx_frame *) bad_bufs[i], 1, 0), -E_FAULT);
	CHECK(sys_net_send_batch((struct net_tx_frame *) (UTOP - 64), 1, 0), -E_FAULT);
	f->nf_nfrags = 0;
	CHECK(sys_net_send_batch(f, 1, 0), -E_INVAL);			/* no fragment */
	f->nf_nfrags = NET_TX_FRAGS_MAX + 1;
	CHECK(sys_net_send_batch(f, 1, 0), -E_INVAL);			/* too many */
	f->nf_nfrags = 2;
	f->nf_frags[1] = (struct net_tx_frag) { (uintptr_t) (PG + PGSIZE - 10), 20, 0 };
	CHECK(sys_net_send_batch(f, 1, 0), -E_INVAL);			/* crosses a page */
	f->nf_frags[1].nt_len = 0;
	CHECK(sys_net_send_batch(f, 1, 0), -E_INVAL);			/* empty fragment */
	for (size_t i = 0; i < ARRAY_SIZE(bad_bufs); i++) {
		f->nf_frags[1] = (struct net_tx_frag) { bad_bufs[i], 10, 0 };
		CHECK(sys_net_send_batch(f, 1, 0), -E_FAULT);		/* above UTOP, unmapped */
	}
	f->nf_frags[0].nt_len = PGSIZE;
	f->nf_frags[1] = (struct net_tx_frag) { (uintptr_t) RO, 100, 0 };
	CHECK(sys_net_send_batch(f, 1, 0), -E_INVAL);			/* over a frame */
	f->nf_nfrags = 1;
	f->nf_frags[0].nt_len = 60;
	f->nf_offload.no_flags = 0x80;
	CHECK(sys_net_send_batch(f, 1, 0), -E_INVAL);			/* unknown offload */
	f->nf_offload = (struct net_tx_offload) { NET_OFFLOAD_L4, 0, 14, 24, 34, 70 };
	CHECK(sys_net_send_batch(f, 1, 0), -E_INVAL);			/* field past the frame */
	/* Segmentation: without both checksums, a segment longer than a frame, checksum fields
	 * outside the repeated header, no payload. */
	f->nf_frags[0].nt_len = PGSIZE;
	f->nf_offload = (struct net_tx_offload) { NET_OFFLOAD_TSO | NET_OFFLOAD_IP, 33, 14, 24,
						  34, 50 };
	f->nf_hdrlen = 54;
	f->nf_mss = 1000;
	CHECK(sys_net_send_batch(f, 1, 0), -E_INVAL);
	f->nf_offload.no_flags = NET_OFFLOAD_TSO | NET_OFFLOAD_ALL;
	f->nf_mss = NET_FRAME_MAX;
	CHECK(sys_net_send_batch(f, 1, 0), -E_INVAL);
	f->nf_mss = 0;
	CHECK(sys_net_send_batch(f, 1, 0), -E_INVAL);
	f->nf_mss = 1000;
	f->nf_hdrlen = 40;
	CHECK(sys_net_send_batch(f, 1, 0), -E_INVAL);			/* TCP sum past header */
	f->nf_hdrlen = 54;
	f->nf_frags[0].nt_len = 54;
	CHECK(sys_net_send_batch(f, 1, 0), -E_INVAL);			/* nothing to segment */
	/* A refused second frame: the first is queued and counted, the call says 1. */
	memset(f, 0, sizeof(*f));
	f->nf_nfrags = 1;
	f->nf_frags[0] = (struct net_tx_frag) { (uintptr_t) PG, 60, 0 };
	fr[1] = *f;
	fr[1].nf_nfrags = 0;
	nchecks++;
	if ((r = sys_net_send_batch(fr, 2, 0)) != 1) {
		nfailed++;
		cprintf("netbad: FAIL: a batch whose second frame is bad returned %e (%d), not 1\n",
			r, r);
	}

	/* sys_net_recv: drain what may have arrived, then an empty ring with NET_NONBLOCK. */
	while ((r = sys_net_recv(RXVA, NET_NONBLOCK)) > 0)
		;
	CHECK(sys_net_recv(RXVA, NET_NONBLOCK), -E_AGAIN);
	for (size_t i = 0; i < ARRAY_SIZE(bad_dsts); i++)
		CHECK(sys_net_recv((void *) bad_dsts[i], NET_NONBLOCK), -E_INVAL);
	CHECK(sys_net_recv(RXVA, 2), -E_INVAL);
	CHECK(sys_net_recv(RXVA, 0x80000000 | NET_NONBLOCK), -E_INVAL);

	/* sys_net_recv_batch: the same destinations, a count within 1..NET_RX_BATCH_MAX whose
	 * pages all lie below UTOP, and an array the caller may write. */
	static struct net_rx_frame frames[2];
	struct net_rx_frame *edge = (struct net_rx_frame *) (PG + PGSIZE) - 1;
	CHECK(sys_net_recv_batch(frames, 2, RXVA, NET_NONBLOCK), -E_AGAIN);
	CHECK(sys_net_recv_batch(frames, 0, RXVA, NET_NONBLOCK), -E_INVAL);
	CHECK(sys_net_recv_batch(frames, NET_RX_BATCH_MAX + 1, RXVA, NET_NONBLOCK), -E_INVAL);
	CHECK(sys_net_recv_batch(frames, 0xFFFFFFFF, RXVA, NET_NONBLOCK), -E_INVAL);
	for (size_t i = 0; i < ARRAY_SIZE(bad_dsts); i++)
		CHECK(sys_net_recv_batch(frames, 1, (void *) bad_dsts[i], NET_NONBLOCK), -E_INVAL);
	CHECK(sys_net_recv_batch(frames, 2, (void *) (UTOP - PGSIZE), NET_NONBLOCK), -E_INVAL);
	for (size_t i = 0; i < ARRAY_SIZE(bad_bufs); i++)
		CHECK(sys_net_recv_batch((struct net_rx_frame *) bad_bufs[i], 1, RXVA,
					 NET_NONBLOCK), -E_FAULT);
	CHECK(sys_net_recv_batch((struct net_rx_frame *) RO, 1, RXVA, NET_NONBLOCK), -E_FAULT);
	CHECK(sys_net_recv_batch(edge, 2, RXVA, NET_NONBLOCK), -E_FAULT);	/* into RO */
	CHECK(sys_net_recv_batch((struct net_rx_frame *) (UTOP - 64), 1, RXVA, NET_NONBLOCK),
	      -E_FAULT);
	CHECK(sys_net_recv_batch(frames, 1, RXVA, 2), -E_INVAL);
	/* NET_RX_ORDERED: only for batches; with no other receiver holding frames, an empty ring. */
	CHECK(sys_net_recv(RXVA, NET_RX_ORDERED | NET_NONBLOCK), -E_INVAL);
	CHECK(sys_net_recv_batch(frames, 2, RXVA, NET_RX_ORDERED | NET_NONBLOCK), -E_AGAIN);

	/* sys_net_info */
	for (size_t i = 0; i < ARRAY_SIZE(bad_bufs); i++)
		CHECK(sys_net_info((struct net_info *) bad_bufs[i]), -E_FAULT);
	CHECK(sys_net_info((struct net_info *) RO), -E_FAULT);		/* read-only */
	CHECK(sys_net_info((struct net_info *) (PG + PGSIZE - 4)), -E_FAULT); /* into RO */
	CHECK(sys_net_info((struct net_info *) (UTOP - 4)), -E_FAULT);	/* into UTOP */
	CHECK(sys_net_info(&ni), 0);

	/* The right passes to a child (sys_exofork). */
	envid_t child = fork();
	if (child < 0)
		panic("fork: %e", child);
	if (child == 0) {
		r = sys_net_info(&ni);
		if (r == 0)
			cprintf("netbad: child has the network right\n");
		else
			cprintf("netbad: FAIL: child lacks the network right: %e\n", r);
		return;
	}

	/* Every pin taken by the good sends is released (TX interrupt). */
	for (int tries = 0; tries < 10000 && (sys_net_info(&ni), ni.pages_pinned) != 0; tries++)
		sys_yield();
	nchecks++;
	if (ni.pages_pinned != 0) {
		nfailed++;
		cprintf("netbad: FAIL: %u pages still pinned\n", ni.pages_pinned);
	}
	cprintf("netbad: done, %d checks, %d failed\n", nchecks, nfailed);
}
