/* The Intel 82540EM (E1000) driver: attach, the transmit and receive rings with their page
 * ownership (the rules are in kern/e1000.h), the interrupt handler, and `netstat`. */

#include <inc/assert.h>
#include <inc/error.h>
#include <inc/string.h>
#include <inc/stdio.h>
#include <inc/ns.h>

#include <kern/e1000.h>
#include <kern/e1000reg.h>
#include <kern/ring.h>
#include <kern/pci.h>
#include <kern/pmap.h>
#include <kern/env.h>
#include <kern/irq.h>
#include <kern/picirq.h>
#include <kern/monitor.h>
#include <inc/selftest.h>

static_assert(E1000_TX_RING * sizeof(struct e1000_tx_desc) % E1000_RING_ALIGN == 0,
	      "TDLEN must be a multiple of 128 bytes (SDM 13.4.40)");
static_assert(E1000_RX_RING * sizeof(struct e1000_rx_desc) % E1000_RING_ALIGN == 0,
	      "RDLEN must be a multiple of 128 bytes (SDM 13.4.29)");
static_assert(E1000_TX_RING * sizeof(struct e1000_tx_desc) <= PGSIZE
	      && E1000_RX_RING * sizeof(struct e1000_rx_desc) <= PGSIZE,
	      "each ring fits in one page, so it is physically contiguous");
/* Reclaim reads DD through the legacy layout whatever the slot holds (SDM 3.3.3, 3.3.5, 3.3.6). */
static_assert(offsetof(struct e1000_tx_desc, status) == offsetof(struct e1000_tx_ctx_desc, status)
	      && offsetof(struct e1000_tx_desc, status)
	      == offsetof(struct e1000_tx_data_desc, status)
	      && offsetof(struct e1000_tx_desc, cmd) == offsetof(struct e1000_tx_ctx_desc, tucmd)
	      && offsetof(struct e1000_tx_desc, cmd) == offsetof(struct e1000_tx_data_desc, dcmd),
	      "status and command bytes sit at the same place in every TX descriptor format");
static_assert(NET_PKT_DATA_OFFSET + E1000_RX_BUFFER_SIZE <= PGSIZE,
	      "a receive buffer fits in a packet page after np_len (rule R1)");

/* The least interval between two interrupts, in 256 ns units: 128 us, at most 7813 a second,
 * the floor the 8254x guarantees (SDM 13.4.18). */
#define E1000_ITR_INTERVAL	500

/* The descriptor rings, in the kernel image: physically contiguous, page-aligned. */
static struct e1000_tx_desc tx_ring[E1000_TX_RING] __attribute__((aligned(PGSIZE)));
static struct e1000_rx_desc rx_ring[E1000_RX_RING] __attribute__((aligned(PGSIZE)));

/* Who owns what (kern/e1000.h): the page each in-flight TX slot pins (rule T4), and the page
 * each RX slot holds (rule R1). */
static struct PageInfo *tx_pages[E1000_TX_RING];
static struct PageInfo *rx_pages[E1000_RX_RING];
static envid_t tx_owner[E1000_TX_RING];	/* a frame's last slot: its sender (rule T6), else 0 */
static uint32_t tx_clean, tx_tail;	/* TX: [tx_clean, tx_tail) in flight; tx_tail == TDT */
static uint32_t tx_ctx_slots;		/* in-flight slots holding a context descriptor (T4) */
static uint32_t tx_tdt;	/* the last value written to TDT */
/* The last context descriptor queued (SDM 3.3.5): the card keeps it for every later data
 * descriptor, so one is queued only when a frame needs another.  tx_ctx_valid is false until
 * the first, and again after the ring is reset. */
static struct e1000_tx_ctx_desc tx_ctx;
static bool tx_ctx_valid;
static uint32_t rx_tail;		/* RX: == RDT; the next frame is in rx_tail + 1 */

static volatile uint8_t *e1000_base;	/* BAR 0, uncached; NULL until attached */
static struct pci_func *e1000_pcif;
static struct net_info e1000_stats;	/* MAC and the counters users see */
static uint32_t e1000_rx_dropped;	/* frames dropped for errors (rule R4) */
static uint32_t e1000_rx_overruns;	/* RXO interrupts: the card had to drop frames */
/* Interrupts by the causes ICR reported (one interrupt may report several; `netstat`). */
static struct {
	uint32_t rxt0, rxdmt0, txdw, none;
} e1000_intr_causes;

static uint32_t
e1000_rd(uint32_t reg)
{
	return *(volatile uint32_t *) (e1000_base + reg);
}

static void
e1000_wr(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *) (e1000_base + reg) = v;
}

/* Descriptors live in ordinary memory, the doorbell is an uncached register: x86 keeps stores
 * in order, but the compiler may sink the descriptor stores past the volatile doorbell store
 * unless told not to. */
static inline void
e1000_desc_barrier(void)
{
	asm volatile("" ::: "memory");
}

bool
e1000_present(void)
{
	return e1000_base != NULL;
}

/***** Transmit *****/

/* Drop the pin of every in-flight slot the card has finished (rule T2), oldest first: the card
 * completes descriptors in order, so the first one without DD ends the scan.  Returns the
 * number of slots freed. */
static uint32_t
e1000_tx_reclaim(void)
{
	uint32_t freed = 0;

	while (tx_clean != tx_tail && (tx_ring[tx_clean].status & E1000_TXD_STAT_DD)) {
		struct PageInfo *pp = tx_pages[tx_clean];
		struct Env *sender;
		tx_ring[tx_clean].status = 0;
		if (tx_owner[tx_clean] && envid2env(tx_owner[tx_clean], &sender, 0) == 0)
			sender->env_net_tx_done++;	/* rule T6 */
		tx_owner[tx_clean] = 0;
		if (pp == NULL) {
			/* A context descriptor: it pins nothing (rule T4). */
			assert(tx_ctx_slots > 0);
			tx_ctx_slots--;
		} else {
			assert(pp->pp_ref >= 1);
			tx_pages[tx_clean] = NULL;
			page_decref(pp);
			e1000_stats.pages_pinned--;
		}
		tx_clean = ring_next(tx_clean, E1000_TX_RING);
		freed++;
	}
	assert(e1000_stats.pages_pinned + tx_ctx_slots
	       == ring_used(tx_clean, tx_tail, E1000_TX_RING));
	return freed;
}

