/* testpiperace2: a child duplicates and closes its read end over and over (dup maps a second
 * Fd page and data page, close unmaps them) while the parent checks whether its own pipe is
 * closed.  The parent holds the write end throughout, so the pipe must never look closed: the
 * order rules of inc/fd.h and the snapshot of lib/pipe.c's check are what make it so. */

#include <inc/lib.h>

#define DUPS	400

void
umain(int argc, char **argv)
{
	int p[2], r;
	envid_t kid;
	uint32_t checks = 0;
	const volatile struct Env *kenv;

	binaryname = "testpiperace2";
	if ((r = pipe(p)) < 0)
		panic("pipe: %e", r);
	if ((kid = fork()) < 0)
		panic("fork: %e", kid);
	if (kid == 0) {
		close(p[1]);
		for (int i = 0; i < DUPS; i++) {
			if ((r = dup(p[0], 10)) < 0)
				panic("dup: %e", r);
			if (i % 3 == 0)
				sys_yield();
			close(10);
			if (i % 3 == 1)
				sys_yield();
		}
		exit();
	}

	kenv = &envs[ENVX(kid)];
	while (kenv->env_id == kid && kenv->env_status != ENV_FREE) {
		checks++;
		if (pipeisclosed(p[0])) {
			cprintf("testpiperace2: RACE: the pipe looked closed with its writer alive "
			       "(check %u)\n", checks);
			sys_env_destroy(kid);
			exit();
		}
		if (checks % 4 == 0)
			sys_yield();
	}
	cprintf("testpiperace2: %u checks, no false close\n", checks);
	close(p[1]);
	if (pipeisclosed(p[0]) != 1)
		cprintf("testpiperace2: the pipe does not look closed after the writer closed\n");
	else
		cprintf("testpiperace2: done\n");
}
