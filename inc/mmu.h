/* The i386 memory-management hardware: paging structures, control register bits, segment and
 * gate descriptors, the task state segment.  Numbers are from the Intel SDM, volume 3. */
#ifndef INC_MMU_H
#define INC_MMU_H

/*
 * A linear address is split by the two-level page table:
 *
 *  +--------10------+-------10-------+---------12----------+
 *  | page directory |   page table   | offset within page  |
 *  |     index      |     index      |                     |
 *  +----------------+----------------+---------------------+
 *   \--- PDX(la) --/ \--- PTX(la) --/ \--- PGOFF(la) -----/
 *   \---------- PGNUM(la) ----------/
 */

#define PGNUM(la)	(((uintptr_t) (la)) >> PTXSHIFT)
#define PDX(la)		((((uintptr_t) (la)) >> PDXSHIFT) & 0x3FF)
#define PTX(la)		((((uintptr_t) (la)) >> PTXSHIFT) & 0x3FF)
#define PGOFF(la)	(((uintptr_t) (la)) & 0xFFF)
#define PGADDR(d, t, o)	((void *) ((d) << PDXSHIFT | (t) << PTXSHIFT | (o)))

#define NPDENTRIES	1024		/* page directory entries per page directory */
#define NPTENTRIES	1024		/* page table entries per page table */

#define PGSIZE		4096		/* bytes mapped by a page */
#define PGSHIFT		12		/* log2(PGSIZE) */

#define PTSIZE		(PGSIZE*NPTENTRIES) /* bytes mapped by a page directory entry */
#define PTSHIFT		22		/* log2(PTSIZE) */

#define PTXSHIFT	12
#define PDXSHIFT	22

/* Page table / directory entry flags (SDM 3A 4.3). */
#define PTE_P		0x001	/* present */
#define PTE_W		0x002	/* writeable */
#define PTE_U		0x004	/* user */
#define PTE_PWT		0x008	/* write-through */
#define PTE_PCD		0x010	/* cache-disable */
#define PTE_A		0x020	/* accessed */
#define PTE_D		0x040	/* dirty */
#define PTE_PS		0x080	/* page size (4 MB pages, in a PDE) */
#define PTE_G		0x100	/* global */

/* Bits 9..11 are free for software.  The kernel never interprets them; the user library uses
 * them (inc/lib.h: PTE_COW, PTE_SHARE). */
#define PTE_AVAIL	0xE00

/* Flags that sys_page_map and friends accept from user code. */
#define PTE_SYSCALL	(PTE_AVAIL | PTE_P | PTE_W | PTE_U)

#define PTE_ADDR(pte)	((physaddr_t) (pte) & ~0xFFF)

/* Control register flags. */
#define CR0_PE		0x00000001	/* protection enable */
#define CR0_MP		0x00000002	/* monitor coprocessor */
#define CR0_EM		0x00000004	/* emulation */
#define CR0_TS		0x00000008	/* task switched */
#define CR0_ET		0x00000010	/* extension type */
#define CR0_NE		0x00000020	/* numeric error */
#define CR0_WP		0x00010000	/* write protect (also in ring 0) */
#define CR0_AM		0x00040000	/* alignment mask */
#define CR0_NW		0x20000000	/* not writethrough */
#define CR0_CD		0x40000000	/* cache disable */
#define CR0_PG		0x80000000	/* paging */

#define CR4_PSE		0x00000010	/* page size extensions */
#define CR4_PGE		0x00000080	/* page global enable */

/* Page fault error code bits (SDM 3A 4.7). */
#define FEC_PR		0x1	/* fault caused by a protection violation */
#define FEC_WR		0x2	/* fault caused by a write */
#define FEC_U		0x4	/* fault occurred in user mode */

