/* envlife: the life cycle of environments that run on another CPU while their parent acts on
 * them (run it with CPUS=2).  Each sequence runs many rounds; each child is waited for, and at
 * the end the free page count must be where it started.
 *
 *  destroy-twice: a child spins on the other CPU; the parent destroys it twice.  The second
 *      call changes nothing: 0 while the child is still dying, -E_BAD_ENV once it is freed.
 *  revive-dying: a child spins; the parent destroys it and then asks to make it runnable:
 *      refused with -E_BAD_ENV (a dying environment is gone, not stopped).
 *  recv-status-send: a child blocks in ipc_recv; the parent sets it ENV_RUNNABLE, which must not
 *      wake it (it waits for a message, not for a status), then sends: the child receives each
 *      value exactly once and echoes it.  Waking it early let the later send mark it runnable
 *      while it ran, so that two CPUs ran it at once. */
#include <inc/lib.h>

#define ROUNDS		40
#define WAIT_MSEC	5000		/* a child not running or blocked by then: a hang */

static volatile const struct Env *
env_of(envid_t id)
{
	return &envs[ENVX(id)];
}

static void
check(bool ok, const char *what, int round)
{
	if (!ok)
		panic("envlife: round %d: %s", round, what);
}

/* Has the parent waited too long for its child to get somewhere? */
static bool
too_long(unsigned start)
{
	return sys_time_msec() - start > WAIT_MSEC;
}

/* Spin until child runs on the other CPU (ENV_RUNNING). */
static void
wait_running(envid_t child, int round)
{
	unsigned start = sys_time_msec();

	while (env_of(child)->env_status != ENV_RUNNING) {
		if (too_long(start))
			panic("envlife: round %d: child %08x never ran (status %d)", round, child,
			      env_of(child)->env_status);
		check(env_of(child)->env_id == child, "the child vanished", round);
	}
}

static envid_t
fork_spinner(void)
{
	envid_t child = fork();

	if (child < 0)
		panic("envlife: fork: %e", child);
	if (child == 0)
		for (;;)
			continue;
	return child;
}

static bool
freed(envid_t id)
{
	return env_of(id)->env_id != id || env_of(id)->env_status == ENV_FREE;
}

static void
destroy_twice(int round)
{
	envid_t c = fork_spinner();
	int r;

	wait_running(c, round);
	r = sys_env_destroy(c);
	check(r == 0, "the first destroy failed", round);
	/* 0 while it is dying; -E_BAD_ENV once its CPU has freed it. */
	r = sys_env_destroy(c);
	check(r == 0 || (r == -E_BAD_ENV && freed(c)), "the second destroy failed", round);
	check(sys_env_wait(c) == 0 && freed(c), "the child is not freed after wait", round);
	check(sys_env_destroy(c) == -E_BAD_ENV, "a freed child can still be destroyed", round);
}

static void
revive_dying(int round)
{
	envid_t c = fork_spinner();

	wait_running(c, round);
	check(sys_env_destroy(c) == 0, "destroy failed", round);
	check(sys_env_set_status(c, ENV_RUNNABLE) == -E_BAD_ENV,
	      "a destroyed child could be made runnable", round);
	check(sys_env_set_status(c, ENV_NOT_RUNNABLE) == -E_BAD_ENV,
	      "a destroyed child could be stopped", round);
	check(sys_env_wait(c) == 0 && freed(c), "the child is not freed after wait", round);
}

/* The child of recv_status_send: echo every value back until it gets 0. */
static void
echo_child(envid_t parent)
{
	for (;;) {
		envid_t from;
		int32_t v = ipc_recv(&from, NULL, NULL);
		if (from != parent)
			panic("envlife: child: a message from %08x", from);
		ipc_send(parent, v, NULL, 0);
		if (v == 0)
			exit();
	}
}

static void
recv_status_send(int round)
{
	envid_t parent = sys_getenvid(), c, from;

	if ((c = fork()) < 0)
		panic("envlife: fork: %e", c);
	if (c == 0)
		echo_child(parent);

	for (int v = 1; v <= 8; v++) {
		/* Wait until it is blocked in the receive, then poke it with a status. */
		unsigned start = sys_time_msec();
		while (!(env_of(c)->env_status == ENV_NOT_RUNNABLE
			 && (env_of(c)->env_wait & ENV_WAIT_IPC)))
			check(!too_long(start), "the child never blocked in ipc_recv", round);
		check(sys_env_set_status(c, ENV_RUNNABLE) == 0, "set_status failed", round);
		check(env_of(c)->env_status == ENV_NOT_RUNNABLE && (env_of(c)->env_wait & ENV_WAIT_IPC),
		      "set_status woke a receiver that got no message", round);
		ipc_send(c, v, NULL, 0);
		check(ipc_recv(&from, NULL, NULL) == v && from == c,
		      "the child did not echo the value", round);
	}
	ipc_send(c, 0, NULL, 0);
	check(ipc_recv(&from, NULL, NULL) == 0, "the child did not echo 0", round);
	check(sys_env_wait(c) == 0 && freed(c), "the child is not freed after wait", round);
}

static const struct {
	const char *name;
	void (*run)(int round);
} sequences[] = {
	{ "destroy-twice", destroy_twice },
	{ "revive-dying", revive_dying },
	{ "recv-status-send", recv_status_send },
};

void
umain(int argc, char **argv)
{
	struct mem_stat before, after;

	/* One round of each first, so that what the first fork sets up for good (the exception
	 * stack, pages the parent copies on write) is not counted as a leak. */
	for (size_t s = 0; s < ARRAY_SIZE(sequences); s++)
		sequences[s].run(0);
	sys_mem_stat(&before);

	for (size_t s = 0; s < ARRAY_SIZE(sequences); s++) {
		for (int round = 1; round <= ROUNDS; round++)
			sequences[s].run(round);
		cprintf("envlife: %s: %d rounds\n", sequences[s].name, ROUNDS);
	}

	sys_mem_stat(&after);
	cprintf("envlife: free pages %u before, %u after\n", before.free_pages, after.free_pages);
	if (after.free_pages != before.free_pages)
		panic("envlife: %d pages leaked", (int) (before.free_pages - after.free_pages));
	cprintf("envlife: ok\n");
}
