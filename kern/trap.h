/* Traps, exceptions and interrupts (kern/trap.c, kern/trapentry.S). */
#ifndef KERN_TRAP_H
#define KERN_TRAP_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/trap.h>
#include <inc/mmu.h>

void	trap_init(void);
void	trap_init_percpu(void);
void	print_regs(struct PushRegs *regs);
void	print_trapframe(struct Trapframe *tf);
const char *trapname(int trapno);	/* the vector's name, for reports */
void	page_fault_handler(struct Trapframe *);
/* The double-fault task's body (entered from kern/trapentry.S): reports and panics. */
void	trap_double_fault(uint32_t err) __attribute__((noreturn));

#endif /* KERN_TRAP_H */