/* EFLAGS register. */
#define FL_CF		0x00000001	/* carry */
#define FL_1		0x00000002	/* reserved, always 1 */
#define FL_PF		0x00000004	/* parity */
#define FL_AF		0x00000010	/* auxiliary carry */
#define FL_ZF		0x00000040	/* zero */
#define FL_SF		0x00000080	/* sign */
#define FL_TF		0x00000100	/* trap (single step) */
#define FL_IF		0x00000200	/* interrupt enable */
#define FL_DF		0x00000400	/* direction */
#define FL_OF		0x00000800	/* overflow */
#define FL_IOPL_MASK	0x00003000	/* I/O privilege level */
#define FL_IOPL_0	0x00000000
#define FL_IOPL_3	0x00003000
#define FL_NT		0x00004000	/* nested task */
#define FL_RF		0x00010000	/* resume */
#define FL_VM		0x00020000	/* virtual 8086 mode */
#define FL_AC		0x00040000	/* alignment check */
#define FL_ID		0x00200000	/* ID (cpuid available) */

/* Segment descriptor type bits (SDM 3A 3.4.5.1). */
#define STA_X		0x8	/* executable */
#define STA_E		0x4	/* expand down (data) */
#define STA_C		0x4	/* conforming (code) */
#define STA_W		0x2	/* writeable (data) */
#define STA_R		0x2	/* readable (code) */
#define STA_A		0x1	/* accessed */

/* System segment and gate types. */
#define STS_TASK	0x5	/* task gate (its selector names a TSS) */
#define STS_T32A	0x9	/* available 32-bit TSS */
#define STS_T32B	0xB	/* busy 32-bit TSS */
#define STS_IG32	0xE	/* 32-bit interrupt gate: clears IF */
#define STS_TG32	0xF	/* 32-bit trap gate: leaves IF */

#ifdef __ASSEMBLER__

/* A flat segment descriptor for the boot GDTs. */
#define SEG_NULLASM						\
	.word 0, 0;						\
	.byte 0, 0, 0, 0
#define SEG_ASM(type, base, lim)				\
	.word (((lim) >> 12) & 0xffff), ((base) & 0xffff);	\
	.byte (((base) >> 16) & 0xff), (0x90 | (type)),		\
		(0xC0 | (((lim) >> 28) & 0xf)), (((base) >> 24) & 0xff)

#else	/* not __ASSEMBLER__ */

#include <inc/types.h>

/* A segment descriptor (SDM 3A 3.4.5). */
struct Segdesc {
	unsigned sd_lim_15_0 : 16;
	unsigned sd_base_15_0 : 16;
	unsigned sd_base_23_16 : 8;
	unsigned sd_type : 4;
	unsigned sd_s : 1;		/* 0 = system, 1 = application */
	unsigned sd_dpl : 2;
	unsigned sd_p : 1;
	unsigned sd_lim_19_16 : 4;
	unsigned sd_avl : 1;
	unsigned sd_rsv1 : 1;
	unsigned sd_db : 1;		/* 0 = 16-bit, 1 = 32-bit segment */
	unsigned sd_g : 1;		/* limit in 4 KB units */
	unsigned sd_base_31_24 : 8;
};
static_assert(sizeof(struct Segdesc) == 8, "segment descriptor is 8 bytes");

#define SEG_NULL	(struct Segdesc){ 0 }
/* A 4 GB-granular application segment. */
#define SEG(type, base, lim, dpl) (struct Segdesc)			\
{ ((lim) >> 12) & 0xffff, (base) & 0xffff, ((base) >> 16) & 0xff,	\
    type, 1, dpl, 1, (unsigned) (lim) >> 28, 0, 0, 1, 1,		\
    (unsigned) (base) >> 24 }
/* A byte-granular system segment (a TSS). */
#define SEG16(type, base, lim, dpl) (struct Segdesc)			\
{ (lim) & 0xffff, (base) & 0xffff, ((base) >> 16) & 0xff,		\
    type, 1, dpl, 1, (unsigned) (lim) >> 16, 0, 0, 1, 0,		\
    (unsigned) (base) >> 24 }

