/* TLB shootdown: see kern/tlb.h for why and when. */

#include <inc/x86.h>
#include <inc/trap.h>

#include <kern/cpu.h>
#include <kern/cpustat.h>
#include <kern/env.h>
#include <kern/pmap.h>
#include <kern/spinlock.h>
#include <kern/tlb.h>

void
tlb_invalidate(pde_t *pgdir, void *va)
{
	struct CpuInfo *c;

	if (rcr3() == PADDR(pgdir)) {
		cpustat_count(invlpgs);
		invlpg(va);
	}

	/* Which other CPUs run on pgdir: cpu_env changes only under the kernel lock, which the
	 * caller holds, and a CPU's cr3 is its cpu_env's page directory (or kern_pgdir when
	 * cpu_env is NULL).  A whole flush rather than one invlpg keeps the request a single
	 * flag; shootdowns are rare (one address space changing another's running mappings). */
	for (c = cpus; c < cpus + ncpu; c++) {
		if (c == thiscpu || c->cpu_env == NULL || c->cpu_env->env_pgdir != pgdir)
			continue;
		c->cpu_tlb_flush = 1;
		cpustat_count(shootdowns);
		lapic_ipi(c, T_TLBFLUSH);
	}
	/* Each target either takes the interrupt (it is in user mode, or gets there with
	 * interrupts on) or answers while spinning for the kernel lock we hold. */
	for (c = cpus; c < cpus + ncpu; c++)
		while (c->cpu_tlb_flush)
			pause();
}

void
tlb_answer(void)
{
	if (thiscpu->cpu_tlb_flush) {
		cpustat_lcr3(rcr3());
		thiscpu->cpu_tlb_flush = 0;
	}
}
