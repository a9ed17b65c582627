/* Self-checks, for the kernel's boot checks and the servers' start-up checks alike.  Each check
 * prints "selftest NAME: ok" (the grader matches it) when everything held, or stops at the first
 * failure: "selftest NAME: FAILED: what (file:line)", then panic (a kernel panic in the kernel,
 * the program's panic in user space).  A check that fails is a broken invariant: nothing that
 * runs after it could be trusted. */
#ifndef INC_SELFTEST_H
#define INC_SELFTEST_H

#include <inc/stdio.h>
#include <inc/assert.h>

#define selftest_ok(name)	cprintf("selftest %s: ok\n", name)
#define selftest_fail(name, ...)					\
	do {								\
		cprintf("selftest %s: FAILED: ", name);			\
		panic(__VA_ARGS__);					\
	} while (0)
/* Check cond; on failure name the test and the condition. */
#define selftest_check(name, cond)					\
	do {								\
		if (!(cond))						\
			selftest_fail(name, "%s", #cond);		\
	} while (0)
/* Check that call, which returns an int (an E_* code on failure), returns want. */
#define selftest_check_ret(name, call, want)				\
	do {								\
		int __r = (call), __want = (want);			\
		if (__r != __want)					\
			selftest_fail(name, "%s returned %d (%e), wanted %d", \
				      #call, __r, __r, __want);		\
	} while (0)

#ifdef JOS_KERNEL
void check_printfmt(void);
void check_kdebug(void);
void check_string(void);
#endif

#endif /* !INC_SELFTEST_H */