/* Reclaim (rule T2), and wake the senders waiting for room if any slot came free. */
static void
e1000_tx_reclaim_wake(void)
{
	if (e1000_tx_reclaim() > 0)
		env_wake(ENV_WAIT_NET_TX, 0);
}

/* The context descriptor that ofl needs.  A checksum ofl does not ask for keeps the card's
 * current fields for it, so that, say, an ICMP frame (IP checksum only) between TCP segments
 * does not cost two context descriptors. */
static struct e1000_tx_ctx_desc
e1000_tx_ctx_for(const struct net_tx_offload *ofl)
{
	struct e1000_tx_ctx_desc c;

	if (tx_ctx_valid)
		c = tx_ctx;
	else
		memset(&c, 0, sizeof(c));
	if (ofl->no_flags & NET_OFFLOAD_IP) {
		c.ipcss = ofl->no_ipcss;
		c.ipcso = ofl->no_ipcso;
		c.ipcse = ofl->no_ipcse;
		c.tucmd |= E1000_TXD_CMD_IP;
	}
	if (ofl->no_flags & NET_OFFLOAD_L4) {
		c.tucss = ofl->no_tucss;
		c.tucso = ofl->no_tucso;
		c.tucse = 0;		/* to the end of the frame */
	}
	/* RS: the card sets DD on it too, so reclaim walks it like any slot (rule T2). */
	c.tucmd |= E1000_TXD_CMD_DEXT | E1000_TXD_CMD_RS;
	c.paylen[2] = E1000_TXD_DTYP_CTX << E1000_TXD_DTYP_SHIFT;
	c.status = 0;
	return c;
}

/* Does the card need a new context descriptor before a frame that needs context c? */
static bool
e1000_tx_ctx_stale(const struct e1000_tx_ctx_desc *c)
{
	return !tx_ctx_valid || memcmp(c, &tx_ctx, sizeof(*c)) != 0;
}

/* Queue context c in the tail slot, which pins no page (rule T4). */
static void
e1000_tx_put_ctx(const struct e1000_tx_ctx_desc *c)
{
	assert(tx_pages[tx_tail] == NULL);
	memcpy(&tx_ring[tx_tail], c, sizeof(*c));
	tx_ctx = *c;
	tx_ctx_valid = true;
	tx_ctx_slots++;
	tx_tail = ring_next(tx_tail, E1000_TX_RING);
}

/* Fill the tail slot's descriptor for len bytes at pa, a fragment of a frame (eop: its last):
 * a legacy one, or a data descriptor inserting the checksums in popts (SDM 3.3.6), the frame
 * segmented by the card if tse (SDM 3.5). */
static void
e1000_tx_put_frag(physaddr_t pa, size_t len, uint8_t popts, bool tse, bool eop)
{
	struct e1000_tx_desc *d = &tx_ring[tx_tail];

	memset(d, 0, sizeof(*d));
	if (popts == 0) {
		d->addr = pa;
		d->length = len;
		d->cmd = E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS | (eop ? E1000_TXD_CMD_EOP : 0);
		return;
	}
	struct e1000_tx_data_desc dd;
	memset(&dd, 0, sizeof(dd));
	dd.addr = pa;
	dd.length[0] = len & 0xFF;
	dd.length[1] = len >> 8;	/* len <= PGSIZE: bits 19:16 are zero */
	dd.length[2] = E1000_TXD_DTYP_DATA << E1000_TXD_DTYP_SHIFT;
	dd.dcmd = E1000_TXD_CMD_DEXT | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS
		| (tse ? E1000_TXD_CMD_TSE : 0) | (eop ? E1000_TXD_CMD_EOP : 0);
	dd.popts = popts;		/* the card reads the first's; the same in every one */
	memcpy(d, &dd, sizeof(dd));
}

/* The data descriptor's POPTS for ofl. */
static uint8_t
e1000_tx_popts(const struct net_tx_offload *ofl)
{
	uint8_t popts = 0;

	if (ofl && (ofl->no_flags & NET_OFFLOAD_IP))
		popts |= E1000_TXD_POPTS_IXSM;
	if (ofl && (ofl->no_flags & NET_OFFLOAD_L4))
		popts |= E1000_TXD_POPTS_TXSM;
	return popts;
}

