/* The line a test program prints for a call's result, which the grader matches. */

#include <inc/lib.h>

void
test_report(const char *prog, const char *what, int r)
{
	if (r < 0)
		cprintf("%s: %s: %e\n", prog, what, r);
	else
		cprintf("%s: %s: %d\n", prog, what, r);
}
