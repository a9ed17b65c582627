/* Boot-time self-checks of physical memory management, the page-table operations, the kernel's
 * page directory and user_mem_check.  Each names the mistakes it catches; all of them leave the
 * free list as they found it (same pages, same count), and verify that they did. */

#include <inc/x86.h>
#include <inc/mmu.h>
#include <inc/error.h>
#include <inc/string.h>

#include <kern/pmap.h>
#include <kern/pmap_check.h>
#include <kern/env.h>
#include <kern/cpu.h>
#include <kern/kstack.h>
#include <kern/time.h>
#include <inc/selftest.h>

/* A pp_flags bit that no PP_* uses: check_page_free_list marks the pages it has met with it. */
#define PP_CHECK_SEEN	0x8000
static_assert(!(PP_CHECK_SEEN & (PP_RESERVED | PP_FREE)), "the check's mark is a free bit");

#define NOT_MAPPED	(~(physaddr_t) 0)

/* The physical address va maps to in pgdir (through 4 MB pages too), or NOT_MAPPED; *perm (if
 * not NULL) gets the effective PTE_U/PTE_W bits, those of both levels. */
static physaddr_t
check_va2pa(pde_t *pgdir, uintptr_t va, int *perm)
{
	pde_t pde = pgdir[PDX(va)];

	if (!(pde & PTE_P))
		return NOT_MAPPED;
	if (pde & PTE_PS) {
		if (perm)
			*perm = pde & (PTE_U | PTE_W);
		return ROUNDDOWN(PTE_ADDR(pde), PTSIZE) + (va & (PTSIZE - 1));
	}
	pte_t pte = ((pte_t *) KADDR(PTE_ADDR(pde)))[PTX(va)];
	if (!(pte & PTE_P))
		return NOT_MAPPED;
	if (perm)
		*perm = pte & pde & (PTE_U | PTE_W);
	return PTE_ADDR(pte) + PGOFF(va);
}

/* Take the whole free list away (the allocator then has no memory), and give it back.  The
 * checks use this to reach the out-of-memory paths without allocating every page. */
struct stolen_list {
	struct PageInfo *head;
	uint32_t count;
};

static struct stolen_list
free_list_steal(void)
{
	struct stolen_list s = { *pmap_free_list_head(), *pmap_free_count_ptr() };

	*pmap_free_list_head() = NULL;
	*pmap_free_count_ptr() = 0;
	return s;
}

/* Puts the stolen pages back behind whatever is on the list now. */
static void
free_list_return(struct stolen_list s)
{
	struct PageInfo **tail = pmap_free_list_head();

	while (*tail)
		tail = &(*tail)->pp_link;
	*tail = s.head;
	*pmap_free_count_ptr() += s.count;
}

/* Catches: reserved pages (page 0, the I/O hole, the kernel, the boot allocations, the AP
 * trampoline) on the free list; a page listed twice (a double free, or a cycle); a count that
 * disagrees with the list; a free page not marked free or with references; an allocatable
 * page that is on no list and has no reference (leaked); an empty list. */
void
check_page_free_list(void)
{
	const char *name = "page_alloc";
	extern char end[];
	uint32_t n = 0;

	for (struct PageInfo *pp = *pmap_free_list_head(); pp; pp = pp->pp_link) {
		physaddr_t pa = page2pa(pp);
		selftest_check(name, pp >= pages && pp < pages + npages);
		selftest_check(name, pp->pp_flags == PP_FREE && pp->pp_ref == 0);
		selftest_check(name, pa != 0 && pa != MPENTRY_PADDR);
		selftest_check(name, pa < IOPHYSMEM || pa >= EXTPHYSMEM);
		selftest_check(name, pa < EXTPHYSMEM || pa >= PADDR(end));
		selftest_check(name, pa < EXTPHYSMEM || pa >= pmap_boot_end());
		selftest_check(name, !(pp->pp_flags & PP_CHECK_SEEN));
		pp->pp_flags |= PP_CHECK_SEEN;
		selftest_check(name, ++n <= npages);
	}
	selftest_check(name, n == *pmap_free_count_ptr() && n == page_free_count());
	for (size_t i = 0; i < npages; i++) {
		if (pages[i].pp_flags & PP_CHECK_SEEN)
			pages[i].pp_flags &= ~PP_CHECK_SEEN;
		else
			selftest_check(name, pages[i].pp_flags == PP_RESERVED || pages[i].pp_ref > 0);
		selftest_check(name, !(pages[i].pp_flags & PP_RESERVED) || pages[i].pp_ref == 0);
	}
	selftest_check(name, n > 0);
}

