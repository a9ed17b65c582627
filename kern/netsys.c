/* The network system calls: rights, argument checks and blocking around the E1000 driver's
 * ring operations (kern/e1000.c).  The contract is in kern/netsys.h. */

#include <inc/error.h>
#include <inc/string.h>
#include <inc/ns.h>
#include <inc/mmu.h>

#include <kern/netsys.h>
#include <kern/e1000.h>
#include <kern/env.h>
#include <kern/pmap.h>
#include <kern/syscall.h>

/* Ethernet destination + source + type: a shorter frame has no header to send. */
#define NET_FRAME_MIN	NET_ETH_HLEN

/* Receivers that took frames and have not called for more since (env_net_rx_held). */
static uint32_t netsys_rx_holders;

static void
netsys_rx_release(struct Env *e)
{
	if (e->env_net_rx_held) {
		e->env_net_rx_held = false;
		netsys_rx_holders--;
	}
}

void
netsys_env_free(struct Env *e)
{
	netsys_rx_release(e);
}

/* curenv took frames (r of them, or an error).  If it emptied the ring, a receiver woken for
 * those frames that has not run yet would only call again, find nothing and sleep: it sleeps
 * on without the trip (a switch of address space, under QEMU the whole soft TLB).  Its
 * trapframe still points at its system call (netsys_block), which it makes again when woken. */
static void
netsys_rx_took(int r)
{
	if (r <= 0)
		return;
	curenv->env_net_rx_held = true;
	netsys_rx_holders++;
	if (e1000_rx_ready())
		return;
	for (struct Env *e = envs; e < envs + env_slots_used; e++)
		if (e->env_woken_from == ENV_WAIT_NET_RX && e->env_status == ENV_RUNNABLE
		    && e != curenv)
			env_resleep(e, ENV_WAIT_NET_RX, 0);
}

/* The checks every call starts with: the right, a card, flags among those the call knows. */
static int
netsys_check_caller(int flags, int known)
{
	if (!(curenv->env_flags & ENV_F_NET))
		return -E_PERM;
	if (!e1000_present())
		return -E_NOT_SUPP;
	if (flags & ~known)
		return -E_INVAL;
	return 0;
}

/* Is the 2-byte checksum field at `field` inside bytes [start, end] (inclusive)? */
static bool
netsys_csum_fits(uint32_t start, uint32_t field, uint32_t end)
{
	return start <= field && field + 1 <= end;
}

/* Check an offload request against the first len bytes of its frame: known flags, every range
 * and checksum field inside them (inc/ns.h, struct net_tx_offload). */
static int
netsys_offload_check(const struct net_tx_offload *ofl, size_t len)
{
	if (ofl->no_flags & ~NET_OFFLOAD_ALL)
		return -E_INVAL;
	if ((ofl->no_flags & NET_OFFLOAD_IP)
	    && (ofl->no_ipcse >= len || !netsys_csum_fits(ofl->no_ipcss, ofl->no_ipcso,
							   ofl->no_ipcse)))
		return -E_INVAL;
	if ((ofl->no_flags & NET_OFFLOAD_L4)
	    && !netsys_csum_fits(ofl->no_tucss, ofl->no_tucso, len - 1))
		return -E_INVAL;
	return 0;
}

/* Read the offload request of the packet page pp whose frame (len bytes) is sent, into *ofl,
 * and check it.  Read once: the sender may be changing the page. */
static int
netsys_offload_get(struct PageInfo *pp, size_t len, struct net_tx_offload *ofl)
{
	const struct net_pkt *pkt = page2kva(pp);

	memcpy(ofl, &pkt->np_offload, sizeof(*ofl));
	return netsys_offload_check(ofl, len);
}

/* The page under the user buffer [va, va + len) of the address space pgdir, if it may be lent
 * to the card: below UTOP, inside one page, mapped PTE_U|PTE_P, a page the allocator owns; else
 * NULL with *err set. */
static struct PageInfo *
netsys_tx_page(pde_t *pgdir, uintptr_t va, size_t len, int *err)
{
	pte_t *pte;

	/* Below UTOP: the user-readable kernel views above it (UENVS, UPAGES, UVPT) are not the
	 * caller's pages to lend to the card. */
	if (va >= UTOP) {
		*err = -E_FAULT;
		return NULL;
	}
	if (PGOFF(va) + len > PGSIZE) {
		*err = -E_INVAL;
		return NULL;
	}
	struct PageInfo *pp = page_lookup(pgdir, (void *) va, &pte);
	/* Pinning drops the reference later with page_decref, which only allocatable pages
	 * take; a reserved page cannot be mapped below UTOP today, but must not get here. */
	if (pp == NULL || (*pte & (PTE_U | PTE_P)) != (PTE_U | PTE_P) || (pp->pp_flags & PP_RESERVED)) {
		*err = -E_FAULT;
		return NULL;
	}
	return pp;
}

