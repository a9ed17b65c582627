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
 *                     |  the clock (struct uclock)   | R-/R-  PGSIZE
 *    UCLOCK    ---->  +------------------------------+ 0xeefff000
 *                     |  struct Env array            | R-/R-  PTSIZE - PGSIZE
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
#define UCLOCK		(UPAGES - PGSIZE)	/* the clock's constants (inc/sysinfo.h), in the
						 * last page of the Env array's table */

/* Top of user-writable memory. */
#define UTOP		UENVS
#define UXSTACKTOP	UTOP			/* user exception stack: one page below */
#define USTACKTOP	(UTOP - 2*PGSIZE)	/* normal user stack, a guard page between */

/*
 * User memory, below UTOP: the regions every program has, and the fixed regions of the two
 * servers (fs: the file system server, ns: the network server and its helpers).  A server's
 * regions may overlap another program's (the disk map covers the network server's pages: no
 * program is both), never its own or the common ones; the static_asserts at the end of this
 * file check that.  Each region is [BASE, LIM), reserved address space: its owner checks that
 * what it maps there fits (e.g. net/serv.c: NS_PAGE_SLOTS pages in [NS_PAGE_BASE, NS_PAGE_LIM)).
 *
 *                                                    who      what (owner)
 *    UTOP -------->  +------------------------------+ 0xeec00000
 *                    |  user exception stack        | all      (lib/pgfault.c)
 *    UXSTACKTOP - PGSIZE ---------------------------+ 0xeebff000
 *                    |  empty (catches overflow)    |
 *    USTACKTOP --->  +------------------------------+ 0xeebfe000
 *                    |  normal user stack           | all      (kern/env.c, lib/spawn.c)
 *                    +------------------------------+ 0xeebfd000
 *                    :                              :
 *    FS_OPENFILE_LIM +------------------------------+ 0xe0400000
 *                    |  open files' Fd pages        | fs       (fs/serv.c: FS_MAXOPEN)
 *    FS_OPENFILE_VA  +------------------------------+ 0xe0000000
 *                    :                              :
 *    FDTABLE_LIM ->  +------------------------------+ 0xd0800000
 *                    |  the fd table: one Fd page   | all      (inc/fd.h: MAXFD)
 *                    |  per descriptor              |
 *    FDTABLE ----->  +------------------------------+ 0xd0400000
 *                    |  descriptors' data pages     | all      (inc/fd.h)
 *    FDDATA ------>  +------------------------------+ 0xd0000000 = DISKMAP + DISKSIZE
 *                    |                              |
 *                    |  the disk, 3 GB at most      | fs       (fs/bc.c)
 *                    |  . . . . . . . . . . . . . . |
 *    THREAD_STACK_LIM+ - - - - - - - - - - - - - - -+ 0xa0800000
 *                    |  thread stacks               | ns       (net/thread.h)
 *    THREAD_STACK_BASE - - - - - - - - - - - - - - -+ 0xa0000000
 *    NS_PAGE_LIM --> + - - - - - - - - - - - - - - -+ 0x90400000
 *                    |  page slots: received pages  | ns       (net/serv.c: NS_PAGE_SLOTS)
 *    NS_PAGE_BASE -> + - - - - - - - - - - - - - - -+ 0x90000000 = NS_TX_LIM
 *                    |  lwIP's heap: the bytes of   | ns (its output helper names them
 *                    |  outgoing frames             |     to the card: net/lwip/netif.c)
 *    NS_TX_HEAP_VA ->  - - - - - - - - - - - - - - - + 0x8ff20000
 *                    |  outgoing frames' headers    | ns (the same)
 *    NS_TX_BASE --->  - - - - - - - - - - - - - - - + 0x8ff00000
 *                    |  receive ring (2 pages)      | ns, its input helper (net/nethelpers.h)
 *    NS_RX_RING_VA -> + - - - - - - - - - - - - - - -+ 0x8fefe000
 *                    |  input's window: the pages   | ns input helper  (net/input.c)
 *                    |  of received frames (64)     |
 *    INPUT_WIN_VA -->  - - - - - - - - - - - - - - - + 0x8febe000
 *                    |  transmit ring (3 pages)     | ns, its output helper (net/nethelpers.h)
 *    NS_TX_RING_VA -> + - - - - - - - - - - - - - - -+ 0x8febb000
 *                    |  . . . . . . . . . . . . . . |
 *    DISKMAP ----->  +------------------------------+ 0x10000000
 *                    |  the request page            | fs       (fs/serv.c)
 *    FS_REQ_VA --->  +------------------------------+ 0x0ffff000
 *                    |  input's packet page         | ns input helper  (net/input.c)
 *    INPUT_PKT_VA -> +------------------------------+ 0x0fffe000
 *                    |  output's packet page        | ns output helper (net/output.c)
 *    OUTPUT_PKT_VA > +------------------------------+ 0x0fffd000
 *                    |  the page ns shares with its | ns, its output and timer
 *                    |  output and timer helpers    | helpers  (net/nethelpers.h)
 *    NS_SHARED_VA -----> +------------------------------+ 0x0fffc000
 *                    :                              :
 *                    |  the program: text, data, bss| all      (user/user.ld)
 *    UTEXT ------->  +------------------------------+ 0x00800000
 *                    |  PFTEMP: fork's copy page    | all      (lib/fork.c)
 *    PFTEMP ------>  +------------------------------+ 0x007ff000
 *                    |  sendfile's window: 64 file  | all      (lib/sendfile.c)
 *                    |  pages borrowed at a time    |
 *    SENDFILE_WIN >  +------------------------------+ 0x007bf000
 *                    |  scratch: spawn's pages,     | all      (lib/spawn.c)
 *                    |  a test's own pages          |
 *    UTEMP ------->  +------------------------------+ 0x00400000
 *                    |  empty: null pointers fault  |
 *    0 ----------->  +------------------------------+
 */

