/* Raises interrupt 14 (page fault) by hand: its gate is kernel-only, so this is a general
 * protection fault, and the environment is destroyed. */
#include <inc/lib.h>

void
umain(int argc, char **argv)
{
	asm volatile("int $14");
	cprintf("softint: int $14 returned\n");
}
