/*
 * ipcpages: IPC with many pages (sys_ipc_try_send_pages, sys_ipc_recv_pages).  A child receives
 * into windows of different sizes while the parent sends: pages land in order, read-only when
 * sent so, and no page lands past what came; a send of more pages than the window takes gets
 * -E_AGAIN and delivers nothing; every bad argument is refused with its error and changes no
 * mapping and no free page count.
 */

#include <inc/lib.h>

#define WIN		((uint8_t *) UTEMP)		/* the child's receive window */
#define SRC		((uint8_t *) UTEMP + 128 * PGSIZE)	/* the parent's pages */
#define RO		(SRC + IPC_PAGES_MAX * PGSIZE)	/* a read-only page of the parent */
#define UNMAPPED	(RO + 8 * PGSIZE)			/* nothing mapped here */

static_assert(IPC_PAGES_MAX <= 128, "the child's window ends below the parent's pages");

static int nchecks, nfailed;

static void
check(const char *what, int got, int want)
{
	nchecks++;
	if (got != want) {
		nfailed++;
		cprintf("ipcpages: FAIL: %s returned %e (%d), expected %e\n", what, got, got, want);
	}
}

static bool
mapped(const void *va)
{
	return (uvpd[PDX(va)] & PTE_P) && (uvpt[PGNUM(va)] & PTE_P);
}

/* The child: one receive per window size the parent expects, each checked. */
static void
child(envid_t parent)
{
	static const uint32_t windows[] = { 4, 2, IPC_PAGES_MAX, 3 };
	envid_t from;
	uint32_t n;
	int perm;

	for (size_t w = 0; w < ARRAY_SIZE(windows); w++) {
		int32_t v = ipc_recv_pages(&from, WIN, windows[w], &perm, &n);
		bool ok = from == parent;
		for (uint32_t i = 0; i < n; i++) {
			char want[16];
			snprintf(want, sizeof(want), "page %u.%u", (unsigned) v, i);
			if (strcmp((const char *) WIN + i * PGSIZE, want) != 0) {
				cprintf("ipcpages: child: page %u of message %d holds '%.15s'\n",
					i, v, (const char *) WIN + i * PGSIZE);
				ok = false;
			}
		}
		/* Nothing past what came (a refused send left nothing behind either). */
		for (uint32_t i = n; i < windows[w]; i++)
			if (mapped(WIN + i * PGSIZE)) {
				cprintf("ipcpages: child: page %u of the window is mapped\n", i);
				ok = false;
			}
		if (from != parent)
			cprintf("ipcpages: child: message %d from %08x\n", v, from);
		cprintf("ipcpages: child: message %d: %u pages in a window of %u, perm %s, %s\n", v,
			n, windows[w], n == 0 ? "none" : (perm & PTE_W) ? "writable" : "read-only",
			ok ? "contents right" : "WRONG");
		for (uint32_t i = 0; i < windows[w]; i++)
			sys_page_unmap(0, WIN + i * PGSIZE);
	}
}

/* Send message v with pages SRC..SRC+n-1, each labelled "page v.i", waiting for the child. */
static int
send_msg(envid_t to, int v, uint32_t n, int perm)
{
	uintptr_t vas[IPC_PAGES_MAX];
	int r;

	/* Fresh pages each time: the child shares the ones sent before, and reads them later. */
	for (uint32_t i = 0; i < n; i++) {
		if ((r = sys_page_alloc(0, SRC + i * PGSIZE, PTE_P | PTE_U | PTE_W)) < 0)
			panic("sys_page_alloc: %e", r);
		snprintf((char *) SRC + i * PGSIZE, 16, "page %d.%u", v, i);
		vas[i] = (uintptr_t) SRC + i * PGSIZE;
	}
	while ((r = sys_ipc_try_send_pages(to, v, vas, n, perm)) == -E_IPC_NOT_RECV)
		sys_yield();
	return r;
}

/* A send that must be refused with want, changing nothing (free pages). */
static void
refused(const char *what, envid_t to, const uintptr_t *vas, uint32_t n, int perm, int want)
{
	struct mem_stat before, after;
	int r;

	sys_mem_stat(&before);
	while ((r = sys_ipc_try_send_pages(to, 99, vas, n, perm)) == -E_IPC_NOT_RECV)
		sys_yield();
	sys_mem_stat(&after);
	check(what, r, want);
	if (before.free_pages != after.free_pages) {
		nfailed++;
		cprintf("ipcpages: FAIL: %s changed the free page count %u -> %u\n", what,
			before.free_pages, after.free_pages);
	}
}