int
e1000_tx_frame(const struct e1000_tx_frag *frags, uint32_t nfrags,
	       const struct net_tx_offload *ofl, const struct e1000_tx_tso *tso)
{
	size_t total = 0;

	assert(e1000_base && nfrags >= 1 && nfrags <= NET_TX_FRAGS_MAX);
	for (uint32_t i = 0; i < nfrags; i++) {
		assert(frags[i].off + frags[i].len <= PGSIZE && frags[i].len > 0);
		total += frags[i].len;
	}
	assert(tso ? total > tso->hdrlen && total - tso->hdrlen <= NET_TSO_PAYLOAD_MAX
	       : total <= NET_FRAME_MAX);

	uint8_t popts = e1000_tx_popts(ofl);
	struct e1000_tx_ctx_desc ctx = { 0 };
	bool put_ctx = false;
	if (popts) {
		ctx = e1000_tx_ctx_for(ofl);
		if (tso) {
			/* SDM 3.3.5: the payload length, the header the card repeats, the
			 * segment size; TCP over IPv4. */
			uint32_t paylen = total - tso->hdrlen;
			ctx.paylen[0] = paylen & 0xFF;
			ctx.paylen[1] = (paylen >> 8) & 0xFF;
			ctx.paylen[2] = (paylen >> 16) | (E1000_TXD_DTYP_CTX << E1000_TXD_DTYP_SHIFT);
			ctx.tucmd |= E1000_TXD_CMD_TSE | E1000_TXD_CMD_TCP | E1000_TXD_CMD_IP;
			ctx.hdrlen = tso->hdrlen;
			ctx.mss = tso->mss;
		}
		put_ctx = e1000_tx_ctx_stale(&ctx);
	}
	/* Every slot or none: a refused frame changes nothing, its context included.  The slots
	 * the card finished are reclaimed after each doorbell; again here only when short. */
	uint32_t room = E1000_TX_RING - 1 - ring_used(tx_clean, tx_tail, E1000_TX_RING);
	if (room < nfrags + put_ctx) {
		e1000_tx_reclaim_wake();
		room = E1000_TX_RING - 1 - ring_used(tx_clean, tx_tail, E1000_TX_RING);
	}
	if (room < nfrags + put_ctx) {
		e1000_stats.tx_ring_full++;
		return -E_AGAIN;
	}

	/* A page near the reference limit (aliased that often) cannot be pinned once per
	 * fragment: the count would wrap (kern/pmap.h). */
	for (uint32_t i = 0; i < nfrags; i++)
		if (frags[i].pp->pp_ref > PP_REF_MAX - nfrags)
			return -E_NO_MEM;

	if (put_ctx)
		e1000_tx_put_ctx(&ctx);
	for (uint32_t i = 0; i < nfrags; i++) {
		/* Rule T1: the reference first, then the descriptor that names the page. */
		struct PageInfo *pp = frags[i].pp;
		assert(tx_pages[tx_tail] == NULL);
		pp->pp_ref++;
		tx_pages[tx_tail] = pp;
		e1000_stats.pages_pinned++;
		e1000_tx_put_frag(page2pa(pp) + frags[i].off, frags[i].len, popts, tso != NULL,
				  i == nfrags - 1);
		if (i == nfrags - 1 && curenv) {
			tx_owner[tx_tail] = curenv->env_id;	/* rule T6 */
			curenv->env_net_tx_queued++;
		}
		tx_tail = ring_next(tx_tail, E1000_TX_RING);
	}

	e1000_stats.tx_frames++;
	e1000_stats.tx_bytes += total;
	if (tso)
		e1000_stats.tx_tso_frames++;
	return 0;
}

void
e1000_tx_doorbell(void)
{
	e1000_desc_barrier();
	if (tx_tdt != tx_tail) {
		e1000_wr(E1000_TDT, tx_tail);
		tx_tdt = tx_tail;
		e1000_stats.tx_doorbells++;
		/* Rule T6: what the card finished at once is counted before the sender looks. */
		e1000_tx_reclaim_wake();
	}
}

int
e1000_tx_page(struct PageInfo *pp, uint32_t off, size_t len, const struct net_tx_offload *ofl)
{
	struct e1000_tx_frag frag = { pp, off, len };
	int r;

	assert(len <= NET_FRAME_MAX);
	if ((r = e1000_tx_frame(&frag, 1, ofl, NULL)) == 0)
		e1000_tx_doorbell();
	return r;
}

/* A sender found the ring full and is about to sleep on ENV_WAIT_NET_TX.  The TX-done
 * interrupt (TXDW) is masked while nobody waits: the slots of sent frames are reclaimed at the
 * next send or counter query instead, which saves one interrupt per frame.  Unmask it, then
 * look again: slots the card finished before the unmask (their TXDW cause possibly cleared
 * already by an ICR read for a receive interrupt) would never raise it.  Returns the number of
 * slots freed: if any, the caller retries at once instead of sleeping.  Called under the
 * kernel lock, so the interrupt that a later completion raises waits for the sleep. */
uint32_t
e1000_tx_wait_arm(void)
{
	e1000_wr(E1000_IMS, E1000_ICR_TXDW);
	e1000_stats.tx_waits++;
	return e1000_tx_reclaim();
}

/* Drop the pins of the frames the card has finished (rule T2) and wake a sender waiting for
 * their slots: at every tick, and before the counters are read. */
static void
e1000_tx_settle(void)
{
	/* Nothing in flight (always so when idle, or with no card): nothing to read. */
	if (e1000_stats.pages_pinned > 0)
		e1000_tx_reclaim_wake();
}

void
e1000_tick(void)
{
	e1000_tx_settle();
}

bool
e1000_tick_needed(void)
{
	return e1000_stats.pages_pinned > 0;
}

/***** Receive *****/

/* Hand slot i back to the card with the page it has, and make it the held-back tail; the
 * card learns of it at the next RDT write (e1000_rx_doorbell). */
static void
e1000_rx_recycle(uint32_t i)
{
	struct e1000_rx_desc *d = &rx_ring[i];

	assert(rx_pages[i] != NULL && rx_pages[i]->pp_ref == 1);
	d->addr = page2pa(rx_pages[i]) + NET_PKT_DATA_OFFSET;
	d->length = 0;
	d->status = 0;
	d->errors = 0;
	rx_tail = i;
}

/* Tell the card of the slots handed back: one uncached write however many there were. */
static void
e1000_rx_doorbell(void)
{
	e1000_desc_barrier();
	e1000_wr(E1000_RDT, rx_tail);
}

/* Hand slot i back to the card at once. */
static void
e1000_rx_give_back(uint32_t i)
{
	e1000_rx_recycle(i);
	e1000_rx_doorbell();
}

/* Is the frame in slot i longer than Ethernet carries untagged (rule R4)?  The network
 * server would answer a ping in a 1518-byte frame with a frame as long (found by the rawbad
 * test's giants). */
