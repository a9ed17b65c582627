/* The environments at a glance: one line each, with what a blocked one waits for and where it
 * stopped.  The monitor's `ps` prints it, and so does Ctrl-T typed at the console whatever runs
 * (BSD's status key): for a guest that seems stuck, it says who waits on whom. */

#include <inc/stdio.h>
#include <inc/env.h>
#include <inc/memlayout.h>

#include <kern/env.h>
#include <kern/monitor.h>
#include <kern/ps.h>
#include <kern/time.h>

static const char *const status_names[] = {
	[ENV_FREE] = "free", [ENV_DYING] = "dying", [ENV_RUNNABLE] = "runnable",
	[ENV_RUNNING] = "running", [ENV_NOT_RUNNABLE] = "blocked",
};

static const char *const type_names[] = {
	[ENV_TYPE_USER] = "user", [ENV_TYPE_FS] = "fs", [ENV_TYPE_NS] = "ns",
};

/* What e waits for, in words (env_wait has at most one bit set: inc/env.h). */
static void
ps_print_wait(const struct Env *e)
{
	switch (e->env_wait) {
	case 0:
		if (e->env_status == ENV_NOT_RUNNABLE)
			cprintf(" (stopped)");
		break;
	case ENV_WAIT_TIME:
		cprintf(" sleeping");
		break;
	case ENV_WAIT_NET_RX:
		cprintf(" waits for a received frame");
		break;
	case ENV_WAIT_NET_TX:
		cprintf(" waits for room in the transmit ring");
		break;
	case ENV_WAIT_CONS:
		cprintf(" waits for console input");
		break;
	case ENV_WAIT_EXIT:
		cprintf(" waits for env %08x to exit", e->env_wait_key);
		break;
	case ENV_WAIT_PAGE:
		cprintf(" waits on page word at pa %08x", e->env_wait_key);
		break;
	case ENV_WAIT_IPC:
		cprintf(" receives IPC");
		if ((uintptr_t) e->env_ipc_dstva < UTOP)
			cprintf(" (%u pages at %08x)", e->env_ipc_npages,
				(uintptr_t) e->env_ipc_dstva);
		break;
	case ENV_WAIT_ANY:
		cprintf(" waits on %u page words%s", e->env_wait_any_npages,
			e->env_wait_any_cons ? " and the console" : "");
		break;
	default:
		cprintf(" waits for %#x", e->env_wait);
	}
	if (e->env_wait && e->env_wait_timed)
		cprintf(" until %u ms (now %u)", e->env_wait_until, time_msec());
}

void
ps_print(void)
{
	cprintf("ps: %u ms since boot\n", time_msec());
	for (int i = 0; i < NENV; i++) {
		const struct Env *e = &envs[i];
		if (e->env_status == ENV_FREE)
			continue;
		cprintf("ps: env %08x parent %08x %-4s %-8s", e->env_id, e->env_parent_id,
			e->env_type < ARRAY_SIZE(type_names) ? type_names[e->env_type] : "?",
			e->env_status < ARRAY_SIZE(status_names) ? status_names[e->env_status] : "?");
		if (e->env_status == ENV_RUNNING)
			cprintf(" on CPU %d", e->env_cpunum);
		cprintf(" runs %u eip %08x", e->env_runs, e->env_tf.tf_eip);
		ps_print_wait(e);
		cprintf("\n");
	}
	cprintf("ps: end\n");
}

MONITOR_COMMAND(mon_ps, "ps", "", "every environment: its state, what it waits for, where it is");
static int
mon_ps(int argc, char **argv, struct Trapframe *tf)
{
	(void) argc;
	(void) argv;
	(void) tf;
	ps_print();
	return 0;
}
