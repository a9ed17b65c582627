/* Boot-time self-checks of kern/pmap.c (kern/check_pmap.c), and the internals they inspect. */
#ifndef KERN_PMAP_CHECK_H
#define KERN_PMAP_CHECK_H

#include <inc/memlayout.h>

void check_page_free_list(void);	/* "page_alloc" part 1: the free list after page_init */
void check_page_alloc(void);		/* "page_alloc": allocation, freeing, exhaustion */
void check_page(void);			/* "page": page table operations and their counts */
void check_kern_pgdir(void);		/* "kern_pgdir": the layout of inc/memlayout.h */
void check_page_installed_pgdir(void);	/* "page_installed_pgdir": the live page tables */
void check_user_mem(void);		/* "user_mem_check": its edges */

/* For the checks only: the free list head, its length, the end of the boot allocations. */
struct PageInfo **pmap_free_list_head(void);
uint32_t *pmap_free_count_ptr(void);
physaddr_t pmap_boot_end(void);

#endif /* !KERN_PMAP_CHECK_H */
