/* syscallfuzz [SEED]: calls every system call with random and boundary arguments, thousands of
 * times.  The kernel must survive all of it: each call succeeds, returns a negative E_* code (and
 * then, when the fuzzer itself made it, has left the free page count as it was), or destroys its
 * caller (a bad pointer); once everything is torn down no page may be missing.  The seed (a
 * fixed default, or the argument) is printed first, so a failure can be replayed:
 * `make run-syscallfuzz-nox ARGS=SEED` (with CPUS=2 as the failing run had).
 *
 * Two kinds of callers.  The fuzzer itself makes the calls that can neither destroy nor block
 * it, with every environment argument that would name itself turned to a victim instead:
 * environments it creates with exofork and never lets run, so that its own address space is
 * never touched.  Calls that take a pointer, that may block, or that would act on the caller
 * itself are made by short-lived forked children, which are expected to be destroyed; one
 * that blocks, or runs on for too long (its registers replaced by junk, say), the fuzzer
 * destroys.
 *
 * Peers are the fuzzer's forked children that live on: they spin, yield and block in
 * ipc_recv, so on two CPUs one is running on the other CPU while the fuzzer destroys it,
 * changes their status, sends them messages and maps pages into them; a peer that is gone is
 * replaced. */
#include <inc/lib.h>

#define NROUNDS		40	/* rounds of: fuzzer calls, then children one by one */
#define NPARENT		150	/* calls by the fuzzer per round */
#define NCHILDREN	4	/* children per round: most die within a few calls */
#define NCHILD_CALLS	200	/* calls a child makes if it lives that long */
#define NVICTIMS	3
#define CHILD_MSEC	2000	/* a child running longer than this is destroyed */
#define NPEERS		2
#define PEER_RECV_VA	((void *) (UTEMP + PGSIZE))	/* where a peer receives pages */
#define DEFAULT_SEED	20261123

/* Where each call may be made, and which of its arguments are environment ids: the fuzz column
 * and the envid_t arguments of inc/syscalls.tab. */
#define IN_PARENT	SYSCALL_FUZZ_PARENT
#define IN_CHILD	SYSCALL_FUZZ_CHILD
#define ENV_A1		SYSCALL_FUZZ_ENV_A1
static const uint16_t table_flags[NSYSCALLS] = SYSCALL_FUZZ_TABLE;

/* Past the table, two numbers the kernel does not know: anyone may try them. */
#define NCALLS		(NSYSCALLS + 2)

static uint16_t
call_flags(uint32_t num)
{
	return num < NSYSCALLS ? table_flags[num] : IN_PARENT | IN_CHILD;
}

/* Shared with every child (PTE_SHARE survives fork): what the children saw. */
struct fuzz_shared {
	volatile uint32_t child_calls;
	volatile uint32_t bad_codes;	/* refused calls whose code is no E_* */
	volatile uint32_t bad_num;	/* the first of them */
	volatile int32_t bad_ret;
	volatile uint32_t peer_ready[NPEERS];	/* peer i took its pages: it takes no more */
};
static struct fuzz_shared *shared = (struct fuzz_shared *) UTEMP;

static uint32_t seed = DEFAULT_SEED;
static envid_t fuzzer;
static envid_t victims[NVICTIMS];
static envid_t peers[NPEERS];
static struct mem_stat before, after;

/* The fuzzer's own findings. */
static uint32_t refused, page_checked, on_running_peers;

/* xorshift32: every bit of the word is random (pointers anywhere in the 32-bit space), and a
 * seed gives the same calls on every run. */
static uint32_t
rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return seed;
}

static envid_t
some_victim(void)
{
	return victims[rnd() % NVICTIMS];
}

static envid_t
some_peer(void)
{
	return peers[rnd() % NPEERS];
}

/* A value for any argument: an edge of the address space or of a type, a random word, an env
 * id (the caller's, the fuzzer's, a victim's, or a made-up one), or a page of user memory. */
