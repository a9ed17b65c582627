/* Physical memory: detecting it, the PageInfo array and its free list, the two-level page
 * tables, the kernel's own address space (kern_pgdir), the MMIO window, and user_mem_check. */

#include <inc/x86.h>
#include <inc/mmu.h>
#include <inc/error.h>
#include <inc/string.h>
#include <inc/assert.h>

#include <kern/pmap.h>
#include <kern/time.h>
#include <kern/tlb.h>
#include <kern/pagewait.h>
#include <kern/env.h>
#include <kern/cpu.h>
#include <kern/kstack.h>
#include <kern/nvram.h>
#include <inc/selftest.h>
#include <kern/pmap_check.h>

size_t npages;				/* physical pages in the machine (that we use) */

pde_t *kern_pgdir;			/* the kernel's page directory */
struct PageInfo *pages;			/* one per physical page */
static struct PageInfo *page_free_list;
static uint32_t nfree;			/* length of page_free_list */


/* The physical memory the KERNBASE window can hold: everything from KERNBASE to the top of the
 * 32-bit address space. */
#define KERNBASE_WINDOW	(0xFFFFFFFFU - KERNBASE + 1)

/* CPUID leaf 1 (SDM 2A, CPUID: feature information): EDX bit 3 says 4 MB pages are supported. */
#define CPUID_FEATURES		1
#define CPUID_EDX_PSE		(1 << 3)

/* The UPAGES and UENVS views are one page table each. */
static_assert(KERNBASE_WINDOW / PGSIZE * sizeof(struct PageInfo) <= PTSIZE,
	      "the pages array of a full KERNBASE window fits in UPAGES");
static_assert(NENV * sizeof(struct Env) <= UCLOCK - UENVS, "the envs array fits in UENVS");

/* Before mem_init knows npages, [0, ENTRY_MAPPED) (all the entry page directory maps) is valid. */
void *
_kaddr(const char *file, int line, physaddr_t pa)
{
	if (PGNUM(pa) >= npages && pa >= ENTRY_MAPPED)
		_panic(file, line, "KADDR called with invalid pa %08lx", (unsigned long) pa);
	return (void *) (pa + KERNBASE);
}

/***** Detecting memory *****/

/* Sizes in KB, as the NVRAM gives them. */
#define KB_PER_PAGE	(PGSIZE / 1024)
#define EXT_START_KB	(EXTPHYSMEM / 1024)	/* extended memory starts at 1 MB */
#define EXT16_START_KB	(16 * 1024)		/* NVRAM_EXT16LO counts from 16 MB */
#define EXT16_UNIT_KB	64

/* The BIOS leaves the memory sizes in the RTC's NVRAM: base memory (below 640 KB), extended
 * memory from 1 MB (at most 15 MB of it), and, on machines with more, the memory above 16 MB
 * in 64 KB units.  Memory between 640 KB and 1 MB is the I/O hole, counted nowhere. */
static void
detect_memory(void)
{
	size_t basemem = nvram_read16(NVRAM_BASELO);
	size_t extmem = nvram_read16(NVRAM_EXTLO);
	size_t ext16mem = nvram_read16(NVRAM_EXT16LO) * EXT16_UNIT_KB;
	size_t totalmem;		/* KB, from 0 to the end of the highest RAM */

	if (ext16mem)
		totalmem = EXT16_START_KB + ext16mem;
	else if (extmem)
		totalmem = EXT_START_KB + extmem;
	else
		totalmem = basemem;

	npages = totalmem / KB_PER_PAGE;

	/* All of physical memory is mapped at KERNBASE: what lies beyond that window is
	 * unusable. */
	size_t maxpages = KERNBASE_WINDOW / PGSIZE;
	if (npages > maxpages) {
		cprintf("Physical memory: using only %uK of %uK (the KERNBASE window)\n",
			maxpages * KB_PER_PAGE, totalmem);
		npages = maxpages;
		totalmem = npages * KB_PER_PAGE;
	}

	cprintf("Physical memory: %uK available, base = %uK, extended = %uK\n",
		totalmem, basemem, totalmem > EXT_START_KB ? totalmem - EXT_START_KB : 0);
}

/***** The boot allocator *****/

static bool boot_alloc_closed;		/* page_init has run: the free list owns the rest */

/* n bytes (rounded up to whole pages) of physical memory right after the kernel image, mapped
 * at KERNBASE; boot_alloc(0) is the first free address.  Only before page_init: afterwards
 * the pages handed out so far are reserved and the free list owns the rest, so a later
 * allocation would hand out pages that page_alloc may give away too. */
