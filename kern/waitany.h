/* Waiting on many things at once (kern/waitany.c): the kernel half of select (lib/select.c).
 *
 *   sys_wait_any(items, n, flags, msec)
 *       items is an array of n struct wait_item (inc/wait.h) in the caller's writable memory.
 *       The kernel checks every item first (kinds, each word's address), then writes wi_ready
 *       in each: a word that differs from wi_val (or whose page's reference count differs from
 *       wi_ref), the console with a character buffered.  If any is ready it returns how many,
 *       without blocking.  Otherwise, with WAIT_F_DEADLINE and msec (time_msec) reached, it
 *       returns -E_TIMEOUT; else it blocks until one of the items' pages is woken
 *       (sys_page_wake, or a mapping of the page going away: kern/pagewait.h), a character
 *       arrives on the console, or the deadline passes (-E_TIMEOUT), and returns 0: "look
 *       again", since the wake may be spurious (another word of the same page).  n == 0 with
 *       a deadline is a plain sleep.
 *   Errors, with nothing changed and no wi_ready written: -E_INVAL for n > WAIT_ANY_MAX, n == 0
 *   without a deadline (nothing could end the wait), unknown flags or kinds, a misaligned word
 *   or one at or above UTOP; -E_FAULT for an items array that is not the caller's writable
 *   memory or a word that is not mapped user-readable.
 *
 * Checking the items and blocking happen under the kernel lock, so a change made after the
 * caller's last look either shows in the check or wakes the wait: no wakeup is lost.  The
 * blocked environment keeps the physical pages it waits on (env_wait_any_pages, at most
 * WAIT_ANY_MAX) and whether it waits for the console; the page and console wakers below find
 * it there.  A page it names may be unmapped or freed meanwhile: that wakes it too (its
 * address is only compared, never touched), and so does its own destruction, as for any wait.
 */
#ifndef KERN_WAITANY_H
#define KERN_WAITANY_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/types.h>

int	sys_wait_any(uintptr_t items, uint32_t n, uint32_t flags, uint32_t msec);

/* The page at physical address pa was woken (kern/pagewait.c): make runnable every environment
 * in sys_wait_any that waits on it; returns how many. */
int	waitany_wake_page(physaddr_t pa);
/* A console character arrived (kern/console.c): the same for those waiting on the console. */
int	waitany_wake_cons(void);

#endif /* !KERN_WAITANY_H */
