/* The consumer's side of the receive ring for the test programs that stand in for the network
 * server (net/testinput.c, net/netbatch.c): the server itself takes its frames into page slots
 * (net/serv.c, rx_drain).  Contract in net/nethelpers.h. */

#include <inc/lib.h>
#include <inc/ns.h>

#include "nethelpers.h"

void
rxring_setup(struct rxring *c, void *map_va)
{
	int r;

	if ((r = sys_page_alloc(0, (void *) NS_SHARED_VA, PTE_P | PTE_U | PTE_W | PTE_SHARE)) < 0)
		panic("sys_page_alloc: %e", r);
	for (int i = 0; i < NS_RX_RING_PAGES; i++)
		if ((r = sys_page_alloc(0, (void *) (NS_RX_RING_VA + i * PGSIZE),
					PTE_P | PTE_U | PTE_W | PTE_SHARE)) < 0)
			panic("sys_page_alloc: %e", r);
	memset(c, 0, sizeof(*c));
	c->sh = (volatile struct ns_shared *) NS_SHARED_VA;
	c->ring = (struct net_rx_frame *) NS_RX_RING_VA;
	c->map_va = map_va;
}

int
rxring_next(struct rxring *c, const uint8_t **frame)
{
	volatile struct ns_shared *sh = c->sh;
	int r;

	if (c->taken) {
		sh->rx_tail++;
		ns_ring_wake(&sh->rx_tail, &sh->rx_input_waiting);
	}
	c->taken = false;
	while (sh->rx_head == sh->rx_tail) {
		sh->rx_ns_idle = 1;
		ns_barrier();
		if (sh->rx_head != sh->rx_tail)
			break;
		envid_t from;
		int32_t req = ipc_recv(&from, NULL, NULL);
		sh->rx_ns_idle = 0;
		if (from != c->input || req != NSREQ_INPUT)
			cprintf("%s: refused request %d from %08x\n", binaryname, req, from);
		else
			c->pokes++;
	}
	sh->rx_ns_idle = 0;
	ns_barrier();
	uint32_t at = sh->rx_tail % NS_RX_RING_SLOTS;
	const struct net_rx_frame *f = &c->ring[at];
	c->taken = true;
	if (f->nf_where == NET_RX_INLINE) {
		*frame = f->nf_data;
		return f->nf_len;
	}
	if ((r = sys_page_map(c->input, (void *) (INPUT_WIN_VA + at * PGSIZE), 0, c->map_va,
			      PTE_P | PTE_U | PTE_W)) < 0)
		panic("sys_page_map: %e", r);
	const struct net_pkt *pkt = c->map_va;
	*frame = pkt->np_data;
	return pkt->np_len;
}