/* Where user programs are linked (user/user.ld says 0x800000: the grader's tables test checks). */
#define UTEXT		(2*PTSIZE)
/* The program may take this much above UTEXT before it meets the first fixed region. */
#define UPROG_MAX	(NS_SHARED_VA - UTEXT)

/* Scratch addresses for user code. */
#define UTEMP		((void *) PTSIZE)
#define PFTEMP		(UTEMP + PTSIZE - PGSIZE)
/* Where sendfile borrows a file's pages (lib/sendfile.c): the top of the scratch region, under
 * fork's page, far above what spawn and the tests use of it. */
#define SENDFILE_WIN	(PFTEMP - 64*PGSIZE)

/* The file system server: the disk (fs/), 3 GB of it at most; the page its requests arrive
 * in; the Fd pages of its open files. */
#define DISKMAP		0x10000000
#define DISKSIZE	0xC0000000
#define FS_REQ_VA	(DISKMAP - PGSIZE)
#define FS_OPENFILE_VA	0xE0000000
#define FS_OPENFILE_LIM	(FS_OPENFILE_VA + PTSIZE)

/* Every program's file descriptors (inc/fd.h says why the data pages lie below the table). */
#define FDDATA		0xD0000000
#define FDTABLE		(FDDATA + PTSIZE)
#define FDTABLE_LIM	(FDTABLE + PTSIZE)

/* The network server's helpers (net/nethelpers.h): where each maps the packet page it is
 * working on, and the page the server shares with its output and timer helpers. */
#define INPUT_PKT_VA	(DISKMAP - 2*PGSIZE)
#define OUTPUT_PKT_VA	(DISKMAP - 3*PGSIZE)
#define NS_SHARED_VA	(DISKMAP - 4*PGSIZE)

/* The network server: the window where its input helper receives frames' pages and the ring
 * of received frames both share (net/nethelpers.h), its ring of outgoing frame pages
 * (net/lwip/netif.c), the page slots of the pages it receives (net/serv.h) and its threads'
 * stacks (net/thread.h). */
#define NS_TX_RING_VA	(INPUT_WIN_VA - 3*PGSIZE)
#define INPUT_WIN_VA	(NS_RX_RING_VA - 64*PGSIZE)
#define NS_RX_RING_VA	(NS_TX_BASE - 2*PGSIZE)
#define NS_TX_BASE	(NS_PAGE_BASE - 256*PGSIZE)
#define NS_TX_HEAP_VA	(NS_TX_BASE + 32*PGSIZE)	/* after the header slots: lwIP's heap */
#define NS_TX_LIM	NS_PAGE_BASE
#define NS_PAGE_BASE	0x90000000
#define NS_PAGE_LIM	(NS_PAGE_BASE + PTSIZE)
#define THREAD_STACK_BASE 0xA0000000
#define THREAD_STACK_LIM (THREAD_STACK_BASE + 2*PTSIZE)

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
#define PP_NETRX	0x8		/* the card filled it and a receive call mapped it: it
					 * may go back to the card (kern/e1000.h, rule R6) */

#endif /* !__ASSEMBLER__ */
#ifndef __ASSEMBLER__
/* The user map above, checked: the regions are in that order, every program's own regions and
 * each server's do not overlap, and all lie in [UTEXT, UTOP). */
#define UREGION_BELOW(lo_lim, hi_base)	static_assert((lo_lim) <= (hi_base), \
	#lo_lim " <= " #hi_base ": user regions overlap (inc/memlayout.h)")
/* Every program. */
UREGION_BELOW(2*PTSIZE, UTEXT);				/* UTEMP, PFTEMP below the program */
static_assert(UPROG_MAX >= 16*PTSIZE, "a program has 64 MB above UTEXT");
UREGION_BELOW(NS_SHARED_VA + PGSIZE, OUTPUT_PKT_VA);
UREGION_BELOW(OUTPUT_PKT_VA + PGSIZE, INPUT_PKT_VA);
UREGION_BELOW(INPUT_PKT_VA + PGSIZE, FS_REQ_VA);
UREGION_BELOW(FS_REQ_VA + PGSIZE, DISKMAP);
UREGION_BELOW(FDDATA + PTSIZE, FDTABLE);
UREGION_BELOW(FDTABLE_LIM, USTACKTOP - PGSIZE);
UREGION_BELOW(USTACKTOP, UXSTACKTOP - PGSIZE);		/* a guard page between */
UREGION_BELOW(UXSTACKTOP, UTOP);
/* The file system server. */
UREGION_BELOW(DISKMAP + DISKSIZE, FDDATA);
UREGION_BELOW(FDTABLE_LIM, FS_OPENFILE_VA);
UREGION_BELOW(FS_OPENFILE_LIM, USTACKTOP - PGSIZE);
/* The network server. */
UREGION_BELOW(DISKMAP, NS_TX_RING_VA);
UREGION_BELOW(NS_TX_RING_VA + 3*PGSIZE, INPUT_WIN_VA);
UREGION_BELOW(INPUT_WIN_VA + 64*PGSIZE, NS_RX_RING_VA);
UREGION_BELOW(NS_RX_RING_VA + 2*PGSIZE, NS_TX_BASE);
UREGION_BELOW(NS_TX_LIM, NS_PAGE_BASE);
UREGION_BELOW(NS_PAGE_LIM, THREAD_STACK_BASE);
UREGION_BELOW(THREAD_STACK_LIM, FDDATA);
#undef UREGION_BELOW
#endif /* !__ASSEMBLER__ */

#endif /* !INC_MEMLAYOUT_H */