static uint32_t
fuzz_arg(void)
{
	static const uint32_t edges[] = {
		0, 1, 2, 0xfff, PGSIZE, PGSIZE + 1, UTEXT, (uint32_t) UTEMP, (uint32_t) PFTEMP,
		USTACKTOP - PGSIZE, USTACKTOP - 1, UXSTACKTOP - PGSIZE, UTOP - PGSIZE, UTOP - 1,
		UTOP, UENVS, UPAGES, UVPT, ULIM - 1, ULIM, MMIOBASE, KSTACKTOP - 1, KERNBASE,
		0xf0100000, 0xfffff000, 0xffffffff, 0x7fffffff, 0x80000000, NENV, NENV - 1,
		PTE_P | PTE_U, PTE_P | PTE_U | PTE_W, PTE_SYSCALL, PTE_P | PTE_U | PTE_SHARE,
		ENV_RUNNABLE, ENV_NOT_RUNNABLE, ENV_FREE, ENV_DYING, 100, -1, -2,
	};

	switch (rnd() % 4) {
	case 0:
		return edges[rnd() % ARRAY_SIZE(edges)];
	case 1:
		return rnd();
	case 2:
		switch (rnd() % 5) {
		case 0:
			return sys_getenvid();
		case 1:
			return fuzzer;
		case 2:
			return some_victim();
		case 3:
			return some_peer();
		default:
			return (rnd() % NENV) | ((rnd() % 8) << LOG2NENV);
		}
	default:	/* a page from UTEXT on, sometimes not page-aligned */
		return UTEXT + (rnd() % 0x4000) * PGSIZE + ((rnd() % 8 == 0) ? rnd() % PGSIZE : 0);
	}
}

/* Draw a call that `where` (IN_PARENT or IN_CHILD) may make, and its arguments. */
static uint32_t
fuzz_call(int where, uint32_t a[5])
{
	uint32_t num;

	do
		num = rnd() % NCALLS;
	while (!(call_flags(num) & where));
	for (int i = 0; i < 5; i++)
		a[i] = fuzz_arg();

	/* The fuzzer never names itself (0 is "the caller"): a victim or a peer takes its place.
	 * It sets the status of peers only (a victim made runnable would run a copy of it). */
	if (where == IN_PARENT) {
		for (int i = 0; i < 5; i++)
			if ((call_flags(num) & (ENV_A1 << i)) && (a[i] == 0 || a[i] == fuzzer))
				a[i] = rnd() % 2 ? some_victim() : some_peer();
		if (num == SYS_env_set_status)
			a[0] = some_peer();
	}
	return num;
}

static int32_t
raw_syscall(uint32_t num, const uint32_t a[5])
{
	int32_t ret;

	asm volatile("int %1"
		     : "=a" (ret)
		     : "i" (T_SYSCALL), "a" (num), "d" (a[0]), "c" (a[1]), "b" (a[2]),
		       "D" (a[3]), "S" (a[4])
		     : "cc", "memory");
	return ret;
}

static envid_t
victim_new(void)
{
	envid_t e = sys_exofork();

	if (e < 0)
		panic("sys_exofork: %e", e);
	if (e == 0)
		panic("a victim ran");	/* nobody makes it runnable */
	return e;
}

static bool
env_alive(envid_t e)
{
	return envs[ENVX(e)].env_id == e && envs[ENVX(e)].env_status != ENV_FREE;
}

/* A victim destroyed by a fuzzed call is replaced, so that calls keep finding one. */
static void
victims_refresh(void)
{
	for (int i = 0; i < NVICTIMS; i++)
		if (!env_alive(victims[i]))
			victims[i] = victim_new();
}

/* Write a kilobyte of stack below the caller: a page there that is still copy-on-write after a
 * fork is copied now, not in the middle of something that counts free pages. */
static void __attribute__((noinline))
stack_touch(void)
{
	volatile uint8_t probe[1024];

	for (int i = 0; i < (int) sizeof(probe); i += 64)
		probe[i] = 0;
}

/* A peer: peer 0 spins and yields (so that on two CPUs it is mostly running on the other one),
 * the others also block for messages (with a page), at random, forever.  Each first
 * writes every page it will write (copy-on-write copies them), so that while the fuzzer counts
 * free pages around a call, a peer running on another CPU takes none. */
static void __attribute__((noreturn))
peer_run(int k)
{
	seed ^= sys_getenvid();
	stack_touch();
	shared->peer_ready[k] = 1;
	for (;;) {
		switch (rnd() % 4) {
		case 0:
			sys_yield();
			break;
		case 1:
			if (k > 0)
				sys_ipc_recv(PEER_RECV_VA);
			break;
		default:
			for (volatile int i = rnd() % 20000; i > 0; i--)
				;
		}
	}
}

/* A peer that is gone or going is replaced (it is freed by its CPU; a slot still dying is
 * left until it is free). */
