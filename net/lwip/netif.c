/* The network server's Ethernet interface for lwIP: received packet pages become lwIP buffers
 * without a copy; outgoing frames go to the output helper as fragments naming lwIP's own
 * buffers, their headers excepted. */

#include <inc/lib.h>
#include <inc/ns.h>
#include <net/serv.h>

#include <lwip/opt.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/etharp.h>
#include <lwip/tcp.h>
#include <lwip/stats.h>
#include <lwip/inet_chksum.h>
#include <lwip/prot/ip4.h>
#include <lwip/prot/tcp.h>
#include <lwip/prot/udp.h>
#include <netif/ethernet.h>

#include "ns_hooks.h"
#include <net/nethelpers.h>

static_assert(NET_PKT_DATA_OFFSET + NET_FRAME_MAX <= PGSIZE, "a frame fits in a packet page");
static_assert(NET_ETH_HLEN == SIZEOF_ETH_HDR, "inc/netconf.h and lwIP agree on the header");
static_assert(NET_FRAME_MAX >= NET_MTU + SIZEOF_ETH_HDR, "a full-MTU frame fits NET_FRAME_MAX");
static_assert(TCP_WND / TCP_MSS <= NS_RX_CONN_SLOTS,
	      "a connection's share of page slots holds a full receive window");

/*
 * Receive: a custom pbuf (PBUF_REF, flagged custom) whose payload is the frame in the packet
 * page.  lwIP keeps it as long as any layer needs the data -- until the TCP segment has been
 * read by a client, for instance -- and its last pbuf_free calls rx_pbuf_free, which releases
 * the page slot.  One pbuf_custom per slot, so there is always one for a received page.
 *
 * Shares (inc/ns.h): a frame of at most NS_RX_COPY_MAX bytes (an ACK, a short request line, a
 * keystroke) is copied into an lwIP heap buffer and its page released at once, so that a peer
 * sending tiny segments cannot make each one hold a whole page; the copy is the one on the way
 * in for those frames (rx_copy_bytes), and is skipped while the heap is half used, which
 * bounds what such copies can take of it.  Every other TCP segment that carries data is charged
 * to its connection and to the client owning it, at lwIP's input hook (ns_tcp_inpacket, before
 * lwIP looks at the segment): past a share the segment is dropped, as if lost, and the peer
 * sends it again later -- by then the client may have read and freed its slots.  A connection
 * whose client reads never gets there: its window (TCP_WND, 16 full segments) is below its
 * share.
 */
#define NS_RX_COPY_MAX		512

static struct pbuf_custom rx_pbufs[NS_PAGE_SLOTS];
/* Whom slot i's data is charged to: the connection (its pcb, only ever compared) and the
 * client, 0 for no client; rx_pcb[i] is NULL while the slot holds no TCP data. */
static const struct tcp_pcb *rx_pcb[NS_PAGE_SLOTS];
static envid_t rx_client[NS_PAGE_SLOTS];
/* The charges summed, so that a segment is charged without a scan of every slot: all TCP
 * data, by client (the slot of its id: two live clients never share one), and by connection
 * (only those holding data, a few at a time, in no order). */
static uint32_t rx_tcp_held;
static uint16_t rx_client_held[NENV];
static struct rx_conn_held {
	const struct tcp_pcb *pcb;
	uint32_t n;
} rx_conns[NS_RX_TCP_SLOTS];
static uint32_t rx_nconns;

/* pcb's entry in rx_conns, or NULL if it holds no slot. */
static struct rx_conn_held *
rx_conn_find(const struct tcp_pcb *pcb)
{
	for (uint32_t i = 0; i < rx_nconns; i++)
		if (rx_conns[i].pcb == pcb)
			return &rx_conns[i];
	return NULL;
}

/* Slot `slot` no longer holds TCP data: take its charge back. */
static void
rx_uncharge(int slot)
{
	const struct tcp_pcb *pcb = rx_pcb[slot];

	if (!pcb)
		return;
	struct rx_conn_held *c = rx_conn_find(pcb);
	assert(c && c->n > 0 && rx_tcp_held > 0);
	if (--c->n == 0)
		*c = rx_conns[--rx_nconns];
	rx_tcp_held--;
	if (rx_client[slot])
		rx_client_held[ENVX(rx_client[slot])]--;
	rx_pcb[slot] = NULL;
	rx_client[slot] = 0;
}

static void
rx_pbuf_free(struct pbuf *p)
{
	struct pbuf_custom *pc = (struct pbuf_custom *) p;
	int slot = pc - rx_pbufs;

	assert(slot >= 0 && slot < NS_PAGE_SLOTS);
	rx_uncharge(slot);
	ns_page_recycle((void *) (NS_PAGE_BASE + slot * PGSIZE));
	ns_stats.rx_pages_held--;
}

/* The slot of p if it is a received frame that holds its page, else -1. */
static int
rx_slot_of(const struct pbuf *p)
{
	const struct pbuf_custom *pc = (const struct pbuf_custom *) p;

	if (!(p->flags & PBUF_FLAG_IS_CUSTOM) || pc < rx_pbufs || pc >= rx_pbufs + NS_PAGE_SLOTS)
		return -1;
	return pc - rx_pbufs;
}

/* The client a connection's data is charged to: its socket's, or, before a client accepted
 * it, that of the listener it came to. */
static envid_t
pcb_client(const struct tcp_pcb *pcb)
{
	envid_t e = 0;

	if (pcb->callback_arg)
		e = nssock_conn_owner(pcb->callback_arg);
	if (!e && pcb->listener && pcb->listener->callback_arg)
		e = nssock_conn_owner(pcb->listener->callback_arg);
	return e;
}