static void *
boot_alloc(uint32_t n)
{
	extern char end[];
	static char *nextfree;

	if (!nextfree)
		nextfree = ROUNDUP((char *) end, PGSIZE);
	char *result = nextfree;
	if (n > 0 && boot_alloc_closed)
		panic("boot_alloc: %u bytes asked for after page_init", n);
	if ((uintptr_t) nextfree + n < (uintptr_t) nextfree
	    || PADDR(nextfree + n) > ENTRY_MAPPED)
		panic("boot_alloc: %u bytes do not fit in the first %u MB (ENTRY_MAPPED)", n,
		      ENTRY_MAPPED >> 20);
	if (npages && PADDR(nextfree + n) > npages * PGSIZE)
		panic("boot_alloc: %u bytes do not fit in the machine's memory", n);
	nextfree = ROUNDUP(nextfree + n, PGSIZE);
	return result;
}

/***** The page structures *****/

/* Which physical pages may never be allocated? */
static bool
page_is_reserved(physaddr_t pa)
{
	if (pa == 0)					/* real-mode IDT and BIOS data */
		return true;
	if (pa == MPENTRY_PADDR)			/* the AP start-up trampoline */
		return true;
	if (pa >= IOPHYSMEM && pa < EXTPHYSMEM)		/* the I/O hole */
		return true;
	if (pa >= EXTPHYSMEM && pa < PADDR(boot_alloc(0)))	/* kernel and boot allocations */
		return true;
	return false;
}

void
page_init(void)
{
	static_assert(MPENTRY_PADDR % PGSIZE == 0, "the AP trampoline page is page-aligned");

	/* Build the free list in ascending address order, so the first allocations come from
	 * low memory, which the entry page directory maps. */
	boot_alloc_closed = true;
	struct PageInfo **tail = &page_free_list;
	page_free_list = NULL;
	nfree = 0;
	for (size_t i = 0; i < npages; i++) {
		pages[i].pp_ref = 0;
		pages[i].pp_link = NULL;
		if (page_is_reserved(i * PGSIZE)) {
			pages[i].pp_flags = PP_RESERVED;
		} else {
			pages[i].pp_flags = PP_FREE;
			*tail = &pages[i];
			tail = &pages[i].pp_link;
			nfree++;
		}
	}
}

struct PageInfo *
page_alloc(int alloc_flags)
{
	struct PageInfo *pp = page_free_list;

	if (pp == NULL)
		return NULL;
	assert(pp->pp_flags == PP_FREE && pp->pp_ref == 0);
	page_free_list = pp->pp_link;
	pp->pp_link = NULL;
	pp->pp_flags = 0;
	nfree--;
	if (alloc_flags & ALLOC_ZERO)
		memset(page2kva(pp), 0, PGSIZE);
	return pp;
}

void
page_free(struct PageInfo *pp)
{
	if (pp->pp_ref != 0 || (pp->pp_flags & (PP_RESERVED | PP_FREE)))
		panic("page_free: page %08x has ref %u, flags %x", page2pa(pp), pp->pp_ref,
		      pp->pp_flags);
	pp->pp_flags = PP_FREE;
	pp->pp_link = page_free_list;
	page_free_list = pp;
	nfree++;
}

void
page_decref(struct PageInfo *pp)
{
	if (pp->pp_flags & PP_RESERVED)
		panic("page_decref: page %08x is reserved", page2pa(pp));
	if (pp->pp_ref == 0)
		panic("page_decref: page %08x has no reference", page2pa(pp));
	pp->pp_ref--;
	if (pp->pp_flags & PP_WAITED)
		pagewait_unmapped(pp);	/* before page_free resets the flags */
	if (pp->pp_ref == 0)
		page_free(pp);
}

uint32_t
page_free_count(void)
{
	return nfree;
}

/***** Page tables *****/

pte_t *
pgdir_walk(pde_t *pgdir, const void *va, int create)
{
	pde_t *pde = &pgdir[PDX(va)];

	if (!(*pde & PTE_P)) {
		if (!create)
			return NULL;
		struct PageInfo *pp = page_alloc(ALLOC_ZERO);
		if (pp == NULL)
			return NULL;
		pp->pp_ref++;
		/* The directory entry is permissive; each PTE says what is allowed. */
		*pde = page2pa(pp) | PTE_P | PTE_W | PTE_U;
	} else if (*pde & PTE_PS) {
		return NULL;		/* a 4 MB page has no page table */
	}
	pte_t *pt = KADDR(PTE_ADDR(*pde));
	return &pt[PTX(va)];
}

