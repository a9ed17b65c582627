/* Waiting on many things at once: see kern/waitany.h. */

#include <inc/error.h>
#include <inc/string.h>
#include <inc/wait.h>

#include <kern/console.h>
#include <kern/env.h>
#include <kern/pagewait.h>
#include <kern/pmap.h>
#include <kern/time.h>
#include <kern/waitany.h>

/* Check one item (already validated: its page is pp for a word): is it ready? */
static bool
waitany_ready(const struct wait_item *wi, struct PageInfo *pp)
{
	if (wi->wi_kind == WAIT_CONS)
		return cons_has_input();
	if (*(volatile uint32_t *) (page2kva(pp) + PGOFF(wi->wi_va)) != wi->wi_val)
		return true;
	return wi->wi_ref != WAIT_REF_ANY && pp->pp_ref != wi->wi_ref;
}

int
sys_wait_any(uintptr_t items, uint32_t n, uint32_t flags, uint32_t msec)
{
	struct wait_item wi[WAIT_ANY_MAX];
	struct PageInfo *pp[WAIT_ANY_MAX];
	uint32_t nready = 0;
	int err;

	if (n > WAIT_ANY_MAX || (flags & ~WAIT_F_DEADLINE) != 0
	    || (n == 0 && !(flags & WAIT_F_DEADLINE)))
		return -E_INVAL;
	/* n is small, so the length cannot wrap; user_mem_check refuses kernel addresses. */
	if (n > 0 && user_mem_check(curenv, (const void *) items, n * sizeof(wi[0]),
				    PTE_U | PTE_W) < 0)
		return -E_FAULT;
	memcpy(wi, (const void *) items, n * sizeof(wi[0]));

	/* Check every item before looking at any: a bad one changes nothing. */
	for (uint32_t i = 0; i < n; i++) {
		pp[i] = NULL;
		if (wi[i].wi_kind == WAIT_CONS)
			continue;
		if (wi[i].wi_kind != WAIT_WORD)
			return -E_INVAL;
		if ((pp[i] = pagewait_page(wi[i].wi_va, &err)) == NULL)
			return err;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t ready = waitany_ready(&wi[i], pp[i]);
		((struct wait_item *) items)[i].wi_ready = ready;
		nready += ready;
	}
	if (nready > 0)
		return nready;
	if ((flags & WAIT_F_DEADLINE) && time_reached(time_msec(), msec))
		return -E_TIMEOUT;

	/* Nothing is ready: remember what wakes us, then block. */
	curenv->env_wait_any_npages = 0;
	curenv->env_wait_any_cons = false;
	for (uint32_t i = 0; i < n; i++) {
		if (wi[i].wi_kind == WAIT_CONS) {
			curenv->env_wait_any_cons = true;
			continue;
		}
		physaddr_t pa = page2pa(pp[i]);
		uint32_t k = 0;
		while (k < curenv->env_wait_any_npages && curenv->env_wait_any_pages[k] != pa)
			k++;
		if (k == curenv->env_wait_any_npages)
			curenv->env_wait_any_pages[curenv->env_wait_any_npages++] = pa;
		pp[i]->pp_flags |= PP_WAITED;	/* page_decref and sys_page_wake look for us */
	}
	curenv->env_tf.tf_regs.reg_eax = 0;	/* the result when an event ends the wait */
	if (flags & WAIT_F_DEADLINE)
		env_sleep_until(ENV_WAIT_ANY, 0, msec);
	env_sleep(ENV_WAIT_ANY, 0);
}

int
waitany_wake_page(physaddr_t pa)
{
	int n = 0;

	for (struct Env *e = envs; e < envs + env_slots_used; e++) {
		if (!env_waiting_on(e, ENV_WAIT_ANY))
			continue;
		for (uint32_t k = 0; k < e->env_wait_any_npages; k++)
			if (e->env_wait_any_pages[k] == pa) {
				env_unblock(e);
				n++;
				break;
			}
	}
	return n;
}

int
waitany_wake_cons(void)
{
	int n = 0;

	for (struct Env *e = envs; e < envs + env_slots_used; e++)
		if (env_waiting_on(e, ENV_WAIT_ANY) && e->env_wait_any_cons) {
			env_unblock(e);
			n++;
		}
	return n;
}