err_t
ns_tcp_inpacket(struct tcp_pcb *pcb, struct pbuf *p)
{
	int slot = rx_slot_of(p);

	/* p->payload is the segment's data here; a listen pcb is a smaller struct (no
	 * callback_arg to read beyond its fields), and a TIME_WAIT one keeps nothing. */
	if (slot < 0 || p->tot_len == 0 || pcb->state == LISTEN || pcb->state == TIME_WAIT)
		return ERR_OK;
	/* Charged at most once, even if lwIP showed us this pbuf before. */
	rx_uncharge(slot);
	envid_t client = pcb_client(pcb);
	struct rx_conn_held *c = rx_conn_find(pcb);
	if ((c && c->n >= NS_RX_CONN_SLOTS)
	    || (client && rx_client_held[ENVX(client)] >= NS_RX_CLIENT_SLOTS)
	    || rx_tcp_held >= NS_RX_TCP_SLOTS) {
		ns_stats.rx_share_dropped++;
		return ERR_MEM;
	}
	if (!c) {
		c = &rx_conns[rx_nconns++];	/* room: no more entries than rx_tcp_held */
		*c = (struct rx_conn_held) { pcb, 0 };
	}
	c->n++;
	rx_tcp_held++;
	if (client)
		rx_client_held[ENVX(client)]++;
	rx_pcb[slot] = pcb;
	rx_client[slot] = client;
	return ERR_OK;
}

/* Does the frame in pkt claim our own address as its IPv4 source?  None that the card receives
 * can be genuine, and packets that do are taken for our own looped back (ns_ip4_input). */
static bool
rx_from_ourselves(const struct netif *netif, const uint8_t *frame, int32_t len)
{
	const struct eth_hdr *eth = (const struct eth_hdr *) frame;
	const struct ip_hdr *ip = (const struct ip_hdr *) (frame + SIZEOF_ETH_HDR);

	return len >= SIZEOF_ETH_HDR + IP_HLEN && eth->type == PP_HTONS(ETHTYPE_IP)
		&& ip4_addr_get_u32(&ip->src) == ip4_addr_get_u32(netif_ip4_addr(netif));
}

/* Whether a received frame of len bytes at frame may go to lwIP at all: counts it either way. */
static bool
rx_accept(const struct netif *netif, const uint8_t *frame, int32_t len)
{
	if (len < SIZEOF_ETH_HDR || len > NET_FRAME_MAX || rx_from_ourselves(netif, frame, len)) {
		ns_stats.rx_dropped++;
		return false;
	}
	ns_stats.rx_frames++;
	ns_stats.rx_bytes += len;
	return true;
}

/* Give lwIP a received buffer: netif->input is tcpip_input, which with core locking runs
 * ethernet_input in this thread. */
static void
rx_deliver(struct netif *netif, struct pbuf *p)
{
	if (netif->input(p, netif) != ERR_OK) {
		ns_stats.rx_dropped++;
		pbuf_free(p);
	}
}

/* A heap buffer holding a copy of the len bytes at frame (counted), or NULL if none is free. */
static struct pbuf *
rx_copy(const void *frame, int32_t len)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, len, PBUF_RAM);

	if (p) {
		pbuf_take(p, frame, len);
		ns_stats.rx_copy_bytes += len;
	}
	return p;
}

void
ns_netif_input_copy(struct netif *netif, const void *frame, int32_t len)
{
	struct pbuf *p;

	if (!rx_accept(netif, frame, len))
		return;
	if ((p = rx_copy(frame, len)) == NULL) {
		ns_stats.rx_dropped++;
		return;
	}
	rx_deliver(netif, p);
}

void
ns_netif_input(struct netif *netif, void *page)
{
	struct net_pkt *pkt = page;
	int32_t len = pkt->np_len;	/* read once: the input helper wrote it */
	struct pbuf_custom *pc = &rx_pbufs[ns_page_slot(page)];
	struct pbuf *p;

	if (!rx_accept(netif, pkt->np_data, len)) {
		ns_page_recycle(page);
		return;
	}
	if (len <= NS_RX_COPY_MAX && lwip_stats.mem.used < MEM_SIZE / 2
	    && (p = rx_copy(pkt->np_data, len)) != NULL) {
		ns_page_recycle(page);
	} else {
		pc->custom_free_function = rx_pbuf_free;
		p = pbuf_alloced_custom(PBUF_RAW, len, PBUF_REF, pc, pkt->np_data,
					PGSIZE - NET_PKT_DATA_OFFSET);
		assert(p != NULL);	/* fails only if len exceeds the buffer, checked above */
		if (++ns_stats.rx_pages_held > ns_stats.rx_pages_held_max)
			ns_stats.rx_pages_held_max = ns_stats.rx_pages_held;
	}

	rx_deliver(netif, p);
}

