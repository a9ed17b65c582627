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

/* Read the offload request of the packet page pp whose frame (len bytes) is sent, into *ofl,
 * and check it against the frame: known flags, every range and checksum field inside the frame
 * (inc/ns.h, struct net_tx_offload).  Read once: the sender may be changing the page. */
static int
netsys_offload_get(struct PageInfo *pp, size_t len, struct net_tx_offload *ofl)
{
	const struct net_pkt *pkt = page2kva(pp);

	memcpy(ofl, &pkt->np_offload, sizeof(*ofl));
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
	pte_t *pte;
	int r;

	if ((r = netsys_check_caller(flags, NET_NONBLOCK | NET_TX_OFFLOAD)) < 0)
		return r;
	if (len < NET_FRAME_MIN || len > NET_FRAME_MAX)
		return -E_INVAL;
	/* Below UTOP: the user-readable kernel views above it (UENVS, UPAGES, UVPT) are not the
	 * caller's pages to lend to the card. */
	if (buf >= UTOP)
		return -E_FAULT;
	if (PGOFF(buf) + len > PGSIZE)
		return -E_INVAL;
	struct PageInfo *pp = page_lookup(curenv->env_pgdir, (void *) buf, &pte);
	if (pp == NULL || (*pte & (PTE_U | PTE_P)) != (PTE_U | PTE_P))
		return -E_FAULT;
	/* Pinning drops the reference later with page_decref, which only allocatable pages
	 * take; a reserved page cannot be mapped below UTOP today, but must not get here. */
	if (pp->pp_flags & PP_RESERVED)
		return -E_FAULT;

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
sys_net_recv(uintptr_t dstva, int flags)
{
	int r;

	if ((r = netsys_check_caller(flags, NET_NONBLOCK)) < 0)
		return r;
	if (dstva >= UTOP || dstva % PGSIZE != 0)
		return -E_INVAL;

	r = e1000_rx_map(curenv->env_pgdir, dstva);
	if (r == -E_AGAIN && !(flags & NET_NONBLOCK))
		netsys_block(ENV_WAIT_NET_RX);
	return r;
}

int
sys_net_recv_batch(uintptr_t frames, uint32_t n, uintptr_t pageva, int flags)
{
	int r;

	if ((r = netsys_check_caller(flags, NET_NONBLOCK)) < 0)
		return r;
	if (n == 0 || n > NET_RX_BATCH_MAX || pageva % PGSIZE != 0 || pageva >= UTOP
	    || n > (UTOP - pageva) / PGSIZE)
		return -E_INVAL;
	if (frames >= UTOP || user_mem_check(curenv, (void *) frames,
					     n * sizeof(struct net_rx_frame),
					     PTE_U | PTE_W | PTE_P) < 0)
		return -E_FAULT;

	r = e1000_rx_batch(curenv->env_pgdir, (struct net_rx_frame *) frames, n, pageva);
	if (r == -E_AGAIN && !(flags & NET_NONBLOCK))
		netsys_block(ENV_WAIT_NET_RX);
	return r;
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
