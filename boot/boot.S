/* The boot sector's first stage: the BIOS loads this sector at 0x7c00 and jumps to it in real
 * mode.  It enables the A20 line, switches to 32-bit protected mode with a flat GDT, sets up a
 * stack below itself and calls bootmain (boot/main.c), which loads the kernel. */

#include <inc/mmu.h>

.set CODE_SEL, 0x8		# selector of the flat code segment in boot_gdt
.set DATA_SEL, 0x10		# selector of the flat data segment
.set KBC_STATUS, 0x64		# 8042 keyboard controller: status (read) / command (write)
.set KBC_DATA, 0x60		# 8042 data port
.set KBC_BUSY, 0x2		# status bit: input buffer full
.set KBC_WRITE_OUTPORT, 0xd1	# command: the next data byte goes to the output port
.set KBC_OUTPORT_A20, 0xdf	# output port value with A20 enabled

.globl start
start:
	.code16
	cli
	cld
	xorw	%ax, %ax		# the BIOS leaves segment registers undefined
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss

	# Address line 20 is masked at reset for 8086 compatibility: every odd megabyte would
	# alias the even one below it.  Unmask it through the keyboard controller.
a20_wait1:
	inb	$KBC_STATUS, %al
	testb	$KBC_BUSY, %al
	jnz	a20_wait1
	movb	$KBC_WRITE_OUTPORT, %al
	outb	%al, $KBC_STATUS
a20_wait2:
	inb	$KBC_STATUS, %al
	testb	$KBC_BUSY, %al
	jnz	a20_wait2
	movb	$KBC_OUTPORT_A20, %al
	outb	%al, $KBC_DATA

	# Load the GDT and set CR0.PE; the far jump reloads CS from the new GDT.
	lgdt	boot_gdtdesc
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmp	$CODE_SEL, $protected

	.code32
protected:
	movw	$DATA_SEL, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	$start, %esp		# the stack grows down from the boot sector
	call	bootmain

	# bootmain returns only if the kernel image is bad.
hang:
	hlt
	jmp	hang

	.p2align 2
boot_gdt:
	SEG_NULLASM
	SEG_ASM(STA_X | STA_R, 0x0, 0xffffffff)	# code
	SEG_ASM(STA_W, 0x0, 0xffffffff)		# data

boot_gdtdesc:
	.word	boot_gdtdesc - boot_gdt - 1	# limit
	.long	boot_gdt			# base
