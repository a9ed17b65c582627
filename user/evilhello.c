/* Asks the kernel to print its own memory (the kernel's entry point): it must refuse. */
#include <inc/lib.h>

void
umain(int argc, char **argv)
{
	sys_cputs((char *) 0xf010000c, 100);
	cprintf("evilhello: the kernel printed kernel memory\n");
}
