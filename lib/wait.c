/* wait: until an environment is gone. */

#include <inc/lib.h>

/*
 * Block until env has exited or been destroyed (and its slot freed).  The kernel blocks us
 * in sys_env_wait and wakes us when it frees env, so a waiter costs no CPU: init waiting for
 * the shell, or the shell for a long-running command, leaves the CPU to halt.  An env that
 * never exits keeps its waiter waiting, as on Unix; no IPC is involved, so a message meant for
 * the waiter is left for its next ipc_recv.
 */
void
wait(envid_t env)
{
	if (env <= 0)
		return;
	sys_env_wait(env);
}
