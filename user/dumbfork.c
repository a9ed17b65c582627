/* fork the simple way: copy every page of the address space into the child, no copy-on-write. */
#include <inc/lib.h>

/* Give the child a copy of the page at va: map a fresh page of the child at UTEMP in our space,
 * copy, unmap. */
static void
duppage(envid_t child, void *va)
{
	int r;

	if ((r = sys_page_alloc(child, va, PTE_P | PTE_U | PTE_W)) < 0)
		panic("sys_page_alloc: %e", r);
	if ((r = sys_page_map(child, va, 0, UTEMP, PTE_P | PTE_U | PTE_W)) < 0)
		panic("sys_page_map: %e", r);
	memmove(UTEMP, va, PGSIZE);
	if ((r = sys_page_unmap(0, UTEMP)) < 0)
		panic("sys_page_unmap: %e", r);
}

static envid_t
dumbfork(void)
{
	extern unsigned char end[];
	envid_t child = sys_exofork();
	int r;

	if (child < 0)
		panic("sys_exofork: %e", child);
	if (child == 0) {
		thisenv = &envs[ENVX(sys_getenvid())];
		return 0;
	}
	/* The program image, then the stack page we are running on. */
	for (uint8_t *va = (uint8_t *) UTEXT; va < end; va += PGSIZE)
		duppage(child, va);
	duppage(child, ROUNDDOWN(&child, PGSIZE));
	if ((r = sys_env_set_status(child, ENV_RUNNABLE)) < 0)
		panic("sys_env_set_status: %e", r);
	return child;
}

void
umain(int argc, char **argv)
{
	envid_t who = dumbfork();

	for (int i = 0; i < (who ? 10 : 20); i++) {
		cprintf("%d: I am the %s!\n", i, who ? "parent" : "child");
		sys_yield();
	}
}
