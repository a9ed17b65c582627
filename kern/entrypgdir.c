/* The page directory used from the kernel's first instruction until kern/pmap.c installs the real
 * one: 4 MB pages mapping physical [0, ENTRY_MAPPED) at KERNBASE, and [0, 4MB) at virtual 0 too
 * (the code still runs there for one jump). */

#include <inc/mmu.h>
#include <inc/memlayout.h>
#include <kern/pmap.h>

#define ENTRY_PDE(i)	((i) * PTSIZE | PTE_P | PTE_W | PTE_PS)

__attribute__((__aligned__(PGSIZE)))
pde_t entry_pgdir[NPDENTRIES] = {
	[0] = ENTRY_PDE(0),
	[PDX(KERNBASE) + 0] = ENTRY_PDE(0),
	[PDX(KERNBASE) + 1] = ENTRY_PDE(1),
	[PDX(KERNBASE) + 2] = ENTRY_PDE(2),
	[PDX(KERNBASE) + 3] = ENTRY_PDE(3),
};

static_assert(ENTRY_MAPPED == 4 * PTSIZE, "entry_pgdir maps ENTRY_MAPPED at KERNBASE");