/* Catches: page_alloc handing out the same page twice or a page outside memory or not taking it
 * off the list; ALLOC_ZERO not zeroing; an empty free list not returning NULL; page_free losing
 * pages or returning others; page_decref freeing before the last reference or not at all. */
void
check_page_alloc(void)
{
	const char *name = "page_alloc";
	uint32_t n0 = page_free_count();
	struct PageInfo *a, *b, *c;

	check_page_free_list();
	selftest_check(name, (a = page_alloc(0)) != NULL);
	selftest_check(name, (b = page_alloc(0)) != NULL);
	selftest_check(name, (c = page_alloc(0)) != NULL);
	selftest_check(name, a != b && b != c && a != c);
	selftest_check(name, page2pa(a) < npages * PGSIZE && page2pa(b) < npages * PGSIZE
		       && page2pa(c) < npages * PGSIZE);
	selftest_check(name, !(a->pp_flags & PP_FREE) && a->pp_ref == 0 && a->pp_link == NULL);
	selftest_check(name, page_free_count() == n0 - 3);

	/* Exhaustion: with no free page, NULL. */
	struct stolen_list rest = free_list_steal();
	selftest_check(name, page_alloc(0) == NULL);

	/* Freed pages come back, and only they. */
	page_free(a);
	page_free(b);
	page_free(c);
	selftest_check(name, page_free_count() == 3);
	struct PageInfo *x = page_alloc(0), *y = page_alloc(0), *z = page_alloc(0);
	selftest_check(name, x && y && z && page_alloc(0) == NULL);
	selftest_check(name, (x == a || x == b || x == c) && (y == a || y == b || y == c)
		       && (z == a || z == b || z == c) && x != y && y != z && x != z);

	/* ALLOC_ZERO zeroes what an earlier user left. */
	memset(page2kva(x), 0xA5, PGSIZE);
	page_free(x);
	x = page_alloc(ALLOC_ZERO);
	selftest_check(name, x != NULL);
	for (int i = 0; i < PGSIZE; i++)
		selftest_check(name, ((uint8_t *) page2kva(x))[i] == 0);

	/* The last reference frees, not an earlier one. */
	x->pp_ref = 2;
	page_decref(x);
	selftest_check(name, x->pp_ref == 1 && page_free_count() == 0);
	page_decref(x);
	selftest_check(name, page_free_count() == 1 && (x->pp_flags & PP_FREE));
	page_free(y);
	page_free(z);

	free_list_return(rest);
	selftest_check(name, page_free_count() == n0);
	check_page_free_list();
	selftest_ok(name);
}

/* Catches, on a scratch page directory: a failed page-table allocation leaving a half-made
 * mapping, a directory entry or a taken reference; a missing reference for a mapping or a page
 * table; pgdir_walk creating when told not to, or returning another entry than page_lookup;
 * re-inserting the same page at the same address freeing it or counting it twice; mapping over
 * a page not releasing it (or freeing it while it is mapped elsewhere); a count wrapping past
 * PP_REF_MAX; page_remove not dropping the count, or dropping it for nothing. */
