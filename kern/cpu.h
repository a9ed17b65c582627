/* Per-CPU state and the multiprocessor hardware interface (kern/mpconfig.c, kern/lapic.c).
 *
 * Each CPU has a CpuInfo, found with thiscpu; cpu_env is the environment it runs (NULL while it
 * is in the scheduler or halted).  The kernel lock (kern/spinlock.h) protects everything else:
 * a CPU touches another CPU's CpuInfo only while holding it (cpu_tlb_flush, cleared by its
 * owner without the lock, is the exception). */
#ifndef KERN_CPU_H
#define KERN_CPU_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/types.h>
#include <inc/memlayout.h>
#include <inc/mmu.h>
#include <inc/env.h>
#include <inc/x86.h>
#include <inc/sysinfo.h>

#define NCPU  8

/* After the NCPU TSS descriptors (GD_TSS0 + 8*i, inc/memlayout.h), each CPU's double-fault
 * task: GD_DFTSS0 + 8*i. */
#define GD_DFTSS0	(GD_TSS0 + 8 * NCPU)

/* The CR0 every CPU runs with once paging is on, the boot CPU and each AP alike (a bit set on
 * one CPU only would make a program behave differently depending on where it is scheduled):
 * protected mode with paging; the kernel too honours read-only pages (WP); user code may ask
 * for alignment checks (AM, with EFLAGS.AC); x87 errors are raised as #MF in the environment
 * that caused them (NE), not through the legacy FERR# interrupt line; WAIT/FWAIT honour TS
 * (MP); the FPU is present (no EM), owned by whoever runs (no TS), and caches are on. */
#define CR0_KERNEL_SET		(CR0_PE | CR0_PG | CR0_WP | CR0_AM | CR0_NE | CR0_MP)
#define CR0_KERNEL_CLEAR	(CR0_EM | CR0_TS | CR0_CD | CR0_NW)

static inline void
cpu_cr0_init(void)
{
	lcr0((rcr0() | CR0_KERNEL_SET) & ~CR0_KERNEL_CLEAR);
}

/* cpu_status values */
enum {
	CPU_UNUSED = 0,
	CPU_STARTED,		/* running kernel or user code */
	CPU_HALTED,		/* idle in sched_halt, waiting for an interrupt */
};

struct CpuInfo {
	uint8_t cpu_id;			/* local APIC id (usually, not always, the index
					 * in cpus[]; cpunum() maps one to the other) */
	volatile unsigned cpu_status;	/* CPU_* */
	struct Env *cpu_env;		/* the environment running here, or NULL */
	struct Taskstate cpu_ts;	/* the TSS: ring-0 stack for traps from user mode */
	struct Taskstate cpu_df_ts;	/* the double-fault task's TSS (kern/trap.c) */
	struct Gatedesc cpu_idt[256];	/* the IDT: trap_init's, but with a double-fault
					 * gate naming this CPU's own task */
	struct cpu_stat cpu_stat;	/* this CPU's event counts (kern/cpustat.h) */
	volatile uint32_t cpu_tlb_flush;	/* 1: another CPU asked this one to flush its TLB
					 * and waits until it is 0 again (kern/tlb.h) */
};

extern struct CpuInfo cpus[NCPU];
extern int ncpu;			/* CPUs found by mp_init */
extern struct CpuInfo *bootcpu;		/* the CPU that booted the kernel */
extern physaddr_t lapicaddr;		/* physical MMIO address of the local APIC */

/* Per-CPU kernel stacks (kern/kstack.h says where each is mapped). */
extern unsigned char percpu_kstacks[NCPU][KSTKSIZE];

int	cpunum(void);			/* this CPU's index in cpus[]; the boot CPU is 0 */
int	cpunum_lapic(void);		/* the same, asked of the local APIC (slow) */
#define thiscpu (&cpus[cpunum()])

void	mp_init(void);			/* find the CPUs (MP tables); ncpu >= 1 afterwards */
void	lapic_init(void);		/* this CPU's local APIC, with the timer for preemption */
void	lapic_startap(uint8_t apicid, uint32_t addr);
void	lapic_eoi(void);		/* acknowledge the current local-APIC interrupt */
void	lapic_ipi(const struct CpuInfo *c, int vector);	/* send vector to CPU c */
uint32_t lapic_error(void);		/* the local APIC's error status (SDM 3A 10.5.3) */
/* Tickless idle (kern/time.c): this CPU's timer counts n ticks down once, instead of ticking;
 * false if there is no timer.  *passed: the timer counts of the current tick already gone. */
bool	lapic_timer_oneshot(uint32_t n, uint32_t *passed);
/* Back to ticking, from now; returns the counts gone since lapic_timer_oneshot(n). */
uint32_t lapic_timer_periodic(uint32_t n);
uint32_t lapic_timer_tick_counts(void);	/* timer counts in one tick */

/* Without an MP table (lapicaddr == 0) there is one CPU and no local APIC: cpunum() is 0, and
 * lapic_init, lapic_eoi, lapic_ipi and lapic_startap do nothing (so there is no timer). */

/* Start the other CPUs (kern/smp.c), one at a time, each through kern/mpentry.S into mp_main,
 * which sets up its local APIC, GDT and TSS, reports CPU_STARTED, takes the kernel lock and
 * enters the scheduler.  Called by the boot CPU holding the kernel lock. */
void	boot_aps(void);

#endif /* !KERN_CPU_H */
