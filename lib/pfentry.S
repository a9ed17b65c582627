/* _pgfault_upcall: where the kernel sends a user page fault (kern/trap.c page_fault_handler).
 * It calls the C handler (lib/pgfault.c), then resumes the faulting code with every general
 * register, eflags and esp as they were at the fault, without entering the kernel.
 *
 * The contract with the kernel:
 *   - On entry esp points at a struct UTrapframe (inc/trap.h) on the exception stack
 *     [UXSTACKTOP - PGSIZE, UXSTACKTOP); eip is the upcall; every other register is junk.
 *   - A fault taken while already on the exception stack (in the handler) is nested: the
 *     kernel puts the new UTrapframe so that it ends one 32-bit word below the trap-time esp,
 *     and leaves that word alone.  A first fault (from any other stack) puts the UTrapframe
 *     right at the top, UXSTACKTOP.  If the UTrapframe (and for a nested fault the word) do
 *     not fit in the page, the kernel destroys the environment.
 *
 * How we return: `ret` on the trap-time stack.  We store the trap-time eip in the word just
 * below the trap-time esp and make the saved esp point at it; after restoring the registers,
 * then eflags (so no flag-changing instruction may follow), then esp, `ret` pops it.  On the
 * normal stack that word is below esp, free to use (no red zone on i386).  For a nested fault
 * it is the word the kernel left between the two UTrapframes, so the outer one survives. */

#include <inc/mmu.h>
#include <inc/memlayout.h>

/* Offsets in struct UTrapframe; lib/pgfault.c checks them against the C layout. */
#define UTF_REGS	8
#define UTF_EIP		40
#define UTF_ESP		48

.text
.globl _pgfault_upcall
_pgfault_upcall:
	pushl	%esp			/* the UTrapframe, argument of the handler */
	movl	_pgfault_handler, %eax
	call	*%eax
	addl	$4, %esp

	/* Push the trap-time eip onto the trap-time stack and record the lower esp. */
	movl	UTF_EIP(%esp), %eax
	movl	UTF_ESP(%esp), %ebx
	subl	$4, %ebx
	movl	%eax, (%ebx)
	movl	%ebx, UTF_ESP(%esp)

	/* Restore the general registers, then eflags (no arithmetic after this), then esp. */
	addl	$UTF_REGS, %esp
	popal
	addl	$4, %esp		/* skip utf_eip */
	popfl
	popl	%esp

	/* Back to the faulting instruction. */
	ret
