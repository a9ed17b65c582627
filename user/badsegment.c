/* Loads a kernel selector (the TSS, 0x28) into %ds: a general protection fault. */
#include <inc/lib.h>

void
umain(int argc, char **argv)
{
	asm volatile("movw $0x28,%ax; movw %ax,%ds");
	cprintf("badsegment: %%ds was loaded\n");
}
