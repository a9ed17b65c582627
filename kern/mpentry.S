/* Where an application processor (AP) starts: a real-mode trampoline that boot_aps
 * (kern/smp.c) copies to physical MPENTRY_PADDR and names, as a page number, in the STARTUP
 * IPI.  It switches to 32-bit protected mode with its own flat GDT, turns on paging with
 * entry_pgdir (as kern/entry.S does on the boot CPU), takes the stack boot_aps left in
 * mpentry_kstack and calls mp_main, never to return.
 *
 * The code is linked at a kernel address but runs at MPENTRY_PADDR, first in real mode
 * (CS:IP = MPENTRY_PADDR >> 4 : 0, though we set DS to 0 and use physical addresses) and then
 * with a flat segment, so every absolute reference to it goes through MPBOOTPHYS.  References
 * to the rest of the kernel (entry_pgdir, mpentry_kstack, mp_main) use their link addresses
 * once paging maps them. */

#include <inc/mmu.h>
#include <inc/memlayout.h>

#define MPBOOTPHYS(sym)	((sym) - mpentry_start + MPENTRY_PADDR)
#define RELOC(x)	((x) - KERNBASE)

.set MPENTRY_CODE_SEL, 0x8	# selector of the flat code segment in mpentry_gdt
.set MPENTRY_DATA_SEL, 0x10	# selector of the flat data segment

.text
	.code16
	.globl	mpentry_start
mpentry_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss

	# Protected mode: load our GDT and set CR0.PE; the far jump reloads CS from the GDT.
	lgdt	MPBOOTPHYS(mpentry_gdtdesc)
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$MPENTRY_CODE_SEL, $(MPBOOTPHYS(mpentry_protected))

	.code32
mpentry_protected:
	movw	$MPENTRY_DATA_SEL, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorw	%ax, %ax
	movw	%ax, %fs
	movw	%ax, %gs

	# entry_pgdir maps with 4 MB pages: enable page-size extensions before loading it.
	movl	%cr4, %eax
	orl	$CR4_PSE, %eax
	movl	%eax, %cr4
	movl	$(RELOC(entry_pgdir)), %eax
	movl	%eax, %cr3

	# Paging on.  A CPU that has never run since power-up has its caches disabled (CR0.CD
	# and CR0.NW set, SDM 3A 9.1.1); the boot CPU's BIOS enabled its own, we enable ours.
	movl	%cr0, %eax
	orl	$(CR0_PE|CR0_PG|CR0_WP), %eax
	andl	$~(CR0_CD|CR0_NW), %eax
	movl	%eax, %cr0

	# The kernel is mapped at KERNBASE now.  A zero frame pointer ends backtraces.
	movl	mpentry_kstack, %esp
	movl	$0, %ebp
	movl	$mp_main, %eax
	call	*%eax

	# mp_main does not return.
mpentry_spin:
	hlt
	jmp	mpentry_spin

	.p2align 2
mpentry_gdt:
	SEG_NULLASM
	SEG_ASM(STA_X | STA_R, 0x0, 0xffffffff)	# code
	SEG_ASM(STA_W, 0x0, 0xffffffff)		# data

mpentry_gdtdesc:
	.word	mpentry_gdtdesc - mpentry_gdt - 1	# limit
	.long	MPBOOTPHYS(mpentry_gdt)			# base

	.globl	mpentry_end
mpentry_end:
