/* System calls: the dispatcher and every call of inc/syscalls.tab except the clock calls
 * (kern/time.c), the page-wait calls (kern/pagewait.c) and the network calls (kern/netsys.c).
 * Each call validates all of its arguments before it changes anything, so a failing call leaves
 * no half-done change behind.  A handler takes user addresses as uintptr_t: a number, until
 * user_mem_check says it may be used as a pointer. */

#include <inc/x86.h>
#include <inc/error.h>
#include <inc/string.h>
#include <inc/assert.h>
#include <inc/sysinfo.h>

#include <kern/env.h>
#include <kern/cpustat.h>
#include <kern/pmap.h>
#include <kern/pagewait.h>
#include <kern/waitany.h>
#include <kern/trap.h>
#include <kern/syscall.h>
#include <kern/console.h>
#include <kern/sched.h>
#include <kern/time.h>
#include <kern/netsys.h>
#include <kern/uctx.h>

/* At most this many bytes are printed per entry into the kernel: the console is slow (a
 * serial line), and the kernel lock is held while it prints. */
#define CPUTS_CHUNK	1024

/* Print len bytes at s on the console.  A bad pointer destroys the caller (after what came
 * before it in s has been printed).  A long string is printed a chunk at a time: after each
 * chunk the call is restarted on the rest, so other environments run (and other CPUs take the
 * lock) in between. */
static void
sys_cputs(uintptr_t s, size_t len)
{
	size_t n = MIN(len, (size_t) CPUTS_CHUNK);

	/* A string that wraps or reaches past ULIM is refused before anything is printed. */
	if (len > ULIM || s > ULIM - len)
		user_mem_assert(curenv, (const void *) s, len, PTE_U);
	user_mem_assert(curenv, (const void *) s, n, PTE_U);
	cprintf("%.*s", n, (const char *) s);
	if (n < len) {
		/* eax still holds SYS_cputs; edx and ecx are the arguments (lib/syscall.c). */
		curenv->env_tf.tf_regs.reg_edx += n;
		curenv->env_tf.tf_regs.reg_ecx -= n;
		curenv->env_tf.tf_eip -= SYSCALL_INSN_LEN;
		sched_yield();
	}
}

/* The next character from the console, blocking until one arrives (the keyboard and serial
 * interrupts wake the caller: kern/console.c). */
static int
sys_cgetc(void)
{
	int c = cons_getc();

	if (c != 0)
		return c;
	/* Sleep, then run the same `int $T_SYSCALL` again when woken: the call restarts. */
	curenv->env_tf.tf_eip -= SYSCALL_INSN_LEN;
	env_sleep(ENV_WAIT_CONS, 0);
}

static envid_t
sys_getenvid(void)
{
	return curenv->env_id;
}

/* Destroy envid (the caller or its child).  -E_BAD_ENV if it is neither.  Destroying a child
 * that is already dying (destroyed while it runs on another CPU, not yet freed) returns 0 and
 * changes nothing. */
static int
sys_env_destroy(envid_t envid)
{
	struct Env *e;
	int r;

	if ((r = envid2env(envid, &e, ENVID_CHILD | ENVID_DYING)) < 0)
		return r;
	if (e->env_status == ENV_DYING)
		return 0;
	if (e == curenv)
		cprintf("[%08x] exiting gracefully\n", curenv->env_id);
	else
		cprintf("[%08x] destroying %08x\n", curenv->env_id, e->env_id);
	env_destroy(e);
	return 0;
}

/* Block until envid is gone: freed, after it exited or was destroyed (env_free wakes us).
 * Returns 0 then, or at once if there is no such environment (any more); -E_INVAL for the
 * caller itself, which would wait forever.  Any environment may be waited for: whether one
 * exists is public anyway (UENVS). */
static int
sys_env_wait(envid_t envid)
{
	struct Env *e;

	if (envid == 0 || envid == curenv->env_id)
		return -E_INVAL;
	if (envid2env(envid, &e, ENVID_ANY | ENVID_DYING) < 0)
		return 0;
	curenv->env_tf.tf_regs.reg_eax = 0;	/* the call's result when it wakes */
	env_sleep(ENV_WAIT_EXIT, envid);
}

static void
sys_yield(void)
{
	sched_yield();
}

