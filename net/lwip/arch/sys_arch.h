/* lwIP's operating-system types for exo386 (net/lwip/sys_arch.c): semaphores, mutexes,
 * mailboxes and threads on top of the cooperative threads of net/thread.h. */
#ifndef NET_LWIP_ARCH_SYS_ARCH_H
#define NET_LWIP_ARCH_SYS_ARCH_H

#include <net/thread.h>

/*
 * These structures are embedded where lwIP keeps them (a netconn's op semaphore, its mailboxes),
 * so no allocation is needed except a mailbox's slot array (from lwIP's heap, mem_malloc).
 * "valid" is what sys_*_valid reports: lwIP tests it before freeing and after set_invalid.
 *
 * Because threads never preempt one another (net/thread.h), every operation below runs to its
 * end without interference: a semaphore is a counter plus a queue of waiting threads.
 */
struct sys_sem {
	uint32_t count;
	struct thread_queue waiters;
	bool valid;
};

struct sys_mutex {
	bool locked;
	thread_id_t owner;		/* the holder, for LWIP_ASSERT_CORE_LOCKED */
	struct thread_queue waiters;
	bool valid;
};

/* A bounded FIFO of pointers: msgs[(head + i) % size] for i < count. */
struct sys_mbox {
	void **msgs;
	uint32_t size;
	uint32_t head;
	uint32_t count;
	struct thread_queue not_empty;	/* fetchers waiting for a message */
	struct thread_queue not_full;	/* posters waiting for room */
	bool valid;
};

typedef struct sys_sem sys_sem_t;
typedef struct sys_mutex sys_mutex_t;
typedef struct sys_mbox sys_mbox_t;
typedef thread_id_t sys_thread_t;

/* SYS_ARCH_PROTECT: see sys_arch_protect in sys_arch.c (a no-switch region, nothing more). */
typedef int sys_prot_t;

/* LWIP_NETCONN_SEM_PER_THREAD: each thread has its own semaphore for netconn calls, kept by
 * sys_arch.c by thread slot (created on first use, reset when the slot gets a new thread). */
sys_sem_t *sys_arch_netconn_sem_get(void);
#define LWIP_NETCONN_THREAD_SEM_GET()	sys_arch_netconn_sem_get()
#define LWIP_NETCONN_THREAD_SEM_ALLOC()	((void) sys_arch_netconn_sem_get())
#define LWIP_NETCONN_THREAD_SEM_FREE()	do { } while (0)

/* LWIP_ASSERT_CORE_LOCKED: code that touches lwIP's core must hold the core lock. */
void	sys_arch_assert_core_locked(void);

/* Statistics of the port, for the server's counters. */
struct sys_arch_stats {
	uint32_t sem_waits;		/* waits that blocked */
	uint32_t mbox_full;		/* trypost found a full mailbox */
	uint32_t mbox_max_used;		/* the most messages one mailbox held */
};
void	sys_arch_get_stats(struct sys_arch_stats *st);

#endif /* !NET_LWIP_ARCH_SYS_ARCH_H */
