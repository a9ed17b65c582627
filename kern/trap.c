/* Traps: the interrupt descriptor table, the per-CPU task state, dispatching every exception,
 * interrupt and system call, user page faults, and the monitor's continue/stepi. */

#include <inc/mmu.h>
#include <inc/x86.h>
#include <inc/assert.h>
#include <inc/string.h>

#include <kern/pmap.h>
#include <kern/trap.h>
#include <kern/console.h>
#include <kern/monitor.h>
#include <kern/env.h>
#include <kern/cpustat.h>
#include <kern/syscall.h>
#include <kern/sched.h>
#include <kern/kdebug.h>
#include <kern/cpu.h>
#include <kern/time.h>
#include <kern/spinlock.h>
#include <kern/picirq.h>
#include <kern/irq.h>
#include <kern/e1000.h>
#include <kern/tlb.h>
#include <kern/kstack.h>
#include <inc/selftest.h>

/* The IDT every CPU starts from; trap_init_percpu copies it into the CPU's cpu_idt, whose
 * double-fault gate names that CPU's own double-fault task. */
static struct Gatedesc idt[256];

/* The double-fault task's entry (kern/trapentry.S), which calls trap_double_fault. */
extern void trap_double_fault_task(void);

/* The stub of each vector below NVECTORS (kern/trapentry.S). */
extern const uintptr_t trap_vectors[];

/* Handlers of external interrupts, by IRQ (irq_set_handler). */
static void (*irq_handlers[NIRQS])(void);

/* The names and gate privileges of the vectors TRAP_TABLE lists (inc/trap.h). */
#define TRAP_NAME(v, name, err, dpl)	[v] = name,
#define TRAP_DPL(v, name, err, dpl)	[v] = dpl,
static const char *const trap_names[NVECTORS] = { TRAP_TABLE(TRAP_NAME) };
static const uint8_t trap_dpls[NVECTORS] = { TRAP_TABLE(TRAP_DPL) };

const char *
trapname(int trapno)
{
	if (trapno >= 0 && trapno < NVECTORS && trap_names[trapno])
		return trap_names[trapno];
	if (trapno >= IRQ_OFFSET && trapno < IRQ_OFFSET + NIRQS)
		return "Hardware Interrupt";
	return "(unknown trap)";
}

static void check_traps(void);

void
trap_init(void)
{
	/* Interrupt gates everywhere: the kernel runs with interrupts off.  User code may raise
	 * only the vectors TRAP_TABLE gives DPL 3 (the breakpoint and the system call) with `int`;
	 * any other `int n` from user mode is a general protection fault. */
	static_assert(NVECTORS <= ARRAY_SIZE(idt), "every vector has a gate");
	for (uint32_t v = 0; v < NVECTORS; v++)
		SETGATE(idt[v], 0, GD_KT, trap_vectors[v], trap_dpls[v]);
	trap_init_percpu();
	check_traps();
}

static void
tss_install(uint16_t sel, struct Taskstate *ts)
{
	/* An I/O bitmap offset past the TSS limit: no per-port permissions, only IOPL counts. */
	ts->ts_iomb = sizeof(struct Taskstate);
	gdt[sel >> 3] = SEG16(STS_T32A, (uint32_t) ts, sizeof(struct Taskstate) - 1, 0);
	gdt[sel >> 3].sd_s = 0;
}

/* A double fault is an exception raised while delivering another, most often a page fault
 * pushing its frame onto a kernel stack that has overflowed into its guard gap.  A gate on
 * that same stack would fault a third time and reset the machine; a task gate makes the CPU
 * save the faulting context into the current TSS (cpu_ts) and start the double-fault task on
 * a stack of its own (SDM 3A 6.15, interrupt 8; 7.3), with interrupts off and kern_pgdir. */
