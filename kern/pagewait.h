/* Waiting on a word in a shared page (kern/pagewait.c): the kernel half of blocking user-level
 * synchronization, such as lib/pipe.c's reader waiting for data and writer waiting for room.
 *
 *   sys_page_wait(va, val, ref)  Block the caller, unless the 32-bit word at va (aligned,
 *                                mapped, user-readable, below UTOP) differs from val or the
 *                                reference count of its page (pages[].pp_ref, as user code
 *                                reads it at UPAGES) differs from ref: then return 0 at once.
 *   sys_page_wake(va)            Wake every environment waiting on va's page; returns how many.
 *                                (Those in sys_wait_any on it too: kern/waitany.h.)
 *
 * A waiter is also woken whenever a mapping of its page goes away (page_decref: an environment
 * unmapped it, closed a descriptor, exited or was destroyed), so a pipe reader learns that the
 * last writer is gone without the writer's help.  Checking val and ref in the kernel, under the
 * kernel lock, closes the window between the caller's last look and its sleep: a change in
 * between makes the call return at once.  Returns may be spurious (another word of the same
 * page, an unrelated unmapping); callers look again.  Errors: -E_INVAL for a misaligned address
 * or one at or above UTOP, -E_FAULT for one that is not mapped user-readable. */
#ifndef KERN_PAGEWAIT_H
#define KERN_PAGEWAIT_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/types.h>
#include <inc/memlayout.h>

int	sys_page_wait(uintptr_t va, uint32_t val, uint32_t ref);
/* sys_page_wait, but also ended by the clock at msec (time_msec), with -E_TIMEOUT; at once if
 * msec has come already, whatever the word. */
int	sys_page_wait_until(uintptr_t va, uint32_t val, uint32_t ref, uint32_t msec);
int	sys_page_wake(uintptr_t va);

/* The page of the caller's word at va, or NULL with *err set: -E_INVAL for a misaligned
 * address or one at or above UTOP, -E_FAULT for one not mapped user-readable. */
struct PageInfo *pagewait_page(uintptr_t va, int *err);

/* pp lost a mapping (called by page_decref for a page marked PP_WAITED): wake its waiters. */
void	pagewait_unmapped(struct PageInfo *pp);

#endif /* !KERN_PAGEWAIT_H */