static bool
e1000_rx_giant(uint32_t i)
{
	const uint8_t *f = (const uint8_t *) page2kva(rx_pages[i]) + NET_PKT_DATA_OFFSET;
	const uint8_t *type = f + NET_ETH_HLEN - 2;	/* the header's last field, big-endian */

	return rx_ring[i].length > NET_ETH_HLEN + NET_MTU
	       && (type[0] << 8 | type[1]) != E1000_VET_8021Q;
}

/* Is the next frame's slot filled?  Drops the frames that cannot be delivered (rule R4). */
bool
e1000_rx_ready(void)
{
	for (;;) {
		uint32_t i = ring_next(rx_tail, E1000_RX_RING);
		struct e1000_rx_desc *d = &rx_ring[i];
		if (!(d->status & E1000_RXD_STAT_DD))
			return false;
		if ((d->status & E1000_RXD_STAT_EOP) && !(d->errors & E1000_RXD_ERR_FRAME)
		    && d->length > 0 && d->length <= NET_FRAME_MAX && !e1000_rx_giant(i))
			return true;
		e1000_rx_dropped++;
		e1000_rx_give_back(i);
	}
}

/* Received pages handed back (rule R6), to refill slots without allocating and zeroing. */
static struct PageInfo *rx_stash[E1000_RX_RING];
static uint32_t rx_nstash;

/* A page to refill a slot with: a handed-back one, else a fresh zeroed one (NULL: none). */
static struct PageInfo *
e1000_rx_refill_page(void)
{
	if (rx_nstash > 0)
		return rx_stash[--rx_nstash];
	e1000_stats.rx_zeroed++;
	return page_alloc(ALLOC_ZERO);
}

/* Keep pp (no reference, not free) for a later refill, or free it if the stash is full. */
static void
e1000_rx_stash(struct PageInfo *pp)
{
	assert(pp->pp_ref == 0);
	pp->pp_flags &= ~PP_NETRX;
	if (rx_nstash < E1000_RX_RING)
		rx_stash[rx_nstash++] = pp;
	else
		page_free(pp);
}

int
e1000_rx_take_back(pde_t *pgdir, uintptr_t va)
{
	pte_t *pte;
	struct PageInfo *pp = page_lookup(pgdir, (void *) va, &pte);

	if (pp == NULL || !(*pte & PTE_U))
		return -E_FAULT;
	if (!(pp->pp_flags & PP_NETRX))
		return -E_INVAL;
	if (pp->pp_ref != 1)
		return -E_BUSY;
	/* Hold it through the unmap, which would free it; then ours alone. */
	pp->pp_ref++;
	page_remove(pgdir, (void *) va);
	pp->pp_ref--;
	e1000_rx_stash(pp);
	e1000_stats.rx_recycled++;
	return 0;
}

/* Map the next frame's page at dstva (rule R2); e1000_rx_map's contract. */
static int
e1000_rx_take_page(pde_t *pgdir, uintptr_t dstva)
{
	int r;

	assert(e1000_base && dstva < UTOP && dstva % PGSIZE == 0);
	if (!e1000_rx_ready()) {
		e1000_stats.rx_ring_empty++;
		return -E_AGAIN;
	}
	uint32_t i = ring_next(rx_tail, E1000_RX_RING);
	struct PageInfo *pp = rx_pages[i];
	uint16_t len = rx_ring[i].length;

	/* Rule R2: the replacement first, so that failing leaves the frame where it was. */
	struct PageInfo *fresh = e1000_rx_refill_page();
	if (fresh == NULL)
		return -E_NO_MEM;
	assert(pp->pp_ref == 1);	/* rule R1: only the ring holds it */
	((struct net_pkt *) page2kva(pp))->np_len = len;
	if ((r = page_insert(pgdir, pp, (void *) dstva, PTE_U | PTE_P | PTE_W)) < 0) {
		e1000_rx_stash(fresh);
		return r;
	}
	pp->pp_flags |= PP_NETRX;	/* it may come back (rule R6) */
	page_decref(pp);		/* the ring's reference; the mapping's remains */
	assert(pp->pp_ref >= 1);

	fresh->pp_ref++;		/* the ring's reference to its new page */
	rx_pages[i] = fresh;
	e1000_rx_give_back(i);

	e1000_stats.rx_frames++;
	e1000_stats.rx_bytes += len;
	return len;
}

int
e1000_rx_map(pde_t *pgdir, uintptr_t dstva)
{
	int r = e1000_rx_take_page(pgdir, dstva);

	if (r > 0)
		e1000_stats.rx_calls++;
	return r;
}

int
e1000_rx_batch(pde_t *pgdir, struct net_rx_frame *frames, uint32_t n, uintptr_t pageva)
{
	uint32_t got = 0;
	int r = -E_AGAIN;
	bool recycled = false;

	assert(e1000_base && n > 0 && pageva % PGSIZE == 0);
	while (got < n && e1000_rx_ready()) {
		uint32_t i = ring_next(rx_tail, E1000_RX_RING);
		uint16_t len = rx_ring[i].length;
		struct net_rx_frame *f = &frames[got];

		if (len <= NET_RX_INLINE_MAX) {
			/* Rule R5: copied out, the page back to the card as it is. */
			memcpy(f->nf_data, (uint8_t *) page2kva(rx_pages[i]) + NET_PKT_DATA_OFFSET,
			       len);
			f->nf_where = NET_RX_INLINE;
			e1000_rx_recycle(i);
			recycled = true;
			e1000_stats.rx_frames++;
			e1000_stats.rx_bytes += len;
			e1000_stats.rx_copied++;
		} else {
			if ((r = e1000_rx_take_page(pgdir, pageva + got * PGSIZE)) < 0)
				break;
			f->nf_where = NET_RX_MAPPED;
		}
		f->nf_len = len;
		got++;
	}
	if (recycled)
		e1000_rx_doorbell();
	if (got == 0) {
		if (r == -E_AGAIN)
			e1000_stats.rx_ring_empty++;
		return r;
	}
	e1000_stats.rx_calls++;
	return got;
}

