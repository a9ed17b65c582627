/* The virtual memory layout shared by the kernel and user programs, and the page structure that
 * user programs may read through UPAGES. */
#ifndef INC_MEMLAYOUT_H
#define INC_MEMLAYOUT_H

#ifndef __ASSEMBLER__
#include <inc/types.h>
#include <inc/mmu.h>
#endif

/* Segment selectors of the kernel GDT (kern/env.c): index * 8, plus the RPL for user ones. */
#define GD_KT     0x08		/* kernel text */
#define GD_KD     0x10		/* kernel data */
#define GD_UT     0x18		/* user text */
#define GD_UD     0x20		/* user data */
#define GD_TSS0   0x28		/* task state segment of CPU 0; CPU i uses GD_TSS0 + 8*i */

/*
 * Virtual memory map.                                Permissions
 *                                                    kernel/user
 *
 *    4 Gig -------->  +------------------------------+
 *                     |                              | RW/--
 *                     :   physical memory 0..256 MB  :
 *                     :   (4 MB pages if CPU has PSE):
 *                     |                              | RW/--
 *    KERNBASE, ---->  +------------------------------+ 0xf0000000      --+
 *    KSTACKTOP        |     CPU0's kernel stack      | RW/--  KSTKSIZE   |
 *                     | - - - - - - - - - - - - - - -|                   |
 *                     |     guard gap (unmapped)     | --/--  KSTKGAP    |
 *                     +------------------------------+                   |
 *                     |     CPU1's kernel stack      | RW/--  KSTKSIZE   |
 *                     | - - - - - - - - - - - - - - -|                 PTSIZE
 *                     |     guard gap (unmapped)     | --/--  KSTKGAP    |
 *                     +------------------------------+                   |
 *                     :              .               :                   |
 *    MMIOLIM ------>  +------------------------------+ 0xefc00000      --+
 *                     |   memory-mapped I/O, uncached| RW/--  PTSIZE
 * ULIM, MMIOBASE -->  +------------------------------+ 0xef800000
 *                     |  page tables (UVPT view)     | R-/R-  PTSIZE
 *    UVPT      ---->  +------------------------------+ 0xef400000
 *                     |  struct PageInfo array       | R-/R-  PTSIZE
 *    UPAGES    ---->  +------------------------------+ 0xef000000
 *                     |  struct Env array            | R-/R-  PTSIZE
 * UTOP,UENVS ------>  +------------------------------+ 0xeec00000
 * UXSTACKTOP -/       |  user exception stack        | RW/RW  PGSIZE
 *                     +------------------------------+ 0xeebff000
 *                     |  empty (catches overflow)    | --/--  PGSIZE
 *    USTACKTOP  --->  +------------------------------+ 0xeebfe000
 *                     |  normal user stack           | RW/RW  PGSIZE
 *                     +------------------------------+ 0xeebfd000
 *                     :              .               :
 *                     |  the program, its data, heap |
 *    UTEXT -------->  +------------------------------+ 0x00800000
 *    PFTEMP ------->  |  scratch page for handlers   |        PTSIZE
 *                     |                              |
 *    UTEMP -------->  +------------------------------+ 0x00400000      --+
 *                     |  empty: a null pointer and   | --/--             |
 *                     |  small offsets from it fault |                 PTSIZE
 *    0 ------------>  +------------------------------+                 --+
 *
 * Below ULIM the user may read ("R-/R-") the three views; below UTOP is the user's own.
 * Each view maps only as many pages as its array fills; the rest of its 4 MB is unmapped, and
 * so is everything in [MMIOLIM, KSTACKTOP) but the NCPU stacks.  `showmappings START END` in
 * the monitor prints any part of this (kern/check_pmap.c checks all of it at boot).
 */

/* All physical memory is mapped at this address. */
#define	KERNBASE	0xF0000000

/* The I/O hole of the PC: [IOPHYSMEM, EXTPHYSMEM) is BIOS, VGA and option ROMs. */
#define IOPHYSMEM	0x0A0000
#define EXTPHYSMEM	0x100000

