/* The kernel's event counters (kern/cpustat.h): summing them, and the monitor's `cpustat`. */

#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/syscall.h>
#include <inc/trap.h>
#include <inc/x86.h>

#include <kern/cpustat.h>
#include <kern/monitor.h>
#include <kern/trap.h>

static const char *const syscall_names[NSYSCALLS] = SYSCALL_NAME_TABLE;

static_assert(NVECTORS <= CPU_STAT_VECTORS, "struct cpu_stat must count every vector");
static_assert(NSYSCALLS <= CPU_STAT_SYSCALLS, "struct cpu_stat must count every system call");

void
cpustat_lcr3(physaddr_t pa)
{
	cpustat_count(cr3_loads);
	lcr3(pa);
}

void
cpustat_sum(struct cpu_stat *st)
{
	memset(st, 0, sizeof(*st));
	for (int c = 0; c < ncpu; c++) {
		const struct cpu_stat *s = &cpus[c].cpu_stat;
		for (int i = 0; i < CPU_STAT_VECTORS; i++)
			st->traps[i] += s->traps[i];
		for (int i = 0; i < CPU_STAT_SYSCALLS; i++)
			st->syscalls[i] += s->syscalls[i];
		st->cr3_loads += s->cr3_loads;
		st->invlpgs += s->invlpgs;
		st->shootdowns += s->shootdowns;
		st->halts += s->halts;
	}
}

MONITOR_COMMAND(mon_cpustat, "cpustat", "",
		"traps by vector, system calls by number, cr3 loads, invlpgs (all CPUs since boot)");
static int
mon_cpustat(int argc, char **argv, struct Trapframe *tf)
{
	static struct cpu_stat st;	/* 450 bytes: not on the monitor's stack */

	cpustat_sum(&st);
	cprintf("cpustat: cr3 loads %u, invlpgs %u, shootdowns %u, halts %u\n", st.cr3_loads,
		st.invlpgs, st.shootdowns, st.halts);
	for (int i = 0; i < NVECTORS; i++)
		if (st.traps[i])
			cprintf("cpustat: trap %2d %-24s %u\n", i, trapname(i), st.traps[i]);
	for (int i = 0; i < NSYSCALLS; i++)
		if (st.syscalls[i])
			cprintf("cpustat: syscall %2d %-20s %u\n", i, syscall_names[i],
				st.syscalls[i]);
	return 0;
}