/* Map [va, va+size) to [pa, pa+size) in pgdir with perm | PTE_P, without reference counts:
 * for the kernel's own static mappings above UTOP, at boot. */
static void
boot_map_region(pde_t *pgdir, uintptr_t va, size_t size, physaddr_t pa, int perm)
{
	assert(va % PGSIZE == 0 && pa % PGSIZE == 0 && size % PGSIZE == 0);
	for (size_t off = 0; off < size; off += PGSIZE) {
		pte_t *pte = pgdir_walk(pgdir, (void *) (va + off), 1);
		if (pte == NULL)
			panic("boot_map_region: out of memory for a page table");
		*pte = (pa + off) | perm | PTE_P;
	}
}

/* Store new in the present PTE *pte (of va in pgdir) and drop the old translation from every
 * TLB that may hold it; return the old entry.  A translation is cached only from an entry whose
 * accessed flag is set, and the CPU sets it before caching (SDM 3A 4.10.2.3), so an entry never
 * accessed is in no TLB and needs no flush.  That is the common case for pages passed on, not
 * touched: sendfile's window, the network server's slots of lent file pages.  Under QEMU's
 * emulation each invlpg also clears part of the translated-code jump cache, and a 1 MiB
 * download unmapped about 510 such pages.  The exchange is atomic: another CPU running pgdir
 * may set the flag between a read and a write. */
static pte_t
pte_replace(pde_t *pgdir, pte_t *pte, pte_t new, void *va)
{
	pte_t old = xchg(pte, new);

	if (old & PTE_A)
		tlb_invalidate(pgdir, va);
	return old;
}

int
page_insert(pde_t *pgdir, struct PageInfo *pp, void *va, int perm)
{
	/* A free page has no owner to map it, and a reserved one must never meet page_decref. */
	assert(!(pp->pp_flags & (PP_FREE | PP_RESERVED)));

	pte_t *pte = pgdir_walk(pgdir, va, 1);
	if (pte == NULL)
		return -E_NO_MEM;

	/* The same page where it already is: only the permissions change, and so does the
	 * count not (removing first could drop the last reference and free the page). */
	if ((*pte & PTE_P) && PTE_ADDR(*pte) == page2pa(pp)) {
		pte_replace(pgdir, pte, page2pa(pp) | perm | PTE_P, va);
		return 0;
	}
	/* A user can map one page at tens of thousands of addresses (sys_page_map): refuse the
	 * mapping that would wrap the count, which would later free a page still in use. */
	if (pp->pp_ref == PP_REF_MAX)
		return -E_NO_MEM;

	/* Replace in one step: another CPU running this address space sees the old page or the
	 * new one, never a hole (where it would take a page fault nobody caused), and the old
	 * page is let go only once no TLB can reach it. */
	pte_t new = page2pa(pp) | perm | PTE_P;
	pp->pp_ref++;
	if (*pte & PTE_P)
		page_decref(pa2page(PTE_ADDR(pte_replace(pgdir, pte, new, va))));
	else
		*pte = new;
	return 0;
}

struct PageInfo *
page_lookup(pde_t *pgdir, void *va, pte_t **pte_store)
{
	pte_t *pte = pgdir_walk(pgdir, va, 0);

	if (pte == NULL || !(*pte & PTE_P))
		return NULL;
	if (pte_store)
		*pte_store = pte;
	return pa2page(PTE_ADDR(*pte));
}

void
page_remove(pde_t *pgdir, void *va)
{
	pte_t *pte;
	struct PageInfo *pp = page_lookup(pgdir, va, &pte);

	if (pp == NULL)
		return;
	pte_replace(pgdir, pte, 0, va);
	page_decref(pp);
}

void *
mmio_map_region(physaddr_t pa, size_t size)
{
	static uintptr_t base = MMIOBASE;
	physaddr_t start = ROUNDDOWN(pa, PGSIZE);
	/* In 64 bits: a device's registers may end at 4 GB, where ROUNDUP would wrap. */
	uint64_t end = ((uint64_t) pa + size + PGSIZE - 1) & ~(uint64_t) (PGSIZE - 1);
	uint64_t len = end - start;

	/* The window's page table exists since mem_init, so every environment's directory
	 * already points to it and sees what is added here.  The static cursor has no lock:
	 * devices are set up by the boot CPU, before the others start. */
	if (len > MMIOLIM - base)
		panic("mmio_map_region: %u bytes at %08x overflow the MMIO window", size, pa);
	boot_map_region(kern_pgdir, base, len, start, PTE_PCD | PTE_PWT | PTE_W);
	void *va = (void *) (base + PGOFF(pa));
	base += len;
	return va;
}

