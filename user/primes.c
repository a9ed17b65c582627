/* The concurrent prime sieve: a chain of environments, each printing the first number it gets
 * (a prime) and passing on the numbers its prime does not divide.  The generator stops after
 * LIMIT, and a 0 sent down the chain makes every stage exit. */
#include <inc/lib.h>

#define LIMIT 1000

/* One stage of the chain.  A stage that forks the next one becomes that next stage by
 * starting this loop over, not by calling itself: the chain is 168 stages long, far deeper
 * than one page of stack. */
static void
primeproc(void)
{
	envid_t from, next;
	int p, n;

top:
	p = ipc_recv(&from, 0, 0);
	if (p == 0)
		return;
	cprintf("prime %d\n", p);
	next = 0;
	for (;;) {
		n = ipc_recv(&from, 0, 0);
		if (n != 0 && n % p == 0)
			continue;
		if (next == 0 && n != 0) {
			if ((next = fork()) < 0)
				panic("fork: %e", next);
			if (next == 0)
				goto top;
		}
		if (next != 0)
			ipc_send(next, n, 0, 0);
		if (n == 0)
			return;
	}
}

void
umain(int argc, char **argv)
{
	envid_t id = fork();

	if (id < 0)
		panic("fork: %e", id);
	if (id == 0) {
		primeproc();
		return;
	}
	for (int i = 2; i <= LIMIT; i++)
		ipc_send(id, i, 0, 0);
	ipc_send(id, 0, 0, 0);
	cprintf("primes: generator done\n");
}
