/* Stops in the kernel monitor at a breakpoint; `continue` resumes it. */
#include <inc/lib.h>

void
umain(int argc, char **argv)
{
	cprintf("breakpoint: before\n");
	asm volatile("int $3");
	cprintf("breakpoint: after\n");
}
