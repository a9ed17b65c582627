/* The kernel's first instructions.  The boot loader jumps here, at the physical address of
 * `entry`, with paging off.  We turn on paging with entry_pgdir (kern/entrypgdir.c), which maps
 * the first 4 MB of physical memory at 0 (so this code keeps running) and the first 16 MB at
 * KERNBASE, jump to the high address, set up the boot stack and call kern_boot. */

#include <inc/mmu.h>
#include <inc/memlayout.h>

#define RELOC(x) ((x) - KERNBASE)

.text

/* The ELF entry point is the physical address of entry. */
.globl _start
_start = RELOC(entry)

.globl entry
entry:
	/* entry_pgdir uses 4 MB pages: enable page-size extensions first. */
	movl	%cr4, %eax
	orl	$(CR4_PSE), %eax
	movl	%eax, %cr4
	movl	$(RELOC(entry_pgdir)), %eax
	movl	%eax, %cr3
	movl	%cr0, %eax
	orl	$(CR0_PE|CR0_PG|CR0_WP), %eax
	movl	%eax, %cr0

	/* Paging is on; jump to the high (link) address. */
	mov	$relocated, %eax
	jmp	*%eax
relocated:
	/* A zero frame pointer ends the backtrace walk (kern/monitor.c). */
	movl	$0x0, %ebp
	movl	$(bootstacktop), %esp
	call	kern_boot

	/* kern_boot does not return. */
spin:	jmp	spin

.data
/* The boot CPU's kernel stack until kern/pmap.c maps the per-CPU stacks at KSTACKTOP. */
	.p2align	PGSHIFT
	.globl		bootstack
bootstack:
	.space		KSTKSIZE
	.globl		bootstacktop
bootstacktop:
