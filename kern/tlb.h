/* Keeping every CPU's TLB in step with the page tables (kern/tlb.c).
 *
 * An x86 CPU caches translations of the page directory it has loaded, and invlpg drops an entry
 * only from the CPU that runs it.  When the kernel changes or removes a mapping of an address
 * space that another CPU is running (a parent unmapping a page of its child, say), that CPU must
 * drop its copy before the change can be relied on: before a removed page may be freed and
 * reused, and before a system call that made a page read-only returns.  Otherwise the other CPU
 * goes on writing through the old translation, into a page someone else may own by then.
 *
 * The rule: every change to a present PTE goes through tlb_invalidate() (pmap.c's page_insert
 * and page_remove do, by pte_replace), which flushes this CPU and then shoots down every other
 * CPU whose current environment runs on that page directory, waiting until each has flushed.
 * The one exception: an entry whose accessed flag is clear was never cached by any CPU (SDM 3A
 * 4.10.2.3), so replacing it atomically needs no flush at all (kern/pmap.c, pte_replace).  The
 * caller holds the kernel lock, so at most one shootdown is in flight. */
#ifndef KERN_TLB_H
#define KERN_TLB_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/types.h>
#include <inc/memlayout.h>

/* Drop the translation of va in pgdir from every CPU that may hold it. */
void	tlb_invalidate(pde_t *pgdir, void *va);

/* Flush this CPU's TLB if another CPU asked it to, and say so.  Called from the T_TLBFLUSH
 * interrupt and while spinning for the kernel lock (with interrupts off, a CPU waiting there
 * would never see the interrupt, and its requester, holding the lock, would wait forever). */
void	tlb_answer(void);

#endif /* !KERN_TLB_H */
