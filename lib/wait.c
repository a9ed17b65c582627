/* wait: until an environment is gone. */

#include <inc/lib.h>

/*
 * Block until env has exited or been destroyed.  There is no exit notification in the kernel,
 * so this polls envs[] (read-only at UENVS): the slot is reused with a new id once the env is
 * freed, so "its id is no longer in its slot, or the slot is free" means gone.  Between looks
 * it gives up the CPU with sys_yield, so a waiter costs one short scheduling turn per round
 * while others run, and no IPC is involved (the waited-for program may use IPC itself, and a
 * message meant for it or for us must not be consumed here).  The loop ends when env does: an
 * env that never exits keeps its waiter waiting, as on Unix.
 */
void
wait(envid_t env)
{
	const volatile struct Env *e = &envs[ENVX(env)];

	if (env <= 0)
		return;
	while (e->env_id == env && e->env_status != ENV_FREE)
		sys_yield();
}