/*
 * Send.  lwIP hands us each frame as a pbuf chain, and the output helper hands the card
 * fragments that name our own memory (NET_TX_PARENT, the kernel's rule T7), so a frame goes
 * out from where its bytes are: lwIP's heap (LWIP_RAM_HEAP_POINTER: the transmit region of
 * inc/memlayout.h, ns_netif_tx_region_init), a received page, or a file's page a client lent
 * (sendfile), which lwIP sends from in place (net/lwip/sendhold.c).  We copy only the headers -- a
 * frame's first TX_HDR_MAX bytes at most, the whole frame if it is shorter (an ACK) -- into a
 * header slot of the same region, because we write into them (the checksum fields, a merged
 * frame's newest ACK) while lwIP may still write its own copy when it sends a segment again.
 * The rest is named in place, a fragment per page it touches (the kernel's rule T1); the frame
 * holds the pbuf chain (pbuf_ref), so that lwIP frees none of it while the card may read it,
 * nor sends that segment again meanwhile (tcp_output_segment_busy), and the page slots whose
 * bytes lwIP does not own (ns_page_hold).  Anything else (a datagram's request page, data in
 * the server's own image) is copied into a heap buffer first (tx_in_place says which).  tx_copy_bytes counts what was copied (headers and such
 * buffers), tx_ref_bytes what was named in place.
 *
 * When the card is done.  A frame posted at ring sequence s is remembered in
 * tx_inflight[s % NS_TX_INFLIGHT] -- its header slot, pbufs and page slots -- until the output
 * helper's env_net_tx_done reaches the ticket it stamped on the entry (net/nethelpers.h, TRANSMIT RING);
 * tx_reap then frees them, at every post and every dispatcher turn.
 *
 * Segmentation offload: the consecutive TCP segments of one connection that lwIP emits in one
 * dispatcher turn (when a batch of ACKs opens the window, or a client's send) become one frame
 * that the card cuts back into those very segments (NET_OFFLOAD_TSO): lwIP cuts a stream into
 * segments of the connection's MSS but the last, so a segment is merged only into a frame whose
 * segments so far were all as long as its first, continuing it byte for byte, and only if it
 * is no longer (tx_merge_ok).  The merged frame carries the newest segment's ACK, window and
 * flags (the card puts PSH and FIN on the last segment only).  The frame being built waits at
 * most until the end of the dispatcher's turn (ns_netif_flush), never across a sleep.
 *
 * Who hands the frames to the card.  A finished frame waits in tx_fifo until the end of the
 * turn (or until the FIFO is full), when tx_push empties it: if the output helper has nothing
 * queued (its ring is empty, so every frame it took is with the card), we send the frames
 * ourselves, one sys_net_send_batch with NET_NONBLOCK; they are then in order behind the
 * helper's, and are remembered in tx_direct with tickets of our own env_net_tx_queued.  Else,
 * or when the card's ring is full, they go into the helper's ring, which sends them (and waits
 * for room in the card: we never block on it).  Sending ourselves spares a switch of address
 * space a turn (to the helper, which then ran between us and the input helper), and each
 * empties QEMU's whole soft TLB (a download of 1 MiB: 143 -> 118 cr3 loads).  When the
 * helper's ring is full, frames wait in the FIFO in order and
 * the helper pokes us when it has room; with the FIFO full too, or no header slot or heap
 * left, a frame is dropped (tx_dropped) and lwIP's TCP sends it again.
 */
#define NS_TX_FIFO	128
#define NS_TX_INFLIGHT	(2 * NS_TX_RING_SLOTS)	/* posted, not yet known done */
#define NS_TX_DIRECT	NET_TX_BATCH_MAX	/* sent by us, not yet known done */
#define TX_TCP_HLEN	(SIZEOF_ETH_HDR + IP_HLEN + TCP_HLEN)	/* a mergeable segment's */
/* A header slot: room for Ethernet, IPv4 and TCP headers with all their options (14 + 60 + 60). */
#define TX_HDR_MAX	256
#define TX_HDR_PAGES	32
#define TX_HDR_SLOTS	(TX_HDR_PAGES * PGSIZE / TX_HDR_MAX)
/* lwIP's heap: MEM_SIZE and its two struct mem (12 bytes each), after the header slots. */
#define TX_HEAP_PAGES	(MEM_SIZE / PGSIZE + 1)
static_assert(PGSIZE % TX_HDR_MAX == 0, "a header slot never crosses a page's end");
static_assert(TX_HDR_SLOTS >= NS_TX_INFLIGHT + NS_TX_DIRECT + NS_TX_FIFO + 1,
	      "every frame in flight, waiting or being built has a header slot");
static_assert(NS_TX_HEAP_VA == NS_TX_BASE + TX_HDR_PAGES * PGSIZE
	      && NS_TX_HEAP_VA + TX_HEAP_PAGES * PGSIZE <= NS_TX_LIM,
	      "the header slots and the heap fill the transmit region (inc/memlayout.h)");
static_assert(NS_TX_INFLIGHT >= NS_TX_RING_SLOTS && NS_TX_INFLIGHT % NS_TX_RING_SLOTS == 0,
	      "every ring entry has its record");

static volatile struct ns_tx_ring *tx_ring;
static void tx_reap(void);

/* The buffers a frame may hold: one per segment merged into it.  More than its fragments: the
 * segments lwIP sends in place from a file's pages lie end to end in the page slots, so a
 * fragment per page carries several segments (a copied segment's bytes lie between its
 * neighbours' headers in the heap: a fragment each). */
#define TX_HOLD_PBUFS	(NET_TSO_PAYLOAD_MAX / TCP_MSS + 2)

/* A frame and what it holds until the card is done with it. */
struct tx_hold {
	int16_t hdr;			/* its header slot, or -1 */
	uint8_t npbufs, npages;
	uint32_t ticket;		/* once posted and passed by the helper */
	struct pbuf *pbufs[TX_HOLD_PBUFS];	/* each holding some of the frame's bytes */
	const void *pages[NET_TX_FRAGS_MAX];	/* page slots held (ns_page_hold) */
};
struct tx_frame {
	struct net_tx_frame f;
	struct tx_hold h;
	bool waited;			/* left in the FIFO by a tx_push (counted in tx_queued) */
};
static struct tx_frame tx_fifo[NS_TX_FIFO];
static uint32_t tx_fifo_head, tx_fifo_count;

/* Posted frames, by ring sequence: [tx_done_seq, tx_tickets_seq) have their tickets, the rest
 * of [tx_done_seq, head) are with the helper. */
static struct tx_hold tx_inflight[NS_TX_INFLIGHT];
static uint32_t tx_done_seq, tx_tickets_seq;

/* Frames we handed the card ourselves (tx_push), oldest first: [tx_direct_done,
 * tx_direct_head), each with the ticket our own env_net_tx_queued gave it. */