static void
trap_init_double_fault(int i, struct CpuInfo *c)
{
	struct Taskstate *ts = &c->cpu_df_ts;

	memset(ts, 0, sizeof(*ts));
	ts->ts_eip = (uintptr_t) trap_double_fault_task;
	ts->ts_esp = kstack_df_top(i);
	ts->ts_eflags = FL_1;
	ts->ts_cr3 = PADDR(kern_pgdir);
	ts->ts_cs = GD_KT;
	ts->ts_ss = ts->ts_ds = ts->ts_es = ts->ts_fs = ts->ts_gs = GD_KD;
	tss_install(GD_DFTSS0 + (i << 3), ts);
	SETTASKGATE(c->cpu_idt[T_DBLFLT], GD_DFTSS0 + (i << 3), 0);
}

/* This CPU's TSS (the stack for traps from user mode), its double-fault task and its IDT. */
void
trap_init_percpu(void)
{
	int i = cpunum();
	struct CpuInfo *c = thiscpu;
	struct Pseudodesc idt_pd = { sizeof(c->cpu_idt) - 1, (uint32_t) c->cpu_idt };

	c->cpu_ts.ts_esp0 = kstack_top(i);
	c->cpu_ts.ts_ss0 = GD_KD;
	tss_install(GD_TSS0 + (i << 3), &c->cpu_ts);
	ltr(GD_TSS0 + (i << 3));
	/* From here on cpunum() reads the task register: it must agree with the APIC. */
	selftest_check("cpunum", cpunum() == i && cpunum_lapic() == i);

	memmove(c->cpu_idt, idt, sizeof(idt));
	trap_init_double_fault(i, c);
	lidt(&idt_pd);
}

/* The boot CPU's IDT against TRAP_TABLE: every vector below NVECTORS has a present interrupt
 * gate to its own stub in the kernel's code segment with the table's DPL (the double fault a
 * task gate to this CPU's task), every exception of the SDM (0-19) has a name, and the stubs
 * push an error code exactly where the table says (the stub's first instruction pushes the
 * vector itself there). */
static void
check_traps(void)
{
	const char *name = "traps";
	const struct CpuInfo *c = thiscpu;

	for (uint32_t v = 0; v < NVECTORS; v++) {
		const struct Gatedesc *g = &c->cpu_idt[v];
		uintptr_t off = g->gd_off_15_0 | (uint32_t) g->gd_off_31_16 << 16;

		selftest_check(name, g->gd_p && g->gd_s == 0 && g->gd_dpl == trap_dpls[v]);
		if (v == T_DBLFLT) {
			selftest_check(name, g->gd_type == STS_TASK
				       && g->gd_sel == GD_DFTSS0 + ((c - cpus) << 3));
			continue;
		}
		selftest_check(name, g->gd_type == STS_IG32 && g->gd_sel == GD_KT
			       && off == trap_vectors[v]);
		/* pushl $imm8 is 6a imm8: a stub that pushes a 0 in the error code's place starts
		 * with 6a 00; one for a vector with an error code starts by pushing its vector,
		 * never 0 (vector 0 has none). */
		const uint8_t *stub = (const uint8_t *) off;
		bool pushes_zero = stub[0] == 0x6a && stub[1] == 0;
		bool has_errcode = v < 32 && ((TRAP_ERRCODE_MASK >> v) & 1);
		selftest_check(name, pushes_zero == !has_errcode);
	}
	for (uint32_t v = 0; v <= T_SIMDERR; v++)
		selftest_check(name, v == 15 || trap_names[v] != NULL);
	selftest_ok(name);
}

/* The double-fault task, on its own stack: report where the CPU was and panic.  The state the
 * CPU saved is in cpu_ts; per the SDM its eip is undefined after a double fault, but it is the
 * instruction of the first fault on the CPUs we know, and esp and ebp are always the real ones.
 * A double fault sets no CR2: it still holds the address of the page fault that started it. */