/* A new environment, not runnable, with an empty address space and the caller's registers,
 * except that it sees 0 as the result of this call.  It inherits the network right, never the
 * I/O privilege, and no page fault upcall (the parent sets one up once the child has an
 * exception stack).  Returns its id, or -E_NO_FREE_ENV / -E_NO_MEM. */
static envid_t
sys_exofork(void)
{
	struct Env *e;
	int r;

	if ((r = env_alloc(&e, curenv->env_id)) < 0)
		return r;
	e->env_status = ENV_NOT_RUNNABLE;
	e->env_tf = curenv->env_tf;
	e->env_tf.tf_regs.reg_eax = 0;
	e->env_tf.tf_eflags &= ~FL_IOPL_MASK;
	e->env_flags = curenv->env_flags & ENV_F_NET;
	uctx_copy_current(e);
	return e->env_id;
}

/* Start (ENV_RUNNABLE) or stop (ENV_NOT_RUNNABLE) envid, the caller or its child.  Only an
 * environment that waits for nothing changes: one blocked in the kernel (receiving, sleeping,
 * waiting) stays blocked until its event, whatever is asked, and 0 is returned; a running one
 * (the caller, or a child on another CPU) cannot be stopped (-E_INVAL) and is left running if
 * asked to run.  -E_BAD_ENV for an id that is not the caller or a live child (a destroyed
 * child cannot be revived), -E_INVAL for any other status. */
static int
sys_env_set_status(envid_t envid, int status)
{
	struct Env *e;
	int r;

	if (status != ENV_RUNNABLE && status != ENV_NOT_RUNNABLE)
		return -E_INVAL;
	if ((r = envid2env(envid, &e, ENVID_CHILD)) < 0)
		return r;
	if (env_running_cpu(e) >= 0)
		return status == ENV_RUNNABLE ? 0 : -E_INVAL;
	if (e->env_wait != 0)
		return 0;
	e->env_status = status;
	return 0;
}

/* Replace envid's registers with *tf, made safe: user segments with RPL 3, interrupts on, and
 * no I/O privilege unless envid is the file system server; its FPU and %fs/%gs start afresh (a
 * new program, as spawn loads).  -E_BAD_ENV; -E_INVAL for a child running on another CPU
 * (its registers are there, not here); a bad tf pointer destroys the caller. */
static int
sys_env_set_trapframe(envid_t envid, uintptr_t tfva)
{
	const struct Trapframe *tf = (const struct Trapframe *) tfva;
	struct Env *e;
	int r;

	user_mem_assert(curenv, tf, sizeof(*tf), PTE_U);
	if ((r = envid2env(envid, &e, ENVID_CHILD)) < 0)
		return r;
	if (e != curenv && env_running_cpu(e) >= 0)
		return -E_INVAL;
	uctx_reset(e);
	struct Trapframe ntf = *tf;
	ntf.tf_cs = GD_UT | 3;
	ntf.tf_ds = ntf.tf_es = ntf.tf_ss = GD_UD | 3;
	ntf.tf_eflags |= FL_IF;
	ntf.tf_eflags &= ~(FL_IOPL_MASK | FL_VM | FL_NT);
	if (e->env_type == ENV_TYPE_FS)
		ntf.tf_eflags |= FL_IOPL_3;
	e->env_tf = ntf;
	return 0;
}

/* Set envid's page fault entry point.  The address is checked when a fault happens. */
static int
sys_env_set_pgfault_upcall(envid_t envid, uintptr_t func)
{
	struct Env *e;
	int r;

	if ((r = envid2env(envid, &e, ENVID_CHILD)) < 0)
		return r;
	e->env_pgfault_upcall = (void *) func;
	return 0;
}

/* Is va a page-aligned user address below UTOP? */
static bool
va_ok(uintptr_t va)
{
	return va < UTOP && va % PGSIZE == 0;
}

/* Are these permissions a valid request: PTE_U and PTE_P, nothing beyond PTE_SYSCALL? */
static bool
perm_ok(int perm)
{
	return (perm & (PTE_U | PTE_P)) == (PTE_U | PTE_P) && (perm & ~PTE_SYSCALL) == 0;
}

