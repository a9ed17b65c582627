/* Monitor commands for memory: showmappings, setperm, dumpmem.  They look at the page directory
 * in cr3 (kern_pgdir, or the environment's that trapped into the monitor, which maps the
 * kernel the same way), and never touch an address they have not found mapped. */

#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/mmu.h>
#include <inc/memlayout.h>
#include <inc/x86.h>

#include <kern/pmap.h>
#include <kern/monitor.h>

/* How va is mapped in the current page directory. */
struct mon_mapping {
	uint32_t *entry;	/* the PTE, or the PDE of a 4 MB page; NULL if unmapped */
	bool large;		/* a 4 MB page (in a PTE, bit 7 is PAT, not PS) */
	pde_t pde;		/* the directory entry */
};

static struct mon_mapping
mon_lookup(uintptr_t va)
{
	pde_t *pde = (pde_t *) KADDR(rcr3()) + PDX(va);
	struct mon_mapping m = { NULL, false, *pde };

	if (!(*pde & PTE_P))
		return m;
	if (*pde & PTE_PS) {
		m.entry = pde;
		m.large = true;
		return m;
	}
	pte_t *pte = (pte_t *) KADDR(PTE_ADDR(*pde)) + PTX(va);
	if (*pte & PTE_P)
		m.entry = pte;
	return m;
}

/* The permissions of a mapping as "UWP" letters ('-' when clear; U and W only when both
 * levels grant them), then its other bits: PWT, PCD (uncached: device memory), 4M. */
static void
mon_print_perm(struct mon_mapping m)
{
	uint32_t e = *m.entry;
	uint32_t both = m.large ? e : (e & m.pde);

	cprintf("%c%c%c%s%s%s", (both & PTE_U) ? 'U' : '-', (both & PTE_W) ? 'W' : '-',
		(e & PTE_P) ? 'P' : '-', (e & PTE_PWT) ? " PWT" : "", (e & PTE_PCD) ? " PCD" : "",
		m.large ? " 4M" : "");
}

/* Lines of mapped pages showmappings prints before it stops; unmapped runs take one line. */
#define SHOWMAPPINGS_MAX_LINES 256

MONITOR_COMMAND(mon_showmappings, "showmappings", "START END",
		"VA, PA and permissions of each page in [START, END) (a 4 MB page once, "
		"unmapped runs once)");
static int
mon_showmappings(int argc, char **argv, struct Trapframe *tf)
{
	uint32_t start, end32;

	if (argc != 3 || !mon_parse_uint(argv[1], &start) || !mon_parse_uint(argv[2], &end32)
	    || end32 < start)
		return mon_usage(argv);
	/* 64 bits, so that a range ending at 4 GB ends the loops; an empty range still names a
	 * page, which is shown. */
	uint64_t end = (end32 == start) ? (uint64_t) start + 1 : end32;

	uint64_t va = ROUNDDOWN(start, PGSIZE);
	int lines = 0;
	cprintf("VA        PA        PERM\n");
	while (va < end) {
		struct mon_mapping m = mon_lookup(va);

		if (m.entry == NULL) {
			/* One line for the whole run of unmapped pages (a missing page table
			 * skips 4 MB at once). */
			uint64_t next = va;
			struct mon_mapping n;
			while (next < end && (n = mon_lookup(next)).entry == NULL)
				next = (n.pde & PTE_P) ? next + PGSIZE
					: ROUNDDOWN(next, PTSIZE) + PTSIZE;
			uint64_t stop = next < end ? next
				: (end + PGSIZE - 1) & ~(uint64_t) (PGSIZE - 1);
			uint64_t last = stop - PGSIZE;
			cprintf("%08x  unmapped", (uint32_t) va);
			if (last != va)
				cprintf(" through %08x (%u pages)", (uint32_t) last,
					(uint32_t) ((last - va) / PGSIZE + 1));
			cprintf("\n");
			va = last + PGSIZE;
			continue;
		}
		if (lines++ == SHOWMAPPINGS_MAX_LINES) {
			cprintf("... stopped after %d mapped pages; %08x onwards not shown\n",
				SHOWMAPPINGS_MAX_LINES, (uint32_t) va);
			break;
		}
		if (m.large) {
			/* Shown once, at the address asked for: the rest of it follows. */
			cprintf("%08x  %08x  ", (uint32_t) va,
				ROUNDDOWN(PTE_ADDR(*m.entry), PTSIZE) + (uint32_t) (va % PTSIZE));
			mon_print_perm(m);
			cprintf("\n");
			va = ROUNDDOWN(va, PTSIZE) + PTSIZE;
			continue;
		}
		cprintf("%08x  %08x  ", (uint32_t) va, PTE_ADDR(*m.entry));
		mon_print_perm(m);
		cprintf("\n");
		va += PGSIZE;
	}
	return 0;
}

