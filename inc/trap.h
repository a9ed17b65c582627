/* Trap numbers and the trap frame the kernel saves on every entry from user mode. */
#ifndef INC_TRAP_H
#define INC_TRAP_H

/* Processor exceptions (SDM 3A 6.3.1); TRAP_TABLE below says what else the kernel knows of each. */
#define T_DIVIDE     0		/* divide error */
#define T_DEBUG      1		/* debug exception */
#define T_NMI        2		/* non-maskable interrupt */
#define T_BRKPT      3		/* breakpoint */
#define T_OFLOW      4		/* overflow */
#define T_BOUND      5		/* bounds check */
#define T_ILLOP      6		/* illegal opcode */
#define T_DEVICE     7		/* device not available */
#define T_DBLFLT     8		/* double fault */
#define T_COPROC     9		/* coprocessor segment overrun (not raised since the 486) */
#define T_TSS       10		/* invalid task switch segment */
#define T_SEGNP     11		/* segment not present */
#define T_STACK     12		/* stack exception */
#define T_GPFLT     13		/* general protection fault */
#define T_PGFLT     14		/* page fault */
#define T_FPERR     16		/* floating point error */
#define T_ALIGN     17		/* alignment check */
#define T_MCHK      18		/* machine check */
#define T_SIMDERR   19		/* SIMD floating point error */

/* The system call vector, reachable from user mode with `int $T_SYSCALL`. */
#define T_SYSCALL   48

/* Hardware interrupts arrive at IRQ_OFFSET + irq. */
#define IRQ_OFFSET	32
#define IRQ_TIMER        0
#define IRQ_KBD          1
#define IRQ_SERIAL       4
#define IRQ_SPURIOUS     7
#define IRQ_IDE         14
#define IRQ_ERROR       19
#define NIRQS		24	/* IOAPIC inputs routed; vectors 32..55 */

/* Sent by one CPU to another (kern/tlb.h): flush your TLB.  Not reachable with `int`. */
#define T_TLBFLUSH	(IRQ_OFFSET + NIRQS)

/* Every vector with an entry stub: the exceptions, the IRQs around the system call, and the TLB
 * shootdown right after the IRQs.  (20-31 are reserved and get stubs too: a CPU that raises
 * one reports it as unknown.) */
#define NVECTORS	(T_TLBFLUSH + 1)

/*
 * The one table of the vectors the kernel names: X(vector, name, errcode, dpl).
 *   errcode  1 if the CPU pushes an error code (SDM 3A 6.13), so the stub must not push a 0
 *   dpl      the lowest privilege that may raise it with `int n`: 3 for the breakpoint and the
 *            system call; 0 for the rest (from user mode, `int n` there is a #GP)
 * kern/trapentry.S takes the error codes (TRAP_ERRCODE_MASK), kern/trap.c the names and the
 * gates' DPLs, grade-lab6 the names.  The double fault's gate is a task gate (kern/trap.c).
 * Vectors not listed: "Hardware Interrupt" in the IRQ range, else unknown.
 */
#define TRAP_TABLE(X) \
	X(T_DIVIDE,   "Divide error",                   0, 0) \
	X(T_DEBUG,    "Debug",                          0, 0) \
	X(T_NMI,      "Non-Maskable Interrupt",         0, 0) \
	X(T_BRKPT,    "Breakpoint",                     0, 3) \
	X(T_OFLOW,    "Overflow",                       0, 0) \
	X(T_BOUND,    "BOUND Range Exceeded",           0, 0) \
	X(T_ILLOP,    "Invalid Opcode",                 0, 0) \
	X(T_DEVICE,   "Device Not Available",           0, 0) \
	X(T_DBLFLT,   "Double Fault",                   1, 0) \
	X(T_COPROC,   "Coprocessor Segment Overrun",    0, 0) \
	X(T_TSS,      "Invalid TSS",                    1, 0) \
	X(T_SEGNP,    "Segment Not Present",            1, 0) \
	X(T_STACK,    "Stack Fault",                    1, 0) \
	X(T_GPFLT,    "General Protection",             1, 0) \
	X(T_PGFLT,    "Page Fault",                     1, 0) \
	X(T_FPERR,    "x87 FPU Floating-Point Error",   0, 0) \
	X(T_ALIGN,    "Alignment Check",                1, 0) \
	X(T_MCHK,     "Machine-Check",                  0, 0) \
	X(T_SIMDERR,  "SIMD Floating-Point Exception",  0, 0) \
	X(T_SYSCALL,  "System call",                    0, 3) \
	X(T_TLBFLUSH, "TLB shootdown",                  0, 0)

/* Bit v set: vector v pushes an error code (only exceptions, below 32, do; "& 31" keeps the
 * shift defined for the others, whose errcode is 0).  For the assembler too. */
#define TRAP_ERRCODE_BIT(v, name, err, dpl)	| ((err) << ((v) & 31))
#define TRAP_ERRCODE_MASK	(0 TRAP_TABLE(TRAP_ERRCODE_BIT))

#ifndef __ASSEMBLER__

#include <inc/types.h>

/* General registers in the order pushal stores them. */
struct PushRegs {
	uint32_t reg_edi;
	uint32_t reg_esi;
	uint32_t reg_ebp;
	uint32_t reg_oesp;		/* useless: pushal's copy of esp */
	uint32_t reg_ebx;
	uint32_t reg_edx;
	uint32_t reg_ecx;
	uint32_t reg_eax;
} __attribute__((packed));

/* What the entry stubs (kern/trapentry.S) and the CPU leave on the kernel stack. */
struct Trapframe {
	struct PushRegs tf_regs;
	uint16_t tf_es;
	uint16_t tf_padding1;
	uint16_t tf_ds;
	uint16_t tf_padding2;
	uint32_t tf_trapno;
	/* below here, pushed by the x86 hardware (tf_err by the stub when the CPU does not) */
	uint32_t tf_err;
	uintptr_t tf_eip;
	uint16_t tf_cs;
	uint16_t tf_padding3;
	uint32_t tf_eflags;
	/* below here, only when crossing rings, such as from user to kernel */
	uintptr_t tf_esp;
	uint16_t tf_ss;
	uint16_t tf_padding4;
} __attribute__((packed));

/* What the kernel pushes on the user exception stack before running a page fault upcall
 * (lib/pfentry.S pops it). */
struct UTrapframe {
	uint32_t utf_fault_va;		/* the faulting address (cr2) */
	uint32_t utf_err;
	struct PushRegs utf_regs;
	uintptr_t utf_eip;
	uint32_t utf_eflags;
	uintptr_t utf_esp;		/* the stack at the fault */
} __attribute__((packed));

#endif /* !__ASSEMBLER__ */

#endif /* !INC_TRAP_H */