/* Map a new zeroed page at va in envid with perm.  -E_BAD_ENV, -E_INVAL (va, perm), -E_NO_MEM. */
static int
sys_page_alloc(envid_t envid, uintptr_t va, int perm)
{
	struct Env *e;
	int r;

	if ((r = envid2env(envid, &e, ENVID_CHILD)) < 0)
		return r;
	if (!va_ok(va) || !perm_ok(perm))
		return -E_INVAL;
	struct PageInfo *pp = page_alloc(ALLOC_ZERO);
	if (pp == NULL)
		return -E_NO_MEM;
	if ((r = page_insert(e->env_pgdir, pp, (void *) va, perm)) < 0) {
		page_free(pp);
		return r;
	}
	return 0;
}

/* Map the page at srcva in srcenvid at dstva in dstenvid with perm (both the caller or its
 * children).  -E_BAD_ENV; -E_INVAL for a bad va or perm, an unmapped srcva, or PTE_W asked of
 * a read-only page; -E_NO_MEM. */
static int
sys_page_map(envid_t srcenvid, uintptr_t srcva, envid_t dstenvid, uintptr_t dstva, int perm)
{
	struct Env *src, *dst;
	pte_t *pte;
	int r;

	if ((r = envid2env(srcenvid, &src, ENVID_CHILD)) < 0
	    || (r = envid2env(dstenvid, &dst, ENVID_CHILD)) < 0)
		return r;
	if (!va_ok(srcva) || !va_ok(dstva) || !perm_ok(perm))
		return -E_INVAL;
	struct PageInfo *pp = page_lookup(src->env_pgdir, (void *) srcva, &pte);
	if (pp == NULL)
		return -E_INVAL;
	if ((perm & PTE_W) && !(*pte & PTE_W))
		return -E_INVAL;
	return page_insert(dst->env_pgdir, pp, (void *) dstva, perm);
}

/* Unmap va in envid; unmapping nothing succeeds.  -E_BAD_ENV, -E_INVAL. */
static int
sys_page_unmap(envid_t envid, uintptr_t va)
{
	struct Env *e;
	int r;

	if ((r = envid2env(envid, &e, ENVID_CHILD)) < 0)
		return r;
	if (!va_ok(va))
		return -E_INVAL;
	page_remove(e->env_pgdir, (void *) va);
	return 0;
}

/* Copy n page addresses from the caller's array at va into vas (room for max), read once so that
 * the caller cannot change them after the checks.  Returns 0, -E_INVAL (n > max) or -E_FAULT
 * (the array is not the caller's to read). */
static int
user_addrs_copy(uintptr_t *vas, uintptr_t va, uint32_t n, uint32_t max)
{
	if (n > max)
		return -E_INVAL;
	if (n > 0 && (va >= UTOP || user_mem_check(curenv, (void *) va, n * sizeof(uintptr_t),
						    PTE_U | PTE_P) < 0))
		return -E_FAULT;
	memcpy(vas, (const void *) va, n * sizeof(uintptr_t));
	return 0;
}

/* Unmap the npages pages at vas[] in envid (npages <= PAGE_UNMAP_MAX): every address is checked
 * before any page is unmapped; unmapping nothing succeeds.  Under software emulation each trap
 * costs about as much as the work of an unmap, so a caller with many pages saves that much.
 * -E_BAD_ENV, -E_INVAL (a bad count or address), -E_FAULT (vas unreadable). */
static int
sys_page_unmap_pages(envid_t envid, uintptr_t vasva, uint32_t npages)
{
	uintptr_t vas[PAGE_UNMAP_MAX];
	struct Env *e;
	int r;

	if ((r = envid2env(envid, &e, ENVID_CHILD)) < 0)
		return r;
	if ((r = user_addrs_copy(vas, vasva, npages, PAGE_UNMAP_MAX)) < 0)
		return r;
	for (uint32_t i = 0; i < npages; i++)
		if (!va_ok(vas[i]))
			return -E_INVAL;
	for (uint32_t i = 0; i < npages; i++)
		page_remove(e->env_pgdir, (void *) vas[i]);
	return 0;
}

/*
 * IPC.  A receiver blocks in sys_ipc_recv (one page) or sys_ipc_recv_pages (up to npages) with a
 * window at dstva (>= UTOP: no page wanted); a sender delivers a value and up to
 * IPC_PAGES_MAX pages, mapped at dstva, dstva + PGSIZE, ... in the order given, all with the
 * same perm.  Any environment may send to any other.
 */

