/* lwIP's operating-system layer for exo386: semaphores, mutexes, mailboxes, threads, time and
 * protection, on the cooperative threads of net/thread.h.  Types in arch/sys_arch.h. */

#include <inc/lib.h>
#include <net/thread.h>

#include <lwip/opt.h>
#include <lwip/sys.h>
#include <lwip/mem.h>
#include <lwip/tcpip.h>

/*
 * Timeouts: a wait with a timeout is a thread_wait with a deadline on sys_time_msec's clock.
 * lwIP's timeout values are in milliseconds, 0 meaning "forever"; the functions return the
 * milliseconds waited, or SYS_ARCH_TIMEOUT.
 *
 * Wake-ups: a woken thread re-checks its condition in a loop, since another thread may have
 * taken the count or the message first (the woken one queues behind every ready thread).
 */

static struct sys_arch_stats stats;

/* The absolute deadline of a wait that started at start, or none for timeout 0. */
static bool
wait_deadline(uint32_t start, u32_t timeout, uint32_t *deadline)
{
	*deadline = start + timeout;
	return timeout != 0;
}

/* Milliseconds since start, kept below SYS_ARCH_TIMEOUT. */
static u32_t
elapsed_since(uint32_t start)
{
	uint32_t d = sys_time_msec() - start;
	return d == SYS_ARCH_TIMEOUT ? d - 1 : d;
}

/* ---- Semaphores ---------------------------------------------------------------------------------- */

err_t
sys_sem_new(sys_sem_t *sem, u8_t count)
{
	memset(sem, 0, sizeof(*sem));
	sem->count = count;
	sem->valid = true;
	return ERR_OK;
}

void
sys_sem_signal(sys_sem_t *sem)
{
	assert(sem->valid);
	sem->count++;
	thread_wake_one(&sem->waiters);
}

u32_t
sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
	uint32_t start = sys_time_msec(), deadline;
	bool has_deadline = wait_deadline(start, timeout, &deadline);

	assert(sem->valid);
	while (sem->count == 0) {
		stats.sem_waits++;
		if (thread_wait(&sem->waiters, has_deadline, deadline) == -E_TIMEOUT
		    && sem->count == 0)
			return SYS_ARCH_TIMEOUT;
	}
	sem->count--;
	return elapsed_since(start);
}

void
sys_sem_free(sys_sem_t *sem)
{
	if (!thread_queue_empty(&sem->waiters))
		panic("sys_sem_free: threads still wait on the semaphore");
	sem->valid = false;
}

int
sys_sem_valid(sys_sem_t *sem)
{
	return sem->valid;
}

void
sys_sem_set_invalid(sys_sem_t *sem)
{
	sem->valid = false;
}

/* ---- Mutexes ------------------------------------------------------------------------------------- */

err_t
sys_mutex_new(sys_mutex_t *mutex)
{
	memset(mutex, 0, sizeof(*mutex));
	mutex->owner = -1;
	mutex->valid = true;
	return ERR_OK;
}

void
sys_mutex_lock(sys_mutex_t *mutex)
{
	assert(mutex->valid);
	if (mutex->locked && mutex->owner == thread_self())
		panic("sys_mutex_lock: thread %s already holds the mutex", thread_self_name());
	while (mutex->locked)
		thread_wait(&mutex->waiters, false, 0);
	mutex->locked = true;
	mutex->owner = thread_self();
}

void
sys_mutex_unlock(sys_mutex_t *mutex)
{
	assert(mutex->locked && mutex->owner == thread_self());
	mutex->locked = false;
	mutex->owner = -1;
	thread_wake_one(&mutex->waiters);
}

void
sys_mutex_free(sys_mutex_t *mutex)
{
	assert(!mutex->locked && thread_queue_empty(&mutex->waiters));
	mutex->valid = false;
}

int
sys_mutex_valid(sys_mutex_t *mutex)
{
	return mutex->valid;
}

void
sys_mutex_set_invalid(sys_mutex_t *mutex)
{
	mutex->valid = false;
}

#if LWIP_TCPIP_CORE_LOCKING
/* tcpip_init runs lwip_init (which adds the loopback interface) before it creates the lock:
 * that is before any other thread exists, and is not checked. */
void
sys_arch_assert_core_locked(void)
{
	if (!lock_tcpip_core.valid)
		return;
	if (!lock_tcpip_core.locked || lock_tcpip_core.owner != thread_self())
		panic("lwIP core used by thread %s without the core lock", thread_self_name());
}
#endif

/* ---- Mailboxes ----------------------------------------------------------------------------------- */

/* lwIP gives the size from lwipopts.h (TCPIP_MBOX_SIZE, DEFAULT_*_MBOX_SIZE); 0 means "the port's
 * default", for which we take the TCP receive size. */
err_t
sys_mbox_new(sys_mbox_t *mbox, int size)
{
	if (size <= 0)
		size = DEFAULT_TCP_RECVMBOX_SIZE;
	memset(mbox, 0, sizeof(*mbox));
	if (!(mbox->msgs = mem_malloc(size * sizeof(void *))))
		return ERR_MEM;
	mbox->size = size;
	mbox->valid = true;
	return ERR_OK;
}

