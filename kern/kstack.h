/* Kernel stacks (kern/kstack.c): where each one lies, and which one an address is on.
 *
 * Each CPU has a KSTKSIZE stack at kstack_top(i) (KSTACKTOP - i * (KSTKSIZE + KSTKGAP)) with
 * an unmapped KSTKGAP guard gap below it, so an overflow faults instead of running into the
 * next CPU's stack; the same pages are also reachable at their kernel-image address
 * (percpu_kstacks, where an AP starts before it loads kern_pgdir).  The boot CPU starts on
 * bootstack (kern/entry.S).  Each CPU also has a small stack of its own for the double-fault
 * task (kern/trap.c), which runs when its kernel stack is unusable.  Every formula for these
 * addresses is here; the rest of the kernel asks. */
#ifndef KERN_KSTACK_H
#define KERN_KSTACK_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/types.h>
#include <inc/memlayout.h>
#include <kern/cpu.h>

/* The double-fault task's stack: panic and the monitor run on it, nothing else. */
#define KDFSTKSIZE	(2 * PGSIZE)

/* The top of CPU cpu's kernel stack, as mapped at KSTACKTOP. */
static inline uintptr_t
kstack_top(int cpu)
{
	return KSTACKTOP - cpu * (KSTKSIZE + KSTKGAP);
}

/* If va lies on a kernel stack (any of the above, under any of its addresses), set [*lo, *hi)
 * to that stack's bounds and return true; a guard gap is on no stack. */
bool	kstack_bounds(uintptr_t va, uintptr_t *lo, uintptr_t *hi);
/* The CPU whose guard gap holds va, or -1. */
int	kstack_guard_cpu(uintptr_t va);
/* Go on by calling fn on CPU cpu's KSTACKTOP stack (this CPU's own, after kern_pgdir is
 * loaded), abandoning the stack we are on; fn's frame is the first, so a backtrace ends there. */
void	kstack_switch(int cpu, void (*fn)(void)) __attribute__((noreturn));
/* The top of CPU cpu's double-fault stack. */
uintptr_t kstack_df_top(int cpu);

#endif /* !KERN_KSTACK_H */
