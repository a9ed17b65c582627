/*
 * pinlimit: a page's reference count never wraps (kern/pmap.h).  One page is mapped at more and
 * more addresses until the kernel refuses the next mapping; it must refuse exactly at
 * PP_REF_MAX references, with -E_NO_MEM, and change nothing.  The transmit call, which pins the
 * page it sends with a reference of its own (kern/e1000.h), must refuse it the same way; with
 * one mapping fewer it sends, and the pin goes away when the card is done.  At the end every
 * alias is gone, and every page but the page tables they needed is back.  Runs as ENV_TYPE_NS (it needs the network right).
 */

#include <inc/lib.h>

#include "netutil.h"

#define PAGE	((uint8_t *) UTEMP)		/* the page, at its first address */
#define ALIASES	((uint8_t *) 0x10000000)	/* then here, a page apart: 256 MB at most */
#define FRAME_LEN 60

static uint32_t
ref_of(const void *va)
{
	return pages[PGNUM(PTE_ADDR(uvpt[PGNUM(va)]))].pp_ref;
}

static uint32_t
free_pages(void)
{
	struct mem_stat st;
	int r;

	if ((r = sys_mem_stat(&st)) < 0)
		panic("sys_mem_stat: %e", r);
	return st.free_pages;
}

static bool
mapped(const void *va)
{
	return (uvpd[PDX(va)] & PTE_P) && (uvpt[PGNUM(va)] & PTE_P);
}

static void
check(bool ok, const char *what)
{
	if (!ok)
		panic("pinlimit: FAIL: %s", what);
}

void
umain(int argc, char **argv)
{
	struct eth_hdr *eth = (struct eth_hdr *) PAGE;
	uint32_t before, n, ref;
	int r;

	if ((r = sys_page_alloc(0, PAGE, PTE_P | PTE_U | PTE_W)) < 0)
		panic("sys_page_alloc: %e", r);
	before = free_pages();
	memset(eth->dst, 0xff, ETH_ALEN);	/* broadcast, an experimental type: harmless */
	memset(eth->src, 0x02, ETH_ALEN);
	eth->type = net_htons(ETHERTYPE_TEST);

	/* Map it until refused.  The aliases are read-only: nothing else changes. */
	for (n = 0;; n++) {
		ref = ref_of(PAGE);
		r = sys_page_map(0, PAGE, 0, ALIASES + n * PGSIZE, PTE_P | PTE_U);
		if (r < 0)
			break;
		check(ref_of(PAGE) == ref + 1, "a mapping did not count one reference");
	}
	cprintf("pinlimit: page_map refused at %u references (%u mappings): %e\n", ref, n + 1, r);
	check(r == -E_NO_MEM, "the refusal is not -E_NO_MEM");
	check(ref_of(PAGE) == ref, "the refused mapping changed the count");
	check(!mapped(ALIASES + n * PGSIZE), "the refused mapping was made");

	/* The transmit pin is one more reference: refused at the limit too. */
	r = sys_net_send(PAGE, FRAME_LEN, 0);
	cprintf("pinlimit: net_send at the limit: %e\n", r);
	check(r == -E_NO_MEM, "net_send at the limit is not -E_NO_MEM");
	check(ref_of(PAGE) == ref, "the refused send changed the count");

	/* One mapping fewer: the send pins the page up to the limit, and the card lets it go. */
	if ((r = sys_page_unmap(0, ALIASES + (n - 1) * PGSIZE)) < 0)
		panic("sys_page_unmap: %e", r);
	check(ref_of(PAGE) == ref - 1, "the unmapping did not drop a reference");
	r = sys_net_send(PAGE, FRAME_LEN, 0);
	if (r < 0)
		panic("pinlimit: FAIL: net_send one below the limit: %e", r);
	cprintf("pinlimit: net_send one below the limit: sent\n");
	/* The pin goes when the card reports the frame done (TXDW); page_decref wakes us. */
	while (ref_of(PAGE) != ref - 1)
		if ((r = sys_page_wait(PAGE, *(volatile uint32_t *) PAGE, ref_of(PAGE))) < 0)
			panic("sys_page_wait: %e", r);
	cprintf("pinlimit: the card released its pin\n");

	for (uint32_t i = 0; i + 1 < n; i++)
		if ((r = sys_page_unmap(0, ALIASES + i * PGSIZE)) < 0)
			panic("sys_page_unmap: %e", r);
	check(ref_of(PAGE) == 1, "the page kept references after its aliases went");
	/* The page tables the aliases needed stay until the environment is freed: count them
	 * as what they are, one per 4 MB the aliases spanned. */
	uint32_t tables = ROUNDUP(n * PGSIZE, PTSIZE) / PTSIZE;
	cprintf("pinlimit: free pages before %u, after %u, page tables kept %u\n", before,
		free_pages(), tables);
	check(free_pages() + tables == before, "pages were lost");
	cprintf("pinlimit: ok\n");
}
