/* The Intel 82540EM (E1000) driver (kern/e1000.c): its two descriptor rings and who owns each
 * page the card can reach.  The system calls on top (kern/netsys.c) check the caller's rights
 * and arguments and block; everything about rings and page references is here.
 *
 * RINGS
 *   TX: E1000_TX_RING descriptors (256, one page).  A frame takes one per fragment (up to
 *   NET_TX_FRAGS_MAX: a 64 KB segmentation frame is 17) plus, when its offloads change, a
 *   context descriptor, so the ring holds a dozen such frames at once; the tests send more
 *   frames than the ring has slots, so that every slot is reclaimed and reused.  RX: E1000_RX_RING descriptors (128), each with a
 *   2048-byte buffer: 128 frames absorb a burst while the input helper is busy handing pages
 *   to the server.  A frame that finds the ring full is lost (the card, and QEMU's model of
 *   it, drop it and raise RXO; QEMU drops the frames it held back as soon as a slot frees), so
 *   the ring is sized for bursts, and the tests stream more than 128 frames through it with
 *   the ring nearly full.  Both rings sit in kernel memory, 128-byte aligned (SDM 3.2.6/3.4).
 *
 *   Index conventions (N = ring size, all arithmetic mod N):
 *     TX: tx_clean is the oldest slot the card may still read, tx_tail (== TDT) the next slot
 *         to fill.  Slots [tx_clean, tx_tail) are "in flight"; the others are free.  The ring
 *         is full at N - 1 in flight: TDH == TDT means "empty" to the card, so one slot always
 *         stays free.
 *     RX: rx_tail (== RDT) is the one slot software holds back; the card may fill
 *         [RDH, rx_tail).  The next frame to deliver is always in slot rx_tail + 1.
 *
 * PAGE OWNERSHIP (a reference is one count in pp_ref; see struct PageInfo in inc/memlayout.h)
 *   TX, user pages lent to the card:
 *     T1. sys_net_send names a buffer inside one user page (below UTOP, present, PTE_U, not
 *         crossing the page's end); sys_net_send_batch names up to NET_TX_FRAGS_MAX such
 *         fragments a frame, one descriptor each (EOP on the last).  Before a descriptor names
 *         its page, the driver takes a reference (pp_ref++) for that slot; the slot's
 *         tx_pages[] entry records it.  The
 *         descriptor holds page2pa(page) + offset, so the in-page offset is kept.
 *     T2. The reference is dropped (page_decref) only when the card has set DD on that
 *         descriptor, by the reclaim run after every doorbell, by a send short of slots, at
 *         every counter query (sys_net_info, netstat), at every clock tick, and on the TX
 *         interrupt.  That interrupt (TXDW) is
 *         masked except while a sender sleeps on a full ring (one interrupt per frame cost
 *         more than the frame), so a pin outlives its frame by one tick (10 ms) at most.  Until then
 *         the page cannot return to the free list, whatever the sender does: unmapping it,
 *         mapping another page at the same address, exiting.  A page sent k times in a row
 *         holds k references, one per slot.
 *     T3. The kernel copies no payload and never writes the page.  The page's CONTENT is the
 *         sender's affair: a sender that writes into the same page before the frame is done
 *         changes what goes on the wire.  To reuse an address at once, map a fresh page there
 *         (sys_page_alloc, or the next sys_net_recv); the pinned page lives on untouched.
 *     T4. An in-flight slot holds either a frame's descriptor (legacy, or a TCP/IP data
 *         descriptor asking for checksums) and pins its page, or a TCP/IP context descriptor
 *         (checksum offload, SDM 3.3.5), which names no memory and pins nothing.
 *         pages_pinned + tx_ctx_slots == the number of in-flight slots == (tx_tail - tx_clean)
 *         mod N; a free slot and a context slot have tx_pages[] == NULL, a frame's in-flight
 *         slot a page with pp_ref >= 1.  Every descriptor is queued with RS, so the card sets
 *         DD on context slots too and reclaim (T2) passes them in order.
 *     T5. A frame with checksum offload takes a slot per fragment, and one more when the
 *         card's context (the last context descriptor queued: the card keeps it) differs from
 *         what the frame needs: the context, then the fragments.  All are queued or none
 *         (-E_AGAIN), so the context the driver remembers is always the one the card will
 *         apply.  A segmentation frame (TSE) always differs (its context holds its payload
 *         length), and a plain frame after one needs a context without TSE again: one
 *         context the card keeps, as the 8254x has.  The card writes the checksums and the
 *         segments' headers into the frames it builds, not into the pages (T3 holds): the
 *         sender puts zero in the IP checksum field and the pseudo-header's sum in the
 *         TCP/UDP one (inc/ns.h, struct net_tx_offload).
 *     T6. A queued frame counts in its sender's env_net_tx_queued; its last slot records the
 *         sender (tx_owner[]), and the reclaim that passes that slot counts the frame in the
 *         sender's env_net_tx_done, if the sender still exists.  Reclaim runs in ring order, so
 *         a sender's done count never passes a frame still in flight: a sender that lends
 *         memory it will write again (the network server's heap) learns from it when the
 *         card has let go.  Reclaim also runs right after each doorbell: a card that sends as
 *         the tail moves (QEMU's model does) has its frames counted before the call returns.
 *     T7. With NET_TX_PARENT, sys_net_send_batch takes the fragments' pages from the caller's
 *         parent's address space (T1's checks, in that page table), if the parent holds the
 *         network right too: the network server's output helper sends, without a mapping of its
 *         own, the frames the server built in its pages.  The pins and the counts (T1-T6) are
 *         the same; the frame counts are the caller's.
 *   RX, kernel pages filled by the card:
 *     R1. Every slot always holds exactly one page: rx_pages[i], allocated zeroed by the
 *         driver, whose only reference is the ring's (pp_ref == 1), mapped nowhere, with
 *         descriptor address page2pa(page) + NET_PKT_DATA_OFFSET (the frame lands at
 *         np_data; the rest of the page is zero when it came into the ring, so no stale
 *         kernel data reaches the user; R5 says what else it may hold).
 *     R2. sys_net_recv takes the filled page out of its slot: it allocates the replacement
 *         FIRST (no memory: -E_NO_MEM, and the frame stays in the ring for a later call),
 *         writes np_len, maps the page at the caller's address (page_insert; whatever was
 *         mapped there loses that mapping's reference), drops the ring's reference, then puts
 *         the replacement in the slot and returns the slot to the card (RDT).
 *     R3. A page that left the ring never comes back to it: the ring is only ever refilled
 *         with fresh pages.  So the card never writes into a page a user can see, and a user
 *         page is freed only through its own references (mappings, TX pins).
 *     R4. Frames with receive errors, that do not fit a packet page, or that are longer than
 *         an untagged Ethernet frame (NET_ETH_HLEN + NET_MTU) without an 802.1Q tag are
 *         dropped (counted) and their slot is handed back with the same page, which never
 *         left the ring.
 *     R5. A frame of at most NET_RX_INLINE_MAX bytes delivered by sys_net_recv_batch is
 *         copied into the caller's entry, and its slot handed back with the same page, which
 *         never left the ring either (so an ACK costs no page to allocate and zero).  Such a
 *         page is no longer all zero past the next frame the card writes into it: it keeps
 *         bytes of earlier frames of this same ring, which the same receivers were given
 *         anyway, and never kernel data.
 *     R6. A page a receive call mapped (flagged PP_NETRX until it is freed) may come back:
 *         sys_net_recycle takes it only while its one reference is the caller's mapping (no
 *         other mapping anywhere, no TX pin), removes that mapping (shooting down the TLBs),
 *         and keeps it, unzeroed, to refill a slot (rx_stash, at most E1000_RX_RING pages;
 *         past that it is freed).  So a recycled page is never visible to two environments:
 *         when it next leaves the ring it is mapped for one receiver, and it holds nothing but
 *         bytes of frames this ring received.  The refills take the stash first and allocate
 *         (zeroed) pages only when it is empty (rx_zeroed counts those).
 *   Descriptor first, then a compiler barrier, then the doorbell (TDT/RDT): the card must never
 *   see a tail that covers a descriptor not yet written.
 *
 * LOCKING AND WAITING
 *   Every entry point runs under the kernel lock (system calls, the IRQ handler).  A sender
 *   facing a full ring or a receiver facing an empty one sleeps (ENV_WAIT_NET_TX /
 *   ENV_WAIT_NET_RX) and e1000_intr wakes it: TXDW after reclaiming, RXT0/RXO/RXDMT0 when a
 *   frame is ready.  The check and the sleep happen under the lock, so no wake-up is lost;
 *   a TX sender unmasks TXDW and reclaims once more before it sleeps (e1000_tx_wait_arm), so
 *   a completion either is seen by that reclaim or raises the interrupt after it.
 */
