/* IPC: a blocking receive, a send that retries (yielding) until the receiver is waiting, and a
 * call (send a request, wait for its answer); finding a server; whether an environment lives. */

#include <inc/lib.h>

/* Receive a value, and (if pg is not NULL) a page at pg.  Stores the sender and the page's
 * permissions (0 if no page came) if asked.  Returns the value, or a negative E_* code with
 * both stores zeroed. */
int32_t
ipc_recv(envid_t *from_env_store, void *pg, int *perm_store)
{
	return ipc_recv_pages(from_env_store, pg, 1, perm_store, NULL);
}

/* ipc_recv taking up to maxpages pages at pg, pg + PGSIZE, ...; *npages_store (if asked) says
 * how many came. */
int32_t
ipc_recv_pages(envid_t *from_env_store, void *pg, uint32_t maxpages, int *perm_store,
	       uint32_t *npages_store)
{
	/* An address at UTOP means "no page". */
	int r = sys_ipc_recv_pages(pg ? pg : (void *) UTOP, maxpages);

	if (npages_store)
		*npages_store = r < 0 ? 0 : thisenv->env_ipc_npages;
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

/* Send value (and the page at pg with perm, if pg is not NULL) to to_env, retrying while it is
 * not receiving.  Returns 0 or the send's other negative E_* code. */
static int
ipc_send_retry(envid_t to_env, uint32_t value, void *pg, int perm)
{
	int r;

	while ((r = sys_ipc_try_send(to_env, value, pg ? pg : (void *) UTOP, perm))
	       == -E_IPC_NOT_RECV)
		sys_yield();
	return r;
}

/* ipc_call with n pages (their addresses at srcvas[]) on the way out, and up to maxpages
 * pages taken at dstva on the way back (*npages_store, if asked, says how many came). */
int32_t
ipc_call_pages(envid_t to_env, uint32_t value, const uintptr_t *srcvas, uint32_t n, int perm,
	       void *dstva, uint32_t maxpages, int *perm_store, uint32_t *npages_store)
{
	envid_t from;
	int32_t r;
	uint32_t np;
	int p;

	/* The request and the wait for the answer in one trap (sys_ipc_call), retried while
	 * to_env is not receiving. */
	const struct ipc_call_req req = {
		to_env, value, srcvas, n, perm, dstva ? dstva : (void *) UTOP, maxpages
	};
	while ((r = sys_ipc_call(&req)) == -E_IPC_NOT_RECV)
		sys_yield();
	if (r < 0)
		return r;
	r = thisenv->env_ipc_value;
	from = thisenv->env_ipc_from;
	np = thisenv->env_ipc_npages;
	p = thisenv->env_ipc_perm;
	/* Messages from others are not the answer: dropped, as ipc_call says.  A receive that
	 * fails (from 0) would fail again: its error is the answer. */
	while (from != to_env) {
		r = ipc_recv_pages(&from, dstva, maxpages, &p, &np);
		if (r < 0 && from == 0)
			return r;
	}
	if (perm_store)
		*perm_store = p;
	if (npages_store)
		*npages_store = np;
	return r;
}

/* ipc_send_retry, for callers to whom any error is a bug: panic. */
void
ipc_send(envid_t to_env, uint32_t value, void *pg, int perm)
{
	int r = ipc_send_retry(to_env, value, pg, perm);

	if (r < 0)
		panic("ipc_send to %08x: %e", to_env, r);
}

/*
 * Send value (and the page at pg with perm, if pg is not NULL) to to_env, retrying while it is
 * not receiving, then wait for its answer: the value to_env sends back, with its page mapped at
 * dstva if dstva is not NULL (*perm_store, if asked, says whether one came: 0 if not).  IPCs
 * from other environments that arrive meanwhile are not the answer and are dropped: a program
 * that talks to others by IPC must not have a call outstanding meanwhile.  Returns the answer,
 * or the send's negative E_* code (-E_BAD_ENV: to_env is gone), with nothing received.  Waits
 * for the answer as long as it takes.  The clients of the file system and network servers
 * (lib/file.c, lib/nsipc.c) call through here.
 */
int32_t
ipc_call(envid_t to_env, uint32_t value, void *pg, int perm, void *dstva, int *perm_store)
{
	uintptr_t va = (uintptr_t) pg;

	return ipc_call_pages(to_env, value, &va, pg != NULL, perm, dstva, 1, perm_store, NULL);
}

/*
 * Whether envid names an environment that is alive: its slot holds that id, and it is neither
 * free nor dying.  A dying environment (destroyed while it runs on another CPU, freed at its next
 * trap) never runs user code again, and the kernel refuses it as the target of every call but a
 * second destroy (envid2env): it cannot send, receive or answer, so for a server and its clients
 * it is gone, and rights it held (a socket's, say) end with it.  Whether its slot has been freed
 * yet is a different question, which only tests of the kernel ask.
 */
bool
envid_alive(envid_t envid)
{
	const volatile struct Env *e = &envs[ENVX(envid)];

	return envid > 0 && e->env_id == envid && e->env_status != ENV_FREE
		&& e->env_status != ENV_DYING;
}

/* The first live environment of the given type, or 0. */
envid_t
ipc_find_env(enum EnvType type)
{
	for (int i = 0; i < NENV; i++)
		if (envs[i].env_type == type && envid_alive(envs[i].env_id))
			return envs[i].env_id;
	return 0;
}

/* The server of the given type (ENV_TYPE_FS, ENV_TYPE_NS): *cache while that still names a live
 * one, else found again (and remembered in *cache).  0 if there is none. */
envid_t
ipc_server(enum EnvType type, envid_t *cache)
{
	if (!envid_alive(*cache) || envs[ENVX(*cache)].env_type != type)
		*cache = ipc_find_env(type);
	return *cache;
}