/* Kernel stacks, one per CPU, each with an unmapped guard gap below it. */
#define KSTACKTOP	KERNBASE
#define KSTKSIZE	(8*PGSIZE)
#define KSTKGAP		(8*PGSIZE)

/* Memory-mapped I/O: the local APIC, the NIC's registers (kern/pmap.c: mmio_map_region). */
#define MMIOLIM		(KSTACKTOP - PTSIZE)
#define MMIOBASE	(MMIOLIM - PTSIZE)

#define ULIM		(MMIOBASE)

/* User read-only views. */
#define UVPT		(ULIM - PTSIZE)		/* the current page table, by recursion */
#define UPAGES		(UVPT - PTSIZE)		/* the PageInfo array */
#define UENVS		(UPAGES - PTSIZE)	/* the Env array */

/* Top of user-writable memory. */
#define UTOP		UENVS
#define UXSTACKTOP	UTOP			/* user exception stack: one page below */
#define USTACKTOP	(UTOP - 2*PGSIZE)	/* normal user stack, a guard page between */

/* Where user programs are linked (user/user.ld). */
#define UTEXT		(2*PTSIZE)

/* Scratch addresses for user code. */
#define UTEMP		((void *) PTSIZE)
#define PFTEMP		(UTEMP + PTSIZE - PGSIZE)
/* Where the file system server maps the disk (fs/), 3 GB of it at most. */
#define DISKMAP		0x10000000
#define DISKSIZE	0xC0000000

/* The multiprocessor entry trampoline is copied to this physical address (page-aligned,
 * below 1 MB so that a real-mode CPU can run it). */
#define MPENTRY_PADDR	0x7000

#ifndef __ASSEMBLER__

typedef uint32_t pte_t;
typedef uint32_t pde_t;

/* Through the recursive page-directory entry at PDX(UVPT), user code reads its own page tables:
 * uvpt[PGNUM(va)] is the PTE of va, uvpd[PDX(va)] its PDE. */
extern volatile pte_t uvpt[];
extern volatile pde_t uvpd[];

/*
 * One PageInfo per physical page (kern/pmap.c: pages[], visible to users read-only at UPAGES).
 * The page's physical address is (its index in pages[]) << PGSHIFT.
 *
 * pp_ref counts the references the kernel tracks:
 *   - every mapping of the page below UTOP in some environment's page directory;
 *   - every page table installed in an environment page directory below UTOP;
 *   - every page directory or page table in use (an environment's, or one of kern_pgdir's,
 *     which keep their one reference for good);
 *   - every holder the owner says so for: a TX descriptor pinning a user page, a received
 *     page the NIC driver keeps in its RX ring, a kernel structure that took page_alloc().
 * The kernel's own mappings above UTOP are not counted: what they map (physical memory at
 * KERNBASE, the boot allocations, the kernel stacks, device registers) is reserved, or not a
 * page of pages[] at all.
 *
 * Invariants:
 *   - a page is on the free list iff PP_FREE is set; then pp_ref == 0 and pp_link is the next
 *     free page (pp_link == NULL on every page not on the list);
 *   - page 0, the page at MPENTRY_PADDR, the I/O hole, the kernel image and the boot
 *     allocations are never on the free list; they have pp_ref == 0 and PP_RESERVED set, and
 *     page_decref on them panics;
 *   - every other page is either free or has pp_ref > 0 (a page with neither is leaked),
 *     except in the hands of the caller of page_alloc until it takes its reference;
 *   - only the holder of a reference may drop it (page_decref), and the page returns to the
 *     free list exactly when the last reference goes.
 */
struct PageInfo {
	struct PageInfo *pp_link;	/* next page on the free list */
	uint16_t pp_ref;		/* references, see above */
	uint16_t pp_flags;		/* PP_* */
};

#define PP_RESERVED	0x1		/* never allocatable: BIOS, kernel image, boot memory */
#define PP_FREE		0x2		/* on the free list (catches a double free) */
#define PP_WAITED	0x4		/* an environment may be blocked in sys_page_wait on
					 * it (kern/pagewait.h): page_decref wakes it */

#endif /* !__ASSEMBLER__ */
#endif /* !INC_MEMLAYOUT_H */
