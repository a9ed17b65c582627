/* primespipe: the prime sieve as a chain of environments connected by pipes.  The generator
 * writes 2..PRIMES_MAX; each stage prints its first number (a prime), and passes on the
 * numbers it does not divide to the next stage, which it forks when that first number comes.
 * When the generator closes its pipe, the end of input runs down the chain. */

#include <inc/lib.h>

#define PRIMES_MAX	1000

/* One stage, reading numbers from in.  A forked child becomes the next stage by going round
 * the loop again, not by a call: the chain is 168 stages long, deeper than one page of stack
 * would allow. */
static void __attribute__((noreturn))
sieve(int in)
{
	int prime, n, q[2], r;
	envid_t next;

	for (;;) {
		if ((r = readn(in, &prime, sizeof(prime))) != sizeof(prime)) {
			/* The end of the numbers: this stage has nothing to do. */
			if (r < 0)
				panic("read: %e", r);
			exit();
		}
		cprintf("prime %d\n", prime);

		if ((r = pipe(q)) < 0)
			panic("pipe: %e", r);
		if ((next = fork()) < 0)
			panic("fork: %e", next);
		if (next != 0)
			break;
		/* The child: the next stage. */
		close(in);
		close(q[1]);
		in = q[0];
	}

	close(q[0]);
	while ((r = readn(in, &n, sizeof(n))) == sizeof(n))
		if (n % prime != 0 && (r = write(q[1], &n, sizeof(n))) != sizeof(n))
			panic("write: %d", r);
	if (r < 0)
		panic("read: %e", r);
	close(in);
	close(q[1]);
	wait(next);
	exit();
}

void
umain(int argc, char **argv)
{
	int p[2], r;
	envid_t first;

	binaryname = "primespipe";
	if ((r = pipe(p)) < 0)
		panic("pipe: %e", r);
	if ((first = fork()) < 0)
		panic("fork: %e", first);
	if (first == 0) {
		close(p[1]);
		sieve(p[0]);
	}
	close(p[0]);
	for (int n = 2; n <= PRIMES_MAX; n++)
		if ((r = write(p[1], &n, sizeof(n))) != sizeof(n))
			panic("write: %d", r);
	close(p[1]);
	wait(first);
	cprintf("primespipe: done\n");
}