static struct tx_hold tx_direct[NS_TX_DIRECT];
static uint32_t tx_direct_done, tx_direct_head;
static uint32_t tx_direct_frames;	/* sent by us since the last ns_netif_flush */

/* Free header slots: a stack. */
static uint16_t tx_hdr_free[TX_HDR_SLOTS];
static uint32_t tx_hdr_nfree;

/* The frame being built. */
static struct tx_frame tb;
static bool tb_open;
static uint32_t tb_len;			/* bytes so far */
static bool tb_tcp;			/* a mergeable TCP segment (or several) */
static uint32_t tb_segs, tb_mss, tb_last, tb_next_seq;

static uint8_t *
tx_hdr_va(int i)
{
	return (uint8_t *) NS_TX_BASE + i * TX_HDR_MAX;
}

static bool
tx_in_heap(const void *p, size_t len)
{
	return (uintptr_t) p >= NS_TX_HEAP_VA
		&& (uintptr_t) p + len <= NS_TX_HEAP_VA + TX_HEAP_PAGES * PGSIZE;
}

void
ns_netif_tx_init(void)
{
	tx_ring = txring_create();
	tx_ring->send_flags = NET_TX_PARENT;	/* the frames name our pages (rule T7) */
	for (uint32_t i = 0; i < TX_HDR_SLOTS; i++)
		tx_hdr_free[tx_hdr_nfree++] = TX_HDR_SLOTS - 1 - i;
}

void
ns_netif_tx_region_init(void)
{
	/* Here only: the output helper names our pages (NET_TX_PARENT, rule T7).  After the
	 * helpers are forked (a heap in the bss would have been copied into each of them, page by
	 * page, as we wrote it) and before lwIP's heap is set up. */
	for (uint32_t i = 0; i < TX_HDR_PAGES + TX_HEAP_PAGES; i++) {
		void *va = (void *) (NS_TX_BASE + i * PGSIZE);
		int r;
		if ((r = sys_page_alloc(0, va, PTE_P | PTE_U | PTE_W)) < 0)
			panic("ns: the transmit region: %e", r);
	}
}

volatile struct ns_tx_ring *
ns_netif_tx_ring(void)
{
	return tx_ring;
}

uint32_t
ns_netif_tx_held(void)
{
	tx_reap();
	return tx_ring->head - tx_done_seq + tx_direct_head - tx_direct_done + tx_fifo_count;
}

/* Let go of what h holds: the card is done with it, or it never reached the card. */
static void
tx_hold_release(struct tx_hold *h)
{
	if (h->hdr >= 0)
		tx_hdr_free[tx_hdr_nfree++] = h->hdr;
	for (uint32_t i = 0; i < h->npbufs; i++)
		pbuf_free(h->pbufs[i]);
	for (uint32_t i = 0; i < h->npages; i++)
		ns_page_unhold(h->pages[i]);
	h->hdr = -1;
	h->npbufs = h->npages = 0;
}

/* Free what the frames the card is done with held (TRANSMIT RING in net/nethelpers.h): first
 * the tickets of the entries the helper passed, copied out before we write those entries
 * again, then every frame, oldest first, whose ticket the helper's done count has reached. */
static void
tx_reap(void)
{
	uint32_t tail = tx_ring->tail;

	ns_barrier();			/* the tickets after the tail that handed them over */
	for (; tx_tickets_seq != tail; tx_tickets_seq++)
		tx_inflight[tx_tickets_seq % NS_TX_INFLIGHT].ticket =
			tx_ring->ticket[tx_tickets_seq % NS_TX_RING_SLOTS];
	uint32_t done = envs[ENVX(ns_output_envid)].env_net_tx_done;
	while (tx_done_seq != tx_tickets_seq
	       && (int32_t) (done - tx_inflight[tx_done_seq % NS_TX_INFLIGHT].ticket) >= 0)
		tx_hold_release(&tx_inflight[tx_done_seq++ % NS_TX_INFLIGHT]);
	done = thisenv->env_net_tx_done;
	while (tx_direct_done != tx_direct_head
	       && (int32_t) (done - tx_direct[tx_direct_done % NS_TX_DIRECT].ticket) >= 0)
		tx_hold_release(&tx_direct[tx_direct_done++ % NS_TX_DIRECT]);
}

/* Drop frame t (what it holds freed at once). */
static void
tx_frame_drop(struct tx_frame *t)
{
	tx_hold_release(&t->h);
	ns_stats.tx_dropped++;
}

/* Put frame t in the ring, or false if it is full, or its record would be a frame's the card
 * may not be done with. */
static bool
tx_frame_post(struct tx_frame *t)
{
	uint32_t seq = tx_ring->head;

	/* The entry we write held seq - NS_TX_RING_SLOTS, whose ticket must be out, and its record
	 * must be free: look at the helper's side only when one is due (tx_reap runs at every
	 * dispatcher turn anyway). */
	if (seq - tx_tickets_seq >= NS_TX_RING_SLOTS || seq - tx_done_seq >= NS_TX_INFLIGHT)
		tx_reap();
	if (seq - tx_done_seq >= NS_TX_INFLIGHT) {
		/* The card has not finished frames the helper handed it long ago (a real card
		 * behind; QEMU's finishes each batch before the call returns): wait as for a
		 * full ring, the helper pokes us when it passes more. */
		tx_ring->ns_waiting = 1;
		return false;
	}
	if (!txring_post(tx_ring, &t->f))
		return false;
	tx_inflight[seq % NS_TX_INFLIGHT] = t->h;
	t->h.hdr = -1;
	t->h.npbufs = t->h.npages = 0;
	return true;
}

static void tx_push(void);

/* Frame t is complete: to the FIFO, which tx_push empties at the end of the turn (or now, if
 * it is full), else dropped. */