/***** Interrupts *****/

/* Reading ICR acknowledges every cause it reports (SDM 13.4.17), which lowers the line. */
void
e1000_intr(void)
{
	uint32_t icr = e1000_rd(E1000_ICR);

	e1000_stats.intrs++;
	if (icr & E1000_ICR_RXO)
		e1000_rx_overruns++;
	if (icr & E1000_ICR_RXT0)
		e1000_intr_causes.rxt0++;
	if (icr & E1000_ICR_RXDMT0)
		e1000_intr_causes.rxdmt0++;
	if (icr & E1000_ICR_TXDW)
		e1000_intr_causes.txdw++;
	if (!(icr & (E1000_ICR_RXO | E1000_ICR_RXT0 | E1000_ICR_RXDMT0 | E1000_ICR_TXDW)))
		e1000_intr_causes.none++;
	/* TXDW is unmasked only while a sender waits (e1000_tx_wait_arm): wake it and mask the
	 * cause again; the next sender to find the ring full unmasks it anew. */
	if ((icr & E1000_ICR_TXDW) && e1000_tx_reclaim() > 0) {
		e1000_wr(E1000_IMC, E1000_ICR_TXDW);
		env_wake(ENV_WAIT_NET_TX, 0);
	}
	if ((icr & (E1000_ICR_RXT0 | E1000_ICR_RXO | E1000_ICR_RXDMT0)) && e1000_rx_ready())
		env_wake(ENV_WAIT_NET_RX, 0);
}

/***** Information *****/

void
e1000_info(struct net_info *info)
{
	/* Without a TX-done interrupt per frame, the last frames' pins are dropped at the next
	 * send or tick; a caller reading pages_pinned (waiting for it to settle) gets them now. */
	e1000_tx_settle();
	*info = e1000_stats;
	info->rx_stashed = rx_nstash;
}

/* `netstat`'s ring maps, one character a slot, 64 a line (the legends say what each means). */
#define NETSTAT_SLOTS_LINE	64
#define NETSTAT_PAGES_LINE	16

/* A TX slot: free, or in flight holding a context descriptor or a fragment (the last of its
 * frame with EOP); upper case once the card has set DD on it (done, not yet reclaimed). */
static char
netstat_tx_slot(uint32_t i, uint32_t unused)
{
	char c;

	(void) unused;
	if (ring_used(tx_clean, i, E1000_TX_RING) >= ring_used(tx_clean, tx_tail, E1000_TX_RING))
		return '.';
	if (tx_pages[i] == NULL)
		c = 'x';
	else
		c = (tx_ring[i].cmd & E1000_TXD_CMD_EOP) ? 'e' : 'f';
	return (tx_ring[i].status & E1000_TXD_STAT_DD) ? c - 'a' + 'A' : c;
}

/* Print the map of a ring of n slots, slot(i, arg) the character of slot i. */
static void
netstat_map(uint32_t n, char (*slot)(uint32_t, uint32_t), uint32_t arg)
{
	for (uint32_t i = 0; i < n; i++) {
		if (i % NETSTAT_SLOTS_LINE == 0)
			cprintf("    %3u ", i);
		cprintf("%c", slot(i, arg));
		if (i % NETSTAT_SLOTS_LINE == NETSTAT_SLOTS_LINE - 1)
			cprintf("\n");
	}
}

/* An RX slot, by who owns it (kern/e1000.h): the card's slots [RDH, RDT) are empty, the
 * filled ones (RDT, RDH) wait for software with DD set, and RDT itself is held back.  A DD bit
 * that disagrees with the owner shows as '!'. */
static char
netstat_rx_slot(uint32_t i, uint32_t rdh)
{
	const struct e1000_rx_desc *d = &rx_ring[i];
	bool dd = d->status & E1000_RXD_STAT_DD;

	if (i == rx_tail)
		return dd ? '!' : 'T';
	if (ring_used(rdh, i, E1000_RX_RING) < ring_used(rdh, rx_tail, E1000_RX_RING))
		return dd ? '!' : 'c';
	if (!dd)
		return '!';
	return (d->status & E1000_RXD_STAT_EOP) ? 'F' : 'f';
}

static void
netstat_rings(uint32_t tdh, uint32_t tdt, uint32_t rdh, uint32_t rdt)
{
	uint32_t i, inflight = 0;

	cprintf("  interrupts by cause: RXT0 %u RXO %u RXDMT0 %u TXDW %u, none %u (of %u)\n",
		e1000_intr_causes.rxt0, e1000_rx_overruns, e1000_intr_causes.rxdmt0,
		e1000_intr_causes.txdw, e1000_intr_causes.none, e1000_stats.intrs);
	cprintf("  tx slots (TDH %u TDT %u)\n", tdh, tdt);
	cprintf("    (. free; in flight: x context, f fragment, e last fragment (EOP); upper case: "
		"DD set, done)\n");
	netstat_map(E1000_TX_RING, netstat_tx_slot, 0);
	cprintf("  tx pages pinned by the card (slot:page, and the sender at a frame's last, rule "
		"T6):");
	for (i = tx_clean; i != tx_tail; i = ring_next(i, E1000_TX_RING))
		if (tx_pages[i] != NULL) {
			cprintf(" %u:%05x", i, (uint32_t) PGNUM(page2pa(tx_pages[i])));
			if (tx_owner[i])
				cprintf("@%08x", tx_owner[i]);
			inflight++;
		}
	cprintf(inflight ? "\n" : " none\n");
	cprintf("  rx slots (RDH %u RDT %u)\n", rdh, rdt);
	cprintf("    (c the card's, empty; F a frame for software, DD and EOP set; f DD without "
		"EOP;\n     T held back by software (RDT); ! DD disagrees with the owner)\n");
	netstat_map(E1000_RX_RING, netstat_rx_slot, rdh);
	cprintf("  rx pages (each slot's physical page, the ring's only; * another reference holds "
		"it: rule R1 broken)\n");
	for (i = 0; i < E1000_RX_RING; i++) {
		if (i % NETSTAT_PAGES_LINE == 0)
			cprintf("    %3u", i);
		cprintf("%c%05x", rx_pages[i]->pp_ref == 1 ? ' ' : '*',
			(uint32_t) PGNUM(page2pa(rx_pages[i])));
		if (i % NETSTAT_PAGES_LINE == NETSTAT_PAGES_LINE - 1)
			cprintf("\n");
	}
}

