/* The network system calls: rights, argument checks and blocking around the E1000 driver's
 * ring operations (kern/e1000.c).  The contract is in kern/netsys.h. */

#include <inc/error.h>
#include <inc/ns.h>
#include <inc/mmu.h>

#include <kern/netsys.h>
#include <kern/e1000.h>
#include <kern/env.h>
#include <kern/pmap.h>
#include <kern/syscall.h>

/* Ethernet destination + source + type: a shorter frame has no header to send. */
#define NET_FRAME_MIN	NET_ETH_HLEN

/* The checks every call starts with: the right, a card, known flags. */
static int
netsys_check_caller(int flags)
{
	if (!(curenv->env_flags & ENV_F_NET))
		return -E_PERM;
	if (!e1000_present())
		return -E_NOT_SUPP;
	if (flags & ~NET_NONBLOCK)
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

	if ((r = netsys_check_caller(flags)) < 0)
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

	r = e1000_tx_page(pp, PGOFF(buf), len);
	if (r == -E_AGAIN && !(flags & NET_NONBLOCK)) {
		/* Sleep only if arming the TX-done interrupt found no slot finished meanwhile. */
		if (e1000_tx_wait_arm() == 0)
			netsys_block(ENV_WAIT_NET_TX);
		r = e1000_tx_page(pp, PGOFF(buf), len);
	}
	return r;
}

int
sys_net_recv(uintptr_t dstva, int flags)
{
	int r;

	if ((r = netsys_check_caller(flags)) < 0)
		return r;
	if (dstva >= UTOP || dstva % PGSIZE != 0)
		return -E_INVAL;

	r = e1000_rx_map(curenv->env_pgdir, dstva);
	if (r == -E_AGAIN && !(flags & NET_NONBLOCK))
		netsys_block(ENV_WAIT_NET_RX);
	return r;
}

int
sys_net_info(uintptr_t info)
{
	struct net_info ni;
	int r;

	if ((r = netsys_check_caller(0)) < 0)
		return r;
	if (info >= UTOP
	    || user_mem_check(curenv, (void *) info, sizeof(ni), PTE_U | PTE_W | PTE_P) < 0)
		return -E_FAULT;
	e1000_info(&ni);
	*(struct net_info *) info = ni;
	return 0;
}
