/* The context switch of the cooperative threads (net/thread.c).  Only the callee-saved registers
 * of the i386 System V calling convention (ebx, esi, edi, ebp) and the stack pointer need
 * saving: the caller of thread_switch already assumes eax, ecx, edx and the flags are lost. */

/* void thread_switch(uint32_t *save_esp, uint32_t new_esp)
 *
 * Pushes the callee-saved registers on the current stack, stores the stack pointer in
 * *save_esp, loads new_esp and pops that thread's registers, then returns into it: either into
 * its own earlier call of thread_switch, or, for a new thread, into the entry function whose
 * address thread_create put where the return address belongs. */
.text
.globl thread_switch
.type thread_switch, @function
thread_switch:
	movl	4(%esp), %eax		/* save_esp */
	movl	8(%esp), %edx		/* new_esp */
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	movl	%esp, (%eax)
	movl	%edx, %esp
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret
.size thread_switch, . - thread_switch