/***** Checking user pointers *****/

uintptr_t user_mem_check_addr;

int
user_mem_check(struct Env *env, const void *va, size_t len, int perm)
{
	uintptr_t start = (uintptr_t) va;
	uintptr_t last = start + len - 1;	/* may wrap: checked below */

	perm |= PTE_U | PTE_P;
	if (len == 0)
		return 0;

	for (uintptr_t a = start;; a = ROUNDDOWN(a, PGSIZE) + PGSIZE) {
		/* ULIM < 4 GB, so a range that wraps meets this test before a wraps. */
		if (a >= ULIM) {
			user_mem_check_addr = a;
			return -E_FAULT;
		}
		pde_t pde = env->env_pgdir[PDX(a)];
		pte_t *pte = pgdir_walk(env->env_pgdir, (void *) a, 0);
		if ((pde & perm) != perm || pte == NULL || (*pte & perm) != perm) {
			user_mem_check_addr = a;
			return -E_FAULT;
		}
		if (last >= start && PGNUM(a) == PGNUM(last))
			return 0;
	}
}

/***** The kernel's address space *****/

static bool
cpu_has_pse(void)
{
	uint32_t edx;

	cpuid(CPUID_FEATURES, NULL, NULL, NULL, &edx);
	return edx & CPUID_EDX_PSE;
}

void
mem_init(void)
{
	detect_memory();

	kern_pgdir = boot_alloc(PGSIZE);
	memset(kern_pgdir, 0, PGSIZE);
	/* UVPT: the page directory as a page table, so users read their page tables there. */
	kern_pgdir[PDX(UVPT)] = PADDR(kern_pgdir) | PTE_U | PTE_P;

	pages = boot_alloc(npages * sizeof(struct PageInfo));
	memset(pages, 0, npages * sizeof(struct PageInfo));
	envs = boot_alloc(NENV * sizeof(struct Env));
	memset(envs, 0, NENV * sizeof(struct Env));

	page_init();
	check_page_free_list();

	/* The read-only views for user programs. */
	boot_map_region(kern_pgdir, UPAGES, ROUNDUP(npages * sizeof(struct PageInfo), PGSIZE),
			PADDR(pages), PTE_U);
	boot_map_region(kern_pgdir, UENVS, ROUNDUP(NENV * sizeof(struct Env), PGSIZE),
			PADDR(envs), PTE_U);
	boot_map_region(kern_pgdir, UCLOCK, PGSIZE, PADDR(&time_uclock), PTE_U);

	/* One kernel stack per CPU, each above an unmapped guard gap. */
	for (int i = 0; i < NCPU; i++) {
		boot_map_region(kern_pgdir, kstack_top(i) - KSTKSIZE, KSTKSIZE, PADDR(percpu_kstacks[i]),
				PTE_W);
	}

	/* The MMIO window's page table, now: environments copy the kernel's directory entries
	 * when they are created, so mmio_map_region must never add one. */
	if (pgdir_walk(kern_pgdir, (void *) MMIOBASE, 1) == NULL)
		panic("mem_init: out of memory for the MMIO page table");

	/* The whole KERNBASE window (all physical memory, and the addresses above it up to
	 * 4 GB), with 4 MB pages if the CPU has them. */
	if (cpu_has_pse()) {
		lcr4(rcr4() | CR4_PSE);
		for (physaddr_t pa = 0; pa < KERNBASE_WINDOW; pa += PTSIZE)
			kern_pgdir[PDX(KERNBASE + pa)] = pa | PTE_PS | PTE_W | PTE_P;
	} else {
		boot_map_region(kern_pgdir, KERNBASE, KERNBASE_WINDOW, 0, PTE_W);
	}
	check_kern_pgdir();

	lcr3(PADDR(kern_pgdir));

	cpu_cr0_init();	/* each AP does the same in mp_main */

	check_page_alloc();
	check_page();
	check_page_installed_pgdir();
	check_user_mem();
}

/***** For the self-checks (kern/check_pmap.c) *****/

struct PageInfo **
pmap_free_list_head(void)
{
	return &page_free_list;
}

uint32_t *
pmap_free_count_ptr(void)
{
	return &nfree;
}

physaddr_t
pmap_boot_end(void)
{
	return PADDR(boot_alloc(0));
}