void
check_page(void)
{
	const char *name = "page";
	uint32_t n0 = page_free_count();
	struct PageInfo *pd, *pp1, *pp2, *pp3;
	pte_t *pte, *pte2;
	int perm;

	selftest_check(name, (pd = page_alloc(ALLOC_ZERO)) != NULL);
	pd->pp_ref++;
	pde_t *pgdir = page2kva(pd);
	selftest_check(name, (pp1 = page_alloc(0)) && (pp2 = page_alloc(0)) && (pp3 = page_alloc(0)));

	/* No memory for the page table: nothing may change. */
	struct stolen_list rest = free_list_steal();
	selftest_check(name, page_insert(pgdir, pp1, 0x0, PTE_W) == -E_NO_MEM);
	selftest_check(name, pp1->pp_ref == 0 && pgdir[0] == 0);
	selftest_check(name, pgdir_walk(pgdir, 0x0, 1) == NULL && pgdir[0] == 0);
	selftest_check(name, page_free_count() == 0);
	free_list_return(rest);

	/* pgdir_walk without create finds nothing and makes nothing; with create, the entry. */
	selftest_check(name, pgdir_walk(pgdir, (void *) PGSIZE, 0) == NULL && pgdir[0] == 0);
	selftest_check(name, page_insert(pgdir, pp1, 0x0, PTE_W) == 0);
	selftest_check(name, pp1->pp_ref == 1);
	struct PageInfo *pt0 = pa2page(PTE_ADDR(pgdir[0]));
	selftest_check(name, pt0->pp_ref == 1);
	pte = pgdir_walk(pgdir, (void *) PGSIZE, 0);
	selftest_check(name, pte == (pte_t *) KADDR(PTE_ADDR(pgdir[0])) + 1);
	selftest_check(name, pgdir_walk(pgdir, (void *) PGSIZE, 1) == pte && pt0->pp_ref == 1);
	selftest_check(name, check_va2pa(pgdir, 0x0, NULL) == page2pa(pp1));
	selftest_check(name, page_lookup(pgdir, 0x0, &pte) == pp1 && (*pte & PTE_W));
	selftest_check(name, pte == pgdir_walk(pgdir, 0x0, 0));
	selftest_check(name, page_lookup(pgdir, (void *) PGSIZE, NULL) == NULL);

	/* A second page in the same table: the table's count is for the directory only. */
	selftest_check(name, page_insert(pgdir, pp2, (void *) PGSIZE, PTE_W) == 0);
	selftest_check(name, pp2->pp_ref == 1 && pt0->pp_ref == 1);

	/* The same page at the same address again: new permissions, same count. */
	selftest_check(name, page_insert(pgdir, pp2, (void *) PGSIZE, PTE_U) == 0);
	selftest_check(name, pp2->pp_ref == 1 && !(pp2->pp_flags & PP_FREE));
	selftest_check(name, check_va2pa(pgdir, PGSIZE, &perm) == page2pa(pp2) && perm == PTE_U);

	/* Over another page that has no other mapping: it loses its reference and is freed. */
	uint32_t nbefore = page_free_count();
	selftest_check(name, page_insert(pgdir, pp1, (void *) PGSIZE, PTE_W) == 0);
	selftest_check(name, pp1->pp_ref == 2 && pp2->pp_ref == 0 && (pp2->pp_flags & PP_FREE));
	selftest_check(name, page_free_count() == nbefore + 1);
	selftest_check(name, page_alloc(0) == pp2);	/* it is at the head again */

	/* Over a page that is mapped elsewhere too: it loses one reference and stays. */
	selftest_check(name, page_insert(pgdir, pp2, (void *) PGSIZE, PTE_W) == 0);
	selftest_check(name, pp1->pp_ref == 1 && !(pp1->pp_flags & PP_FREE) && pp2->pp_ref == 1);
	selftest_check(name, check_va2pa(pgdir, 0x0, NULL) == page2pa(pp1));

	/* A page at PP_REF_MAX: a new mapping is refused and changes nothing; where it already
	 * is, it may still change permissions. */
	pp1->pp_ref = PP_REF_MAX;
	selftest_check(name, page_insert(pgdir, pp1, (void *) (2 * PGSIZE), PTE_W) == -E_NO_MEM);
	selftest_check(name, pp1->pp_ref == PP_REF_MAX);
	selftest_check(name, check_va2pa(pgdir, 2 * PGSIZE, NULL) == NOT_MAPPED);
	selftest_check(name, page_insert(pgdir, pp1, (void *) PGSIZE, PTE_W) == -E_NO_MEM);
	selftest_check(name, check_va2pa(pgdir, PGSIZE, NULL) == page2pa(pp2) && pp2->pp_ref == 1);
	selftest_check(name, page_insert(pgdir, pp1, 0x0, PTE_U) == 0);
	selftest_check(name, pp1->pp_ref == PP_REF_MAX);
	selftest_check(name, check_va2pa(pgdir, 0x0, &perm) == page2pa(pp1) && perm == PTE_U);
	pp1->pp_ref = 1;

	/* A mapping in the next 4 MB needs a second page table. */
	selftest_check(name, page_insert(pgdir, pp3, (void *) PTSIZE, PTE_W) == 0);
	struct PageInfo *pt1 = pa2page(PTE_ADDR(pgdir[1]));
	selftest_check(name, pt1 != pt0 && pt1->pp_ref == 1 && pp3->pp_ref == 1);
	pte2 = pgdir_walk(pgdir, (void *) (PTSIZE + PGSIZE), 0);
	selftest_check(name, pte2 == (pte_t *) page2kva(pt1) + 1 && *pte2 == 0);

	/* Removing drops exactly one reference each time; removing nothing is harmless. */
	page_remove(pgdir, 0x0);
	selftest_check(name, pp1->pp_ref == 0 && (pp1->pp_flags & PP_FREE));
	selftest_check(name, check_va2pa(pgdir, 0x0, NULL) == NOT_MAPPED);
	page_remove(pgdir, 0x0);
	page_remove(pgdir, (void *) (3 * PTSIZE));	/* no page table there */
	selftest_check(name, pp2->pp_ref == 1 && pp3->pp_ref == 1 && pgdir[3] == 0);
	page_remove(pgdir, (void *) PGSIZE);
	selftest_check(name, pp2->pp_ref == 0 && (pp2->pp_flags & PP_FREE));
	page_remove(pgdir, (void *) PTSIZE);
	selftest_check(name, pp3->pp_ref == 0 && (pp3->pp_flags & PP_FREE));

	/* Tear down: the tables and the directory go back. */
	pgdir[0] = pgdir[1] = 0;
	page_decref(pt0);
	page_decref(pt1);
	page_decref(pd);
	selftest_check(name, page_free_count() == n0);
	check_page_free_list();
	selftest_ok(name);
}