/* The 32-bit task state segment (SDM 3A 7.2.1).  The kernel uses only the ring-0 stack
 * (ts_esp0, ts_ss0) and the I/O map base. */
struct Taskstate {
	uint32_t ts_link;
	uintptr_t ts_esp0;
	uint16_t ts_ss0;
	uint16_t ts_padding1;
	uintptr_t ts_esp1;
	uint16_t ts_ss1;
	uint16_t ts_padding2;
	uintptr_t ts_esp2;
	uint16_t ts_ss2;
	uint16_t ts_padding3;
	physaddr_t ts_cr3;
	uintptr_t ts_eip;
	uint32_t ts_eflags;
	uint32_t ts_eax;
	uint32_t ts_ecx;
	uint32_t ts_edx;
	uint32_t ts_ebx;
	uintptr_t ts_esp;
	uintptr_t ts_ebp;
	uint32_t ts_esi;
	uint32_t ts_edi;
	uint16_t ts_es;
	uint16_t ts_padding4;
	uint16_t ts_cs;
	uint16_t ts_padding5;
	uint16_t ts_ss;
	uint16_t ts_padding6;
	uint16_t ts_ds;
	uint16_t ts_padding7;
	uint16_t ts_fs;
	uint16_t ts_padding8;
	uint16_t ts_gs;
	uint16_t ts_padding9;
	uint16_t ts_ldt;
	uint16_t ts_padding10;
	uint16_t ts_t;			/* trap on task switch */
	uint16_t ts_iomb;		/* I/O map base address */
};
static_assert(sizeof(struct Taskstate) == 104, "TSS is 104 bytes");

/* An interrupt or trap gate (SDM 3A 6.11). */
struct Gatedesc {
	unsigned gd_off_15_0 : 16;
	unsigned gd_sel : 16;
	unsigned gd_args : 5;
	unsigned gd_rsv1 : 3;
	unsigned gd_type : 4;
	unsigned gd_s : 1;		/* must be 0 (system) */
	unsigned gd_dpl : 2;		/* lowest privilege allowed to use `int` on it */
	unsigned gd_p : 1;
	unsigned gd_off_31_16 : 16;
};
static_assert(sizeof(struct Gatedesc) == 8, "gate descriptor is 8 bytes");

/* Fill gate `gate` with handler `off` in code segment `sel`; istrap selects a trap gate
 * (interrupts stay enabled) rather than an interrupt gate. */
#define SETGATE(gate, istrap, sel, off, dpl)			\
{								\
	(gate).gd_off_15_0 = (uint32_t) (off) & 0xffff;		\
	(gate).gd_sel = (sel);					\
	(gate).gd_args = 0;					\
	(gate).gd_rsv1 = 0;					\
	(gate).gd_type = (istrap) ? STS_TG32 : STS_IG32;	\
	(gate).gd_s = 0;					\
	(gate).gd_dpl = (dpl);					\
	(gate).gd_p = 1;					\
	(gate).gd_off_31_16 = (uint32_t) (off) >> 16;		\
}

/* Fill gate `gate` with a task gate: the CPU switches to the task whose TSS selector is tss
 * (SDM 3A 7.2.5), on that task's own stack. */
#define SETTASKGATE(gate, tss, dpl)				\
{								\
	(gate).gd_off_15_0 = 0;					\
	(gate).gd_sel = (tss);					\
	(gate).gd_args = 0;					\
	(gate).gd_rsv1 = 0;					\
	(gate).gd_type = STS_TASK;				\
	(gate).gd_s = 0;					\
	(gate).gd_dpl = (dpl);					\
	(gate).gd_p = 1;					\
	(gate).gd_off_31_16 = 0;				\
}

/* The operand of lgdt and lidt. */
struct Pseudodesc {
	uint16_t pd_lim;
	uint32_t pd_base;
} __attribute__ ((packed));

#endif /* !__ASSEMBLER__ */

#endif /* !INC_MMU_H */
