/* waittest: sys_env_wait (lib's wait) blocks until an environment is gone, without polling.
 *
 *  - bad ids: 0 and the caller itself are refused with -E_INVAL (it would wait forever);
 *    an id that names nothing (any more) returns 0 at once;
 *  - a child that sleeps, checks that its parent is blocked (ENV_NOT_RUNNABLE, not yielding in
 *    a loop) while it waits, then exits: the parent wakes once the child is freed;
 *  - two waiters on one environment, which dies of a page fault: both wake. */
#include <inc/lib.h>

#define CHILD_MSEC	200	/* how long the first child sleeps before it exits */

static void
check(bool ok, const char *what)
{
	if (!ok)
		panic("%s", what);
	cprintf("waittest: %s\n", what);
}

static bool
gone(envid_t id)
{
	return envs[ENVX(id)].env_id != id || envs[ENVX(id)].env_status == ENV_FREE;
}

void
umain(int argc, char **argv)
{
	envid_t parent = sys_getenvid(), child, waiter;
	unsigned start;

	check(sys_env_wait(0) == -E_INVAL, "waiting for myself (0) is refused");
	check(sys_env_wait(parent) == -E_INVAL, "waiting for my own id is refused");

	/* The child checks that we are blocked, not polling, once it has slept. */
	if ((child = fork()) == 0) {
		sys_sleep_until(sys_time_msec() + CHILD_MSEC);
		if (envs[ENVX(parent)].env_status != ENV_NOT_RUNNABLE)
			panic("the waiting parent is not blocked (status %d)",
			      envs[ENVX(parent)].env_status);
		cprintf("waittest: child: my parent is blocked while it waits\n");
		exit();
	}
	start = sys_time_msec();
	check(sys_env_wait(child) == 0 && gone(child), "the child is gone when wait returns");
	check(sys_time_msec() - start >= CHILD_MSEC, "wait returned only after the child slept");
	check(sys_env_wait(child) == 0, "waiting for a gone environment returns at once");

	/* Two waiters (a second child, and us) on a third environment, which faults. */
	if ((child = fork()) == 0) {
		sys_sleep_until(sys_time_msec() + CHILD_MSEC);
		sys_env_set_pgfault_upcall(0, NULL);	/* no handler: the kernel destroys us */
		*(volatile int *) 0 = 0;
		panic("survived a write to address 0");
	}
	if ((waiter = fork()) == 0) {
		wait(child);
		cprintf("waittest: the other waiter woke\n");
		exit();
	}
	wait(child);
	wait(waiter);
	check(gone(child) && gone(waiter), "both waiters woke when the faulting child died");
	cprintf("waittest: ok\n");
}
