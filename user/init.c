/* init: the first program of a normal boot (icode starts it from the file system).  It makes
 * the console descriptors 0 and 1 and runs the shell, again whenever it exits. */

#include <inc/lib.h>

/* Restarting a shell that fails at once this many times in a row means something is broken:
 * stop instead of spinning. */
#define INIT_MAX_QUICK_FAILS	5

void
umain(int argc, char **argv)
{
	int r, fails = 0;

	binaryname = "init";
	/* The line is put together first and printed in one cprintf, so that another
	 * environment's output cannot land inside it. */
	char line[256];
	int n = snprintf(line, sizeof(line), "init: running with %d argument%s:", argc,
			 argc == 1 ? "" : "s");
	for (int i = 0; i < argc && n < (int) sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - n, " '%s'", argv[i]);
	cprintf("%s\n", line);

	/* Descriptor 0 reads the console, 1 writes it. */
	close(0);
	if ((r = opencons()) < 0)
		panic("opencons: %e", r);
	if (r != 0)
		panic("opencons gave descriptor %d, not 0", r);
	if ((r = dup(0, 1)) < 0)
		panic("dup(0, 1): %e", r);

	for (;;) {
		printf("init: starting sh\n");
		envid_t sh = spawnl("/sh", "sh", NULL);
		if (sh < 0) {
			printf("init: spawn sh: %e\n", sh);
			if (++fails >= INIT_MAX_QUICK_FAILS) {
				printf("init: giving up\n");
				return;
			}
			continue;
		}
		fails = 0;
		wait(sh);
	}
}