void
umain(int argc, char **argv)
{
	uintptr_t vas[IPC_PAGES_MAX + 1];
	envid_t parent = sys_getenvid(), c;
	int r;

	for (int i = 0; i < IPC_PAGES_MAX + 1; i++)
		if ((r = sys_page_alloc(0, SRC + i * PGSIZE, PTE_P | PTE_U | PTE_W)) < 0)
			panic("sys_page_alloc: %e", r);
	if ((r = sys_page_map(0, RO, 0, RO, PTE_P | PTE_U)) < 0)
		panic("sys_page_map: %e", r);
	if ((c = fork()) < 0)
		panic("fork: %e", c);
	if (c == 0) {
		child(parent);
		return;
	}

	/* Receive windows that cannot be: refused at once, no wait. */
	check("sys_ipc_recv_pages(WIN, 0)", sys_ipc_recv_pages(WIN, 0), -E_INVAL);
	check("sys_ipc_recv_pages(WIN, IPC_PAGES_MAX + 1)",
	      sys_ipc_recv_pages(WIN, IPC_PAGES_MAX + 1), -E_INVAL);
	check("sys_ipc_recv_pages(WIN + 1, 1)", sys_ipc_recv_pages(WIN + 1, 1), -E_INVAL);
	check("sys_ipc_recv_pages(UTOP - PGSIZE, 2)",
	      sys_ipc_recv_pages((void *) (UTOP - PGSIZE), 2), -E_INVAL);

	/* Bad sends while the child waits with a window of 4: refused, nothing delivered.  The
	 * child has done its first steps (copy-on-write faults take pages) once it waits. */
	while (!(envs[ENVX(c)].env_wait & ENV_WAIT_IPC))
		sys_yield();
	for (int i = 0; i < IPC_PAGES_MAX + 1; i++)
		vas[i] = (uintptr_t) SRC + i * PGSIZE;
	refused("IPC_PAGES_MAX + 1 pages", c, vas, IPC_PAGES_MAX + 1, PTE_P | PTE_U, -E_INVAL);
	refused("srcvas unmapped", c, (const uintptr_t *) UNMAPPED, 1, PTE_P | PTE_U,
		-E_FAULT);
	refused("srcvas above UTOP", c, (const uintptr_t *) UTOP, 1, PTE_P | PTE_U, -E_FAULT);
	uintptr_t bad[2] = { (uintptr_t) SRC, (uintptr_t) SRC + 1 };
	refused("an unaligned page", c, bad, 2, PTE_P | PTE_U, -E_INVAL);
	bad[1] = UTOP;
	refused("a page above UTOP", c, bad, 2, PTE_P | PTE_U, -E_INVAL);
	bad[1] = (uintptr_t) UNMAPPED;
	refused("an unmapped page", c, bad, 2, PTE_P | PTE_U, -E_INVAL);
	bad[1] = (uintptr_t) RO;
	refused("a read-only page sent writable", c, bad, 2, PTE_P | PTE_U | PTE_W, -E_INVAL);
	refused("bad permissions", c, vas, 2, PTE_P | PTE_U | PTE_PS, -E_INVAL);
	refused("5 pages to a window of 4", c, vas, 5, PTE_P | PTE_U, -E_AGAIN);

	/* The good messages: 3 of 4 (read-only), 2 of 2 (after 3 got -E_AGAIN),
	 * IPC_PAGES_MAX of IPC_PAGES_MAX (writable), none to a window of 3. */
	check("message 1", send_msg(c, 1, 3, PTE_P | PTE_U), 0);
	check("3 pages to a window of 2", send_msg(c, 2, 3, PTE_P | PTE_U), -E_AGAIN);
	check("message 2", send_msg(c, 2, 2, PTE_P | PTE_U), 0);
	check("message 3", send_msg(c, 3, IPC_PAGES_MAX, PTE_P | PTE_U | PTE_W), 0);
	check("message 4", send_msg(c, 4, 0, 0), 0);
	wait(c);
	cprintf("ipcpages: %d checks, %d failed\n", nchecks, nfailed);
}
