/* panic and warn for user programs: print where, then (panic) destroy the environment. */

#include <inc/lib.h>

/* Set while a panic message is being printed: a panic from within it (a failing system call
 * in cprintf, say) must not recurse; it only destroys the environment.  Per environment: an
 * sfork sibling's panic must not silence ours. */
static bool panicking PERENV;

/* The message, formatted first so that the whole line goes out in one cprintf (one sys_cputs):
 * separate calls could be split by another environment's output. */
#define PANIC_MSG_MAX	256

void
_panic(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char msg[PANIC_MSG_MAX];

	if (!panicking) {
		panicking = true;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		cprintf("[%08x] user panic in %s at %s:%d: %s\n", sys_getenvid(), binaryname, file,
			line, msg);
	}

	sys_env_destroy(0);
	for (;;)
		;	/* not reached: the kernel does not return from destroying the caller */
}

void
_warn(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char msg[PANIC_MSG_MAX];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cprintf("[%08x] user warning in %s at %s:%d: %s\n", sys_getenvid(), binaryname, file, line,
		msg);
}