static void
tx_frame_send(struct tx_frame *t)
{
	if (tx_fifo_count == NS_TX_FIFO)
		tx_push();
	if (tx_fifo_count == NS_TX_FIFO) {
		tx_frame_drop(t);
		return;
	}
	t->waited = false;
	tx_fifo[(tx_fifo_head + tx_fifo_count++) % NS_TX_FIFO] = *t;
	t->h.hdr = -1;
	t->h.npbufs = t->h.npages = 0;
	ns_stats.tx_frames++;
	for (uint32_t i = 0; i < t->f.nf_nfrags; i++)
		ns_stats.tx_bytes += t->f.nf_frags[i].nt_len;
}

/* The first frame of the FIFO is out of it: sent, posted or dropped. */
static void
tx_fifo_pop(void)
{
	tx_fifo_head = (tx_fifo_head + 1) % NS_TX_FIFO;
	tx_fifo_count--;
}

/* Frames of ours the kernel refused (a bug here): reported as the output helper's are. */
static struct tx_refusals tx_refused = { "ns" };

/* Send frames from the FIFO ourselves, one batch (one doorbell), if the output helper has
 * nothing queued: frames then go out in order, and the card's burst of answers finds us
 * running, with no switch to the helper and back.  false when it sent none: the helper's
 * ring is busy, the card full, or our record of frames in flight is. */
static bool
tx_send_direct(void)
{
	static struct net_tx_frame batch[NET_TX_BATCH_MAX];

	if (tx_ring->tail != tx_ring->head)
		return false;
	uint32_t n = MIN(tx_fifo_count, NS_TX_DIRECT - (tx_direct_head - tx_direct_done));
	n = MIN(n, NET_TX_BATCH_MAX);
	for (uint32_t i = 0; i < n; i++)
		batch[i] = tx_fifo[(tx_fifo_head + i) % NS_TX_FIFO].f;
	if (n == 0)
		return false;
	uint32_t queued = thisenv->env_net_tx_queued;
	int r = sys_net_send_batch(batch, n, NET_NONBLOCK);
	if (r == -E_AGAIN)
		return false;		/* the card's ring is full: the helper waits for room */
	if (r < 0) {
		tx_refusal(&tx_refused, r);
		tx_frame_drop(&tx_fifo[tx_fifo_head]);
		tx_fifo_pop();
		return true;
	}
	/* The kernel queued frames queued + 1 .. queued + r, in order. */
	for (int i = 0; i < r; i++) {
		struct tx_frame *t = &tx_fifo[tx_fifo_head];
		t->h.ticket = queued + 1 + i;
		tx_direct[tx_direct_head++ % NS_TX_DIRECT] = t->h;
		t->h.hdr = -1;
		t->h.npbufs = t->h.npages = 0;
		tx_fifo_pop();
	}
	ns_stats.tx_direct_batches++;
	tx_direct_frames += r;
	return true;
}

/* Empty the FIFO: ourselves while the helper's ring is empty, else into its ring, in order;
 * what neither takes waits for the helper's poke (NSREQ_OUTPUT_READY). */
static void
tx_push(void)
{
	bool posted = false;

	tx_reap();
	while (tx_fifo_count > 0) {
		if (tx_send_direct())
			continue;
		if (!tx_frame_post(&tx_fifo[tx_fifo_head]))
			break;
		tx_fifo_pop();
		posted = true;
	}
	if (tx_fifo_count == 0)
		txring_done_waiting(tx_ring);
	for (uint32_t i = 0; i < tx_fifo_count; i++) {
		struct tx_frame *t = &tx_fifo[(tx_fifo_head + i) % NS_TX_FIFO];
		if (!t->waited) {
			t->waited = true;
			ns_stats.tx_queued++;
		}
	}
	if (posted)
		txring_kick(tx_ring);
}

/* Name the len bytes at va (inside the heap or a header slot) as the frame's next fragments,
 * one per page they touch; the previous fragment grows when they continue it in its page.
 * false if the fragments ran out (the caller puts the frame back as it was: tb_undo). */
static bool
tb_name(const uint8_t *va, uint32_t len)
{
	while (len > 0) {
		uint32_t n = MIN(len, PGSIZE - PGOFF(va));
		struct net_tx_frag *fr = tb.f.nf_nfrags ? &tb.f.nf_frags[tb.f.nf_nfrags - 1] : NULL;
		if (fr && fr->nt_va + fr->nt_len == (uintptr_t) va && PGOFF(va) != 0) {
			fr->nt_len += n;
		} else if (tb.f.nf_nfrags == NET_TX_FRAGS_MAX) {
			return false;
		} else {
			fr = &tb.f.nf_frags[tb.f.nf_nfrags++];
			fr->nt_va = (uintptr_t) va;
			fr->nt_len = n;
		}
		va += n;
		len -= n;
	}
	return true;
}

/* Put the frame's fragments back as they were: nfrags of them, the last last_len long. */
static void
tb_undo(uint32_t nfrags, uint16_t last_len)
{
	tb.f.nf_nfrags = nfrags;
	if (nfrags)
		tb.f.nf_frags[nfrags - 1].nt_len = last_len;
}

/* May the card read the n bytes at va, of buffer q, where they are, once the frame holds q's
 * chain (pbuf_ref on its first buffer) and, for a page slot's bytes lwIP does not own, the
 * slot (*hold)?  lwIP's heap and a received page in a custom buffer are owned by the chain;
 * a file's page lwIP sends from in place is a slot already held (net/lwip/sendhold.c), which
 * the frame holds too.  Anything else is copied: a request page a datagram is sent from,
 * which its client may write as soon as it has the answer, and the server's own data. */
static bool
tx_in_place(const struct pbuf *q, const uint8_t *va, uint32_t n, bool *hold)
{
	*hold = false;
	if (tx_in_heap(va, n))
		return true;
	if (!ns_page_in_slots(va) || !ns_page_in_slots(va + n - 1))
		return false;
	if (q->flags & PBUF_FLAG_IS_CUSTOM)
		return true;
	*hold = true;
	return ns_page_held(va) && ns_page_held(va + n - 1);
}