/* Deliver value and the n pages at srcvas[] (user addresses, n <= IPC_PAGES_MAX) to e, which
 * is receiving.  Every page is checked before any is mapped; a mapping that fails (no memory
 * for e's page table) removes those made before it, so e is left with none, though a page it
 * had mapped in its window before is gone too.  Pages are mapped only if e asked for some. */
static int
ipc_deliver(struct Env *e, uint32_t value, const uintptr_t *srcvas, uint32_t n, int perm)
{
	struct PageInfo *pps[IPC_PAGES_MAX];
	int r;

	if (n > 0 && !perm_ok(perm))
		return -E_INVAL;
	for (uint32_t i = 0; i < n; i++) {
		pte_t *pte;
		if (srcvas[i] >= UTOP || srcvas[i] % PGSIZE != 0)
			return -E_INVAL;
		pps[i] = page_lookup(curenv->env_pgdir, (void *) srcvas[i], &pte);
		if (pps[i] == NULL || ((perm & PTE_W) && !(*pte & PTE_W)))
			return -E_INVAL;
	}
	uint32_t sent = 0;
	if (n > 0 && (uintptr_t) e->env_ipc_dstva < UTOP) {
		if (n > e->env_ipc_npages)
			return -E_AGAIN;	/* more than it takes now: send fewer */
		for (; sent < n; sent++) {
			void *dst = (uint8_t *) e->env_ipc_dstva + sent * PGSIZE;
			if ((r = page_insert(e->env_pgdir, pps[sent], dst, perm)) < 0) {
				while (sent-- > 0)
					page_remove(e->env_pgdir,
						    (uint8_t *) e->env_ipc_dstva + sent * PGSIZE);
				return r;
			}
		}
	}

	e->env_ipc_from = curenv->env_id;
	e->env_ipc_value = value;
	e->env_ipc_npages = sent;
	e->env_ipc_perm = sent ? perm : 0;
	e->env_tf.tf_regs.reg_eax = 0;		/* its sys_ipc_recv returns 0 */
	env_unblock(e);
	curenv->env_ipc_woke = e->env_id;
	return 0;
}

/* The receiver of an IPC: envid, if it is waiting for one. */
static int
ipc_receiver(envid_t envid, struct Env **e)
{
	int r;

	if ((r = envid2env(envid, e, ENVID_ANY)) < 0)
		return r;
	if (!env_waiting_on(*e, ENV_WAIT_IPC))
		return -E_IPC_NOT_RECV;
	return 0;
}

/*
 * Send value (and, if srcva < UTOP, the page there with perm) to envid, which must be blocked
 * receiving.  The page is mapped only if the receiver asked for one (its dstva < UTOP).
 * Returns 0, -E_BAD_ENV, -E_IPC_NOT_RECV (not waiting: try again), -E_INVAL (srcva unaligned
 * or unmapped, bad perm, PTE_W of a read-only page), -E_NO_MEM (receiver's page table).  On
 * any error nothing changed.
 */
static int
sys_ipc_try_send(envid_t envid, uint32_t value, uintptr_t srcva, int perm)
{
	struct Env *e;
	int r;

	if ((r = ipc_receiver(envid, &e)) < 0)
		return r;
	return ipc_deliver(e, value, &srcva, srcva < UTOP, perm);
}

/* sys_ipc_try_send with npages (0..IPC_PAGES_MAX) pages, their addresses in srcvas[] (user
 * memory), mapped in that order at the receiver's dstva, dstva + PGSIZE, ...  Also -E_FAULT
 * (srcvas), -E_INVAL (npages), -E_AGAIN (the receiver takes pages, but fewer than npages). */
static int
sys_ipc_try_send_pages(envid_t envid, uint32_t value, uintptr_t srcvas, uint32_t npages,
		       int perm)
{
	uintptr_t vas[IPC_PAGES_MAX];
	struct Env *e;
	int r;

	if ((r = user_addrs_copy(vas, srcvas, npages, IPC_PAGES_MAX)) < 0)
		return r;
	if ((r = ipc_receiver(envid, &e)) < 0)
		return r;
	return ipc_deliver(e, value, vas, npages, perm);
}

