/* The network server's Ethernet interface for lwIP: received packet pages become lwIP buffers
 * without a copy; outgoing frames are copied once into a fresh packet page for the output
 * helper. */

#include <inc/lib.h>
#include <inc/ns.h>
#include <net/serv.h>

#include <lwip/opt.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/etharp.h>
#include <netif/ethernet.h>

/* Where linkoutput builds outgoing frames: a ring of NS_TX_PAGES pages below the page slots. */
#define NS_TX_PAGES	16
#define NS_TX_BASE	(NS_PAGE_BASE - NS_TX_PAGES * PGSIZE)

static_assert(NET_PKT_DATA_OFFSET + NET_FRAME_MAX <= PGSIZE, "a frame fits in a packet page");
static_assert(NET_FRAME_MAX >= 1500 + SIZEOF_ETH_HDR, "a full-MTU frame fits NET_FRAME_MAX");

/*
 * Receive: a custom pbuf (PBUF_REF, flagged custom) whose payload is the frame in the packet
 * page.  lwIP keeps it as long as any layer needs the data -- until the TCP segment has been
 * read by a client, for instance -- and its last pbuf_free calls rx_pbuf_free, which releases
 * the page slot.  One pbuf_custom per slot, so there is always one for a received page.
 */
static struct pbuf_custom rx_pbufs[NS_PAGE_SLOTS];

static void
rx_pbuf_free(struct pbuf *p)
{
	struct pbuf_custom *pc = (struct pbuf_custom *) p;
	int slot = pc - rx_pbufs;

	assert(slot >= 0 && slot < NS_PAGE_SLOTS);
	ns_page_release((void *) (NS_PAGE_BASE + slot * PGSIZE));
	ns_stats.rx_pages_held--;
}

void
ns_netif_input(struct netif *netif, void *page)
{
	struct net_pkt *pkt = page;
	int32_t len = pkt->np_len;	/* read once: the input helper wrote it */
	struct pbuf_custom *pc = &rx_pbufs[ns_page_slot(page)];
	struct pbuf *p;

	if (len < SIZEOF_ETH_HDR || len > NET_FRAME_MAX) {
		ns_stats.rx_dropped++;
		ns_page_release(page);
		return;
	}
	pc->custom_free_function = rx_pbuf_free;
	p = pbuf_alloced_custom(PBUF_RAW, len, PBUF_REF, pc, pkt->np_data,
				PGSIZE - NET_PKT_DATA_OFFSET);
	assert(p != NULL);	/* fails only if len exceeds the buffer, checked above */
	ns_stats.rx_frames++;
	ns_stats.rx_bytes += len;
	if (++ns_stats.rx_pages_held > ns_stats.rx_pages_held_max)
		ns_stats.rx_pages_held_max = ns_stats.rx_pages_held;

	/* netif->input is tcpip_input: with core locking it runs ethernet_input in this thread. */
	if (netif->input(p, netif) != ERR_OK) {
		ns_stats.rx_dropped++;
		pbuf_free(p);
	}
}

/*
 * Send: lwIP hands us a pbuf chain (headers, then data; with LWIP_NETIF_TX_SINGLE_PBUF a TCP
 * segment is one pbuf).  The output helper takes exactly one page holding the frame, so the
 * frame is copied into a packet page: this is the one copy on the way out, counted in
 * tx_copy_bytes (and tx_chained counts frames that were more than one buffer).  We keep our
 * mapping of the page; the output helper maps it too until it has handed it to the card, and
 * the card holds a reference until the frame is sent (kern/e1000.h, T1-T2), so the page is ours
 * alone again exactly when its reference count is 1.
 */
/* A page to build the next outgoing frame in: the next page of the ring, reused when nobody
 * else holds it any more (the output helper has unmapped it and the card has sent it: its
 * reference count, read from pages[], is our mapping's alone), else replaced by a fresh page.
 * Reuse saves allocating (and zeroing) a page and unmapping it for every frame. */
static struct net_pkt *
tx_page_get(void)
{
	static uint32_t next;
	uintptr_t va = NS_TX_BASE + (next++ % NS_TX_PAGES) * PGSIZE;
	pte_t pte = (uvpd[PDX(va)] & PTE_P) ? uvpt[PGNUM(va)] : 0;

	if ((pte & PTE_P) && pages[PGNUM(PTE_ADDR(pte))].pp_ref == 1) {
		ns_stats.tx_page_reused++;
		return (struct net_pkt *) va;
	}
	/* Mapping over the old page drops our reference to it; the others still hold theirs. */
	if (sys_page_alloc(0, (void *) va, PTE_P | PTE_U | PTE_W) < 0)
		return NULL;
	return (struct net_pkt *) va;
}

static err_t
ns_netif_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct net_pkt *pkt;
	int r;

	(void) netif;
	if (p->tot_len > NET_FRAME_MAX || !(pkt = tx_page_get())) {
		ns_stats.tx_dropped++;
		return p->tot_len > NET_FRAME_MAX ? ERR_IF : ERR_MEM;
	}
	pkt->np_len = pbuf_copy_partial(p, pkt->np_data, p->tot_len, 0);
	ns_stats.tx_copy_bytes += p->tot_len;
	if (p->next)
		ns_stats.tx_chained++;

	/* The output helper loops on ipc_recv; it is busy only while the card's ring is full, so
	 * waiting here is the back-pressure of a full ring.  Any other error means it is gone. */
	while ((r = sys_ipc_try_send(ns_output_envid, NSREQ_OUTPUT, pkt,
				     PTE_P | PTE_U)) == -E_IPC_NOT_RECV)
		sys_yield();
	if (r < 0) {
		ns_stats.tx_dropped++;
		return ERR_IF;
	}
	ns_stats.tx_frames++;
	ns_stats.tx_bytes += p->tot_len;
	return ERR_OK;
}

/* netif_add's init callback: the card's MAC (sys_net_info), Ethernet MTU, ARP. */
err_t
ns_netif_init(struct netif *netif)
{
	struct net_info info;
	int r;

	if ((r = sys_net_info(&info)) < 0) {
		cprintf("ns: sys_net_info: %e\n", r);
		return ERR_IF;
	}
	netif->name[0] = 'e';
	netif->name[1] = 'n';
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, info.mac, ETH_HWADDR_LEN);
	netif->mtu = 1500;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET
		| NETIF_FLAG_LINK_UP;
	netif->output = etharp_output;
	netif->linkoutput = ns_netif_linkoutput;
	return ERR_OK;
}
