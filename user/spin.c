/* A child that spins forever without yielding: only preemption lets the parent run again and
 * destroy it. */
#include <inc/lib.h>

void
umain(int argc, char **argv)
{
	envid_t child;

	cprintf("I am the parent.  Forking the child...\n");
	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0) {
		cprintf("I am the child.  Spinning...\n");
		for (;;)
			;
	}

	cprintf("I am the parent.  Running the child...\n");
	/* Let the child take the CPU; we come back only through a timer interrupt. */
	for (int i = 0; i < 8; i++)
		sys_yield();

	cprintf("I am the parent.  Killing the child...\n");
	sys_env_destroy(child);
}