/* Check the frame f (the kernel's copy) and fill frags[] and *tso from it: its fragments'
 * pages, its length, its offloads (inc/ns.h, struct net_tx_frame).  *has_tso says whether the
 * card segments it. */
static int
netsys_tx_frame_check(pde_t *pgdir, const struct net_tx_frame *f, struct e1000_tx_frag *frags,
		      struct e1000_tx_tso *tso, bool *has_tso)
{
	const struct net_tx_offload *ofl = &f->nf_offload;
	size_t total = 0;
	int r;

	if (f->nf_nfrags < 1 || f->nf_nfrags > NET_TX_FRAGS_MAX)
		return -E_INVAL;
	for (uint32_t i = 0; i < f->nf_nfrags; i++) {
		const struct net_tx_frag *fr = &f->nf_frags[i];
		if (fr->nt_len == 0)
			return -E_INVAL;
		if (!(frags[i].pp = netsys_tx_page(pgdir, fr->nt_va, fr->nt_len, &r)))
			return r;
		frags[i].off = PGOFF(fr->nt_va);
		frags[i].len = fr->nt_len;
		total += fr->nt_len;
	}
	*has_tso = ofl->no_flags & NET_OFFLOAD_TSO;
	if (!*has_tso) {
		if (total < NET_FRAME_MIN || total > NET_FRAME_MAX)
			return -E_INVAL;
		return netsys_offload_check(ofl, total);
	}
	/* Segmentation: both checksums, their fields inside the repeated header, whole segments
	 * no longer than a frame. */
	tso->hdrlen = f->nf_hdrlen;
	tso->mss = f->nf_mss;
	struct net_tx_offload cs = *ofl;
	cs.no_flags &= ~NET_OFFLOAD_TSO;
	if (cs.no_flags != NET_OFFLOAD_ALL || tso->mss == 0
	    || tso->hdrlen < NET_FRAME_MIN || tso->hdrlen + tso->mss > NET_FRAME_MAX
	    || total <= tso->hdrlen || total - tso->hdrlen > NET_TSO_PAYLOAD_MAX)
		return -E_INVAL;
	if ((r = netsys_offload_check(&cs, tso->hdrlen)) < 0 || ofl->no_tucss >= tso->hdrlen)
		return -E_INVAL;
	return 0;
}

/* Sleep until the driver wakes us on wait_bit, then run the same system call again. */
static void __attribute__((noreturn))
netsys_block(uint32_t wait_bit)
{
	curenv->env_tf.tf_eip -= SYSCALL_INSN_LEN;
	env_sleep(wait_bit, 0);
}

int
sys_net_send(uintptr_t buf, size_t len, int flags)
{
	struct PageInfo *pp;
	int r;

	if ((r = netsys_check_caller(flags, NET_NONBLOCK | NET_TX_OFFLOAD)) < 0)
		return r;
	if (len < NET_FRAME_MIN || len > NET_FRAME_MAX)
		return -E_INVAL;
	if (!(pp = netsys_tx_page(curenv->env_pgdir, buf, len, &r)))
		return r;

	/* The offload request is in the packet page's header, so buf must be its np_data. */
	struct net_tx_offload ofl = { 0 };
	if (flags & NET_TX_OFFLOAD) {
		if (PGOFF(buf) != NET_PKT_DATA_OFFSET)
			return -E_INVAL;
		if ((r = netsys_offload_get(pp, len, &ofl)) < 0)
			return r;
	}

	r = e1000_tx_page(pp, PGOFF(buf), len, &ofl);
	if (r == -E_AGAIN && !(flags & NET_NONBLOCK)) {
		/* Sleep only if arming the TX-done interrupt found no slot finished meanwhile. */
		if (e1000_tx_wait_arm() == 0)
			netsys_block(ENV_WAIT_NET_TX);
		r = e1000_tx_page(pp, PGOFF(buf), len, &ofl);
	}
	return r;
}

