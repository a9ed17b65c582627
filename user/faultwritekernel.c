/* Writes kernel memory: a protection fault destroys the environment. */
#include <inc/lib.h>

void
umain(int argc, char **argv)
{
	*(volatile unsigned *) 0xf0100000 = 0;
	cprintf("faultwritekernel: wrote to location 0xf0100000\n");
}
