/* The scheduler: round-robin over envs[], the hand-off to the environment an IPC woke, and the
 * idle halt. */

#include <inc/assert.h>
#include <inc/x86.h>

#include <kern/env.h>
#include <kern/cpustat.h>
#include <kern/pmap.h>
#include <kern/monitor.h>
#include <kern/sched.h>
#include <kern/cpu.h>
#include <kern/spinlock.h>
#include <kern/uctx.h>
#include <kern/time.h>

static void sched_halt(void) __attribute__((noreturn));

void
sched_yield(void)
{
	struct Env *cur = curenv;
	uint32_t i = cur ? ENVX(cur->env_id) + 1 : 0;

	/* Hand-off: a current environment that blocks after its IPC woke another runs that one
	 * next, so a request is served, or an answer used, before anything else runs. */
	if (cur && cur->env_status == ENV_NOT_RUNNABLE && cur->env_ipc_woke) {
		envid_t id = cur->env_ipc_woke;
		struct Env *e = &envs[ENVX(id)];
		cur->env_ipc_woke = 0;
		if (e->env_id == id && e->env_status == ENV_RUNNABLE)
			env_run(e);
	}

	/* The next runnable environment after the current one, in a circle over the slots ever
	 * used (env_slots_used).  An environment running on another CPU is ENV_RUNNING, not
	 * ENV_RUNNABLE, so it is never picked twice. */
	for (uint32_t n = 0; n < env_slots_used; n++, i++) {
		if (i == env_slots_used)
			i = 0;
		struct Env *e = &envs[i];
		if (e->env_status == ENV_RUNNABLE)
			env_run(e);
	}

	/* Nothing else: keep running the current one if it still can. */
	if (cur && cur->env_status == ENV_RUNNING && cur->env_cpunum == cpunum())
		env_run(cur);

	sched_halt();
}

/* Is there an environment that can still run, or be woken by an event the kernel waits for? */
static bool
sched_anything_alive(void)
{
	for (uint32_t i = 0; i < env_slots_used; i++) {
		unsigned s = envs[i].env_status;
		if (s == ENV_RUNNABLE || s == ENV_RUNNING || s == ENV_DYING)
			return true;
		/* A receiver can only be woken by another environment, which would count. */
		if (s == ENV_NOT_RUNNABLE && (envs[i].env_wait & ~ENV_WAIT_IPC) != 0)
			return true;
	}
	return false;
}

/* Idle this CPU until an interrupt arrives.  If no environment can ever run again, the boot CPU
 * enters the monitor instead. */
static void
sched_halt(void)
{
	if (!sched_anything_alive() && thiscpu == bootcpu) {
		cprintf("sched: no runnable environments; entering the monitor\n");
		for (;;)
			monitor(NULL);
	}

	/* A curenv that blocked takes its FPU and segment registers with it (kern/uctx.h). */
	if (curenv)
		uctx_save_current();
	curenv = NULL;
	cpustat_lcr3(PADDR(kern_pgdir));
	cpustat_count(halts);
	time_idle_enter();
	xchg(&thiscpu->cpu_status, CPU_HALTED);
	unlock_kernel();

	/* Reset the stack (nothing on it is needed: trap() starts afresh) and wait with
	 * interrupts on.  The interrupt's trap() takes the kernel lock again. */
	asm volatile(
		"movl $0, %%ebp\n"
		"movl %0, %%esp\n"
		"pushl $0\n"
		"pushl $0\n"
		"sti\n"
		"1:\n"
		"hlt\n"
		"jmp 1b\n"
		: : "a" (thiscpu->cpu_ts.ts_esp0));
	__builtin_unreachable();
}