/* What inc/memlayout.h says va (at or above UTOP) maps to: true with *pa and *perm (PTE_U and
 * PTE_W), or false for a page that must be unmapped.  UVPT is not asked about: it is one
 * directory entry, checked as such. */
static bool
layout_expect(uintptr_t va, physaddr_t *pa, int *perm)
{
	const struct {
		uintptr_t va;
		size_t size;
		physaddr_t pa;
		int perm;
	} *r, regions[] = {
		{ UPAGES, ROUNDUP(npages * sizeof(struct PageInfo), PGSIZE), PADDR(pages), PTE_U },
		{ UENVS, ROUNDUP(NENV * sizeof(struct Env), PGSIZE), PADDR(envs), PTE_U },
		{ UCLOCK, PGSIZE, PADDR(&time_uclock), PTE_U },
	};

	if (va >= KERNBASE) {
		*pa = va - KERNBASE;
		*perm = PTE_W;
		return true;
	}
	for (r = regions; r < regions + ARRAY_SIZE(regions); r++)
		if (va >= r->va && va - r->va < r->size) {
			*pa = r->pa + (va - r->va);
			*perm = r->perm;
			return true;
		}
	for (int c = 0; c < NCPU; c++) {
		uintptr_t bottom = kstack_top(c) - KSTKSIZE;
		if (va >= bottom && va - bottom < KSTKSIZE) {
			*pa = PADDR(percpu_kstacks[c]) + (va - bottom);
			*perm = PTE_W;
			return true;
		}
	}
	/* Everything else, the guard gaps below the stacks and the MMIO window (empty until the
	 * devices map their registers) included, is unmapped. */
	return false;
}

/* Catches any difference between kern_pgdir and the layout of inc/memlayout.h, page by page:
 * physical memory not all at KERNBASE, or user-accessible or read-only there; the page or env
 * array or the clock page missing, at the wrong address, writable, not user-readable, or with
 * more mapped after it; a kernel stack missing, at the wrong place or user-accessible; a guard
 * gap mapped; the MMIO window not empty or without its page table; the UVPT entry wrong or
 * writable; anything mapped below UTOP; anything else mapped or user-accessible above UTOP. */