MONITOR_COMMAND(mon_netstat, "netstat", "",
		"E1000 counters, interrupts by cause, both rings slot by slot");
static int
mon_netstat(int argc, char **argv, struct Trapframe *tf)
{
	struct net_info *s = &e1000_stats;
	uint32_t tdh, tdt, rdh, rdt;

	if (!e1000_present()) {
		cprintf("netstat: no E1000 attached\n");
		return 0;
	}
	e1000_tx_settle();	/* as e1000_info: the pins of frames already sent */
	cprintf("e1000 %02x:%02x:%02x:%02x:%02x:%02x  irq %d  interrupts %u (at most one every "
		"%u us)\n", s->mac[0],
		s->mac[1], s->mac[2], s->mac[3], s->mac[4], s->mac[5], e1000_pcif->irq_line,
		s->intrs, E1000_ITR_INTERVAL * 256 / 1000);
	cprintf("  tx: %u frames %u bytes (%u segmented by the card) in %u doorbells, ring full "
		"%u times (senders waited %u), pages pinned %u\n", s->tx_frames, s->tx_bytes,
		s->tx_tso_frames, s->tx_doorbells, s->tx_ring_full, s->tx_waits, s->pages_pinned);
	/* The card moves the heads by itself: read each once, so that the maps agree with it. */
	tdh = e1000_rd(E1000_TDH);
	tdt = e1000_rd(E1000_TDT);
	rdh = e1000_rd(E1000_RDH);
	rdt = e1000_rd(E1000_RDT);
	cprintf("      ring %u: clean %u tail %u (TDH %u TDT %u)\n", E1000_TX_RING, tx_clean,
		tx_tail, tdh, tdt);
	cprintf("  rx: %u frames %u bytes in %u calls (%u copied out), ring empty %u times, "
		"ring pages %u\n", s->rx_frames, s->rx_bytes, s->rx_calls, s->rx_copied,
		s->rx_ring_empty, s->rx_pages);
	cprintf("      dropped: %u with errors, overruns (ring full) %u\n", e1000_rx_dropped,
		e1000_rx_overruns);
	cprintf("      ring %u: tail %u (RDH %u RDT %u)\n", E1000_RX_RING, rx_tail, rdh, rdt);
	netstat_rings(tdh, tdt, rdh, rdt);
	return 0;
}

/***** Attach *****/

/* Read one 16-bit EEPROM word through EERD (SDM 13.4.4).  The EEPROM answers within
 * microseconds (the manual gives no bound; QEMU's answers at once): E1000_EERD_TRIES reads of
 * EERD, far more than that takes, only keep a broken card from hanging the boot. */
#define E1000_EERD_TRIES	1000000

static int
e1000_eeprom_read(uint32_t addr, uint16_t *word)
{
	e1000_wr(E1000_EERD, E1000_EERD_START | (addr << E1000_EERD_ADDR_SHIFT));
	for (int tries = 0; tries < E1000_EERD_TRIES; tries++) {
		uint32_t v = e1000_rd(E1000_EERD);
		if (v & E1000_EERD_DONE) {
			*word = v >> E1000_EERD_DATA_SHIFT;
			return 0;
		}
	}
	return -E_TIMEOUT;
}

/* Transmit initialization, SDM 14.5, except TCTL (written by e1000_attach after the self-check
 * below, which needs the transmitter off). */
static void
e1000_tx_init(void)
{
	memset(tx_ring, 0, sizeof(tx_ring));
	tx_clean = tx_tail = 0;
	tx_ctx_slots = 0;
	tx_ctx_valid = false;	/* the card has read no context yet */
	e1000_wr(E1000_TDBAL, PADDR(tx_ring));
	e1000_wr(E1000_TDBAH, 0);
	e1000_wr(E1000_TDLEN, sizeof(tx_ring));
	e1000_wr(E1000_TDH, 0);
	e1000_wr(E1000_TDT, 0);
	tx_tdt = 0;
	e1000_wr(E1000_TIDV, 0);
	e1000_wr(E1000_TIPG, (E1000_TIPG_IPGT_IEEE << E1000_TIPG_IPGT_SHIFT)
		 | (E1000_TIPG_IPGR1_IEEE << E1000_TIPG_IPGR1_SHIFT)
		 | (E1000_TIPG_IPGR2_IEEE << E1000_TIPG_IPGR2_SHIFT));
}

/* Receive initialization, SDM 14.4.  RCTL is written once, last: QEMU's E1000 holds back
 * received frames for a second after every RCTL write (measured), so a second write would
 * delay the first frames. */