/* Hold (ns_page_hold) each page slot the n bytes at va touch, once a frame.  false if the
 * frame's page holds ran out (those taken stay: the caller's undo gives them back). */
static bool
tb_hold_pages(const uint8_t *va, uint32_t n)
{
	for (const uint8_t *pg = ROUNDDOWN(va, PGSIZE); pg < va + n; pg += PGSIZE) {
		uint32_t k = 0;
		while (k < tb.h.npages && tb.h.pages[k] != pg)
			k++;
		if (k < tb.h.npages)
			continue;	/* held by this frame already */
		if (tb.h.npages == NET_TX_FRAGS_MAX)
			return false;
		ns_page_hold(pg);
		tb.h.pages[tb.h.npages++] = pg;
	}
	return true;
}

/* Add the len bytes of p from offset off to the end of the frame being built: named where they
 * are if the card may read them there (tx_in_place: p then referenced, and the page slots
 * held), else copied into a heap buffer.  One pass: at the first buffer that cannot be named
 * there, what was named is undone and the bytes are copied.  All or nothing: false if the
 * fragments, the heap or the frame's holds ran out, and the frame is as it was. */
static bool
tb_append(struct pbuf *p, uint32_t off, uint32_t len)
{
	uint32_t nfrags = tb.f.nf_nfrags, npages = tb.h.npages;
	uint16_t last_len = nfrags ? tb.f.nf_frags[nfrags - 1].nt_len : 0;
	const struct pbuf *q;
	uint32_t skip, left = len;
	bool in_place = true, hold;

	if (tb.h.npbufs == TX_HOLD_PBUFS)
		return false;
	for (q = p, skip = off; q && skip >= q->len; q = q->next)
		skip -= q->len;
	for (; q && left > 0 && in_place; q = q->next, skip = 0) {
		uint32_t n = MIN(left, q->len - skip);
		const uint8_t *va = (const uint8_t *) q->payload + skip;
		bool full = false;
		if ((in_place = tx_in_place(q, va, n, &hold)))
			full = !tb_name(va, n) || (hold && !tb_hold_pages(va, n));
		if (!in_place || full) {
			tb_undo(nfrags, last_len);
			while (tb.h.npages > npages)
				ns_page_unhold(tb.h.pages[--tb.h.npages]);
		}
		if (full)
			return false;	/* the frame is full: the bytes go in the next */
		left -= n;
	}
	if (in_place) {
		pbuf_ref(p);
		tb.h.pbufs[tb.h.npbufs++] = p;
		ns_stats.tx_ref_bytes += len;
	} else {
		struct pbuf *c = pbuf_alloc(PBUF_RAW, len, PBUF_RAM);
		if (!c)
			return false;
		pbuf_copy_partial(p, c->payload, len, off);
		if (!tb_name(c->payload, len)) {
			tb_undo(nfrags, last_len);
			pbuf_free(c);
			return false;
		}
		tb.h.pbufs[tb.h.npbufs++] = c;
		ns_stats.tx_copy_bytes += len;
		ns_stats.tx_body_copy_bytes += len;
	}
	tb_len += len;
	return true;
}

/* Start a new frame being built with frame p: its first hdrlen bytes copied into a header
 * slot, the rest appended.  false if a slot, the heap or the fragments ran out (nothing held). */
static bool
tb_start(struct pbuf *p, uint32_t hdrlen)
{
	memset(&tb, 0, sizeof(tb));
	tb.h.hdr = -1;
	tb_len = 0;
	if (tx_hdr_nfree == 0)
		return false;
	tb.h.hdr = tx_hdr_free[--tx_hdr_nfree];
	uint8_t *hdr = tx_hdr_va(tb.h.hdr);
	pbuf_copy_partial(p, hdr, hdrlen, 0);
	tb_name(hdr, hdrlen);		/* the first fragment: cannot fail */
	tb_len = hdrlen;
	ns_stats.tx_copy_bytes += hdrlen;
	if (p->tot_len > hdrlen && !tb_append(p, hdrlen, p->tot_len - hdrlen)) {
		tx_hold_release(&tb.h);
		return false;
	}
	return true;
}
static err_t ns_netif_linkoutput(struct netif *netif, struct pbuf *p);

/*
 * Transmit checksum offload (struct net_tx_offload, inc/ns.h): lwIP computes no IP, TCP or UDP
 * checksum for this interface (ns_netif_init), the card does, as the frame leaves.  For every
 * IPv4 frame the card computes the header checksum; for TCP and UDP (not a fragment: only the
 * first one holds the header, and the checksum covers the whole datagram) also theirs, from
 * the pseudo-header's sum that we put in the field, because the card adds none.  ICMP keeps
 * lwIP's own checksum (its frames only ask for the IP header's).  We write both fields
 * whatever lwIP left there (an ICMP echo reply keeps the request's IP checksum field).
 */

/* The one's complement sum of n bytes (n even) at p, as big-endian 16-bit words, unfolded. */
static uint32_t
tx_sum16(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	return sum;
}

/* Fold sum to 16 bits and store it big-endian at p, not complemented (the card does that). */
static void
tx_store_sum(uint8_t *p, uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	p[0] = sum >> 8;
	p[1] = sum & 0xFF;
}

/* The offset of proto's checksum field in its header, and the header's least length; false if
 * the card does not compute proto's checksum. */
static bool
tx_l4_csum_field(uint8_t proto, size_t *field, size_t *hlen)
{
	switch (proto) {
	case IP_PROTO_TCP:
		*field = offsetof(struct tcp_hdr, chksum);
		*hlen = TCP_HLEN;
		return true;
	case IP_PROTO_UDP:
		*field = offsetof(struct udp_hdr, chksum);
		*hlen = UDP_HLEN;
		return true;
	default:
		return false;
	}
}