/* BITS: letters from "UW"; +BITS sets them, -BITS clears them, =BITS makes them exactly so. */
static bool
setperm_parse(const char *arg, char *op, uint32_t *bits)
{
	*op = arg[0];
	*bits = 0;
	if (*op != '+' && *op != '-' && *op != '=')
		return false;
	for (const char *c = arg + 1; *c; c++) {
		if (*c == 'U' || *c == 'u')
			*bits |= PTE_U;
		else if (*c == 'W' || *c == 'w')
			*bits |= PTE_W;
		else
			return false;
	}
	return *bits != 0 || *op == '=';
}

MONITOR_COMMAND(mon_setperm, "setperm", "VA +BITS|-BITS|=BITS",
		"set, clear or assign the U and W bits (e.g. +W, -UW, =U) of the page at VA");
static int
mon_setperm(int argc, char **argv, struct Trapframe *tf)
{
	uint32_t va, bits;
	char op;

	if (argc != 3 || !mon_parse_uint(argv[1], &va) || !setperm_parse(argv[2], &op, &bits))
		return mon_usage(argv);

	struct mon_mapping m = mon_lookup(va);
	if (m.entry == NULL) {
		cprintf("setperm: %08x is not mapped\n", va);
		return 0;
	}
	if (op == '+')
		*m.entry |= bits;
	else if (op == '-')
		*m.entry &= ~bits;
	else
		*m.entry = (*m.entry & ~(PTE_U | PTE_W)) | bits;
	invlpg((void *) va);
	cprintf("%08x: ", va);
	mon_print_perm(m);
	cprintf("\n");
	return 0;
}

/* dumpmem prints at most this much: the console is slow. */
#define DUMPMEM_MAX (64 * 1024)
#define DUMPMEM_LINE 16

MONITOR_COMMAND(mon_dumpmem, "dumpmem", "[-p] ADDR LEN",
		"hex dump of LEN bytes of virtual (with -p: physical) memory at ADDR");
static int
mon_dumpmem(int argc, char **argv, struct Trapframe *tf)
{
	bool phys = argc == 4 && strcmp(argv[1], "-p") == 0;
	uint32_t addr, len;

	if (argc != 3 + phys || !mon_parse_uint(argv[1 + phys], &addr)
	    || !mon_parse_uint(argv[2 + phys], &len))
		return mon_usage(argv);
	if (len > DUMPMEM_MAX) {
		cprintf("dumpmem: at most %u bytes at a time\n", DUMPMEM_MAX);
		return 0;
	}
	if ((uint64_t) addr + len > (phys ? (uint64_t) npages * PGSIZE : 0x100000000ULL)) {
		cprintf(phys ? "dumpmem: physical range beyond memory (%uK)\n"
			: "dumpmem: range wraps around the address space\n", npages * PGSIZE / 1024);
		return 0;
	}
	/* Physical memory is read through its KERNBASE mapping: all of it is there. */
	uint32_t base = phys ? KERNBASE : 0;

	/* Whole 16-byte lines, which never straddle a page; one line per page that cannot be
	 * shown.  64 bits, so that a range ending at 4 GB ends the loop. */
	for (uint64_t a = ROUNDDOWN(addr, DUMPMEM_LINE); a < (uint64_t) addr + len;) {
		struct mon_mapping m = mon_lookup(base + a);
		uint64_t next_page = (a & ~(uint64_t) (PGSIZE - 1)) + PGSIZE;

		if (m.entry == NULL || (*m.entry & PTE_PCD)) {
			/* Reading device registers can change the device (e.g. clear an
			 * interrupt cause): uncached pages are not dumped. */
			cprintf("%08x  %s\n", (uint32_t) a,
				m.entry ? "device memory (uncached), not read" : "unmapped");
			a = next_page;
			continue;
		}
		cprintf("%08x ", (uint32_t) a);
		for (int i = 0; i < DUMPMEM_LINE; i++)
			cprintf(" %02x", ((const volatile uint8_t *) (base + (uint32_t) a))[i]);
		cprintf("\n");
		a += DUMPMEM_LINE;
	}
	return 0;
}
