/* Passes an unmapped pointer (address 1) to sys_cputs: the kernel must destroy it. */
#include <inc/lib.h>

void
umain(int argc, char **argv)
{
	sys_cputs((char *) 1, 1);
	cprintf("buggyhello: the kernel printed from address 1\n");
}
