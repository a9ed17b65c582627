/* spawnhello: spawn /hello from the file system and wait for it. */

#include <inc/lib.h>

void
umain(int argc, char **argv)
{
	envid_t child;

	binaryname = "spawnhello";
	cprintf("i am parent environment %08x\n", thisenv->env_id);
	if ((child = spawnl("/hello", "hello", NULL)) < 0)
		panic("spawn /hello: %e", child);
	cprintf("spawnhello: spawned /hello as %08x\n", child);
	wait(child);
	cprintf("spawnhello: /hello is done\n");
}