void
check_kern_pgdir(void)
{
	const char *name = "kern_pgdir";
	pde_t *pgdir = kern_pgdir;
	physaddr_t pa;
	int perm, want_perm;

	for (uint32_t i = 0; i < PDX(UTOP); i++)
		selftest_check(name, pgdir[i] == 0);
	selftest_check(name, pgdir[PDX(UVPT)] == (PADDR(pgdir) | PTE_U | PTE_P));
	selftest_check(name, (pgdir[PDX(MMIOBASE)] & PTE_P) && !(pgdir[PDX(MMIOBASE)] & PTE_PS));
	selftest_check(name, npages * PGSIZE <= 0xFFFFFFFFU - KERNBASE + 1);

	/* A 4 MB page is checked at its first and last 4 KB (the layout's regions are 4 KB
	 * granular, so a mismatch inside shows at one of them or in the address). */
	for (uint64_t va = UTOP; va < 0x100000000ULL; va += PGSIZE) {
		if (PDX(va) == PDX(UVPT)) {
			va += PTSIZE - PGSIZE;
			continue;
		}
		pde_t pde = pgdir[PDX(va)];
		if ((pde & PTE_P) && (pde & PTE_PS)) {
			selftest_check(name, va % PTSIZE == 0);
			selftest_check(name, PTE_ADDR(pde) % PTSIZE == 0);
			for (uint64_t v = va; v < va + PTSIZE; v += PTSIZE - PGSIZE) {
				selftest_check(name, layout_expect(v, &pa, &want_perm));
				selftest_check(name, check_va2pa(pgdir, v, &perm) == pa);
				selftest_check(name, perm == want_perm);
			}
			va += PTSIZE - PGSIZE;
			continue;
		}
		if (layout_expect(va, &pa, &want_perm)) {
			selftest_check(name, check_va2pa(pgdir, va, &perm) == pa);
			selftest_check(name, perm == want_perm);
		} else {
			selftest_check(name, check_va2pa(pgdir, va, NULL) == NOT_MAPPED);
		}
	}
	selftest_ok(name);
}

/* Catches, with kern_pgdir loaded: kern_pgdir not being what cr3 holds; page_insert not
 * reaching the hardware page tables (a write through the new mapping must show at the page's
 * KERNBASE address, and the other way round); a remapping that leaves a stale TLB entry (the
 * read after the second insert would see the old page); page_remove leaving the page reachable
 * in the page table. */
void
check_page_installed_pgdir(void)
{
	const char *name = "page_installed_pgdir";
	uint32_t n0 = page_free_count();
	struct PageInfo *pp1, *pp2;
	volatile uint32_t *va = (volatile uint32_t *) PGSIZE;

	selftest_check(name, rcr3() == PADDR(kern_pgdir));
	selftest_check(name, (pp1 = page_alloc(0)) && (pp2 = page_alloc(0)));
	memset(page2kva(pp1), 0x01, PGSIZE);
	memset(page2kva(pp2), 0x02, PGSIZE);

	selftest_check(name, page_insert(kern_pgdir, pp1, (void *) va, PTE_W) == 0);
	selftest_check(name, *va == 0x01010101U);
	selftest_check(name, page_insert(kern_pgdir, pp2, (void *) va, PTE_W) == 0);
	selftest_check(name, *va == 0x02020202U);
	selftest_check(name, pp1->pp_ref == 0 && (pp1->pp_flags & PP_FREE));

	/* A write through the mapping is a write to the page, and the other way round. */
	*va = 0x03030303U;
	selftest_check(name, *(volatile uint32_t *) page2kva(pp2) == 0x03030303U);
	*(volatile uint32_t *) page2kva(pp2) = 0x04040404U;
	selftest_check(name, *va == 0x04040404U);
	page_remove(kern_pgdir, (void *) va);
	selftest_check(name, pp2->pp_ref == 0 && check_va2pa(kern_pgdir, PGSIZE, NULL) == NOT_MAPPED);

	/* The page table we needed for address PGSIZE goes too. */
	struct PageInfo *pt = pa2page(PTE_ADDR(kern_pgdir[0]));
	kern_pgdir[0] = 0;
	tlbflush();
	page_decref(pt);
	selftest_check(name, page_free_count() == n0);
	check_page_free_list();
	selftest_ok(name);
}

/* Catches user_mem_check mistakes at its edges, on a scratch address space: an empty range
 * refused; a range that ends exactly at ULIM refused, or one byte more allowed; a range that
 * wraps around 4 GB allowed (checking only [va, va+len) mod 2^32, which is short and mapped
 * here); va at ULIM allowed; PTE_W granted on a read-only page; a page without PTE_U (or
 * unmapped, or without a page table) allowed; PTE_U not required when perm omits it; the
 * first bad address rounded down to its page when it is va itself, or not the first bad one. */