#ifndef KERN_E1000_H
#define KERN_E1000_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/types.h>
#include <inc/memlayout.h>
#include <inc/sysinfo.h>
#include <kern/e1000reg.h>

struct net_tx_offload;

#define E1000_TX_RING	256
#define E1000_RX_RING	128

struct pci_func;

/* PCI attach (kern/pci.c's driver table): maps BAR 0, reads the MAC from the EEPROM, sets up
 * both rings and the interrupt.  0, or -E_NO_MEM / -E_TIMEOUT (EEPROM) / -E_NOT_SUPP (no
 * usable BAR or IRQ) / -E_BUSY (a card is attached already: the driver handles one). */
int	e1000_attach(struct pci_func *f);
bool	e1000_present(void);
void	e1000_intr(void);

/* Queue len bytes at offset off of page pp for transmission, pinning pp (rule T1), with the
 * checksums ofl asks for inserted by the card (NULL or no flags: none).  The caller has checked
 * the arguments: pp is a user page, off + len <= PGSIZE, 0 < len <= NET_FRAME_MAX, ofl's flags
 * known and its offsets inside the frame (kern/netsys.c).  Returns 0, -E_AGAIN if the ring has
 * no room for the frame and, if it needs one, its context descriptor (counted in
 * tx_ring_full), or -E_NO_MEM if pp is at PP_REF_MAX references and cannot be pinned; a
 * refused frame queues nothing. */
