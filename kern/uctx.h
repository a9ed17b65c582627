/* User CPU context beyond the trap frame (kern/uctx.c): the x87 FPU and the %fs/%gs selectors.
 *
 * The trap frame saves what a trap changes; these registers the kernel never touches, so they
 * stay in the CPU while it runs kernel code.  The rule: while a CPU's curenv is e, the CPU's
 * FPU and %fs/%gs hold e's values; when e leaves the CPU (env_run of another environment,
 * sched_halt) they are saved into e (env_fpu, env_fs, env_gs) and the next environment's are
 * loaded.  An environment that was freed on the CPU leaves nothing worth saving: its state,
 * which may hold a pending FPU exception, is reset instead, never handed on. */
#ifndef KERN_UCTX_H
#define KERN_UCTX_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/env.h>

/* Give e the state a new program starts with: FPU as after FNINIT, %fs = %gs = user data. */
void	uctx_init(struct Env *e);
/* Switch this CPU from prev's state (saved into prev; NULL: discard what is there) to next's. */
void	uctx_switch(struct Env *prev, struct Env *next);
/* Copy curenv's live state (in this CPU) into e, which does not run: exofork's child. */
void	uctx_copy_current(struct Env *e);
/* Save curenv's live state into it: it is about to leave this CPU without another env_run. */
void	uctx_save_current(void);
/* Reset e to uctx_init's state; if e is curenv, in this CPU too. */
void	uctx_reset(struct Env *e);

#endif /* !KERN_UCTX_H */
