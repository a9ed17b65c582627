/* Starting the application processors (APs): boot_aps on the boot CPU, and mp_main, where each
 * AP arrives from the trampoline kern/mpentry.S. */

#include <inc/types.h>
#include <inc/string.h>
#include <inc/memlayout.h>
#include <inc/x86.h>

#include <kern/cpu.h>
#include <kern/pmap.h>
#include <kern/env.h>
#include <kern/trap.h>
#include <kern/sched.h>
#include <kern/spinlock.h>
#include <kern/kstack.h>

/* The trampoline's code, as linked into the kernel. */
extern unsigned char mpentry_start[], mpentry_end[];

/* The top of the stack the AP being started takes (kern/mpentry.S reads it).  boot_aps starts
 * one AP at a time and waits for it, so one variable serves them all. */
void *mpentry_kstack;

void mp_main(void) __attribute__((noreturn));
static void mp_main_on_stack(void);

void
boot_aps(void)
{
	void *code = KADDR(MPENTRY_PADDR);

	/* The page at MPENTRY_PADDR is not on the free list (kern/pmap.c), so this overwrites
	 * nothing of anyone's. */
	static_assert(MPENTRY_PADDR % PGSIZE == 0 && MPENTRY_PADDR < IOPHYSMEM,
		      "the STARTUP IPI names a real-mode page");
	assert(mpentry_end - mpentry_start <= PGSIZE);
	memmove(code, mpentry_start, mpentry_end - mpentry_start);

	for (struct CpuInfo *c = cpus; c < cpus + ncpu; c++) {
		if (c == bootcpu)
			continue;

		/* An AP starts on its percpu_kstacks entry at its kernel-image address: the
		 * KSTACKTOP mapping of the same pages is in kern_pgdir, not yet loaded. */
		mpentry_kstack = percpu_kstacks[c - cpus] + KSTKSIZE;
		lapic_startap(c->cpu_id, PADDR(code));

		/* The AP sets CPU_STARTED once it no longer needs mpentry_kstack. */
		while (c->cpu_status != CPU_STARTED)
			pause();
	}
}

/* Each AP, from kern/mpentry.S: on entry_pgdir and its own stack, interrupts off. */
void
mp_main(void)
{
	lcr3(PADDR(kern_pgdir));
	cpu_cr0_init();		/* the boot CPU's CR0 (kern/cpu.h), not the trampoline's */
	/* Leave the kernel-image alias of our stack for its KSTACKTOP mapping, which has a
	 * guard gap below it (below the alias lies the previous CPU's stack). */
	kstack_switch(cpunum(), mp_main_on_stack);
}

static void
mp_main_on_stack(void)
{
	cprintf("SMP: CPU %d starting\n", cpunum());

	lapic_init();
	env_init_percpu();
	trap_init_percpu();
	xchg(&thiscpu->cpu_status, CPU_STARTED);

	/* Wait for the boot CPU (which holds the lock until it runs an environment or idles)
	 * and the others, then schedule. */
	lock_kernel();
	sched_yield();
}
