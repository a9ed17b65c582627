/* fork and sfork: a child of the calling environment built in user space from the exokernel's
 * page calls and the read-only page table view (uvpd, uvpt).  fork copies the address space
 * copy-on-write; sfork shares it, except the stack and the per-environment pages. */

#include <inc/lib.h>

extern void _pgfault_upcall(void);
extern char perenv_start[], perenv_end[];	/* user/user.ld */

/* The page, mapped below UTOP, that fork never passes on: each environment has its own. */
#define XSTACK_PN	PGNUM(UXSTACKTOP - PGSIZE)

/* Replace the copy-on-write page at va (page-aligned) by a private, writable copy: a new page
 * at PFTEMP, filled from va, then moved over va. */
static void
cow_copy(uintptr_t va)
{
	int r;

	if ((r = sys_page_alloc(0, PFTEMP, PTE_P | PTE_U | PTE_W)) < 0)
		panic("copy-on-write of %08x: %e", va, r);
	memmove(PFTEMP, (void *) va, PGSIZE);
	if ((r = sys_page_map(0, PFTEMP, 0, (void *) va, PTE_P | PTE_U | PTE_W)) < 0)
		panic("copy-on-write of %08x: %e", va, r);
	if ((r = sys_page_unmap(0, PFTEMP)) < 0)
		panic("copy-on-write of %08x: %e", va, r);
}

/* The page fault handler fork installs.  Only a write to a copy-on-write page is ours to
 * handle; any other fault is a bug of the program, reported with its address. */
static void
cow_pgfault(struct UTrapframe *utf)
{
	uintptr_t va = utf->utf_fault_va;

	if (!(utf->utf_err & FEC_WR) || !(uvpd[PDX(va)] & PTE_P) || !(uvpt[PGNUM(va)] & PTE_COW))
		panic("page fault at va %08x (ip %08x, err %x): not a write to a copy-on-write page",
		      va, utf->utf_eip, utf->utf_err);
	cow_copy(ROUNDDOWN(va, PGSIZE));
}

/* Give the child page number pn copy-on-write (fork).  Returns 0 or the call's error. */
static int
page_dup_cow(envid_t child, uint32_t pn)
{
	void *va = (void *) (pn * PGSIZE);
	pte_t pte = uvpt[pn];
	int r;

	/* Shared pages (file descriptor state, pipes, counters) stay shared, with their
	 * permissions. */
	if (pte & PTE_SHARE)
		return sys_page_map(0, va, child, va, pte & PTE_SYSCALL);

	/* Read-only pages can simply be shared. */
	if (!(pte & (PTE_W | PTE_COW)))
		return sys_page_map(0, va, child, va, PTE_P | PTE_U);

	/* Writable: copy-on-write in both.  The child's mapping comes first: were ours marked
	 * first, a write of ours in between (to this very stack page, say: the call itself
	 * pushes on it) would give us a private copy, and the child would then be handed that
	 * copy, which we go on writing. */
	if ((r = sys_page_map(0, va, child, va, PTE_P | PTE_U | PTE_COW)) < 0)
		return r;
	return sys_page_map(0, va, 0, va, PTE_P | PTE_U | PTE_COW);
}

/* Give the child page number pn as the same memory (sfork).  Returns 0 or the call's error. */
static int
page_share(envid_t child, uint32_t pn)
{
	void *va = (void *) (pn * PGSIZE);

	/* A page still copy-on-write from an earlier fork: make it ours alone first, or the
	 * first write by either of us would split it. */
	if (uvpt[pn] & PTE_COW)
		cow_copy((uintptr_t) va);
	return sys_page_map(0, va, child, va, uvpt[pn] & PTE_SYSCALL);
}

/* The lowest page of the user stack: the stack is the run of mapped pages below USTACKTOP. */
static uint32_t
stack_bottom_pn(void)
{
	uint32_t pn = PGNUM(USTACKTOP) - 1;

	while ((uvpd[PDX((pn - 1) * PGSIZE)] & PTE_P) && (uvpt[pn - 1] & PTE_P))
		pn--;
	return pn;
}

/* Create a child, give it every mapped page below UTOP but the exception stack (copy-on-write
 * or shared, as `shared` says for each page), a fresh exception stack and the upcall, and let
 * it run.  Returns the child's id in the parent and 0 in the child, or a negative E_* code. */
static envid_t
fork_common(bool (*shared)(uint32_t pn))
{
	envid_t child;
	int r;

	/* Before the exofork, so that the child inherits the handler variable; the child gets
	 * its own exception stack and upcall from us below. */
	set_pgfault_handler(cow_pgfault);
	if ((child = sys_exofork()) < 0)
		return child;
	if (child == 0) {
		/* Our PERENV page is copy-on-write: this write makes it ours. */
		thisenv = &envs[ENVX(sys_getenvid())];
		return 0;
	}

	for (uint32_t pn = 0; pn < PGNUM(UTOP);) {
		if (!(uvpd[pn / NPTENTRIES] & PTE_P)) {
			pn += NPTENTRIES;	/* no page table: skip its 1024 pages */
			continue;
		}
		if (pn != XSTACK_PN && (uvpt[pn] & PTE_P)) {
			r = shared(pn) ? page_share(child, pn) : page_dup_cow(child, pn);
			if (r < 0)
				goto fail;
		}
		pn++;
	}

	if ((r = sys_page_alloc(child, (void *) (UXSTACKTOP - PGSIZE), PTE_P | PTE_U | PTE_W)) < 0
	    || (r = sys_env_set_pgfault_upcall(child, _pgfault_upcall)) < 0
	    || (r = sys_env_set_status(child, ENV_RUNNABLE)) < 0)
		goto fail;
	return child;

fail:
	sys_env_destroy(child);
	return r;
}

static bool
share_none(uint32_t pn)
{
	return false;
}

/* For sfork: everything but the stack and the PERENV pages.  The stack's extent is taken once,
 * before the walk, while we run on it.  PERENV: sfork siblings may sfork at the same time. */
static uint32_t sfork_stack_pn PERENV;

static bool
share_all_but_private(uint32_t pn)
{
	if (pn >= sfork_stack_pn && pn < PGNUM(USTACKTOP))
		return false;
	if (pn >= PGNUM(perenv_start) && pn < PGNUM(perenv_end))
		return false;
	return true;
}

/* The copy-on-write fork.  It installs its own page fault handler (cow_pgfault), replacing any
 * the program had set. */
envid_t
fork(void)
{
	return fork_common(share_none);
}

/* fork sharing memory: globals, heap and everything mapped are the same memory in parent and
 * child; only the stack and the PERENV variables (thisenv among them) are copied, so that each
 * environment has its own.  A later fork by either of them makes the shared pages
 * copy-on-write for the forking environment, so from its next write on it no longer shares
 * them: a program should not mix the two on the same memory. */
envid_t
sfork(void)
{
	sfork_stack_pn = stack_bottom_pn();
	return fork_common(share_all_but_private);
}
