/* The scheduler (kern/sched.c): round-robin over runnable environments. */
#ifndef KERN_SCHED_H
#define KERN_SCHED_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

/* Pick the next runnable environment after the current one and run it; halt this CPU (with
 * interrupts enabled) if there is none.  Called with the kernel lock held; never returns. */
void	sched_yield(void) __attribute__((noreturn));

#endif	/* !KERN_SCHED_H */
