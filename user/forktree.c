/* A binary tree of forks, three levels deep; every environment prints its branch. */
#include <inc/lib.h>

#define DEPTH 3

static void forktree(const char *cur);

static void
forkchild(const char *cur, char branch)
{
	char nxt[DEPTH + 1];

	if (strlen(cur) >= DEPTH)
		return;
	snprintf(nxt, DEPTH + 1, "%s%c", cur, branch);
	envid_t r = fork();
	if (r < 0)
		panic("fork: %e", r);
	if (r == 0) {
		forktree(nxt);
		exit();
	}
}

static void
forktree(const char *cur)
{
	cprintf("%04x: I am '%s'\n", sys_getenvid(), cur);
	forkchild(cur, '0');
	forkchild(cur, '1');
}

void
umain(int argc, char **argv)
{
	forktree("");
}