static int
e1000_rx_init(void)
{
	const uint8_t *mac = e1000_stats.mac;

	e1000_wr(E1000_RAL0, mac[0] | (mac[1] << 8) | (mac[2] << 16) | ((uint32_t) mac[3] << 24));
	e1000_wr(E1000_RAH0, mac[4] | (mac[5] << 8) | E1000_RAH_AV);
	for (int i = 0; i < E1000_MTA_ENTRIES; i++)
		e1000_wr(E1000_MTA + 4 * i, 0);

	memset(rx_ring, 0, sizeof(rx_ring));
	for (int i = 0; i < E1000_RX_RING; i++) {
		struct PageInfo *pp = page_alloc(ALLOC_ZERO);
		if (pp == NULL)
			return -E_NO_MEM;	/* boot: the pages taken so far stay with the ring */
		pp->pp_ref++;
		rx_pages[i] = pp;
		rx_ring[i].addr = page2pa(pp) + NET_PKT_DATA_OFFSET;
		e1000_stats.rx_pages++;
	}
	e1000_wr(E1000_RDBAL, PADDR(rx_ring));
	e1000_wr(E1000_RDBAH, 0);
	e1000_wr(E1000_RDLEN, sizeof(rx_ring));
	e1000_wr(E1000_RDH, 0);
	rx_tail = E1000_RX_RING - 1;
	e1000_wr(E1000_RDT, rx_tail);
	e1000_wr(E1000_RDTR, 0);

	e1000_wr(E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_LBM_NONE | E1000_RCTL_RDMTS_HALF
		 | E1000_RCTL_MO_36 | E1000_RCTL_BAM | E1000_RCTL_BSIZE_2048 | E1000_RCTL_SECRC);
	return 0;
}

/* Finish every in-flight slot as the card would, and reclaim them: returns how many. */
static uint32_t
e1000_check_tx_finish(void)
{
	for (uint32_t i = tx_clean; i != tx_tail; i = ring_next(i, E1000_TX_RING))
		tx_ring[i].status |= E1000_TXD_STAT_DD;
	return e1000_tx_reclaim();
}

/* Rule T5 on an empty ring: a context descriptor only when the frame needs another context
 * than the card's, pinning nothing; a frame that finds room for itself but not for its
 * context is refused whole; context slots are reclaimed like the others. */
static void
e1000_check_tx_offload(struct PageInfo *pp)
{
	static const char name[] = "e1000 offload";
	struct net_tx_offload udp = { NET_OFFLOAD_ALL, 33, 14, 24, 34, 40 };
	struct net_tx_offload tcp = { NET_OFFLOAD_ALL, 33, 14, 24, 34, 50 };
	struct net_tx_offload ip_only = { NET_OFFLOAD_IP, 33, 14, 24, 0, 0 };
	uint32_t tail = tx_tail;

	selftest_check(name, e1000_tx_page(pp, 0, 60, &udp) == 0);	/* context + data */
	selftest_check(name, e1000_tx_page(pp, 0, 60, &udp) == 0);	/* data */
	selftest_check(name, e1000_tx_page(pp, 0, 60, &ip_only) == 0);	/* data: TU kept */
	selftest_check(name, e1000_tx_page(pp, 0, 60, NULL) == 0);	/* legacy */
	selftest_check(name, ring_used(tail, tx_tail, E1000_TX_RING) == 5);
	selftest_check(name, tx_pages[tail] == NULL && tx_pages[ring_next(tail, E1000_TX_RING)]
		       == pp && tx_ctx_slots == 1 && e1000_stats.pages_pinned == 4);
	struct e1000_tx_ctx_desc c;
	memcpy(&c, &tx_ring[tail], sizeof(c));
	selftest_check(name, c.tucso == 40 && c.ipcse == 33 && (c.tucmd & E1000_TXD_CMD_DEXT)
		       && (c.paylen[2] >> E1000_TXD_DTYP_SHIFT) == E1000_TXD_DTYP_CTX);
	struct e1000_tx_data_desc d;
	memcpy(&d, &tx_ring[ring_next(tail, E1000_TX_RING)], sizeof(d));
	selftest_check(name, d.popts == (E1000_TXD_POPTS_IXSM | E1000_TXD_POPTS_TXSM)
		       && (d.length[2] >> E1000_TXD_DTYP_SHIFT) == E1000_TXD_DTYP_DATA);
	selftest_check(name, e1000_check_tx_finish() == 5);

	/* Fill the ring to one free slot: TCP needs a new context, so it does not fit. */
	while (ring_used(tx_clean, tx_tail, E1000_TX_RING) < E1000_TX_RING - 2)
		selftest_check(name, e1000_tx_page(pp, 0, 60, &udp) == 0);
	uint32_t full = e1000_stats.tx_ring_full, ref = pp->pp_ref;
	selftest_check(name, e1000_tx_page(pp, 0, 60, &tcp) == -E_AGAIN);
	selftest_check(name, e1000_stats.tx_ring_full == full + 1 && pp->pp_ref == ref
		       && tx_ctx.tucso == 40);
	selftest_check(name, e1000_tx_page(pp, 0, 60, &udp) == 0);	/* the last slot */
	selftest_check(name, e1000_check_tx_finish() == E1000_TX_RING - 1);
	selftest_check(name, tx_ctx_slots == 0 && e1000_stats.pages_pinned == 0);
	selftest_ok(name);
}

/*
 * Self-check of the TX ownership rules, run with the transmitter still off (so the card reads
 * no descriptor).  It catches: a ring that reports full one slot early or late (T4), a pin not
 * taken or not dropped (T1, T2), reclaim that passes a slot without DD or stops early, and a
 * pinned-page count that drifts.  Descriptors it queues are marked done by hand, as the card
 * would, and the ring is reset to empty before the transmitter starts.
 */
