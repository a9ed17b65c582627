/* Kernel stacks: the per-CPU stacks, the double-fault stacks, and the one place that knows
 * where each lies (kern/kstack.h). */

#include <inc/assert.h>

#include <kern/kstack.h>

/* The kernel stacks of all CPUs (mapped at kstack_top(i) by mem_init). */
unsigned char percpu_kstacks[NCPU][KSTKSIZE] __attribute__((aligned(PGSIZE)));
/* The double-fault task's stacks, used only through their kernel-image addresses. */
static unsigned char percpu_dfstacks[NCPU][KDFSTKSIZE] __attribute__((aligned(PGSIZE)));

static bool
in_range(uintptr_t va, uintptr_t lo, uintptr_t hi, uintptr_t *lo_store, uintptr_t *hi_store)
{
	if (va < lo || va >= hi)
		return false;
	*lo_store = lo;
	*hi_store = hi;
	return true;
}

bool
kstack_bounds(uintptr_t va, uintptr_t *lo, uintptr_t *hi)
{
	extern char bootstack[], bootstacktop[];

	if (in_range(va, (uintptr_t) bootstack, (uintptr_t) bootstacktop, lo, hi))
		return true;
	for (int i = 0; i < NCPU; i++) {
		uintptr_t image = (uintptr_t) percpu_kstacks[i];
		uintptr_t df = (uintptr_t) percpu_dfstacks[i];

		if (in_range(va, kstack_top(i) - KSTKSIZE, kstack_top(i), lo, hi)
		    || in_range(va, image, image + KSTKSIZE, lo, hi)
		    || in_range(va, df, df + KDFSTKSIZE, lo, hi))
			return true;
	}
	return false;
}

int
kstack_guard_cpu(uintptr_t va)
{
	for (int i = 0; i < NCPU; i++) {
		uintptr_t bottom = kstack_top(i) - KSTKSIZE;
		if (va < bottom && va >= bottom - KSTKGAP)
			return i;
	}
	return -1;
}

void
kstack_switch(int cpu, void (*fn)(void))
{
	asm volatile("movl %0, %%esp\n\t"
		     "xorl %%ebp, %%ebp\n\t"	/* the backtrace's end */
		     "call *%1"
		     : : "r" (kstack_top(cpu)), "r" (fn) : "memory");
	panic("kstack_switch: the function returned");
}

uintptr_t
kstack_df_top(int cpu)
{
	assert(cpu >= 0 && cpu < NCPU);
	return (uintptr_t) percpu_dfstacks[cpu] + KDFSTKSIZE;
}