static void
peers_refresh(void)
{
	for (int i = 0; i < NPEERS; i++) {
		if (envs[ENVX(peers[i])].env_id == peers[i]
		    && envs[ENVX(peers[i])].env_status != ENV_FREE)
			continue;
		shared->peer_ready[i] = 0;
		if ((peers[i] = fork()) < 0)
			panic("fork: %e", peers[i]);
		if (peers[i] == 0)
			peer_run(i);
		while (!shared->peer_ready[i] && env_alive(peers[i]))
			sys_yield();
	}
}

/* What each peer is: alive (it holds its pages), dying (destroyed while it ran on another CPU:
 * the kernel frees it, and its pages come back, at its next trap) or gone (freed, its slot maybe
 * another's).  Dying only ever turns into gone. */
enum peer_state { PEER_GONE, PEER_DYING, PEER_ALIVE };

static void
peers_snapshot(enum peer_state snap[NPEERS])
{
	for (int i = 0; i < NPEERS; i++) {
		const volatile struct Env *e = &envs[ENVX(peers[i])];
		if (e->env_id != peers[i] || e->env_status == ENV_FREE)
			snap[i] = PEER_GONE;
		else
			snap[i] = e->env_status == ENV_DYING ? PEER_DYING : PEER_ALIVE;
	}
}

/* Was every peer as it was, between the snapshots a and b?  A peer freed meanwhile gave its
 * pages back; one dying in both was dying throughout (dying only turns into gone) and gave
 * nothing back, so a peer left dying by a CPU the host seldom runs no longer spoils every check
 * (under load, fewer than half the refused calls were checked: syscallfuzz-cpus2 failed so). */
