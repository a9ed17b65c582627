/* The page directory used from the kernel's first instruction until kern/pmap.c installs the real
 * one: two 4 MB pages mapping physical [0, 4MB) at virtual 0 (the code still runs there for one
 * jump) and at KERNBASE. */

#include <inc/mmu.h>
#include <inc/memlayout.h>

__attribute__((__aligned__(PGSIZE)))
pde_t entry_pgdir[NPDENTRIES] = {
	[0] = PTE_P | PTE_W | PTE_PS,
	[KERNBASE >> PDXSHIFT] = PTE_P | PTE_W | PTE_PS,
};
