/* The x87 FPU and %gs belong to each environment: interleaved by the timer, environments get
 * exact results, keep their own control word and selectors, and one environment's pending
 * floating-point exception is raised in it alone, on whichever CPU it runs (kern/uctx.h).
 *
 * Two "summers" keep an accumulator on the FPU stack across hundreds of timer ticks, each with
 * a control word of its own; two "raisers" divide by zero with the exception unmasked, which
 * leaves it pending until their next waiting FPU instruction, and spin meanwhile.  When the
 * summers are done (or, on two CPUs, once a raiser finds itself on the CPU it waits for), each
 * raiser executes FWAIT and must be destroyed by the #MF fault there. */
#include <inc/lib.h>

#define SUM_STEPS	3000000	/* additions per summer: several timer ticks' worth */
#define FCW_DEFAULT	0x037f		/* FNINIT's control word: every exception masked */
#define FCW_RC_CHOP	0x0c00		/* rounding control: toward zero */
#define FCW_ZM		0x0004		/* zero-divide exception mask */

/* Shared with the children (PTE_SHARE survives fork). */
struct fpu_shared {
	volatile uint32_t summers_done;
	volatile uint32_t raiser_spins;	/* the raisers' spin loops, counted: a summer that
					 * sees it move ran interleaved with them */
};
static struct fpu_shared *shared = (struct fpu_shared *) UTEMP;

static uint16_t
fcw_get(void)
{
	uint16_t cw;

	asm volatile("fnstcw %0" : "=m" (cw));
	return cw;
}

static void
fcw_set(uint16_t cw)
{
	asm volatile("fldcw %0" : : "m" (cw));
}

/* Adds step to 0, n times, with the running sum kept in st(0) the whole time: a switch that
 * does not save and restore the FPU registers loses or mixes it. */
static double
fpu_sum(double step, uint32_t n)
{
	double sum;

	asm volatile("fldl %1\n\t"		/* st(0) = step */
		     "fldz\n"			/* st(0) = 0, st(1) = step */
		     "1:\n\t"
		     "fadd %%st(1), %%st\n\t"
		     "decl %2\n\t"
		     "jnz 1b\n\t"
		     "fstpl %0\n\t"		/* the sum; pop */
		     "fstp %%st(0)"		/* pop step */
		     : "=m" (sum)
		     : "m" (step), "r" (n)
		     : "cc", "memory");
	return sum;
}

static void
summer(const char *name, double step, uint16_t cw, uint16_t gs)
{
	uint16_t gs_seen;
	double sum, inf, zero = 0.0;
	uint32_t spins;

	fcw_set(cw);
	asm volatile("movw %0, %%gs" : : "r" (gs));
	spins = shared->raiser_spins;
	sum = fpu_sum(step, SUM_STEPS);
	spins = shared->raiser_spins - spins;
	if (sum != step * SUM_STEPS)
		cprintf("fpu: %s: MISMATCH: sum %u, expected %u\n", name, (uint32_t) sum,
			(uint32_t) (step * SUM_STEPS));
	if (fcw_get() != cw)
		cprintf("fpu: %s: MISMATCH: control word %04x, set %04x\n", name, fcw_get(), cw);
	asm volatile("movw %%gs, %0" : "=r" (gs_seen));
	if (gs_seen != gs)
		cprintf("fpu: %s: MISMATCH: %%gs %04x, set %04x\n", name, gs_seen, gs);
	/* Zero-divide is masked here, whatever the raisers unmasked: infinity, no fault. */
	asm volatile("fld1\n\tfdivl %1\n\tfstpl %0\n\tfwait" : "=m" (inf) : "m" (zero));
	cprintf("fpu: %s: sum %u, control word %04x, %%gs %04x, 1/0 = %sinf, %sinterleaved\n",
		name, (uint32_t) sum, fcw_get(), gs_seen, inf > 1e308 ? "" : "not ",
		spins ? "" : "not ");
	exit();
}

/* want_cpu: raise as soon as this environment runs on that CPU (or once the summers are done,
 * which is all a one-CPU machine can offer); -1: only once the summers are done. */
static void
raiser(const char *name, int want_cpu)
{
	double zero = 0.0;

	/* Unmask zero-divide, divide by zero: the exception is now pending (FDIVL does not
	 * wait for it; the next waiting FPU instruction raises it). */
	fcw_set(FCW_DEFAULT & ~FCW_ZM);
	asm volatile("fld1\n\tfdivl %0" : : "m" (zero) : "memory");	/* left on the stack: popping
									 * it would wait */
	cprintf("fpu: %s: exception pending\n", name);

	/* Spin without touching the FPU while the summers use it on this CPU. */
	while (!shared->summers_done && thisenv->env_cpunum != want_cpu)
		asm volatile("lock; incl %0" : "+m" (shared->raiser_spins));
	int cpu = thisenv->env_cpunum;
	cprintf("fpu: %s: raising it on CPU %d\n", name, cpu);
	asm volatile("fwait");
	cprintf("fpu: %s: MISMATCH: no #MF at fwait on CPU %d\n", name, cpu);
	exit();
}

void
umain(int argc, char **argv)
{
	envid_t kids[4];
	int r;

	if ((r = sys_page_alloc(0, shared, PTE_P | PTE_U | PTE_W | PTE_SHARE)) < 0)
		panic("sys_page_alloc: %e", r);

	/* The raisers first, so that their pending state is saved and restored around every
	 * slice the summers get.  Raiser 1 raises on CPU 1 if there is one: an AP must report the
	 * fault as the boot CPU does (CR0.NE, kern/cpu.h). */
	if ((kids[0] = fork()) == 0)
		raiser("raiser 0", -1);
	if ((kids[1] = fork()) == 0)
		raiser("raiser 1", 1);
	if ((kids[2] = fork()) == 0)
		summer("summer 1", 1.0, FCW_DEFAULT, GD_UD | 3);
	if ((kids[3] = fork()) == 0)
		summer("summer 3", 3.0, FCW_DEFAULT | FCW_RC_CHOP, 0);
	for (int i = 0; i < 4; i++)
		if (kids[i] < 0)
			panic("fork: %e", kids[i]);

	wait(kids[2]);
	wait(kids[3]);
	shared->summers_done = 1;
	wait(kids[0]);
	wait(kids[1]);
	cprintf("fpu: done\n");
}
