/* Physical page allocation and page tables (kern/pmap.c).
 *
 * Owns: the PageInfo array `pages` (one per physical page; its invariants are documented at
 * struct PageInfo in inc/memlayout.h), the free list, the kernel page directory `kern_pgdir`,
 * and the MMIO window [MMIOBASE, MMIOLIM).
 *
 * Reference counting contract (who may call what):
 *   - page_alloc returns a page with pp_ref == 0; the caller must take a reference (page_insert
 *     does, or pp_ref++ for a page the caller holds for itself) before it can be freed again by
 *     page_decref.
 *   - page_insert takes a reference for the new mapping; page_remove drops the one of the old.
 *   - page_decref drops one reference and frees the page when it was the last; only a holder of a
 *     reference calls it.  Calling it on a reserved page (PP_RESERVED) or a page with pp_ref == 0
 *     is a kernel bug and panics.
 *   - page_free is for a page that has no references (pp_ref == 0) and is not on the free list.
 *   - pp_ref never wraps: page_insert refuses (-E_NO_MEM) a mapping that would take it past
 *     PP_REF_MAX, and a holder that takes a reference itself (pp_ref++) checks it first.
 */
#ifndef KERN_PMAP_H
#define KERN_PMAP_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/memlayout.h>

/* kern/entrypgdir.c maps physical [0, ENTRY_MAPPED) at KERNBASE until mem_init loads kern_pgdir:
 * the kernel image (user programs included, linked in as blobs) and every boot_alloc must fit
 * below it.  16 MB leaves room for a kernel several times today's (`kerninfo` prints its size). */
#define ENTRY_MAPPED	(4 * PTSIZE)
#include <inc/assert.h>

struct Env;

extern char bootstacktop[], bootstack[];

extern struct PageInfo *pages;
extern size_t npages;

extern pde_t *kern_pgdir;

/* Kernel virtual address <-> physical address, for memory mapped at KERNBASE.  Both panic on an
 * address outside that window: such a conversion is always a kernel bug. */
#define PADDR(kva) _paddr(__FILE__, __LINE__, kva)
#define KADDR(pa) _kaddr(__FILE__, __LINE__, pa)

static inline physaddr_t
_paddr(const char *file, int line, void *kva)
{
	if ((uintptr_t) kva < KERNBASE)
		_panic(file, line, "PADDR called with invalid kva %08lx", (unsigned long) kva);
	return (physaddr_t) kva - KERNBASE;
}

void *_kaddr(const char *file, int line, physaddr_t pa);

/* The most references a page can hold (the width of pp_ref). */
#define PP_REF_MAX	((typeof(((struct PageInfo *) 0)->pp_ref)) ~0U)

enum {
	ALLOC_ZERO = 1 << 0,	/* page_alloc: fill the page with zeros */
};

void	mem_init(void);		/* detect memory, build kern_pgdir, load it, run the self-checks */

void	page_init(void);
struct PageInfo *page_alloc(int alloc_flags);	/* NULL if no memory */
void	page_free(struct PageInfo *pp);
void	page_decref(struct PageInfo *pp);
uint32_t page_free_count(void);			/* pages on the free list */

/* Map pp at va in pgdir with permissions perm | PTE_P, replacing (and dereferencing) whatever
 * was mapped there; re-inserting the same page at the same va only changes the permissions.
 * Returns 0 or -E_NO_MEM (a page table could not be allocated, or pp already has PP_REF_MAX
 * references; either way nothing changed). */
int	page_insert(pde_t *pgdir, struct PageInfo *pp, void *va, int perm);
/* Unmap va (if mapped): drop the page's reference and invalidate the TLB entry. */
void	page_remove(pde_t *pgdir, void *va);
/* The page mapped at va, or NULL (also inside a 4 MB page, which has no PTE); *pte_store (if
 * not NULL) gets the address of the PTE. */
struct PageInfo *page_lookup(pde_t *pgdir, void *va, pte_t **pte_store);
/* The PTE for va in pgdir; with create, allocates a missing page table (zeroed, one reference,
 * directory entry PTE_P|PTE_W|PTE_U so that the PTEs alone decide).  NULL if there is no page
 * table and create is 0, if the allocation fails (nothing changed), or if va lies in a 4 MB
 * page. */
pte_t	*pgdir_walk(pde_t *pgdir, const void *va, int create);
/* tlb_invalidate(pgdir, va): kern/tlb.h */

/* Map [pa, pa+size) uncached (PCD|PWT) at the next free address of the MMIO window and return
 * it.  Panics if the window is full (boot-time device setup only). */
void	*mmio_map_region(physaddr_t pa, size_t size);

/* Check that env may access [va, va+len) with permissions perm | PTE_P (PTE_U is always
 * required): every page present, user-accessible, writable if PTE_W is asked, the range below
 * ULIM and not wrapping.  Returns 0, or -E_FAULT with the first bad address recorded in
 * user_mem_check_addr. */
int	user_mem_check(struct Env *env, const void *va, size_t len, int perm);
/* user_mem_check, destroying env on failure (it does not return if env is the caller). */
void	user_mem_assert(struct Env *env, const void *va, size_t len, int perm);
extern uintptr_t user_mem_check_addr;

static inline physaddr_t
page2pa(struct PageInfo *pp)
{
	return (pp - pages) << PGSHIFT;
}

static inline struct PageInfo *
pa2page(physaddr_t pa)
{
	if (PGNUM(pa) >= npages)
		panic("pa2page called with invalid pa %08x", pa);
	return &pages[PGNUM(pa)];
}

static inline void *
page2kva(struct PageInfo *pp)
{
	return KADDR(page2pa(pp));
}

#endif /* !KERN_PMAP_H */