void __attribute__((noreturn))
trap_double_fault(uint32_t err)
{
	const struct Taskstate *ts = &thiscpu->cpu_ts;
	struct kdebug_info info;
	uintptr_t cr2 = rcr2();
	int cpu;

	cprintf("double fault on CPU %d (error code %u): eip %08x esp %08x ebp %08x eflags "
		"%08x cs %04x cr2 %08x\n", cpunum(), err, ts->ts_eip, ts->ts_esp, ts->ts_ebp,
		ts->ts_eflags, ts->ts_cs, cr2);
	kdebug_lookup(ts->ts_eip, &info);
	cprintf("  at %s:%d: %.*s\n", info.file, info.line, info.fn_namelen, info.fn_name);
	/* Nothing but a stack reaches into a guard gap: the gap holds no data, and the stack
	 * grows down into it. */
	if ((cpu = kstack_guard_cpu(cr2)) >= 0)
		cprintf("  the fault was in the guard gap below CPU %d's kernel stack: the kernel "
			"stack overflowed\n", cpu);
	panic("double fault at eip %08x, esp %08x", ts->ts_eip, ts->ts_esp);
}

void
irq_set_handler(int irq, void (*handler)(void))
{
	assert(irq >= 0 && irq < NIRQS);
	irq_handlers[irq] = handler;
	irq_enable(irq);
}

void
print_trapframe(struct Trapframe *tf)
{
	cprintf("TRAP frame at %p from CPU %d\n", tf, cpunum());
	print_regs(&tf->tf_regs);
	cprintf("  es   0x----%04x\n", tf->tf_es);
	cprintf("  ds   0x----%04x\n", tf->tf_ds);
	cprintf("  trap 0x%08x %s\n", tf->tf_trapno, trapname(tf->tf_trapno));
	if (tf->tf_trapno == T_PGFLT)
		cprintf("  cr2  0x%08x\n", rcr2());
	cprintf("  err  0x%08x", tf->tf_err);
	if (tf->tf_trapno == T_PGFLT)
		cprintf(" [%s, %s, %s]\n",
			tf->tf_err & FEC_U ? "user" : "kernel",
			tf->tf_err & FEC_WR ? "write" : "read",
			tf->tf_err & FEC_PR ? "protection" : "not-present");
	else
		cprintf("\n");
	cprintf("  eip  0x%08x\n", tf->tf_eip);
	cprintf("  cs   0x----%04x\n", tf->tf_cs);
	cprintf("  flag 0x%08x\n", tf->tf_eflags);
	if ((tf->tf_cs & 3) != 0) {
		cprintf("  esp  0x%08x\n", tf->tf_esp);
		cprintf("  ss   0x----%04x\n", tf->tf_ss);
	}
}

void
print_regs(struct PushRegs *regs)
{
	cprintf("  edi  0x%08x\n", regs->reg_edi);
	cprintf("  esi  0x%08x\n", regs->reg_esi);
	cprintf("  ebp  0x%08x\n", regs->reg_ebp);
	cprintf("  oesp 0x%08x\n", regs->reg_oesp);
	cprintf("  ebx  0x%08x\n", regs->reg_ebx);
	cprintf("  edx  0x%08x\n", regs->reg_edx);
	cprintf("  ecx  0x%08x\n", regs->reg_ecx);
	cprintf("  eax  0x%08x\n", regs->reg_eax);
}

/* A trap in kernel mode that the kernel did not expect: a kernel bug. */
static void __attribute__((noreturn))
kernel_trap_panic(struct Trapframe *tf, const char *what, uintptr_t va)
{
	print_trapframe(tf);
	struct kdebug_info info;
	kdebug_lookup(tf->tf_eip, &info);
	cprintf("  at %s:%d: %.*s\n", info.file, info.line, info.fn_namelen, info.fn_name);
	panic("%s in the kernel: va %08x, eip %08x", what, va, tf->tf_eip);
}

/* Is trapno an external interrupt (a device's or the local APIC's), not an exception or the
 * system call (whose vector lies among the IRQs' but is never routed to a device)? */
static bool
trap_is_irq(uint32_t trapno)
{
	return trapno >= IRQ_OFFSET && trapno < IRQ_OFFSET + NIRQS && trapno != T_SYSCALL;
}