int	e1000_tx_page(struct PageInfo *pp, uint32_t off, size_t len,
		      const struct net_tx_offload *ofl);

/* One fragment of a frame: len bytes at offset off of the user page pp. */
struct e1000_tx_frag {
	struct PageInfo *pp;
	uint32_t off, len;
};
/* TCP segmentation of a frame (SDM 3.5): the header bytes repeated, the segment payload. */
struct e1000_tx_tso {
	uint8_t hdrlen;
	uint16_t mss;
};
/* Queue a frame of nfrags (1..NET_TX_FRAGS_MAX) fragments, pinning each fragment's page (rule
 * T1; a page named twice is pinned twice), with the checksums ofl asks for and, if tso is not
 * NULL, segmented by the card (the caller has checked: ofl asks for both checksums, the header
 * fields lie inside hdrlen, hdrlen + mss <= NET_FRAME_MAX).  Without tso the frame is at most
 * NET_FRAME_MAX bytes; with it, hdrlen plus at most NET_TSO_PAYLOAD_MAX.  The card is not told
 * until e1000_tx_doorbell, so a batch costs one register write.  Returns 0, or -E_AGAIN / -E_NO_MEM
 * as e1000_tx_page (the frame queues nothing). */
int	e1000_tx_frame(const struct e1000_tx_frag *frags, uint32_t nfrags,
		       const struct net_tx_offload *ofl, const struct e1000_tx_tso *tso);
/* Tell the card of every frame queued since the last time (one TDT write). */
void	e1000_tx_doorbell(void);

/* A sender found the ring full (-E_AGAIN) and will sleep on ENV_WAIT_NET_TX: unmask the
 * TX-done interrupt that will wake it, and reclaim what the card finished meanwhile.  Returns
 * the slots freed; 0 means sleeping is safe (a later completion interrupts). */
uint32_t e1000_tx_wait_arm(void);

/* The clock tick (every CPU's, TIMER_HZ a second): drop the pins of the frames the card has
 * finished (rule T2), so that a pin outlives its frame by one tick at most. */
void	e1000_tick(void);
/* Whether the card needs that tick now: it holds pins to drop.  If not, the clock may stop
 * ticking while the CPUs idle (kern/time.c). */
bool	e1000_tick_needed(void);

/* Is a received frame ready to deliver?  (Frames that cannot be delivered are dropped on the
 * way: rule R4.) */
bool	e1000_rx_ready(void);

/* Deliver the next received frame: map its packet page at dstva (page-aligned, below UTOP,
 * checked by the caller) in pgdir, writable (rule R2).  Returns the frame length, -E_AGAIN if
 * no frame is ready (counted in rx_ring_empty), or -E_NO_MEM (the frame stays queued). */
int	e1000_rx_map(pde_t *pgdir, uintptr_t dstva);

/* Deliver up to n ready frames into frames[] (user memory of pgdir, the current address space,
 * checked writable by the caller): one of at most NET_RX_INLINE_MAX bytes copied into its entry
 * and its page handed straight back to the card (rule R5), a longer one's page mapped at
 * pageva + i * PGSIZE as e1000_rx_map does.  Returns the number delivered, -E_AGAIN if none
 * was ready, or -E_NO_MEM if the first frame found no replacement page (a later one that
 * finds none stays queued for the next call). */
struct net_rx_frame;
int	e1000_rx_batch(pde_t *pgdir, struct net_rx_frame *frames, uint32_t n, uintptr_t pageva);

/* Rule R6: take back the received page mapped at va in pgdir (the current address space):
 * 0; -E_FAULT (nothing mapped there for the user); -E_INVAL (a page the card did not fill);
 * -E_BUSY (another mapping or a pin holds it). */
int	e1000_rx_take_back(pde_t *pgdir, uintptr_t va);

/* The MAC address and the counters. */
void	e1000_info(struct net_info *info);

#endif /* !KERN_E1000_H */
