/* Checks that a page fault handled by the upcall (lib/pfentry.S) resumes the faulting code with
 * every general register, eflags and esp exactly as they were.  Registers hold distinctive
 * values and the arithmetic flags are all set when an instruction at a known address faults;
 * they are recorded before it, seen by the handler in the UTrapframe, and recorded again once
 * the instruction has been retried. */
#include <inc/lib.h>

struct regs {
	struct PushRegs r;	/* offsets 0x00-0x1c; reg_oesp (0x0c) unused */
	uintptr_t eip;		/* 0x20 */
	uint32_t eflags;	/* 0x24 */
	uintptr_t esp;		/* 0x28 */
};

/* Store every general register and esp into the struct regs named base (no flag changes). */
#define SAVE_REGS(base)							\
	"movl %%edi, " base "+0x00\n\t"					\
	"movl %%esi, " base "+0x04\n\t"					\
	"movl %%ebp, " base "+0x08\n\t"					\
	"movl %%ebx, " base "+0x10\n\t"					\
	"movl %%edx, " base "+0x14\n\t"					\
	"movl %%ecx, " base "+0x18\n\t"					\
	"movl %%eax, " base "+0x1c\n\t"					\
	"movl %%esp, " base "+0x28\n\t"					\
	"pushfl\n\t"							\
	"popl " base "+0x24\n\t"

/* The arithmetic flags (SDM 1 3.4.3.1): all set for the test, so that an add or compare in the
 * return path, which clears some of them, shows. */
#define ARITH_FLAGS	(FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

static struct regs before, during, after;
extern const char faultregs_insn[];	/* the faulting instruction, in umain's asm */

/* Compare a and b, printing each register that differs; the eip only if with_eip. */
static bool
regs_same(const struct regs *a, const struct regs *b, bool with_eip)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "edi", offsetof(struct regs, r.reg_edi) },
		{ "esi", offsetof(struct regs, r.reg_esi) },
		{ "ebp", offsetof(struct regs, r.reg_ebp) },
		{ "ebx", offsetof(struct regs, r.reg_ebx) },
		{ "edx", offsetof(struct regs, r.reg_edx) },
		{ "ecx", offsetof(struct regs, r.reg_ecx) },
		{ "eax", offsetof(struct regs, r.reg_eax) },
		{ "eflags", offsetof(struct regs, eflags) },
		{ "esp", offsetof(struct regs, esp) },
		{ "eip", offsetof(struct regs, eip) },
	};
	bool ok = true;

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		uint32_t va = *(const uint32_t *) ((const char *) a + fields[i].off);
		uint32_t vb = *(const uint32_t *) ((const char *) b + fields[i].off);
		if (fields[i].off == offsetof(struct regs, eip) && !with_eip)
			continue;
		if (va != vb) {
			cprintf("  %-6s expected %08x, got %08x\n", fields[i].name, va, vb);
			ok = false;
		}
	}
	return ok;
}

static void
pgfault(struct UTrapframe *utf)
{
	int r;

	if (utf->utf_fault_va != (uintptr_t) UTEMP)
		panic("fault at %08x (eip %08x), expected one at UTEMP", utf->utf_fault_va,
		      utf->utf_eip);

	/* What the kernel saw at the fault.  The CPU sets the resume flag (RF) in the eflags it
	 * saves for a fault, so that the retried instruction does not hit a breakpoint again. */
	during.r = utf->utf_regs;
	during.eip = utf->utf_eip;
	during.eflags = utf->utf_eflags & ~FL_RF;
	during.esp = utf->utf_esp;
	cprintf("Registers in UTrapframe %s\n", regs_same(&before, &during, true) ? "OK"
		: "MISMATCH");

	if ((r = sys_page_alloc(0, UTEMP, PTE_P | PTE_U | PTE_W)) < 0)
		panic("sys_page_alloc: %e", r);
}

void
umain(int argc, char **argv)
{
	set_pgfault_handler(pgfault);
	before.eip = (uintptr_t) faultregs_insn;

	asm volatile(
		/* The compiler's registers, including ebp, are ours to restore. */
		"pushl %%eax; pushl %%ebx; pushl %%ecx; pushl %%edx\n\t"
		"pushl %%esi; pushl %%edi; pushl %%ebp\n\t"
		"movl $0x11111111, %%eax\n\t"
		"movl $0x22222222, %%ebx\n\t"
		"movl $0x33333333, %%ecx\n\t"
		"movl $0x44444444, %%edx\n\t"
		"movl $0x55555555, %%esi\n\t"
		"movl $0x66666666, %%edi\n\t"
		"movl $0x77777777, %%ebp\n\t"
		"pushfl\n\t"
		"orl %[flags], (%%esp)\n\t"
		"popfl\n\t"
		SAVE_REGS("before")
		/* The write that faults; the handler maps the page and it is retried. */
		".globl faultregs_insn\n"
		"faultregs_insn:\n\t"
		"movl $42, %c[utemp]\n\t"
		SAVE_REGS("after")
		"popl %%ebp; popl %%edi; popl %%esi\n\t"
		"popl %%edx; popl %%ecx; popl %%ebx; popl %%eax\n\t"
		: : [flags] "i" (ARITH_FLAGS), [utemp] "i" (UTEMP) : "memory", "cc");

	/* The eip is compared in the UTrapframe only; that execution resumed at the faulting
	 * instruction shows in the retried write, checked below. */
	cprintf("Registers after page-fault %s\n", regs_same(&before, &after, false) ? "OK"
		: "MISMATCH");
	if (*(volatile uint32_t *) UTEMP != 42)
		panic("the faulting write was not retried after the handler returned");
}
