/* Three environments (this one and two forked children) yield the CPU five times each,
 * printing before each yield: their lines interleave in whatever order the scheduler picks. */
#include <inc/lib.h>

#define NENVS	3
#define NYIELD	5

void
umain(int argc, char **argv)
{
	/* The parent forks NENVS - 1 children; each child goes straight to the loop. */
	for (int i = 1; i < NENVS; i++) {
		envid_t r = fork();
		if (r < 0)
			panic("fork: %e", r);
		if (r == 0)
			break;
	}

	cprintf("Hello, I am environment %08x.\n", thisenv->env_id);
	for (int i = 0; i < NYIELD; i++) {
		sys_yield();
		cprintf("Back in environment %08x, iteration %d.\n", thisenv->env_id, i);
	}
	cprintf("All done in environment %08x.\n", thisenv->env_id);
}
