/* The network system calls (kern/netsys.c): the boundary between user code and the E1000
 * driver.  They check the caller's network right and every argument, then call the driver
 * (kern/e1000.h, whose header states the page ownership rules), and block when it says so.
 *
 * Contract, for all of them:
 *   - Only an environment with ENV_F_NET (the network server, its helpers, ENV_TYPE_NS test
 *     programs and their exofork children) may call them: -E_PERM otherwise.
 *   - All arguments are checked before anything changes: a failing call has changed no page
 *     reference, no mapping and no ring.
 *   - flags is 0 or NET_NONBLOCK (inc/sysinfo.h), and for sys_net_send also NET_TX_OFFLOAD,
 *     for sys_net_send_batch NET_TX_PARENT, for sys_net_recv_batch NET_RX_ORDERED; any other
 *     bit is -E_INVAL.
 *   - Order of receivers: an environment that took frames (sys_net_recv, sys_net_recv_batch)
 *     holds them until it calls either again; NET_RX_ORDERED takes none while another holds
 *     some (-E_BUSY), so frames taken that way come after every frame taken before.  One that
 *     sleeps for a frame and is woken is put back to sleep, without running, when another
 *     receiver empties the ring before it runs: it would only find the ring empty.
 *   - A call that has to wait (full TX ring, empty RX ring) sleeps on ENV_WAIT_NET_TX /
 *     ENV_WAIT_NET_RX and is restarted from the beginning when woken, so every check runs
 *     again; with NET_NONBLOCK it returns -E_AGAIN instead.
 *   - Without an E1000 the calls return -E_NOT_SUPP.
 */
#ifndef KERN_NETSYS_H
#define KERN_NETSYS_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/types.h>
#include <inc/sysinfo.h>
#include <inc/env.h>

/* Transmit the len bytes at buf (14 <= len <= NET_FRAME_MAX, inside one user page below UTOP,
 * mapped PTE_U|PTE_P) without copying them.  With NET_TX_OFFLOAD, buf is the np_data of a
 * packet page and the card inserts the checksums its np_offload asks for (inc/ns.h).  0;
 * -E_PERM; -E_INVAL (length, flags, a buffer crossing its page's end; with NET_TX_OFFLOAD, buf
 * not at np_data, or an offload request that is unknown or reaches outside the frame); -E_FAULT (at or above UTOP, unmapped, not a user page, or not a
 * page the allocator owns); -E_AGAIN (NET_NONBLOCK, ring full); -E_NO_MEM (the page is mapped
 * PP_REF_MAX times and cannot be pinned); -E_NOT_SUPP. */
int	sys_net_send(uintptr_t buf, size_t len, int flags);

/* Queue up to n (1..NET_TX_BATCH_MAX) frames described by frames[0..n) (struct net_tx_frame,
 * inc/ns.h: user memory, copied before use) with one doorbell, in order, each checked as a
 * sys_net_send buffer fragment by fragment and pinned until sent.  Returns the number queued,
 * at least 1: a frame refused or finding no room ends the batch, and the next call reports
 * it.  Errors, for the first frame: -E_PERM; -E_INVAL (n, flags, fragment count or length,
 * a fragment crossing its page's end, a frame too short or long, an offload request unknown or
 * reaching outside the frame, segmentation without both checksums or with fields outside its
 * header, a segment longer than a frame); -E_FAULT (frames, or a fragment's page); -E_AGAIN
 * (NET_NONBLOCK, no room in the ring); -E_NO_MEM (a page mapped too often to be pinned);
 * -E_NOT_SUPP. */
int	sys_net_send_batch(uintptr_t frames, uint32_t n, int flags);

/* Map the next received frame's packet page (struct net_pkt, inc/ns.h) at dstva (page-aligned,
 * below UTOP), writable, replacing what was mapped there.  The frame length; -E_PERM; -E_INVAL
 * (dstva, flags); -E_AGAIN (NET_NONBLOCK, nothing received); -E_NO_MEM (the frame stays
 * queued); -E_NOT_SUPP. */
int	sys_net_recv(uintptr_t dstva, int flags);

/* Deliver up to n (1..NET_RX_BATCH_MAX) ready frames into frames[0..n) (user memory,
 * writable): each of at most NET_RX_INLINE_MAX bytes copied into its entry, each longer one's
 * packet page mapped at pageva + i * PGSIZE as sys_net_recv maps it (pageva page-aligned, the
 * n pages below UTOP; only the entries' pages that get a frame are touched).  The number
 * delivered, at least 1; -E_PERM; -E_INVAL (n, pageva, flags); -E_FAULT (frames); -E_AGAIN
 * (NET_NONBLOCK, nothing received); -E_BUSY (NET_RX_ORDERED, another receiver holds frames);
 * -E_NO_MEM (no page for the first frame; it stays queued); -E_NOT_SUPP. */
int	sys_net_recv_batch(uintptr_t frames, uint32_t n, uintptr_t pageva, int flags);

/* Hand the received frame's page mapped at va (page-aligned, below UTOP) back to the card's
 * receive ring, unmapping it (kern/e1000.h, rule R6).  0; -E_PERM; -E_INVAL (va; a page no
 * receive call mapped); -E_FAULT (nothing mapped there); -E_BUSY (mapped elsewhere too, or
 * pinned by a send); -E_NOT_SUPP.  A refused call changes nothing. */
int	sys_net_recycle(uintptr_t va);

/* Copy the MAC address and counters to *info (user memory, writable).  0; -E_PERM; -E_FAULT;
 * -E_NOT_SUPP. */
int	sys_net_info(uintptr_t info);

/* e is being freed: it holds no frames any more. */
void	netsys_env_free(struct Env *e);

#endif /* !KERN_NETSYS_H */
