/* Many environments yielding at once, sharing a counter page: every increment must be counted
 * exactly once, on any number of CPUs. */
#include <inc/lib.h>

#define NCHILD 20
#define NYIELD 10
#define NINC 10000

static volatile uint32_t *counter = (volatile uint32_t *) 0x10000000;

void
umain(int argc, char **argv)
{
	envid_t kids[NCHILD];
	int r;

	/* PTE_SHARE: fork maps the same page into every child. */
	if ((r = sys_page_alloc(0, (void *) counter, PTE_P | PTE_U | PTE_W | PTE_SHARE)) < 0)
		panic("sys_page_alloc: %e", r);

	for (int i = 0; i < NCHILD; i++) {
		if ((kids[i] = fork()) < 0)
			panic("fork: %e", kids[i]);
		if (kids[i] == 0) {
			for (int j = 0; j < NYIELD; j++)
				sys_yield();
			for (int j = 0; j < NINC; j++)
				asm volatile("lock; incl %0" : "+m" (*counter));
			exit();
		}
	}

	/* Wait until every child is gone. */
	for (int i = 0; i < NCHILD; i++)
		wait(kids[i]);

	if (*counter != NCHILD * NINC)
		panic("stresssched: counter is %u, want %u", *counter, NCHILD * NINC);
	cprintf("stresssched: counter %u ok\n", *counter);
}