/* Ask for the TCP/UDP checksum of the IPv4 packet at ip (ihl header bytes, tot IP bytes, the
 * headers in the frame that starts at frame), if it has one the card can compute.  For a
 * segmentation frame (tso) the pseudo-header's sum leaves the length out: the card adds each
 * segment's. */
static void
tx_offload_l4(struct net_tx_offload *o, const uint8_t *frame, struct ip_hdr *ip, size_t ihl,
	      size_t tot, bool tso)
{
	size_t field, hlen;
	uint8_t *l4 = (uint8_t *) ip + ihl;

	if ((lwip_ntohs(IPH_OFFSET(ip)) & (IP_MF | IP_OFFMASK))
	    || !tx_l4_csum_field(IPH_PROTO(ip), &field, &hlen) || tot < ihl + hlen)
		return;
	/* Pseudo-header: source and destination addresses, protocol, TCP/UDP length. */
	uint32_t sum = tx_sum16((const uint8_t *) &ip->src, 2 * sizeof(ip->src))
		+ IPH_PROTO(ip) + (tso ? 0 : tot - ihl);
	tx_store_sum(l4 + field, sum);
	o->no_flags |= NET_OFFLOAD_L4;
	o->no_tucss = l4 - frame;
	o->no_tucso = l4 + field - frame;
}

/* Fill *o, the offload request for the frame of len bytes whose headers are at frame: none
 * unless IPv4. */
static void
tx_offload_fill(struct net_tx_offload *o, uint8_t *frame, size_t len, bool tso)
{
	const struct eth_hdr *eth = (const struct eth_hdr *) frame;
	struct ip_hdr *ip = (struct ip_hdr *) (frame + SIZEOF_ETH_HDR);
	size_t room = len - SIZEOF_ETH_HDR;

	memset(o, 0, sizeof(*o));
	if (len < SIZEOF_ETH_HDR + IP_HLEN || eth->type != PP_HTONS(ETHTYPE_IP) || IPH_V(ip) != 4)
		return;
	size_t ihl = IPH_HL_BYTES(ip), tot = lwip_ntohs(IPH_LEN(ip));
	if (ihl < IP_HLEN || tot < ihl || tot > room)
		return;
	IPH_CHKSUM_SET(ip, 0);
	o->no_flags = NET_OFFLOAD_IP;
	o->no_ipcss = SIZEOF_ETH_HDR;
	o->no_ipcso = SIZEOF_ETH_HDR + offsetof(struct ip_hdr, _chksum);
	o->no_ipcse = SIZEOF_ETH_HDR + ihl - 1;
	tx_offload_l4(o, frame, ip, ihl, tot, tso);
}

/*
 * Packets to our own address (10.0.2.15, not 127.0.0.1) never reach the card: lwIP builds them
 * for this interface, without the checksums the card would compute, and loops them back into
 * its input on this same interface, which checks every checksum.  So they get their checksums
 * here, at lwIP's IPv4 input hook, before the checks: the packets on this interface whose source
 * is our own address, which only the loopback delivers (ns_netif_input drops frames from the
 * card that claim it).  Every frame from the card is still checked by lwIP.
 */
static void
loop_fill_checksums(struct pbuf *p, struct ip_hdr *ip)
{
	size_t ihl = IPH_HL_BYTES(ip), tot = lwip_ntohs(IPH_LEN(ip));
	size_t field, hlen;

	if (ihl < IP_HLEN || p->len < ihl || tot < ihl || p->tot_len < tot)
		return;			/* lwIP drops it */
	IPH_CHKSUM_SET(ip, 0);
	IPH_CHKSUM_SET(ip, inet_chksum(ip, ihl));
	if ((lwip_ntohs(IPH_OFFSET(ip)) & (IP_MF | IP_OFFMASK))
	    || !tx_l4_csum_field(IPH_PROTO(ip), &field, &hlen) || tot - ihl < hlen
	    || p->len < ihl + hlen)
		return;
	ip4_addr_t src, dst;
	ip4_addr_copy(src, ip->src);
	ip4_addr_copy(dst, ip->dest);
	uint8_t *sum = (uint8_t *) ip + ihl + field;
	sum[0] = sum[1] = 0;
	pbuf_remove_header(p, ihl);
	u16_t c = inet_chksum_pseudo(p, IPH_PROTO(ip), tot - ihl, &src, &dst);
	pbuf_add_header(p, ihl);
	if (c == 0 && IPH_PROTO(ip) == IP_PROTO_UDP)
		c = 0xFFFF;		/* RFC 768: 0 would mean "no checksum" */
	memcpy(sum, &c, sizeof(c));	/* inet_chksum_pseudo's result is in network order */
}

int
ns_ip4_input(struct pbuf *p, struct netif *inp)
{
	struct ip_hdr *ip = p->payload;

	if (inp->linkoutput == ns_netif_linkoutput && p->len >= IP_HLEN
	    && ip4_addr_get_u32(&ip->src) == ip4_addr_get_u32(netif_ip4_addr(inp)))
		loop_fill_checksums(p, ip);
	nsdns_input_peek(p);
	return ns_tcp_syn_input(p, inp);
}

/* If frame p (its first TX_TCP_HLEN bytes contiguous) is a TCP segment that may be merged with
 * its neighbours -- IPv4 and TCP headers without options, data, no flag but ACK and PSH --
 * its headers, else NULL. */
