/* The kernel's first instructions.  The boot loader (boot/, from the disk) or QEMU's Multiboot
 * loader (-kernel) jumps here, at the physical address of `entry`, with paging off.  We turn on
 * paging with entry_pgdir (kern/entrypgdir.c), which maps the first 4 MB of physical memory at 0
 * (so this code keeps running) and the first 16 MB at KERNBASE, jump to the high address, set up
 * the boot stack and call kern_boot. */

#include <inc/mmu.h>
#include <inc/memlayout.h>

#define RELOC(x) ((x) - KERNBASE)

.text

/* The ELF entry point is the physical address of entry. */
.globl _start
_start = RELOC(entry)

/* The Multiboot header (Multiboot Specification 0.6.96, 3.1.1), so that QEMU's -kernel can load
 * this ELF file by its program headers and jump to its entry point in 32-bit protected mode with
 * paging off, as boot/ does; QEMU's loader copies the image in by one fw_cfg DMA transfer where
 * the boot sector reads it a sector at a time by PIO (the grader boots most kernels so:
 * GNUmakefile's KERNBOOT).  It must lie 4-byte aligned within the file's first 8 KB: entry.o is
 * linked first.  Flags 0: no page-aligned modules, no memory map, no a.out address fields (an
 * ELF image gives them).  The loader's EAX and EBX (magic, info) are ignored: the kernel learns
 * the machine's memory from the NVRAM, as after boot/. */
#define MULTIBOOT_HEADER_MAGIC	0x1BADB002
#define MULTIBOOT_HEADER_FLAGS	0
	.p2align	2
multiboot_header:
	.long	MULTIBOOT_HEADER_MAGIC
	.long	MULTIBOOT_HEADER_FLAGS
	.long	-(MULTIBOOT_HEADER_MAGIC + MULTIBOOT_HEADER_FLAGS)	/* the three sum to 0 */

/* entry on a 16-byte boundary, where it was before the header (the dumpmem test reads its
 * first 32 bytes as two of dumpmem's 16-byte lines). */
	.p2align	4
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