static void
trap_dispatch(struct Trapframe *tf)
{
	bool from_user = (tf->tf_cs & 3) == 3;

	switch (tf->tf_trapno) {
	case T_PGFLT:
		page_fault_handler(tf);
		return;
	case T_BRKPT:
	case T_DEBUG:
		if (!from_user)
			kernel_trap_panic(tf, trapname(tf->tf_trapno), 0);
		if (tf->tf_trapno == T_DEBUG && (tf->tf_eflags & FL_TF))
			cprintf("stepi: eip %08x\n", tf->tf_eip);
		else
			print_trapframe(tf);
		monitor(tf);
		return;
	case T_SYSCALL:
		tf->tf_regs.reg_eax = syscall(tf->tf_regs.reg_eax, tf->tf_regs.reg_edx,
					      tf->tf_regs.reg_ecx, tf->tf_regs.reg_ebx,
					      tf->tf_regs.reg_edi, tf->tf_regs.reg_esi);
		return;
	case IRQ_OFFSET + IRQ_TIMER:
		lapic_eoi();
		irq_timer_tick();
		e1000_tick();
		sched_yield();
	case IRQ_OFFSET + IRQ_ERROR:
		cprintf("lapic: error status %08x on CPU %d\n", lapic_error(), cpunum());
		lapic_eoi();
		return;
	case IRQ_OFFSET + IRQ_SPURIOUS:
		/* The 8259 raises IRQ 7 when an interrupt goes away before it is acknowledged;
		 * it needs no EOI. */
		return;
	}

	if (trap_is_irq(tf->tf_trapno)) {
		int irq = tf->tf_trapno - IRQ_OFFSET;
		if (irq_handlers[irq])
			irq_handlers[irq]();
		else
			cprintf("trap: unexpected IRQ %d\n", irq);
		irq_eoi(irq);
		return;
	}

	if (!from_user)
		kernel_trap_panic(tf, trapname(tf->tf_trapno), 0);
	cprintf("[%08x] user fault va %08x ip %08x\n", curenv->env_id,
		tf->tf_trapno == T_PGFLT ? rcr2() : 0, tf->tf_eip);
	print_trapframe(tf);
	env_destroy(curenv);
}

void
trap(struct Trapframe *tf)
{
	/* The caller's direction flag must not leak into kernel string instructions. */
	asm volatile("cld" ::: "cc");
	cpustat_trap(tf->tf_trapno);

	/* A TLB shootdown is answered without the kernel lock: the CPU that asked holds it and
	 * waits for us.  Nothing else changes, so go straight back to what was interrupted
	 * (user code, or rarely the idle halt if the request was answered on the way there). */
	if (tf->tf_trapno == T_TLBFLUSH) {
		tlb_answer();
		lapic_eoi();
		trapframe_pop(tf);
	}

	/* A non-maskable interrupt (a watchdog, a hardware error line, QEMU's `nmi` command) is
	 * nobody's fault: report it and go back to what was interrupted, user code or kernel.
	 * It may arrive while this CPU holds the kernel lock, so it must not take it. */
	if (tf->tf_trapno == T_NMI) {
		cprintf("trap: NMI on CPU %d at eip %08x; resuming\n", cpunum(), tf->tf_eip);
		trapframe_pop(tf);
	}

	/* After a panic on another CPU, stop here. */
	extern const char *panicstr;
	if (panicstr)
		for (;;)
			asm volatile("hlt");

	/* A CPU woken from sched_halt takes the kernel lock again. */
	if (xchg(&thiscpu->cpu_status, CPU_STARTED) == CPU_HALTED) {
		lock_kernel();
		time_idle_exit(tf->tf_trapno == IRQ_OFFSET + IRQ_TIMER);
	}

	/* Interrupt gates cleared IF; the kernel never turns it back on. */
	assert(!(read_eflags() & FL_IF));

	if ((tf->tf_cs & 3) == 3) {
		lock_kernel();
		assert(curenv);

		if (curenv->env_status == ENV_DYING) {
			/* Destroyed by another CPU while it ran here: free it now.  An interrupt
			 * that brought us here is still dispatched, with no environment: left
			 * unacknowledged, a timer interrupt would block every later one. */
			env_free(curenv);
			curenv = NULL;
			if (!trap_is_irq(tf->tf_trapno))
				sched_yield();
		} else {
			/* A running environment waits for nothing: every wait ends in
			 * env_unblock. */
			assert(curenv->env_wait == 0);

			/* Work on the saved copy, so that the stack frame can be reused. */
			curenv->env_tf = *tf;
			tf = &curenv->env_tf;
		}
	}

	trap_dispatch(tf);

	if (curenv && curenv->env_status == ENV_RUNNING)
		env_run(curenv);
	sched_yield();
}

