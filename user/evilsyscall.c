/* Three bad sys_cputs arguments, each in its own child (the first bad call destroys the
 * caller): a kernel pointer, an unmapped pointer, and a length that wraps around the address
 * space.  Each child must be destroyed by the kernel and never print its "survived" line. */
#include <inc/lib.h>

static const struct {
	const char *what;
	uintptr_t va;
	size_t len;
} cases[] = {
	{ "kernel pointer", 0xf0100000, 16 },
	{ "unmapped pointer", 0x10000000, 16 },
	{ "wrapping length", UTEXT, 0xffffffff },
};

void
umain(int argc, char **argv)
{
	for (int i = 0; i < (int) ARRAY_SIZE(cases); i++) {
		envid_t child = fork();
		if (child < 0)
			panic("fork: %e", child);
		if (child == 0) {
			cprintf("evilsyscall: %s\n", cases[i].what);
			sys_cputs((const char *) cases[i].va, cases[i].len);
			cprintf("evilsyscall: survived the %s\n", cases[i].what);
			exit();
		}
		/* Wait until the kernel has disposed of the child. */
		wait(child);
	}
	cprintf("evilsyscall: done\n");
}