void
check_user_mem(void)
{
	const char *name = "user_mem_check";
	uint32_t n0 = page_free_count();
	static struct Env env;		/* only env_pgdir is used */
	struct PageInfo *pd, *pp[4];
	const uintptr_t rw = UTEXT, ro = UTEXT + PGSIZE, kern = UTEXT + 2 * PGSIZE;
	const uintptr_t hole = UTEXT + 3 * PGSIZE, top = ULIM - PGSIZE;

	selftest_check(name, (pd = page_alloc(ALLOC_ZERO)) != NULL);
	pd->pp_ref++;
	env.env_pgdir = page2kva(pd);
	for (int i = 0; i < 4; i++)
		selftest_check(name, (pp[i] = page_alloc(0)) != NULL);
	/* rw, ro, kern and hole share a page table; top (the last page below ULIM) has one of
	 * its own, in which the page below it is unmapped; page 0 is mapped, as rw is. */
	selftest_check(name, page_insert(env.env_pgdir, pp[0], (void *) rw, PTE_U | PTE_W) == 0);
	selftest_check(name, page_insert(env.env_pgdir, pp[1], (void *) ro, PTE_U) == 0);
	selftest_check(name, page_insert(env.env_pgdir, pp[2], (void *) kern, PTE_W) == 0);
	selftest_check(name, page_insert(env.env_pgdir, pp[3], (void *) top, PTE_U) == 0);
	selftest_check(name, page_insert(env.env_pgdir, pp[0], 0x0, PTE_U | PTE_W) == 0);

	static const struct {
		uintptr_t va;
		size_t len;
		int perm;
		uintptr_t bad;		/* first bad address, or 0 for success */
	} cases[] = {
		{ rw, PGSIZE, PTE_W, 0 },			/* a whole writable page */
		{ rw + 1, 2 * PGSIZE - 1, 0, 0 },		/* two readable pages */
		{ hole, 0, PTE_W, 0 },				/* empty: nothing to check */
		{ ULIM, 0, 0, 0 },
		{ ULIM - 16, 16, 0, 0 },			/* ends exactly at ULIM */
		{ ULIM - 16, 17, 0, ULIM },			/* one byte past it */
		{ ULIM, 1, 0, ULIM },				/* starts at ULIM */
		{ KERNBASE + 8, 4, 0, KERNBASE + 8 },
		{ ULIM - 16, 0 - (ULIM - 16) + 16, 0, ULIM },	/* wraps to [0, 16), mapped */
		{ rw + 8, 0xFFFFFFFF, 0, kern },		/* wraps; kern is met first */
		{ ro + 5, 1, PTE_W, ro + 5 },			/* read-only: va itself */
		{ rw + 100, PGSIZE, PTE_W, ro },		/* read-only second page */
		{ rw + 100, PGSIZE, 0, 0 },			/* ... fine for reading */
		{ kern + 7, 1, 0, kern + 7 },			/* no PTE_U */
		{ ro + 9, PGSIZE, 0, kern },
		{ hole + 3, 1, 0, hole + 3 },			/* unmapped */
		{ 5 * PTSIZE + 5, 1, 0, 5 * PTSIZE + 5 },	/* no page table */
		{ top - 1, 2, 0, top - 1 },			/* unmapped, then mapped */
		{ top - 1, 1 + PGSIZE, 0, top - 1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		user_mem_check_addr = 0xDEADBEEF;
		int r = user_mem_check(&env, (void *) cases[i].va, cases[i].len, cases[i].perm);
		if (cases[i].bad == 0 && r != 0)
			selftest_fail(name, "case %u: [%08x, +%08x) perm %x refused at %08x", i,
				      cases[i].va, cases[i].len, cases[i].perm, user_mem_check_addr);
		if (cases[i].bad != 0 && (r != -E_FAULT || user_mem_check_addr != cases[i].bad))
			selftest_fail(name, "case %u: [%08x, +%08x) perm %x gave %d at %08x, "
				      "want %d at %08x", i, cases[i].va, cases[i].len, cases[i].perm,
				      r, user_mem_check_addr, -E_FAULT, cases[i].bad);
	}

	/* Tear down: the pages, every page table, the directory. */
	page_remove(env.env_pgdir, 0x0);
	page_remove(env.env_pgdir, (void *) rw);
	page_remove(env.env_pgdir, (void *) ro);
	page_remove(env.env_pgdir, (void *) kern);
	page_remove(env.env_pgdir, (void *) top);
	for (uint32_t i = 0; i < NPDENTRIES; i++)
		if (env.env_pgdir[i] & PTE_P) {
			page_decref(pa2page(PTE_ADDR(env.env_pgdir[i])));
			env.env_pgdir[i] = 0;
		}
	page_decref(pd);
	env.env_pgdir = NULL;
	selftest_check(name, page_free_count() == n0);
	check_page_free_list();
	selftest_ok(name);
}
