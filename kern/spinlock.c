/* Spinlocks, with the misuse checks of kern/spinlock.h, and the big kernel lock. */

#include <inc/types.h>
#include <inc/assert.h>
#include <inc/string.h>
#include <inc/memlayout.h>
#include <inc/x86.h>

#include <kern/cpu.h>
#include <kern/kstack.h>
#include <kern/kdebug.h>
#include <inc/selftest.h>
#include <kern/spinlock.h>
#include <kern/tlb.h>

/* The big kernel lock: whoever runs kernel code (other than the early boot of a CPU and the
 * idle halt) holds it. */
struct spinlock kernel_lock = {
	.name = "kernel_lock",
	.while_waiting = tlb_answer,
};

/* Keep the compiler from moving memory accesses across a lock operation.  (xchg is a full
 * barrier for the CPU, but its asm in inc/x86.h tells the compiler only about *addr.) */
#define compiler_barrier()	asm volatile("" ::: "memory")

/* Record the return addresses of the caller's call stack in pcs[0..n), padded with zeros.
 * The walk follows the frame pointers only up the current kernel stack (a trap from user mode
 * leaves the user's ebp in the first kernel frame), so a bad ebp ends it instead of faulting. */
static void __attribute__((noinline))
spin_record_pcs(uintptr_t *pcs, int n)
{
	uintptr_t ebp = read_ebp(), lo, hi;
	int i = 0;

	if (kstack_bounds(ebp, &lo, &hi)) {
		/* Skip our own frame (spin_lock's caller is pcs[0]). */
		const uintptr_t *frame = (const uintptr_t *) ebp;
		ebp = frame[0];
		while (i < n && ebp % sizeof(uintptr_t) == 0 && ebp >= lo
		       && ebp + 2 * sizeof(uintptr_t) <= hi) {
			frame = (const uintptr_t *) ebp;
			pcs[i++] = frame[1];
			/* Frames go up the stack: this also ends a cycle. */
			if (frame[0] <= ebp)
				break;
			ebp = frame[0];
		}
	}
	while (i < n)
		pcs[i++] = 0;
}

static void
spin_print_pcs(const uintptr_t *pcs, int n)
{
	struct kdebug_info info;

	for (int i = 0; i < n && pcs[i] != 0; i++) {
		/* The return address is the instruction after the call: look up the call. */
		kdebug_lookup(pcs[i] - 1, &info);
		cprintf("  %08x %s:%d: %.*s+%d\n", pcs[i], info.file, info.line,
			info.fn_namelen, info.fn_name, (int) (pcs[i] - info.fn_addr));
	}
}

/* Panic for a misused lock: what went wrong, who holds it and where it was taken. */
static void __attribute__((noreturn))
spin_misuse(struct spinlock *lk, const char *what)
{
	/* Copy first: the holder (another CPU) may change the lock while we print. */
	struct CpuInfo *holder = lk->cpu;
	uintptr_t pcs[ARRAY_SIZE(lk->pcs)];

	for (size_t i = 0; i < ARRAY_SIZE(pcs); i++)
		pcs[i] = lk->pcs[i];

	cprintf("spinlock %s: CPU %d cannot %s it: ", lk->name, cpunum(), what);
	if (!lk->locked || holder == NULL) {
		cprintf("it is not held\n");
	} else {
		cprintf("it is held by CPU %d, taken at\n", (int) (holder - cpus));
		spin_print_pcs(pcs, ARRAY_SIZE(pcs));
	}
	panic("spinlock %s: bad %s", lk->name, what);
}

void
__spin_initlock(struct spinlock *lk, const char *name)
{
	lk->locked = 0;
	lk->name = name;
	lk->cpu = NULL;
	lk->pcs[0] = 0;
}

void
spin_lock(struct spinlock *lk)
{
	if (spin_holding(lk))
		spin_misuse(lk, "acquire");

	/* Spin reading, and try the atomic exchange only when the lock looks free: the exchange
	 * takes the cache line, which would slow down the holder. */
	while (xchg(&lk->locked, 1) != 0)
		while (lk->locked) {
			if (lk->while_waiting)
				lk->while_waiting();
			pause();
		}
	compiler_barrier();

	lk->cpu = thiscpu;
	spin_record_pcs(lk->pcs, ARRAY_SIZE(lk->pcs));
}

void
spin_unlock(struct spinlock *lk)
{
	if (!spin_holding(lk))
		spin_misuse(lk, "release");

	lk->pcs[0] = 0;
	lk->cpu = NULL;

	/* The exchange orders every store of the critical section before the release. */
	compiler_barrier();
	xchg(&lk->locked, 0);
}

bool
spin_holding(struct spinlock *lk)
{
	return lk->locked && lk->cpu == thiscpu;
}

/* Catches: a lock that does not record its holder (then the double-acquire check cannot
 * work), a lock that records the wrong call site (its misuse report would mislead), and a
 * release that leaves the lock looking held. */
void
check_spinlock(void)
{
	struct spinlock lk;
	struct kdebug_info info;
	static const char fn[] = "check_spinlock";

	spin_initlock(&lk);
	selftest_check("spinlock", !lk.locked && !spin_holding(&lk));

	spin_lock(&lk);
	selftest_check("spinlock", lk.locked && spin_holding(&lk) && lk.cpu == thiscpu);
	if (kdebug_lookup(lk.pcs[0] - 1, &info) != 0
	    || info.fn_namelen != sizeof(fn) - 1 || strncmp(info.fn_name, fn, sizeof(fn) - 1) != 0)
		selftest_fail("spinlock", "call site %08x recorded as %.*s, want %s",
			      lk.pcs[0], info.fn_namelen, info.fn_name, fn);

	spin_unlock(&lk);
	selftest_check("spinlock", !lk.locked && !spin_holding(&lk) && lk.cpu == NULL);

	/* The kernel lock is free until kern_init takes it. */
	selftest_check("spinlock", !spin_holding(&kernel_lock));
	selftest_ok("spinlock");
}
