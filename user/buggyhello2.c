/* Passes a valid pointer with a length running far past mapped memory to sys_cputs. */
#include <inc/lib.h>

static const char hello[] = "hello, world";

void
umain(int argc, char **argv)
{
	sys_cputs(hello, 1024 * 1024);
	cprintf("buggyhello2: the kernel printed past the end of memory\n");
}
