/*
 * rxrecycle: handing received pages back to the card (sys_net_recycle; kern/e1000.h, rule R6).
 * Runs as ENV_TYPE_NS, without helpers.  Frames come from the gateway: ARP replies to our
 * requests.
 *   1. A received page that nothing else maps goes back: our mapping is gone, and the next
 *      refill of the ring takes it instead of a fresh zeroed page (the counters say so).
 *   2. Refused, changing nothing (the page still mapped, its reference count and the free page
 *      count as they were): a page no receive call mapped, a received page also mapped at a
 *      second address, one shared with a child, unaligned and kernel addresses, nothing mapped.
 */

#include <inc/lib.h>
#include <inc/ns.h>

#include "netutil.h"

#define TX_VA	((uint8_t *) UTEMP)
#define RX_VA	((struct net_pkt *) (UTEMP + PGSIZE))
#define ALIAS	((uint8_t *) UTEMP + 2 * PGSIZE)
#define OWN	((uint8_t *) UTEMP + 3 * PGSIZE)

static struct net_info ni;
static int nchecks, nfailed;

static void
info(void)
{
	int r = sys_net_info(&ni);
	if (r < 0)
		panic("sys_net_info: %e", r);
}

/* One received frame (an ARP reply from the gateway) mapped at RX_VA. */
static void
receive(void)
{
	int r;
	size_t n = net_arp_request(TX_VA, ni.mac, NET_GUEST_IP, NET_GATEWAY_IP);

	if ((r = sys_net_send(TX_VA, n, 0)) < 0)
		panic("sys_net_send: %e", r);
	uint8_t mac[ETH_ALEN];
	net_arp_await_reply(RX_VA, NET_GATEWAY_IP, mac);
}

static uint16_t
ref(const void *va)
{
	return pages[PGNUM(PTE_ADDR(uvpt[PGNUM(va)]))].pp_ref;
}

static bool
mapped(const void *va)
{
	return (uintptr_t) va < UTOP && (uvpd[PDX(va)] & PTE_P) && (uvpt[PGNUM(va)] & PTE_P);
}

/* sys_net_recycle(va) must give want and, refused, leave va mapped as it was. */
static void
check(const char *what, void *va, int want)
{
	struct mem_stat before, after;
	bool was = mapped(va);
	uint16_t ref0 = was ? ref(va) : 0;

	sys_mem_stat(&before);
	int r = sys_net_recycle(va);
	sys_mem_stat(&after);
	nchecks++;
	if (r != want) {
		nfailed++;
		cprintf("rxrecycle: FAIL: %s: %e (%d), expected %e\n", what, r, r, want);
	} else if (r < 0 && (mapped(va) != was || (was && ref(va) != ref0)
			     || before.free_pages != after.free_pages)) {
		nfailed++;
		cprintf("rxrecycle: FAIL: %s was refused but changed something\n", what);
	}
}

void
umain(int argc, char **argv)
{
	int r;

	binaryname = "rxrecycle";
	info();
	if ((r = sys_page_alloc(0, TX_VA, PTE_P | PTE_U | PTE_W)) < 0
	    || (r = sys_page_alloc(0, OWN, PTE_P | PTE_U | PTE_W)) < 0)
		panic("sys_page_alloc: %e", r);

	/* 1. Handed back, then reused by the next refill. */
	receive();
	info();
	uint32_t zeroed = ni.rx_zeroed, recycled = ni.rx_recycled;
	check("a received page we alone map", RX_VA, 0);
	bool gone = !mapped(RX_VA);
	receive();			/* its refill takes the page handed back */
	info();
	cprintf("rxrecycle: handed back %u, unmapped %s; the next refill zeroed %u new pages\n",
		ni.rx_recycled - recycled, gone ? "yes" : "NO", ni.rx_zeroed - zeroed);

	/* 2. Refused. */
	check("a page no receive mapped", OWN, -E_INVAL);
	if ((r = sys_page_map(0, RX_VA, 0, ALIAS, PTE_P | PTE_U)) < 0)
		panic("sys_page_map: %e", r);
	check("a received page mapped twice", RX_VA, -E_BUSY);
	check("its second mapping", ALIAS, -E_BUSY);
	if ((r = sys_page_unmap(0, ALIAS)) < 0)
		panic("sys_page_unmap: %e", r);
	envid_t child = fork();
	if (child < 0)
		panic("fork: %e", child);
	if (child == 0) {
		/* Copy-on-write shares the page with the parent until one writes it. */
		cprintf("rxrecycle: child: recycle of a page the parent shares: %e\n",
			sys_net_recycle(RX_VA));
		return;
	}
	wait(child);
	check("an unaligned address", (uint8_t *) RX_VA + 4, -E_INVAL);
	check("UTOP", (void *) UTOP, -E_INVAL);
	check("a kernel address", (void *) KERNBASE, -E_INVAL);
	check("nothing mapped", (uint8_t *) UTEMP + 9 * PGSIZE, -E_FAULT);
	check("the received page, ours alone again", RX_VA, 0);
	cprintf("rxrecycle: %d checks, %d failed\n", nchecks, nfailed);
}
