/* Calls every system call with random (fixed seed) and boundary arguments, thousands of times.
 * The kernel must survive all of it: each call returns an error, succeeds, or destroys its
 * caller (a bad pointer), and once everything is torn down no page may be missing.
 *
 * Two kinds of callers.  The fuzzer itself makes the calls that can neither destroy nor block
 * it, with every environment argument that would name itself turned to a victim instead:
 * environments it creates with exofork and never lets run, so that its own address space is
 * never touched.  Calls that take a pointer, that may block, or that would act on the caller
 * itself are made by short-lived forked children, which are expected to be destroyed; one
 * that blocks, or runs on for too long (its registers replaced by junk, say), the fuzzer
 * destroys. */
#include <inc/lib.h>

#define NROUNDS		40	/* rounds of: fuzzer calls, then children one by one */
#define NPARENT		150	/* calls by the fuzzer per round */
#define NCHILDREN	4	/* children per round: most die within a few calls */
#define NCHILD_CALLS	200	/* calls a child makes if it lives that long */
#define NVICTIMS	3
#define CHILD_MSEC	2000	/* a child running longer than this is destroyed */

/* Where a call may be made, and which of its arguments are environment ids. */
#define IN_PARENT	0x1	/* cannot destroy or block the caller if no env arg is itself */
#define IN_CHILD	0x2
#define ENV_A1		0x10
#define ENV_A3		0x40

static const uint8_t call_flags[NSYSCALLS + 2] = {
	[SYS_cputs] = IN_CHILD,
	[SYS_cgetc] = IN_CHILD,
	[SYS_getenvid] = IN_PARENT | IN_CHILD,
	[SYS_env_destroy] = IN_PARENT | IN_CHILD | ENV_A1,
	[SYS_page_alloc] = IN_PARENT | IN_CHILD | ENV_A1,
	[SYS_page_map] = IN_PARENT | IN_CHILD | ENV_A1 | ENV_A3,
	[SYS_page_unmap] = IN_PARENT | IN_CHILD | ENV_A1,
	/* Only the fuzzer: a child's exofork children would outlive it, out of our reach. */
	[SYS_exofork] = IN_PARENT,
	/* Only children: a victim made runnable would run a copy of the fuzzer. */
	[SYS_env_set_status] = IN_CHILD,
	[SYS_env_set_trapframe] = IN_CHILD,
	[SYS_env_set_pgfault_upcall] = IN_PARENT | IN_CHILD | ENV_A1,
	[SYS_yield] = IN_PARENT | IN_CHILD,
	[SYS_ipc_try_send] = IN_PARENT | IN_CHILD | ENV_A1,
	[SYS_ipc_recv] = IN_CHILD,
	[SYS_mem_stat] = IN_CHILD,
	[SYS_time_msec] = IN_PARENT | IN_CHILD,
	[SYS_sleep_until] = IN_CHILD,
	[SYS_net_send] = IN_CHILD,
	[SYS_net_recv] = IN_CHILD,
	[SYS_net_info] = IN_CHILD,
	[SYS_env_wait] = IN_CHILD | ENV_A1,	/* blocks on a live env: reaped */
	[SYS_page_wait] = IN_CHILD,
	[SYS_page_wake] = IN_CHILD,
	/* Two numbers the kernel does not know. */
	[NSYSCALLS] = IN_PARENT | IN_CHILD,
	[NSYSCALLS + 1] = IN_PARENT | IN_CHILD,
};

static uint32_t seed = 20261123;
static envid_t fuzzer;
static envid_t victims[NVICTIMS];
static struct mem_stat before, after;

/* A linear congruential generator: the same calls on every run. */
static uint32_t
rnd(void)
{
	seed = seed * 1103515245 + 12345;
	return seed >> 1;
}

static envid_t
some_victim(void)
{
	return victims[rnd() % NVICTIMS];
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
		switch (rnd() % 4) {
		case 0:
			return sys_getenvid();
		case 1:
			return fuzzer;
		case 2:
			return some_victim();
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
		num = rnd() % ARRAY_SIZE(call_flags);
	while (!(call_flags[num] & where));
	for (int i = 0; i < 5; i++)
		a[i] = fuzz_arg();

	/* The fuzzer never names itself (0 is "the caller"): a victim takes its place. */
	if (where == IN_PARENT)
		for (int i = 0; i < 5; i++)
			if ((call_flags[num] & (ENV_A1 << i)) && (a[i] == 0 || a[i] == fuzzer))
				a[i] = some_victim();
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

/* NPARENT calls by the fuzzer itself.  Returns how many it made. */
static uint32_t
fuzz_in_parent(void)
{
	uint32_t a[5];

	for (int i = 0; i < NPARENT; i++) {
		victims_refresh();
		uint32_t num = fuzz_call(IN_PARENT, a);
		int32_t ret = raw_syscall(num, a);
		/* A new environment (never run) replaces a victim. */
		if (num == SYS_exofork && ret > 0) {
			int k = rnd() % NVICTIMS;
			sys_env_destroy(victims[k]);
			victims[k] = ret;
		}
	}
	return NPARENT;
}

/* A child: calls until done or destroyed, counting each in *count (a page shared by fork). */
static void __attribute__((noreturn))
fuzz_child(volatile uint32_t *count)
{
	uint32_t a[5];

	for (int i = 0; i < NCHILD_CALLS; i++) {
		uint32_t num = fuzz_call(IN_CHILD, a);
		asm volatile("lock; incl %0" : "+m" (*count));
		raw_syscall(num, a);
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
	volatile uint32_t *count = (volatile uint32_t *) UTEMP;
	uint32_t parent_calls = 0;
	envid_t child;
	int r;

	/* A new system call must say here where it may be fuzzed. */
	for (int num = 0; num < NSYSCALLS; num++)
		if (!call_flags[num])
			panic("system call %d has no entry in call_flags", num);

	fuzzer = sys_getenvid();
	if ((r = sys_page_alloc(0, (void *) count, PTE_P | PTE_U | PTE_W | PTE_SHARE)) < 0)
		panic("sys_page_alloc: %e", r);

	/* One fork first, so that what fork sets up once (the exception stack, the page table
	 * for PFTEMP) is not counted as missing at the end. */
	if ((child = fork()) == 0)
		exit();
	child_reap(child);
	mem_stat_own(&before);

	for (int i = 0; i < NVICTIMS; i++)
		victims[i] = victim_new();

	for (int round = 0; round < NROUNDS; round++) {
		parent_calls += fuzz_in_parent();
		for (int i = 0; i < NCHILDREN; i++) {
			if ((child = fork()) < 0)
				panic("fork: %e", child);
			if (child == 0)
				fuzz_child(count);
			child_reap(child);
		}
	}

	for (int i = 0; i < NVICTIMS; i++) {
		sys_env_destroy(victims[i]);
		while (env_alive(victims[i]))
			sys_yield();
	}
	mem_stat_own(&after);
	if (after.free_pages != before.free_pages)
		panic("%u pages free before, %u after: the kernel lost %d", before.free_pages,
		      after.free_pages, (int) (before.free_pages - after.free_pages));
	cprintf("syscallfuzz: free pages restored (%u)\n", after.free_pages);
	cprintf("syscallfuzz: %u calls, kernel survived\n", parent_calls + *count);
}