/* Whether a receive window is valid: none (dstva >= UTOP), or npages (1..IPC_PAGES_MAX)
 * page-aligned pages below UTOP. */
static bool
ipc_window_ok(uintptr_t dstva, uint32_t npages)
{
	return dstva >= UTOP || (dstva % PGSIZE == 0 && npages > 0 && npages <= IPC_PAGES_MAX
				 && npages <= (UTOP - dstva) / PGSIZE);
}

/* Block until a value arrives; with dstva < UTOP (page-aligned), also accept up to npages
 * pages at dstva, dstva + PGSIZE, ... (below UTOP).  Returns 0 when woken by a sender (the
 * result is set by ipc_deliver), or -E_INVAL at once for a bad window. */
static int
ipc_recv_window(uintptr_t dstva, uint32_t npages)
{
	if (!ipc_window_ok(dstva, npages))
		return -E_INVAL;
	curenv->env_ipc_dstva = (void *) dstva;
	curenv->env_ipc_npages = npages;
	env_sleep(ENV_WAIT_IPC, 0);
}

/* Block until a value arrives; with dstva < UTOP (page-aligned), also accept a page there. */
static int
sys_ipc_recv(uintptr_t dstva)
{
	return ipc_recv_window(dstva, 1);
}

static int
sys_ipc_recv_pages(uintptr_t dstva, uint32_t npages)
{
	return ipc_recv_window(dstva, npages);
}

/* A client's call: send as sys_ipc_try_send_pages, then receive as sys_ipc_recv_pages, in one
 * trap (a request to a server and the wait for its answer took two, and the answer found the
 * client not yet receiving when the server ran between them).  Everything is checked before
 * the send: on any error nothing was sent, and -E_IPC_NOT_RECV says to try again.  Once sent,
 * the caller waits for any sender, as sys_ipc_recv_pages: returns 0 when woken.  -E_FAULT
 * (req or its srcvas), -E_INVAL (counts, the window), and sys_ipc_try_send_pages's errors. */
static int
sys_ipc_call(uintptr_t reqva)
{
	struct ipc_call_req req;
	uintptr_t vas[IPC_PAGES_MAX];
	uintptr_t dstva;
	struct Env *e;
	int r;

	if (reqva >= UTOP || user_mem_check(curenv, (void *) reqva, sizeof(req), PTE_U | PTE_P) < 0)
		return -E_FAULT;
	memcpy(&req, (const void *) reqva, sizeof(req));	/* read once */
	dstva = (uintptr_t) req.dstva;
	if (!ipc_window_ok(dstva, req.maxpages))
		return -E_INVAL;
	if ((r = user_addrs_copy(vas, (uintptr_t) req.srcvas, req.n, IPC_PAGES_MAX)) < 0)
		return r;
	if ((r = ipc_receiver(req.to, &e)) < 0 || (r = ipc_deliver(e, req.value, vas, req.n,
								      req.perm)) < 0)
		return r;
	return ipc_recv_window(dstva, req.maxpages);
}

/* The kernel's event counters, summed over the CPUs (kern/cpustat.h). */
static int
sys_cpu_stat(uintptr_t stva)
{
	struct cpu_stat *st = (struct cpu_stat *) stva;

	user_mem_assert(curenv, st, sizeof(*st), PTE_U | PTE_W);
	cpustat_sum(st);
	return 0;
}

/* Memory statistics: the free page count lets tests check that nothing leaked. */
static int
sys_mem_stat(uintptr_t stva)
{
	struct mem_stat *st = (struct mem_stat *) stva;

	user_mem_assert(curenv, st, sizeof(*st), PTE_U | PTE_W);
	st->free_pages = page_free_count();
	st->total_pages = npages;
	return 0;
}

/* The dispatch table: syscall_table[SYS_name] calls sys_name (generated from
 * inc/syscalls.tab, which lists every call once). */
#include <gen/syscall_dispatch.h>

int32_t
syscall(uint32_t num, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5)
{
	if (num >= NSYSCALLS)
		return -E_INVAL;
	cpustat_syscall(num);
	return syscall_table[num](a1, a2, a3, a4, a5);
}