static void
e1000_check_tx(void)
{
	static const char name[] = "e1000";
	struct PageInfo *pp = page_alloc(ALLOC_ZERO);
	int queued = 0;

	selftest_check(name, pp != NULL);
	pp->pp_ref++;			/* the check's own reference */
	while (e1000_tx_page(pp, PGSIZE - NET_FRAME_MAX, NET_FRAME_MAX, NULL) == 0)
		queued++;
	selftest_check(name, queued == E1000_TX_RING - 1);
	selftest_check(name, pp->pp_ref == 1 + queued);
	selftest_check(name, e1000_stats.pages_pinned == (uint32_t) queued);
	selftest_check(name, e1000_stats.tx_ring_full == 1);
	selftest_check(name, tx_ring[E1000_TX_RING - 2].addr == page2pa(pp) + PGSIZE
		       - NET_FRAME_MAX);

	/* The card finishes the first 5 and, out of order, the 7th: only 5 may be reclaimed. */
	for (int i = 0; i < 5; i++)
		tx_ring[i].status |= E1000_TXD_STAT_DD;
	tx_ring[6].status |= E1000_TXD_STAT_DD;
	selftest_check(name, e1000_tx_reclaim() == 5);
	selftest_check(name, pp->pp_ref == 1 + queued - 5);
	selftest_check(name, tx_pages[5] == pp && tx_pages[4] == NULL);

	/* A sender about to sleep on the full ring arms TXDW and looks again: slots finished
	 * before (here the 6th, then the 7th, done out of order earlier) are found, so it does
	 * not sleep through a completion whose interrupt it missed. */
	selftest_check(name, e1000_tx_wait_arm() == 0);
	tx_ring[5].status |= E1000_TXD_STAT_DD;
	selftest_check(name, e1000_tx_wait_arm() == 2);
	selftest_check(name, pp->pp_ref == 1 + queued - 7);
	e1000_wr(E1000_IMC, E1000_ICR_TXDW);
	for (int i = 0; i < 2; i++)
		selftest_check(name, e1000_tx_page(pp, 0, 60, NULL) == 0);
	queued += 2;

	/* Queue across the end of the ring, then finish everything. */
	selftest_check(name, e1000_tx_page(pp, 0, 60, NULL) == 0);
	selftest_check(name, tx_tail == 2 && tx_pages[1] == pp);
	for (int i = 0; i < E1000_TX_RING; i++)
		tx_ring[i].status |= E1000_TXD_STAT_DD;
	selftest_check(name, e1000_tx_reclaim() == (uint32_t) queued - 7 + 1);
	selftest_check(name, pp->pp_ref == 1 && e1000_stats.pages_pinned == 0);
	selftest_check(name, tx_clean == tx_tail);
	for (int i = 0; i < E1000_TX_RING; i++)
		selftest_check(name, tx_pages[i] == NULL);

	e1000_check_tx_offload(pp);

	/* A page at the reference limit is refused, and neither its count nor the ring moves. */
	pp->pp_ref = PP_REF_MAX;
	selftest_check(name, e1000_tx_page(pp, 0, 60, NULL) == -E_NO_MEM);
	selftest_check(name, pp->pp_ref == PP_REF_MAX && tx_clean == tx_tail);
	selftest_check(name, e1000_stats.pages_pinned == 0);
	pp->pp_ref = 1;
	page_decref(pp);

	/* The check's frames were never sent: every counter starts again from zero (the RX ones
	 * have not moved yet), whatever the order of struct net_info; the MAC stays. */
	e1000_tx_init();
	struct net_info fresh;
	memset(&fresh, 0, sizeof(fresh));
	memcpy(fresh.mac, e1000_stats.mac, sizeof(fresh.mac));
	e1000_stats = fresh;
	selftest_ok(name);
}

int
e1000_attach(struct pci_func *f)
{
	int r;

	/* One card: the rings and counters are single static instances. */
	if (e1000_present())
		return -E_BUSY;
	pci_func_enable(f);
	if (f->reg_base[0] == 0 || f->reg_size[0] == 0 || (f->reg_base[0] & PCI_BAR_SPACE_IO))
		return -E_NOT_SUPP;
	if (f->irq_pin == 0 || f->irq_line >= PCI_INTERRUPT_LINES_PC)
		return -E_NOT_SUPP;
	e1000_base = mmio_map_region(f->reg_base[0], f->reg_size[0]);
	e1000_pcif = f;

	for (int i = 0; i < E1000_EEPROM_MAC_WORDS; i++) {
		uint16_t w;
		if ((r = e1000_eeprom_read(E1000_EEPROM_MAC_WORD0 + i, &w)) < 0) {
			e1000_base = NULL;
			return r;
		}
		e1000_stats.mac[2 * i] = w & 0xFF;
		e1000_stats.mac[2 * i + 1] = w >> 8;
	}

	/* No interrupts until both rings are ready. */
	e1000_wr(E1000_IMC, ~0u);
	e1000_rd(E1000_ICR);

	e1000_tx_init();
	e1000_check_tx();
	e1000_wr(E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP
		 | (E1000_TCTL_CT_IEEE << E1000_TCTL_CT_SHIFT)
		 | (E1000_TCTL_COLD_FULL << E1000_TCTL_COLD_SHIFT));
	if ((r = e1000_rx_init()) < 0) {
		e1000_base = NULL;
		return r;
	}

	/* At most one interrupt every E1000_ITR_INTERVAL: a burst of frames (the ACKs of a
	 * stream) then costs one interrupt, and the input helper takes them in one batch.  The
	 * card raises an interrupt at once when none was raised within the interval, so a lone
	 * frame is not delayed (QEMU's model does the same). */
	e1000_wr(E1000_ITR, E1000_ITR_INTERVAL);
	irq_set_handler(f->irq_line, e1000_intr);
	/* No TXDW: it is unmasked only while a sender waits (e1000_tx_wait_arm). */
	e1000_wr(E1000_IMS, E1000_ICR_RXT0 | E1000_ICR_RXO | E1000_ICR_RXDMT0);

	const uint8_t *m = e1000_stats.mac;
	cprintf("e1000: MAC %02x:%02x:%02x:%02x:%02x:%02x (EEPROM), TX ring %d, RX ring %d, "
		"irq %d\n", m[0], m[1], m[2], m[3], m[4], m[5], E1000_TX_RING, E1000_RX_RING,
		f->irq_line);
	return 0;
}
