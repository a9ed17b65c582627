/* IPC: a blocking receive and a send that retries (yielding) until the receiver is waiting. */

#include <inc/lib.h>

/* Receive a value, and (if pg is not NULL) a page at pg.  Stores the sender and the page's
 * permissions (0 if no page came) if asked.  Returns the value, or a negative E_* code with
 * both stores zeroed. */
int32_t
ipc_recv(envid_t *from_env_store, void *pg, int *perm_store)
{
	/* An address at UTOP means "no page". */
	int r = sys_ipc_recv(pg ? pg : (void *) UTOP);

	if (r < 0) {
		if (from_env_store)
			*from_env_store = 0;
		if (perm_store)
			*perm_store = 0;
		return r;
	}
	if (from_env_store)
		*from_env_store = thisenv->env_ipc_from;
	if (perm_store)
		*perm_store = thisenv->env_ipc_perm;
	return thisenv->env_ipc_value;
}

/* Send value (and the page at pg with perm, if pg is not NULL) to to_env, waiting until it is
 * ready to receive.  Any error other than "not receiving" is a bug of the caller: panic. */
void
ipc_send(envid_t to_env, uint32_t value, void *pg, int perm)
{
	int r;

	while ((r = sys_ipc_try_send(to_env, value, pg ? pg : (void *) UTOP, perm)) == -E_IPC_NOT_RECV)
		sys_yield();
	if (r < 0)
		panic("ipc_send to %08x: %e", to_env, r);
}

/* The first live environment of the given type, or 0. */
envid_t
ipc_find_env(enum EnvType type)
{
	for (int i = 0; i < NENV; i++)
		if (envs[i].env_type == type && envs[i].env_status != ENV_FREE)
			return envs[i].env_id;
	return 0;
}
