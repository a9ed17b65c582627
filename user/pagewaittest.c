/* pagewaittest: sys_page_wait and sys_page_wake (kern/pagewait.h), which lib/pipe.c blocks with.
 *
 *  - bad addresses are refused: misaligned or at/above UTOP (-E_INVAL), unmapped (-E_FAULT);
 *  - a word that already differs, or a reference count that already differs, returns at once;
 *  - a child blocked on a shared page is woken by sys_page_wake (which counts it), and a child
 *    blocked again is woken when its parent unmaps the page from it;
 *  - sys_page_wait_until: a time already come returns -E_TIMEOUT at once, bad addresses are
 *    refused as above, an unwoken wait ends with -E_TIMEOUT at its time (not before), and a
 *    wait woken earlier returns 0 then. */
#include <inc/lib.h>

#define WORD	((volatile uint32_t *) UTEMP)	/* a shared page: word 0 is the flag */

static void
check(bool ok, const char *what)
{
	if (!ok)
		panic("%s", what);
	cprintf("pagewaittest: %s\n", what);
}

static uint32_t
ref(volatile void *va)
{
	return pageref((void *) va);
}

/* Wait until env is blocked (it went to sleep in sys_page_wait), yielding meanwhile. */
static void
until_blocked(envid_t env)
{
	while (envs[ENVX(env)].env_status != ENV_NOT_RUNNABLE)
		sys_yield();
}

void
umain(int argc, char **argv)
{
	envid_t child;
	int r;

	if ((r = sys_page_alloc(0, (void *) WORD, PTE_P | PTE_U | PTE_W | PTE_SHARE)) < 0)
		panic("sys_page_alloc: %e", r);

	check(sys_page_wait((void *) (UTEMP + 2), 0, ref(WORD)) == -E_INVAL,
	      "a misaligned address is refused");
	check(sys_page_wait((void *) UTOP, 0, 1) == -E_INVAL
	      && sys_page_wake((void *) ULIM) == -E_INVAL, "an address above UTOP is refused");
	check(sys_page_wait((void *) (UTEMP + PTSIZE / 2), 0, 1) == -E_FAULT
	      && sys_page_wake((void *) (UTEMP + PTSIZE / 2)) == -E_FAULT,
	      "an unmapped address is refused");
	check(sys_page_wait(WORD, 1, ref(WORD)) == 0, "a word that differs returns at once");
	check(sys_page_wait(WORD, 0, ref(WORD) + 1) == 0,
	      "a reference count that differs returns at once");
	check(sys_page_wake(WORD) == 0, "a wake with no waiter wakes none");

	if ((child = fork()) == 0) {
		sys_page_wait(WORD, 0, ref(WORD));
		cprintf("pagewaittest: child: woken, word is %u\n", *WORD);
		sys_page_wait(WORD, 1, ref(WORD));	/* until the parent unmaps the page */
		cprintf("pagewaittest: child: woken again, page mapped: %s\n",
			(uvpd[PDX(WORD)] & PTE_P) && (uvpt[PGNUM(WORD)] & PTE_P) ? "yes" : "no");
		exit();
	}
	until_blocked(child);
	*WORD = 1;
	check(sys_page_wake(WORD) == 1, "sys_page_wake woke the blocked child");
	until_blocked(child);	/* runnable now, until it blocks again */
	if ((r = sys_page_unmap(child, (void *) WORD)) < 0)
		panic("sys_page_unmap: %e", r);
	wait(child);

	uint32_t now = sys_time_msec();
	check(sys_page_wait_until(WORD, *WORD, ref(WORD), now) == -E_TIMEOUT,
	      "a timed wait whose time has come returns -E_TIMEOUT at once");
	check(sys_page_wait_until((void *) (UTEMP + 2), 0, ref(WORD), now + 1000) == -E_INVAL
	      && sys_page_wait_until((void *) (UTEMP + PTSIZE / 2), 0, 1, now + 1000) == -E_FAULT,
	      "a timed wait on a bad address is refused");
	check(sys_page_wait_until(WORD, *WORD + 1, ref(WORD), now + 1000) == 0,
	      "a timed wait on a word that differs returns at once");
	r = sys_page_wait_until(WORD, *WORD, ref(WORD), now + 300);
	uint32_t then = sys_time_msec();
	check(r == -E_TIMEOUT && (int32_t) (then - (now + 300)) >= 0,
	      "an unwoken timed wait ends with -E_TIMEOUT, not before its time");
	cprintf("pagewaittest: the timed wait took %u ms for 300\n", then - now);

	if ((child = fork()) == 0) {
		uint32_t start = sys_time_msec();
		r = sys_page_wait_until(WORD, 1, ref(WORD), start + 5000);
		cprintf("pagewaittest: child: timed wait returned %d after %s\n", r,
			sys_time_msec() - start < 5000 ? "less than its time" : "its time");
		exit();
	}
	until_blocked(child);
	*WORD = 2;
	check(sys_page_wake(WORD) == 1, "sys_page_wake woke the child in a timed wait");
	wait(child);
	cprintf("pagewaittest: ok\n");
}
