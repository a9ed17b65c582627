/* Forks until the kernel runs out of environments; the failure must be reported (not a panic),
 * and once all children are gone every page they used must be back on the free list. */
#include <inc/lib.h>

static envid_t kids[NENV];
static struct mem_stat before, after;

/* Children wait, touching nothing, until their parent destroys them. */
static void
child_wait(void)
{
	for (;;)
		ipc_recv(NULL, NULL, NULL);
}

/* sys_mem_stat into st, made writable first (see umain). */
static void
mem_stat_own(struct mem_stat *st)
{
	int r;

	memset(st, 0, sizeof(*st));
	if ((r = sys_mem_stat(st)) < 0)
		panic("sys_mem_stat: %e", r);
}

void
umain(int argc, char **argv)
{
	envid_t child;
	int n = 0;

	/* One fork and destroy first, so that what fork sets up once in the parent (the
	 * exception stack, the page table for PFTEMP) is not counted.  The copy-on-write pages
	 * the parent copies later come back when the children that shared them die. */
	if ((child = fork()) == 0)
		child_wait();
	sys_env_destroy(child);
	wait(child);

	/* The kernel writes *st through our mapping, which must then be writable, not
	 * copy-on-write: writing it first gives us a private copy.  Done again after the bomb,
	 * which left every page copy-on-write. */
	mem_stat_own(&before);

	for (;;) {
		child = fork();
		if (child == 0)
			child_wait();
		if (child < 0)
			break;
		kids[n++] = child;
	}
	cprintf("forkbomb: fork failed after %d children: %e\n", n, child);

	for (int i = 0; i < n; i++)
		sys_env_destroy(kids[i]);
	for (int i = 0; i < n; i++)
		wait(kids[i]);

	mem_stat_own(&after);
	if (after.free_pages != before.free_pages)
		panic("forkbomb: %u free pages before, %u after", before.free_pages,
		      after.free_pages);
	cprintf("forkbomb: free pages restored (%u)\n", after.free_pages);
}
