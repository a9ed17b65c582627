/* Spinlocks, and the big kernel lock that keeps kernel entry exclusive (kern/spinlock.c).
 * A lock checks its own misuse: acquiring a lock this CPU already holds, or releasing one it
 * does not hold, panics with the lock's name and where it was taken. */
#ifndef KERN_SPINLOCK_H
#define KERN_SPINLOCK_H

#include <inc/types.h>

struct spinlock {
	volatile uint32_t locked;	/* 0 free, 1 held */
	const char *name;		/* for diagnostics */
	struct CpuInfo *cpu;		/* holder */
	uintptr_t pcs[10];		/* the call stack that took it */
	void (*while_waiting)(void);	/* run while spinning for it, if set (the kernel lock
					 * answers TLB shootdowns there: kern/tlb.h) */
};

void	__spin_initlock(struct spinlock *lk, const char *name);
void	spin_lock(struct spinlock *lk);
void	spin_unlock(struct spinlock *lk);
bool	spin_holding(struct spinlock *lk);

#define spin_initlock(lock)   __spin_initlock(lock, #lock)

/* Boot self-check of the lock's bookkeeping: prints "selftest spinlock: ok" or panics. */
void	check_spinlock(void);

extern struct spinlock kernel_lock;

static inline void
lock_kernel(void)
{
	spin_lock(&kernel_lock);
}

static inline void
unlock_kernel(void)
{
	spin_unlock(&kernel_lock);
	/* Let another CPU in before this one retakes the lock (a plain unlock/lock pair
	 * on x86 would let the releasing CPU win almost every time). */
	asm volatile("pause");
}

#endif /* !KERN_SPINLOCK_H */