void
page_fault_handler(struct Trapframe *tf)
{
	uintptr_t fault_va = rcr2();

	if ((tf->tf_cs & 3) == 0)
		kernel_trap_panic(tf, "page fault", fault_va);

	/*
	 * A user page fault goes to the environment's upcall, on its exception stack, with a
	 * UTrapframe describing the fault.  A fault while already on the exception stack (in the
	 * handler) pushes the new UTrapframe below the current esp, leaving one empty 32-bit word
	 * between them: lib/pfentry.S stores its return address there.  No upcall, an upcall
	 * outside the user's mapped memory, or an exception stack that is missing or would
	 * overflow its one page: the environment is destroyed.
	 */
	void *upcall = curenv->env_pgfault_upcall;
	if (upcall != NULL && user_mem_check(curenv, upcall, 1, PTE_U) == 0) {
		uintptr_t top = UXSTACKTOP;
		if (tf->tf_esp >= UXSTACKTOP - PGSIZE && tf->tf_esp < UXSTACKTOP)
			top = tf->tf_esp - sizeof(uint32_t);
		struct UTrapframe *utf = (struct UTrapframe *) (top - sizeof(struct UTrapframe));

		if ((uintptr_t) utf >= UXSTACKTOP - PGSIZE
		    && user_mem_check(curenv, utf, sizeof(*utf), PTE_U | PTE_W) == 0) {
			/* Write through the user's mapping: the current page directory is its. */
			utf->utf_fault_va = fault_va;
			utf->utf_err = tf->tf_err;
			utf->utf_regs = tf->tf_regs;
			utf->utf_eip = tf->tf_eip;
			utf->utf_eflags = tf->tf_eflags;
			utf->utf_esp = tf->tf_esp;
			tf->tf_eip = (uintptr_t) upcall;
			tf->tf_esp = (uintptr_t) utf;
			return;
		}
		cprintf("[%08x] user exception stack missing or overflowed\n", curenv->env_id);
	} else if (upcall != NULL) {
		cprintf("[%08x] page fault upcall %08x is not user code\n", curenv->env_id, upcall);
	}

	cprintf("[%08x] user fault va %08x ip %08x\n", curenv->env_id, fault_va, tf->tf_eip);
	print_trapframe(tf);
	env_destroy(curenv);
}

/***** Monitor commands that act on the trapped environment *****/

MONITOR_COMMAND(mon_continue, "continue", "", "resume the environment that hit a breakpoint");
static int
mon_continue(int argc, char **argv, struct Trapframe *tf)
{
	if (tf == NULL || (tf->tf_cs & 3) != 3) {
		cprintf("continue: no user environment to resume\n");
		return 0;
	}
	tf->tf_eflags &= ~FL_TF;
	return -1;
}

MONITOR_COMMAND(mon_stepi, "stepi", "", "execute one instruction of the environment");
static int
mon_stepi(int argc, char **argv, struct Trapframe *tf)
{
	if (tf == NULL || (tf->tf_cs & 3) != 3) {
		cprintf("stepi: no user environment to step\n");
		return 0;
	}
	/* The trap flag raises a debug exception after one instruction (SDM 3B 17.3.1.4). */
	tf->tf_eflags |= FL_TF;
	return -1;
}
