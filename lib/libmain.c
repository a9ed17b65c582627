/* libmain: the C start of every user program (called by lib/entry.S). */

#include <inc/lib.h>

/* Per environment (PERENV): under sfork, parent and child share every other global, but each
 * must see its own Env.  fork and sfork set it again in the child. */
const volatile struct Env *thisenv PERENV;

const char *binaryname = "<unknown>";
int prog_argc;
char **prog_argv;

void
libmain(int argc, char **argv)
{
	prog_argc = argc;
	prog_argv = argv;
	thisenv = &envs[ENVX(sys_getenvid())];
	if (argc > 0 && argv[0])
		binaryname = argv[0];

	umain(argc, argv);
	exit();
}
