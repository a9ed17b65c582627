/* Cooperative user-level threads for the network server (net/thread.c, net/thread_switch.S):
 * threads with their own guarded stacks, run queue, wait queues with deadlines, join, exit. */
#ifndef NET_THREAD_H
#define NET_THREAD_H

#include <inc/types.h>
#include <inc/memlayout.h>

/*
 * Contract.
 *
 * All threads live in one environment and share its address space.  Scheduling is cooperative:
 * a thread runs until it calls thread_yield, blocks in thread_wait or thread_join, or exits.
 * Nothing preempts it, so any code between two such calls runs atomically with respect to the
 * other threads (this is why lwIP's SYS_ARCH_PROTECT needs no lock here, see sys_arch.c), and
 * thread_nosched_enter/leave can assert that a region does not switch at all.
 *
 * Scheduling rules:
 *   1. The run queue is FIFO: thread_yield moves the caller behind every other ready thread;
 *      a woken thread joins the tail.
 *   2. A thread that blocks must leave some thread ready, else the program is stuck: blocking
 *      with an empty run queue panics ("every thread is blocked").
 *   3. A thread created with THREAD_F_NOBLOCK must never block (it panics if it tries).  The
 *      network server's dispatcher is such a thread: it is the only one that blocks the whole
 *      environment (in ipc_recv), and it first runs every ready thread (thread_run_ready) and
 *      wakes those whose deadline passed (thread_wake_expired).  A deadline therefore fires at
 *      the first dispatcher pass after it: the server's timer helper ticks it at the earliest
 *      deadline (thread_next_deadline; net/serv.c).
 *   4. No other thread may block the environment in a waiting system call (ipc_recv,
 *      sys_sleep_until): that would stall every thread.  sys_yield is fine.
 *
 * Stacks: thread i (i >= 1) runs on stack slot i of THREAD_STACK_BASE, a region of
 * THREAD_SLOT_PAGES pages whose top pages are mapped for the stack; the lowest page of every slot
 * is never mapped, so an overflow faults instead of running into the next stack.  Slots keep
 * their pages when a thread exits and are reused.  Thread 0 is the program's initial context
 * (the environment's normal stack), made a thread by thread_init.
 *
 * Ids: a thread id is slot + THREAD_MAX * generation, so a stale id never names a newer thread.
 */

#define THREAD_MAX		128
#define THREAD_SLOT_PAGES	16		/* so a stack is at most 15 pages (60 KB) */
/* THREAD_STACK_BASE (inc/memlayout.h): THREAD_MAX slots, 8 MB of address space. */
#define THREAD_NAME_MAX		16

/* thread_create flags */
#define THREAD_F_DETACHED	0x1	/* freed at exit; thread_join on it fails */
#define THREAD_F_NOBLOCK	0x2	/* must never block (rule 3 above) */

typedef int32_t thread_id_t;

struct thread;

/* A queue of threads blocked on something (a semaphore, a mailbox, a join).  Zero-filled is a
 * valid empty queue. */
struct thread_queue {
	struct thread *tq_head;
	struct thread *tq_tail;
};

/* Counters, for the server's statistics. */
struct thread_stats {
	uint32_t created;	/* threads created since thread_init */
	uint32_t live;		/* threads not yet freed, thread 0 included */
	uint32_t live_max;	/* the most at any time */
	uint32_t switches;	/* context switches */
	uint32_t timeouts;	/* waits that ended by their deadline */
	uint32_t create_failed;	/* thread_create calls that found no slot or no memory */
};

/* Make the calling context thread 0 ("main").  Call once, before anything else here. */
void		thread_init(void);

/* Start fn(arg) in a new thread with a stack of stack_bytes (rounded up to pages, at most
 * THREAD_SLOT_PAGES - 1 pages).  The new thread is queued; the caller keeps running.  Returns
 * the thread id, or -E_NO_MEM (no free slot, or no page for the stack), -E_INVAL (bad size). */
thread_id_t	thread_create(const char *name, void (*fn)(void *), void *arg,
			      size_t stack_bytes, int flags);

/* Let every other ready thread run once, then continue. */
void		thread_yield(void);

/* Run ready threads until none is left but the caller. */
void		thread_run_ready(void);

/* End the calling thread with a result for thread_join.  Thread 0 may not exit. */
void		thread_exit(int result) __attribute__((noreturn));

/* Wait for thread tid to exit and free it.  Returns 0 and stores its result, or -E_INVAL (no
 * such joinable thread, or the caller itself). */
int		thread_join(thread_id_t tid, int *result_store);

/* Block the caller on q until thread_wake_* takes it off, or until the time deadline_msec
 * (sys_time_msec's clock) if has_deadline.  Returns 0 when woken, -E_TIMEOUT when the deadline
 * passed first. */
int		thread_wait(struct thread_queue *q, bool has_deadline, uint32_t deadline_msec);

/* Make the first (or every) thread blocked on q ready.  Return how many were woken. */
int		thread_wake_one(struct thread_queue *q);
int		thread_wake_all(struct thread_queue *q);
bool		thread_queue_empty(const struct thread_queue *q);

/* Wake every waiter whose deadline is at or before now_msec; returns how many. */
int		thread_wake_expired(uint32_t now_msec);

/* The earliest deadline of a blocked thread, if any (returns false when none). */
bool		thread_next_deadline(uint32_t *deadline_store);

thread_id_t	thread_self(void);
int		thread_self_slot(void);		/* 0 .. THREAD_MAX - 1 */
const char *	thread_self_name(void);

/* Regions that must not switch threads (nestable): a switch inside one panics. */
int		thread_nosched_enter(void);	/* returns the previous depth */
void		thread_nosched_leave(int depth);

void		thread_get_stats(struct thread_stats *st);
/* One console line per live thread (its id, name, state, what it waits on), each after prefix. */
void		thread_print(const char *prefix);

/* net/thread_check.c: the self-check (prints "selftest ns-threads: ok"); call from thread 0
 * right after thread_init, before other threads exist. */
void		thread_check(void);

#endif /* !NET_THREAD_H */