static const struct tcp_hdr *
tx_tcp_mergeable(const struct pbuf *p, const struct ip_hdr **ipp, uint32_t *payload)
{
	const struct eth_hdr *eth = p->payload;
	const struct ip_hdr *ip = (const struct ip_hdr *) ((const uint8_t *) p->payload
							   + SIZEOF_ETH_HDR);
	const struct tcp_hdr *tcp = (const struct tcp_hdr *) ((const uint8_t *) ip + IP_HLEN);

	if (p->len < TX_TCP_HLEN || eth->type != PP_HTONS(ETHTYPE_IP) || IPH_V(ip) != 4
	    || IPH_HL_BYTES(ip) != IP_HLEN || IPH_PROTO(ip) != IP_PROTO_TCP
	    || (lwip_ntohs(IPH_OFFSET(ip)) & (IP_MF | IP_OFFMASK))
	    || TCPH_HDRLEN_BYTES(tcp) != TCP_HLEN || (TCPH_FLAGS(tcp) & ~TCP_PSH) != TCP_ACK)
		return NULL;
	uint32_t tot = lwip_ntohs(IPH_LEN(ip));
	if (tot <= IP_HLEN + TCP_HLEN || SIZEOF_ETH_HDR + tot != p->tot_len)
		return NULL;
	*ipp = ip;
	*payload = tot - IP_HLEN - TCP_HLEN;
	return tcp;
}

/* May the segment (ip, tcp, payload bytes) go at the end of the frame being built? */
static bool
tx_merge_ok(const struct ip_hdr *ip, const struct tcp_hdr *tcp, uint32_t payload)
{
	const uint8_t *hdr = (const uint8_t *) tb.f.nf_frags[0].nt_va;
	const struct ip_hdr *bip = (const struct ip_hdr *) (hdr + SIZEOF_ETH_HDR);
	const struct tcp_hdr *btcp = (const struct tcp_hdr *) ((const uint8_t *) bip + IP_HLEN);

	return tb_open && tb_tcp && tb_last == tb_mss && payload <= tb_mss
		&& lwip_ntohl(tcp->seqno) == tb_next_seq
		&& ip4_addr_get_u32(&ip->src) == ip4_addr_get_u32(&bip->src)
		&& ip4_addr_get_u32(&ip->dest) == ip4_addr_get_u32(&bip->dest)
		&& tcp->src == btcp->src && tcp->dest == btcp->dest
		&& tb_len + payload <= TX_TCP_HLEN + NET_TSO_PAYLOAD_MAX;
}

/* The frame being built is complete: its offloads, then out (tx_frame_send). */
static void
tb_close(void)
{
	if (!tb_open)
		return;
	tb_open = false;
	uint8_t *hdr = (uint8_t *) tb.f.nf_frags[0].nt_va;
	bool tso = tb_tcp && tb_segs > 1;
	tx_offload_fill(&tb.f.nf_offload, hdr, tb_len, tso);
	if (tso) {
		tb.f.nf_offload.no_flags |= NET_OFFLOAD_TSO;
		tb.f.nf_hdrlen = TX_TCP_HLEN;
		tb.f.nf_mss = tb_mss;
		ns_stats.tx_tso_frames++;
	}
	tx_frame_send(&tb);
}

static err_t
ns_netif_linkoutput(struct netif *netif, struct pbuf *p)
{
	const struct ip_hdr *ip;
	uint32_t payload = 0;
	const struct tcp_hdr *tcp;

	(void) netif;
	if (p->next)
		ns_stats.tx_chained++;
	tcp = tx_tcp_mergeable(p, &ip, &payload);
	if (tcp && tx_merge_ok(ip, tcp, payload)
	    && tb_append(p, TX_TCP_HLEN, payload)) {
		/* The newest ACK, window and flags go in the merged frame's header. */
		uint8_t *hdr = (uint8_t *) tb.f.nf_frags[0].nt_va;
		memcpy(hdr + SIZEOF_ETH_HDR + IP_HLEN + offsetof(struct tcp_hdr, ackno), &tcp->ackno,
		       sizeof(tcp->ackno) + sizeof(tcp->_hdrlen_rsvd_flags) + sizeof(tcp->wnd));
		tb_segs++;
		tb_last = payload;
		tb_next_seq += payload;
		ns_stats.tx_merged++;
		return ERR_OK;
	}
	/* A merge that ran out of fragments or heap left the frame as it was: close it, and
	 * this segment starts the next frame. */
	tb_close();
	if (p->tot_len > NET_FRAME_MAX) {
		ns_stats.tx_dropped++;
		return ERR_IF;
	}
	if (!tb_start(p, tcp ? TX_TCP_HLEN : MIN(p->tot_len, TX_HDR_MAX))) {
		ns_stats.tx_dropped++;
		return ERR_MEM;
	}
	tb_open = true;
	tb_tcp = tcp != NULL;
	if (tcp) {
		tb_segs = 1;
		tb_mss = tb_last = payload;
		tb_next_seq = lwip_ntohl(tcp->seqno) + payload;
	}
	return ERR_OK;
}

uint32_t
ns_netif_flush(void)
{
	tb_close();
	tx_push();
	uint32_t n = tx_direct_frames;
	tx_direct_frames = 0;
	return n;
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
	netif->mtu = NET_MTU;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET
		| NETIF_FLAG_LINK_UP;
	netif->output = etharp_output;
	netif->linkoutput = ns_netif_linkoutput;
	/* The card computes the IP, TCP and UDP checksums of what we send (tx_offload_fill);
	 * lwIP still checks every received one (QEMU's card checks none) and makes ICMP's.  Per
	 * interface: the loopback interface keeps lwIP's checksums both ways, as no card is on
	 * its path and its frames come back through the same checks. */
	NETIF_SET_CHECKSUM_CTRL(netif, NETIF_CHECKSUM_ENABLE_ALL
				& ~(NETIF_CHECKSUM_GEN_IP | NETIF_CHECKSUM_GEN_TCP
				    | NETIF_CHECKSUM_GEN_UDP));
	return ERR_OK;
}
