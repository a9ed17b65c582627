/* Counters of the kernel's costly events, per CPU (kern/cpustat.c): traps by vector, system
 * calls by number, cr3 loads, invlpgs, shootdowns, idle halts.
 *
 * Each CPU counts only in its own struct cpu_stat (cpus[i].cpu_stat), so a count needs no lock
 * and no atomic add even where the kernel lock is not held (trap entry, the shootdown answer).
 * Readers (sys_cpu_stat, the monitor's `cpustat`) sum the CPUs without stopping them: a sum may
 * miss an event in flight, never count one twice.  The counters wrap at 2^32; users subtract
 * two readings. */
#ifndef KERN_CPUSTAT_H
#define KERN_CPUSTAT_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/sysinfo.h>
#include <kern/cpu.h>

#define cpustat_count(field)	(thiscpu->cpu_stat.field++)

/* Count trap vector trapno, or system call num, on this CPU (out of range: not counted). */
static inline void
cpustat_trap(uint32_t trapno)
{
	if (trapno < CPU_STAT_VECTORS)
		thiscpu->cpu_stat.traps[trapno]++;
}

static inline void
cpustat_syscall(uint32_t num)
{
	if (num < CPU_STAT_SYSCALLS)
		thiscpu->cpu_stat.syscalls[num]++;
}

/* Load cr3 with pa, counted: the only way the kernel switches address spaces after boot. */
void	cpustat_lcr3(physaddr_t pa);

/* The sum over all CPUs. */
void	cpustat_sum(struct cpu_stat *st);

#endif /* !KERN_CPUSTAT_H */