int
sys_net_send_batch(uintptr_t frames, uint32_t n, int flags)
{
	struct e1000_tx_frag frags[NET_TX_FRAGS_MAX];
	uint32_t queued = 0;
	pde_t *pgdir = curenv->env_pgdir;
	int r;

	if ((r = netsys_check_caller(flags, NET_NONBLOCK | NET_TX_PARENT)) < 0)
		return r;
	if (n == 0 || n > NET_TX_BATCH_MAX)
		return -E_INVAL;
	if (flags & NET_TX_PARENT) {
		/* Rule T7: the parent's pages, if it holds the network right too. */
		struct Env *parent;
		if (envid2env(curenv->env_parent_id, &parent, 0) < 0 || parent == curenv
		    || !(parent->env_flags & ENV_F_NET))
			return -E_PERM;
		pgdir = parent->env_pgdir;
	}
	if (frames >= UTOP || user_mem_check(curenv, (void *) frames,
					     n * sizeof(struct net_tx_frame), PTE_U | PTE_P) < 0)
		return -E_FAULT;

again:
	for (; queued < n; queued++) {
		struct net_tx_frame f;
		struct e1000_tx_tso tso;
		bool has_tso = false;

		/* Copied once: the sender may be changing its array. */
		memcpy(&f, (const struct net_tx_frame *) frames + queued, sizeof(f));
		if ((r = netsys_tx_frame_check(pgdir, &f, frags, &tso, &has_tso)) < 0
		    || (r = e1000_tx_frame(frags, f.nf_nfrags, &f.nf_offload,
					   has_tso ? &tso : NULL)) < 0)
			break;
	}
	if (queued > 0) {
		e1000_tx_doorbell();
		return queued;
	}
	if (r == -E_AGAIN && !(flags & NET_NONBLOCK)) {
		/* Sleep (the call starts over when woken) only if arming the TX-done interrupt
		 * found no slot finished meanwhile; else try again at once. */
		if (e1000_tx_wait_arm() == 0)
			netsys_block(ENV_WAIT_NET_TX);
		goto again;
	}
	return r;
}

int
sys_net_recv(uintptr_t dstva, int flags)
{
	int r;

	if ((r = netsys_check_caller(flags, NET_NONBLOCK)) < 0)
		return r;
	if (dstva >= UTOP || dstva % PGSIZE != 0)
		return -E_INVAL;

	netsys_rx_release(curenv);
	r = e1000_rx_map(curenv->env_pgdir, dstva);
	if (r == -E_AGAIN && !(flags & NET_NONBLOCK))
		netsys_block(ENV_WAIT_NET_RX);
	netsys_rx_took(r);
	return r;
}

int
sys_net_recv_batch(uintptr_t frames, uint32_t n, uintptr_t pageva, int flags)
{
	int r;

	if ((r = netsys_check_caller(flags, NET_NONBLOCK | NET_RX_ORDERED)) < 0)
		return r;
	if (n == 0 || n > NET_RX_BATCH_MAX || pageva % PGSIZE != 0 || pageva >= UTOP
	    || n > (UTOP - pageva) / PGSIZE)
		return -E_INVAL;
	if (frames >= UTOP || user_mem_check(curenv, (void *) frames,
					     n * sizeof(struct net_rx_frame),
					     PTE_U | PTE_W | PTE_P) < 0)
		return -E_FAULT;

	netsys_rx_release(curenv);
	if ((flags & NET_RX_ORDERED) && netsys_rx_holders > 0)
		return -E_BUSY;
	r = e1000_rx_batch(curenv->env_pgdir, (struct net_rx_frame *) frames, n, pageva);
	if (r == -E_AGAIN && !(flags & NET_NONBLOCK))
		netsys_block(ENV_WAIT_NET_RX);
	netsys_rx_took(r);
	return r;
}

int
sys_net_recycle(uintptr_t va)
{
	int r;

	if ((r = netsys_check_caller(0, 0)) < 0)
		return r;
	if (va >= UTOP || va % PGSIZE != 0)
		return -E_INVAL;
	return e1000_rx_take_back(curenv->env_pgdir, va);
}

int
sys_net_info(uintptr_t info)
{
	struct net_info ni;
	int r;

	if ((r = netsys_check_caller(0, 0)) < 0)
		return r;
	if (info >= UTOP
	    || user_mem_check(curenv, (void *) info, sizeof(ni), PTE_U | PTE_W | PTE_P) < 0)
		return -E_FAULT;
	e1000_info(&ni);
	*(struct net_info *) info = ni;
	return 0;
}
