/* A page fault handler that maps the faulting page and writes into it.  The second fault's
 * string crosses a page boundary, so the handler itself faults (a nested fault). */
#include <inc/lib.h>

static void
handler(struct UTrapframe *utf)
{
	void *addr = (void *) utf->utf_fault_va;
	int r;

	cprintf("fault %x\n", addr);
	if ((r = sys_page_alloc(0, ROUNDDOWN(addr, PGSIZE), PTE_P | PTE_U | PTE_W)) < 0)
		panic("allocating at %x in page fault handler: %e", addr, r);
	snprintf((char *) addr, 100, "this string was faulted in at %x", addr);
}

void
umain(int argc, char **argv)
{
	set_pgfault_handler(handler);
	cprintf("%s\n", (char *) 0xDeadBeef);
	cprintf("%s\n", (char *) 0xCafeBffe);
}
