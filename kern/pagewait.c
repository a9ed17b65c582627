/* Waiting on a word in a shared page: see kern/pagewait.h. */

#include <inc/error.h>
#include <inc/mmu.h>

#include <kern/env.h>
#include <kern/pagewait.h>
#include <kern/pmap.h>
#include <kern/time.h>
#include <kern/waitany.h>

struct PageInfo *
pagewait_page(uintptr_t va, int *err)
{
	if (va % sizeof(uint32_t) != 0 || va >= UTOP) {
		*err = -E_INVAL;
		return NULL;
	}
	if (user_mem_check(curenv, (const void *) va, sizeof(uint32_t), PTE_U) < 0) {
		*err = -E_FAULT;
		return NULL;
	}
	return page_lookup(curenv->env_pgdir, (void *) va, NULL);
}

/* Make every waiter on pp runnable; returns how many there were.  None is left, so the page
 * loses PP_WAITED, and with it the scan at its next page_decref. */
static int
pagewait_wake(struct PageInfo *pp)
{
	if (!(pp->pp_flags & PP_WAITED))
		return 0;
	pp->pp_flags &= ~PP_WAITED;
	return env_wake(ENV_WAIT_PAGE, page2pa(pp)) + waitany_wake_page(page2pa(pp));
}

/* Whether the caller should wait on the word at va (see sys_page_wait): 1 with *pp_store set,
 * 0 if the word or the reference count differ, or a negative E_* code. */
static int
pagewait_check(uintptr_t va, uint32_t val, uint32_t ref, struct PageInfo **pp_store)
{
	int err;
	struct PageInfo *pp = pagewait_page(va, &err);

	if (pp == NULL)
		return err;
	if (*(volatile uint32_t *) (page2kva(pp) + PGOFF(va)) != val || pp->pp_ref != ref)
		return 0;
	curenv->env_tf.tf_regs.reg_eax = 0;	/* the call's result when a wake ends it */
	pp->pp_flags |= PP_WAITED;
	*pp_store = pp;
	return 1;
}

int
sys_page_wait(uintptr_t va, uint32_t val, uint32_t ref)
{
	struct PageInfo *pp = NULL;
	int r = pagewait_check(va, val, ref, &pp);

	if (r <= 0)
		return r;
	env_sleep(ENV_WAIT_PAGE, page2pa(pp));
}

int
sys_page_wait_until(uintptr_t va, uint32_t val, uint32_t ref, uint32_t msec)
{
	struct PageInfo *pp = NULL;
	int r;

	if (time_reached(time_msec(), msec))
		return -E_TIMEOUT;
	if ((r = pagewait_check(va, val, ref, &pp)) <= 0)
		return r;
	env_sleep_until(ENV_WAIT_PAGE, page2pa(pp), msec);
}

int
sys_page_wake(uintptr_t va)
{
	int err;
	struct PageInfo *pp = pagewait_page(va, &err);

	if (pp == NULL)
		return err;
	return pagewait_wake(pp);
}

void
pagewait_unmapped(struct PageInfo *pp)
{
	pagewait_wake(pp);
}
