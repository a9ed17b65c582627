/* Writes address 0: a page fault destroys the environment. */
#include <inc/lib.h>

void
umain(int argc, char **argv)
{
	*(volatile unsigned *) 0 = 0;
	cprintf("faultwrite: wrote to location 0\n");
}
