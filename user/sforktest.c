/* sfork: parent and child share their globals but not their stacks, and each sees its own Env
 * through thisenv.  They pass a turn number back and forth by IPC; at each turn the receiver
 * checks that the global the other side just wrote shows the same number (shared memory), that
 * its own stack counter counts only its own turns (private stack), and that thisenv is itself. */
#include <inc/lib.h>

#define LAST	20	/* the last turn number */

static volatile int shared_turn = -1;	/* written by whoever sends turn n: n */

/* One turn: received n from peer.  mine is this environment's count of its own turns. */
static void
turn_check(int n, envid_t peer, int mine)
{
	if (thisenv->env_id != sys_getenvid())
		panic("thisenv is %08x, but I am %08x", thisenv->env_id, sys_getenvid());
	if (shared_turn != n)
		panic("turn %d from %08x, but the shared global says %d", n, peer, shared_turn);
	/* The child takes the even turns, the parent the odd ones. */
	if (mine != n / 2 + 1)
		panic("turn %d is my turn number %d, but my stack counter says %d", n, n / 2 + 1,
		      mine);
	cprintf("%08x got %d from %08x\n", sys_getenvid(), n, peer);
}

void
umain(int argc, char **argv)
{
	int mine = 0;			/* on the stack: each environment has its own */
	envid_t peer, from;
	const char *who;

	if ((peer = sfork()) < 0)
		panic("sfork: %e", peer);
	if (peer == 0) {
		who = "child";
		peer = thisenv->env_parent_id;
	} else {
		who = "parent";
		shared_turn = 0;
		ipc_send(peer, 0, NULL, 0);
	}

	for (;;) {
		int n = ipc_recv(&from, NULL, NULL);
		if (from != peer)
			panic("turn %d from %08x, expected %08x", n, from, peer);
		mine++;
		turn_check(n, peer, mine);
		if (n == LAST)
			break;
		shared_turn = n + 1;
		ipc_send(peer, n + 1, NULL, 0);
		if (n + 1 == LAST)
			break;
	}
	cprintf("sforktest: %s ok\n", who);
}