static bool
peers_settled(const enum peer_state a[NPEERS], const enum peer_state b[NPEERS])
{
	for (int i = 0; i < NPEERS; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* Does the call name a peer that is running on another CPU right now? */
static bool
names_running_peer(uint32_t num, const uint32_t a[5])
{
	for (int i = 0; i < 5; i++)
		for (int k = 0; k < NPEERS; k++)
			if ((call_flags(num) & (ENV_A1 << i)) && a[i] == peers[k]
			    && envs[ENVX(peers[k])].env_status == ENV_RUNNING)
				return true;
	return false;
}

/* A refused call returns -1 .. -(MAXERROR - 1): anything else below 0 is no E_* code. */
static bool
is_error_code(int32_t ret)
{
	return ret < 0 && ret > -MAXERROR;
}

static uint32_t
free_pages(void)
{
	static struct mem_stat st;	/* in our data page, written by us: not copy-on-write */
	int r;

	st.free_pages = 0;
	if ((r = sys_mem_stat(&st)) < 0)
		panic("sys_mem_stat: %e", r);
	return st.free_pages;
}

/* NPARENT calls by the fuzzer itself.  Returns how many it made. */
static uint32_t
fuzz_in_parent(void)
{
	uint32_t a[5];

	for (int i = 0; i < NPARENT; i++) {
		enum peer_state snap_before[NPEERS], snap_after[NPEERS];

		victims_refresh();
		peers_refresh();
		uint32_t num = fuzz_call(IN_PARENT, a);
		on_running_peers += names_running_peer(num, a);
		stack_touch();
		peers_snapshot(snap_before);
		uint32_t free_before = free_pages();
		int32_t ret = raw_syscall(num, a);
		uint32_t free_after = free_pages();
		peers_snapshot(snap_after);
		if (ret < 0) {
			refused++;
			if (!is_error_code(ret))
				panic("call %u (%08x %08x %08x %08x %08x) returned %d: no E_* code",
				      num, a[0], a[1], a[2], a[3], a[4], ret);
			/* Only the peers run meanwhile, and they take no pages: a change is
			 * the call's, unless a peer was being freed. */
			if (peers_settled(snap_before, snap_after)) {
				page_checked++;
				if (free_after != free_before)
					panic("call %u (%08x %08x %08x %08x %08x) was refused (%e) "
					      "but took %d pages", num, a[0], a[1], a[2], a[3],
					      a[4], ret, (int) (free_before - free_after));
			}
		}
		/* A new environment (never run) replaces a victim. */
		if (num == SYS_exofork && ret > 0) {
			int k = rnd() % NVICTIMS;
			sys_env_destroy(victims[k]);
			victims[k] = ret;
		}
	}
	return NPARENT;
}

/* A child: calls until done or destroyed, counting each in the shared page, and the first
 * refused call whose code is no E_*. */
static void __attribute__((noreturn))
fuzz_child(void)
{
	uint32_t a[5];

	for (int i = 0; i < NCHILD_CALLS; i++) {
		uint32_t num = fuzz_call(IN_CHILD, a);
		shared->child_calls++;		/* one child at a time */
		int32_t ret = raw_syscall(num, a);
		if (ret < 0 && !is_error_code(ret) && shared->bad_codes++ == 0) {
			shared->bad_num = num;
			shared->bad_ret = ret;
		}
	}
	exit();
}

/* Wait until the child is gone, destroying it if it blocks or runs on for too long. */
static void
child_reap(envid_t child)
{
	unsigned start = sys_time_msec();

	while (env_alive(child)) {
		if (envs[ENVX(child)].env_status == ENV_NOT_RUNNABLE
		    || sys_time_msec() - start > CHILD_MSEC) {
			sys_env_destroy(child);	/* -E_BAD_ENV if it just died: fine */
			break;
		}
		sys_yield();
	}
	while (env_alive(child))
		sys_yield();	/* destroyed while running on another CPU: freed at its next trap */
}

/* sys_mem_stat into st, which is written first so that the page is ours, not copy-on-write. */
static void
mem_stat_own(struct mem_stat *st)
{
	int r;

	memset(st, 0, sizeof(*st));
	if ((r = sys_mem_stat(st)) < 0)
		panic("sys_mem_stat: %e", r);
}

void
umain(int argc, char **argv)
{
	uint32_t parent_calls = 0;
	envid_t child;
	int r;

	if (argc > 2 || (argc == 2 && (seed = strtol(argv[1], NULL, 0)) == 0)) {
		cprintf("usage: syscallfuzz [SEED], SEED a number other than 0\n");
		return;
	}
	cprintf("syscallfuzz: seed %u (replay: make run-syscallfuzz-nox ARGS=%u)\n", seed, seed);

	/* The table must say where each call may be fuzzed (conf/mksyscalls.pl checks it too). */
	for (int num = 0; num < NSYSCALLS; num++)
		if (!(call_flags(num) & (IN_PARENT | IN_CHILD)))
			panic("system call %d has no fuzz column in inc/syscalls.tab", num);

	fuzzer = sys_getenvid();
	if ((r = sys_page_alloc(0, shared, PTE_P | PTE_U | PTE_W | PTE_SHARE)) < 0)
		panic("sys_page_alloc: %e", r);

	/* One fork first, so that what fork sets up once (the exception stack, the page table
	 * for PFTEMP) is not counted as missing at the end. */
	if ((child = fork()) == 0)
		exit();
	child_reap(child);
	mem_stat_own(&before);

	for (int i = 0; i < NVICTIMS; i++)
		victims[i] = victim_new();
	peers_refresh();

	for (int round = 0; round < NROUNDS; round++) {
		parent_calls += fuzz_in_parent();
		for (int i = 0; i < NCHILDREN; i++) {
			if ((child = fork()) < 0)
				panic("fork: %e", child);
			if (child == 0)
				fuzz_child();
			child_reap(child);
		}
	}

	for (int i = 0; i < NVICTIMS; i++) {
		sys_env_destroy(victims[i]);
		while (env_alive(victims[i]))
			sys_yield();
	}
	for (int i = 0; i < NPEERS; i++) {
		sys_env_destroy(peers[i]);	/* -E_BAD_ENV if it is already gone */
		while (env_alive(peers[i]))
			sys_yield();	/* dying on another CPU: freed at its next trap */
	}
	if (shared->bad_codes)
		panic("%u refused calls by the children returned no E_* code; the first: call %u "
		      "returned %d", shared->bad_codes, shared->bad_num, shared->bad_ret);
	mem_stat_own(&after);
	if (after.free_pages != before.free_pages)
		panic("%u pages free before, %u after: the kernel lost %d", before.free_pages,
		      after.free_pages, (int) (before.free_pages - after.free_pages));
	cprintf("syscallfuzz: free pages restored (%u)\n", after.free_pages);
	cprintf("syscallfuzz: %u refused calls by the fuzzer, each with an E_* code and %u of them "
		"checked to take no page; %u calls on a running peer\n", refused, page_checked,
		on_running_peers);
	cprintf("syscallfuzz: %u calls, kernel survived\n", parent_calls + shared->child_calls);
}
