/* panic and warn for user programs: print where, then (panic) destroy the environment. */

#include <inc/lib.h>

/* Set while a panic message is being printed: a panic from within it (a failing system call
 * in cprintf, say) must not recurse; it only destroys the environment.  Per environment: an
 * sfork sibling's panic must not silence ours. */
static bool panicking PERENV;

void
_panic(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (!panicking) {
		panicking = true;
		va_start(ap, fmt);
		cprintf("[%08x] user panic in %s at %s:%d: ", sys_getenvid(), binaryname, file,
			line);
		vcprintf(fmt, ap);
		cprintf("\n");
		va_end(ap);
	}

	sys_env_destroy(0);
	for (;;)
		;	/* not reached: the kernel does not return from destroying the caller */
}

void
_warn(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cprintf("[%08x] user warning in %s at %s:%d: ", sys_getenvid(), binaryname, file, line);
	vcprintf(fmt, ap);
	cprintf("\n");
	va_end(ap);
}
