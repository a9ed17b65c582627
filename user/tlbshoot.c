/* tlbshoot: a parent takes a page away from its child while the child, on the other CPU, keeps
 * writing to it, and checks that not one write lands in the old page after the system call
 * that replaced it returns.  Without a TLB shootdown the child's CPU keeps the old translation until its next
 * timer interrupt and goes on writing a page that the kernel may by then have given to someone
 * else.  Run with CPUS=2 (make run-tlbshoot-nox CPUS=2; the grader's tlbshoot test).
 *
 * The page is mapped PTE_SHARE, so fork gives the child the same physical page and the parent
 * still sees it after the child loses it. */
#include <inc/lib.h>

#define PAGE	((volatile uint32_t *) UTEMP)		  /* the page, at the same va in both */
#define VIEW	((volatile uint32_t *) (UTEMP + PGSIZE))  /* the parent's view of the new page */
#define WATCH_MSEC	100	/* how long the old page must stay still: ten timer ticks */
#define CHILD_MSEC	5000	/* how long the child may take to be seen writing */

/* Wait until *p differs from v, for at most msec of guest time; return whether it did. */
static bool
moves(volatile uint32_t *p, uint32_t v, unsigned msec)
{
	unsigned deadline = sys_time_msec() + msec;

	while (*p == v)
		if ((unsigned) sys_time_msec() >= deadline)
			return false;
	return true;
}

void
umain(int argc, char **argv)
{
	envid_t child;
	uint32_t v;
	int r;

	if ((r = sys_page_alloc(0, (void *) PAGE, PTE_P | PTE_U | PTE_W | PTE_SHARE)) < 0)
		panic("sys_page_alloc: %e", r);
	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0)
		for (;;)
			PAGE[0]++;

	/* The counter moves while this environment runs: the child is on the other CPU now. */
	if (!moves(PAGE, PAGE[0], CHILD_MSEC))
		panic("the child never wrote the shared page (run with CPUS=2)");

	/* Swap the child's page for a fresh one at the same address, in one system call so the
	 * child never sees the address unmapped. */
	if ((r = sys_page_alloc(child, (void *) PAGE, PTE_P | PTE_U | PTE_W)) < 0)
		panic("sys_page_alloc for the child: %e", r);
	v = PAGE[0];
	if (moves(PAGE, v, WATCH_MSEC)) {
		cprintf("tlbshoot: FAIL: the child wrote its old page after it got a new one "
			"(%u, then %u)\n", v, PAGE[0]);
		sys_env_destroy(child);
		exit();
	}
	cprintf("tlbshoot: the old page stayed still\n");

	/* The child is still running, writing the new page. */
	if ((r = sys_page_map(child, (void *) PAGE, 0, (void *) VIEW, PTE_P | PTE_U)) < 0)
		panic("sys_page_map: %e", r);
	if (!moves(VIEW, VIEW[0], CHILD_MSEC))
		panic("the child stopped writing");
	cprintf("tlbshoot: the child writes its new page\n");
	sys_env_destroy(child);
	cprintf("tlbshoot: ok\n");
}
