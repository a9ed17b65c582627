/* testpiperace: a reader checks, over and over, whether the write end of its pipe is closed,
 * while other environments that hold the pipe come and go (each drops its read end, the
 * change that makes a careless check see the pipe closed).  The write end stays open until
 * the parent writes a last byte and closes it, so "closed" with the pipe still empty is a
 * false answer: the race of lib/pipe.c's comment. */

#include <inc/lib.h>

#define CHURN	300		/* environments that come and go */

void
umain(int argc, char **argv)
{
	int p[2], r;
	envid_t checker, kid;
	struct Stat st;

	binaryname = "testpiperace";
	if ((r = pipe(p)) < 0)
		panic("pipe: %e", r);

	if ((checker = fork()) < 0)
		panic("fork: %e", checker);
	if (checker == 0) {
		close(p[1]);
		for (uint32_t checks = 1;; checks++) {
			if (!pipeisclosed(p[0])) {
				sys_yield();
				continue;
			}
			/* Closed: the parent wrote its byte first, so it must be there. */
			if (fstat(p[0], &st) < 0 || st.st_size == 0) {
				cprintf("testpiperace: RACE: the pipe looked closed with its writer "
				       "alive (check %u)\n", checks);
				exit();
			}
			cprintf("testpiperace: %u checks, no false close\n", checks);
			exit();
		}
	}

	for (int i = 0; i < CHURN; i++) {
		if ((kid = fork()) < 0)
			panic("fork: %e", kid);
		if (kid == 0) {
			/* Keep only the read end, then drop it: while we hold it, the write end
			 * has one holder fewer than the read end has. */
			close(p[1]);
			if (i % 2)
				sys_yield();
			close(p[0]);
			exit();
		}
		if (i % 10 == 0)
			wait(kid);	/* now and then, let the stragglers finish */
	}
	write(p[1], "x", 1);
	close(p[1]);
	wait(checker);
	cprintf("testpiperace: done\n");
}