static void
mbox_put(sys_mbox_t *mbox, void *msg)
{
	mbox->msgs[(mbox->head + mbox->count) % mbox->size] = msg;
	if (++mbox->count > stats.mbox_max_used)
		stats.mbox_max_used = mbox->count;
	thread_wake_one(&mbox->not_empty);
}

static void *
mbox_take(sys_mbox_t *mbox)
{
	void *msg = mbox->msgs[mbox->head];

	mbox->head = (mbox->head + 1) % mbox->size;
	mbox->count--;
	thread_wake_one(&mbox->not_full);
	return msg;
}

void
sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
	assert(mbox->valid);
	while (mbox->count == mbox->size)
		thread_wait(&mbox->not_full, false, 0);
	mbox_put(mbox, msg);
}

err_t
sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
	assert(mbox->valid);
	if (mbox->count == mbox->size) {
		stats.mbox_full++;
		return ERR_MEM;
	}
	mbox_put(mbox, msg);
	return ERR_OK;
}

/* There are no interrupt handlers in user space: the same as trypost. */
err_t
sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
	return sys_mbox_trypost(mbox, msg);
}

u32_t
sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
	uint32_t start = sys_time_msec(), deadline;
	bool has_deadline = wait_deadline(start, timeout, &deadline);

	assert(mbox->valid);
	while (mbox->count == 0) {
		if (thread_wait(&mbox->not_empty, has_deadline, deadline) == -E_TIMEOUT
		    && mbox->count == 0)
			return SYS_ARCH_TIMEOUT;
	}
	void *m = mbox_take(mbox);
	if (msg)
		*msg = m;
	return elapsed_since(start);
}

u32_t
sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
	assert(mbox->valid);
	if (mbox->count == 0)
		return SYS_MBOX_EMPTY;
	void *m = mbox_take(mbox);
	if (msg)
		*msg = m;
	return 0;
}

void
sys_mbox_free(sys_mbox_t *mbox)
{
	if (!thread_queue_empty(&mbox->not_empty) || !thread_queue_empty(&mbox->not_full))
		panic("sys_mbox_free: threads still wait on the mailbox");
	/* lwIP drains a mailbox before freeing it; a message left now would be leaked. */
	if (mbox->count != 0)
		panic("sys_mbox_free: %u messages left", mbox->count);
	mem_free(mbox->msgs);
	mbox->msgs = NULL;
	mbox->valid = false;
}

int
sys_mbox_valid(sys_mbox_t *mbox)
{
	return mbox->valid;
}

void
sys_mbox_set_invalid(sys_mbox_t *mbox)
{
	mbox->valid = false;
}

/* ---- Threads -------------------------------------------------------------------------------------- */

/* lwIP starts one thread (tcpip_thread) and never ends it; its priority has no meaning here. */
sys_thread_t
sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize, int prio)
{
	thread_id_t t;

	(void) prio;
	if ((t = thread_create(name, fn, arg, stacksize, THREAD_F_DETACHED)) < 0)
		panic("sys_thread_new %s: %e", name, t);
	return t;
}

/* One semaphore per thread slot for the netconn calls (LWIP_NETCONN_SEM_PER_THREAD).  A slot's
 * semaphore is made anew when the slot holds a different thread than last time: a thread that
 * ended leaves its semaphore at 0 (every netconn call waits for exactly the signal it caused),
 * but starting fresh costs nothing and needs no such argument. */
static struct {
	thread_id_t owner;
	sys_sem_t sem;
} netconn_sems[THREAD_MAX];

sys_sem_t *
sys_arch_netconn_sem_get(void)
{
	int slot = thread_self_slot();

	if (!netconn_sems[slot].sem.valid || netconn_sems[slot].owner != thread_self()) {
		sys_sem_new(&netconn_sems[slot].sem, 0);
		netconn_sems[slot].owner = thread_self();
	}
	return &netconn_sems[slot].sem;
}

void
sys_init(void)
{
}

u32_t
sys_now(void)
{
	return sys_time_msec();
}

/*
 * SYS_ARCH_PROTECT.  lwIP protects short critical sections (pool and heap updates, pbuf
 * reference counts) against other threads and interrupt handlers.  Here there are no interrupt
 * handlers in user space, and a thread is never preempted by another (net/thread.h): a region
 * that makes no blocking call is atomic already.  So protection needs no lock; it only marks a
 * no-switch region, in which a thread switch panics, to catch the mistake of blocking inside.
 */
sys_prot_t
sys_arch_protect(void)
{
	return thread_nosched_enter();
}

void
sys_arch_unprotect(sys_prot_t pval)
{
	thread_nosched_leave(pval);
}

/* ---- Randomness ----------------------------------------------------------------------------------- */

/* xorshift32 (Marsaglia), seeded on first use from the clock and the environment id. */
u32_t
lwip_port_rand(void)
{
	static uint32_t x;

	if (x == 0)
		x = (sys_time_msec() * 2654435761u) ^ (uint32_t) sys_getenvid() ^ 0x9e3779b9u;
	if (x == 0)
		x = 1;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

void
sys_arch_get_stats(struct sys_arch_stats *st)
{
	*st = stats;
}
