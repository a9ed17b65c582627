/* The user CPU context the trap frame does not hold: see kern/uctx.h for the rule. */

#include <inc/string.h>
#include <inc/memlayout.h>
#include <inc/assert.h>

#include <kern/uctx.h>
#include <kern/env.h>
#include <kern/cpu.h>

/* FNSAVE image offsets and FNINIT's values (SDM vol. 1, 8.1.10 and 8.7.1): the control word
 * masks every exception and selects 64-bit precision, round to nearest; the tag word marks
 * every register empty. */
#define FPU_FCW_OFF	0
#define FPU_FTW_OFF	8
#define FPU_FCW_INIT	0x037f
#define FPU_FTW_EMPTY	0xffff

static void
fpu_save(uint8_t *area)
{
	/* FNSAVE neither waits for nor raises a pending exception, and leaves the FPU as
	 * FNINIT does. */
	asm volatile("fnsave %0" : "=m" (*(uint8_t (*)[FPU_STATE_SIZE]) area));
}

static void
fpu_restore(const uint8_t *area)
{
	/* FRSTOR waits for pending exceptions of the state it replaces, so that state must be
	 * clean (after FNSAVE or FNINIT); one pending in the loaded state is raised at the
	 * owner's next waiting FPU instruction, in user mode. */
	asm volatile("frstor %0" : : "m" (*(const uint8_t (*)[FPU_STATE_SIZE]) area));
}

static void
seg_save(struct Env *e)
{
	asm volatile("movw %%fs, %0" : "=m" (e->env_fs));
	asm volatile("movw %%gs, %0" : "=m" (e->env_gs));
}

static void
seg_load(const struct Env *e)
{
	/* Each value was either set by us (GD_UD | 3) or loaded by the environment itself in
	 * user mode, so it names a segment the kernel may load too (a null selector, or a user
	 * segment with DPL 3). */
	asm volatile("movw %0, %%fs" : : "m" (e->env_fs));
	asm volatile("movw %0, %%gs" : : "m" (e->env_gs));
}

void
uctx_init(struct Env *e)
{
	memset(e->env_fpu, 0, sizeof(e->env_fpu));
	*(uint16_t *) &e->env_fpu[FPU_FCW_OFF] = FPU_FCW_INIT;
	*(uint16_t *) &e->env_fpu[FPU_FTW_OFF] = FPU_FTW_EMPTY;
	e->env_fs = e->env_gs = GD_UD | 3;
}

void
uctx_switch(struct Env *prev, struct Env *next)
{
	if (prev) {
		fpu_save(prev->env_fpu);
		seg_save(prev);
	} else {
		asm volatile("fninit");
	}
	fpu_restore(next->env_fpu);
	seg_load(next);
}

void
uctx_copy_current(struct Env *e)
{
	assert(curenv && e != curenv);
	fpu_save(e->env_fpu);
	fpu_restore(e->env_fpu);	/* FNSAVE reset ours: take it back */
	seg_save(e);
}

void
uctx_save_current(void)
{
	assert(curenv);
	fpu_save(curenv->env_fpu);
	seg_save(curenv);
}

void
uctx_reset(struct Env *e)
{
	uctx_init(e);
	if (e == curenv) {
		asm volatile("fninit");
		seg_load(e);
	}
}
