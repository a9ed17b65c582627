/* pageref: how many mappings a page has, read from the kernel's pages[] through UPAGES. */

#include <inc/lib.h>

int
pageref(const void *va)
{
	uintptr_t a = (uintptr_t) va;

	if (!(uvpd[PDX(a)] & PTE_P))
		return 0;
	pte_t pte = uvpt[PGNUM(a)];
	if (!(pte & PTE_P))
		return 0;
	return pages[PGNUM(PTE_ADDR(pte))].pp_ref;
}
