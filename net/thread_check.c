/* Self-check of the cooperative threads (net/thread.h), run by the network server at start:
 * prints "selftest ns-threads: ok" only if every case below holds. */

#include <inc/lib.h>
#include <inc/selftest.h>
#include <net/thread.h>

/*
 * What each case catches:
 *   order      the run queue is not FIFO, or thread_yield skips or repeats a thread;
 *   registers  thread_switch loses a callee-saved register (a value kept in ebx/esi/edi
 *              across a yield changes);
 *   join       thread_join returns before the thread ends, or not its thread_exit value;
 *   deadline   a wait with a deadline never ends, ends early, or reports the wrong cause;
 *   guard      the page below a thread's stack is mapped (an overflow would run into the
 *              next stack), or the stack the thread runs on is not in its slot.
 */

#define CHECK(cond)	selftest_check("ns-threads", cond)

static char order[16];
static int norder;

static void
order_thread(void *arg)
{
	char name = (char) (uintptr_t) arg;

	for (int round = 0; round < 2; round++) {
		order[norder++] = name;
		thread_yield();
	}
}

/* Keeps values in the callee-saved registers across yields (the call is made from asm, so the
 * compiler cannot spill them around it); exits with 0 if they survived. */
static void
register_thread(void *arg)
{
	uint32_t a = (uint32_t) arg, b = a * 3, c = a ^ 0x5a5a5a5a;
	uint32_t ra = a, rb = b, rc = c;

	for (int i = 0; i < 3; i++)
		asm volatile("call thread_yield"
			     : "+b" (ra), "+S" (rb), "+D" (rc)
			     : : "eax", "ecx", "edx", "memory", "cc");
	thread_exit(ra == a && rb == b && rc == c ? 0 : 1);
}

static struct thread_queue never;
static int deadline_result = 1;
static uintptr_t stack_seen;

static void
deadline_thread(void *arg)
{
	int local;

	stack_seen = (uintptr_t) &local;
	deadline_result = thread_wait(&never, true, (uint32_t) (uintptr_t) arg);
}

static void
check_threads(void)
{
	thread_id_t t[3];
	int result;

	/* order: three threads, two rounds each, interleaved in creation order. */
	for (int i = 0; i < 3; i++)
		CHECK((t[i] = thread_create("order", order_thread, (void *) (uintptr_t) ('a' + i),
					    PGSIZE, 0)) >= 0);
	for (int i = 0; i < 3; i++)
		CHECK(thread_join(t[i], &result) == 0 && result == 0);
	order[norder] = '\0';
	CHECK(strcmp(order, "abcabc") == 0);

	/* registers and join results, two threads side by side. */
	CHECK((t[0] = thread_create("regs", register_thread, (void *) 0x1234, PGSIZE, 0)) >= 0);
	CHECK((t[1] = thread_create("regs", register_thread, (void *) 0x9876, PGSIZE, 0)) >= 0);
	CHECK(thread_join(t[0], &result) == 0 && result == 0);
	CHECK(thread_join(t[1], &result) == 0 && result == 0);
	CHECK(thread_join(t[1], &result) == -E_INVAL);	/* already joined */

	/* deadline: a wait nobody ends returns -E_TIMEOUT, not before its deadline. */
	uint32_t start = sys_time_msec(), deadline = start + 30;
	CHECK((t[0] = thread_create("deadline", deadline_thread, (void *) (uintptr_t) deadline,
				    2 * PGSIZE, 0)) >= 0);
	thread_yield();		/* it runs and blocks */
	while (deadline_result == 1) {
		thread_wake_expired(sys_time_msec());
		thread_yield();
		sys_yield();
	}
	CHECK(deadline_result == -E_TIMEOUT);
	CHECK((int32_t) (sys_time_msec() - deadline) >= 0);
	CHECK(thread_join(t[0], NULL) == 0);

	/* guard: that thread ran in a stack slot whose lowest page is unmapped. */
	CHECK(stack_seen >= THREAD_STACK_BASE
	      && stack_seen < THREAD_STACK_BASE + THREAD_MAX * THREAD_SLOT_PAGES * PGSIZE);
	uintptr_t slot_base = ROUNDDOWN(stack_seen - THREAD_STACK_BASE,
					THREAD_SLOT_PAGES * PGSIZE) + THREAD_STACK_BASE;
	CHECK(!(uvpd[PDX(slot_base)] & PTE_P) || !(uvpt[PGNUM(slot_base)] & PTE_P));
	CHECK(uvpt[PGNUM(stack_seen)] & PTE_P);
}

void
thread_check(void)
{
	check_threads();
	selftest_ok("ns-threads");
}
