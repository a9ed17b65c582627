/* Boot-time self-checks.  Each prints "selftest NAME: ok" (the grader matches it) or panics with
 * "selftest NAME: FAILED: what went wrong". */
#ifndef KERN_SELFTEST_H
#define KERN_SELFTEST_H

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

void check_printfmt(void);
void check_kdebug(void);

#endif /* !KERN_SELFTEST_H */
