/* Cooperative user-level threads: thread table, run queue, wait queues with deadlines, guarded
 * stacks.  The contract and the scheduling rules are in net/thread.h. */

#include <inc/lib.h>
#include <net/thread.h>

enum thread_state {
	THREAD_FREE = 0,	/* slot unused */
	THREAD_READY,		/* on the run queue */
	THREAD_RUNNING,		/* the current thread */
	THREAD_BLOCKED,		/* on a wait queue (t_waitq), maybe with a deadline */
	THREAD_ZOMBIE,		/* exited, waiting for thread_join */
};

/*
 * One thread.  Invariants: a READY thread is on the run queue and nowhere else; a BLOCKED one
 * is on exactly the queue t_waitq; the RUNNING one (cur) is on no queue.  t_next links the
 * queue the thread is on.  t_stack_pages pages are mapped at the top of the thread's stack slot
 * and stay mapped while the slot is free (thread 0 has no slot).
 */
struct thread {
	thread_id_t t_id;
	enum thread_state t_state;
	int t_flags;			/* THREAD_F_* */
	char t_name[THREAD_NAME_MAX];
	uint32_t t_esp;			/* saved stack pointer while not running */
	void (*t_fn)(void *);
	void *t_arg;
	int t_result;			/* thread_exit's argument, for thread_join */
	struct thread *t_next;
	struct thread_queue *t_waitq;
	bool t_has_deadline;
	bool t_timed_out;		/* the last wait ended by its deadline */
	uint32_t t_deadline;
	struct thread_queue t_joiners;
	uint32_t t_stack_pages;
};

/* net/thread_switch.S */
void thread_switch(uint32_t *save_esp, uint32_t new_esp);

static struct thread threads[THREAD_MAX];
static struct thread *cur;
static struct thread_queue runq;
static int nosched_depth;
static struct thread_stats stats;

static_assert(THREAD_STACK_BASE % PGSIZE == 0, "stack slots are page-aligned");
static_assert(THREAD_STACK_BASE + THREAD_MAX * THREAD_SLOT_PAGES * PGSIZE <= THREAD_STACK_LIM,
	      "the stacks fit their region (inc/memlayout.h)");

/* ---- queues ---------------------------------------------------------------------------------- */

static void
queue_push(struct thread_queue *q, struct thread *t)
{
	t->t_next = NULL;
	if (q->tq_tail)
		q->tq_tail->t_next = t;
	else
		q->tq_head = t;
	q->tq_tail = t;
}

static struct thread *
queue_pop(struct thread_queue *q)
{
	struct thread *t = q->tq_head;

	if (t) {
		q->tq_head = t->t_next;
		if (!q->tq_head)
			q->tq_tail = NULL;
		t->t_next = NULL;
	}
	return t;
}

/* Take t off q, wherever it is on it.  Queues are short (the waiters of one object). */
static void
queue_remove(struct thread_queue *q, struct thread *t)
{
	struct thread *prev = NULL;

	for (struct thread *p = q->tq_head; p; prev = p, p = p->t_next) {
		if (p != t)
			continue;
		if (prev)
			prev->t_next = p->t_next;
		else
			q->tq_head = p->t_next;
		if (q->tq_tail == p)
			q->tq_tail = prev;
		p->t_next = NULL;
		return;
	}
	panic("thread %s is not on the queue it waits on", t->t_name);
}

bool
thread_queue_empty(const struct thread_queue *q)
{
	return q->tq_head == NULL;
}

/* ---- scheduling ------------------------------------------------------------------------------ */

static void
make_ready(struct thread *t)
{
	t->t_state = THREAD_READY;
	queue_push(&runq, t);
}

/* Switch to the first ready thread.  The caller has already put cur where it belongs: on the
 * run queue (yield), on a wait queue (wait), or nowhere (exit). */
static void
schedule(void)
{
	struct thread *prev = cur, *next = queue_pop(&runq);

	if (nosched_depth > 0)
		panic("thread %s switches inside a no-switch region", prev->t_name);
	if (!next)
		panic("thread: every thread is blocked (the last, %s, waits)", prev->t_name);
	next->t_state = THREAD_RUNNING;
	if (next == prev)
		return;
	cur = next;
	stats.switches++;
	thread_switch(&prev->t_esp, next->t_esp);
	/* Back in prev, switched to by someone else's schedule(). */
}

void
thread_yield(void)
{
	if (thread_queue_empty(&runq))
		return;
	make_ready(cur);
	schedule();
}

void
thread_run_ready(void)
{
	while (!thread_queue_empty(&runq))
		thread_yield();
}

int
thread_wait(struct thread_queue *q, bool has_deadline, uint32_t deadline_msec)
{
	if (cur->t_flags & THREAD_F_NOBLOCK)
		panic("thread %s may not block", cur->t_name);
	cur->t_state = THREAD_BLOCKED;
	cur->t_waitq = q;
	cur->t_has_deadline = has_deadline;
	cur->t_deadline = deadline_msec;
	cur->t_timed_out = false;
	queue_push(q, cur);
	schedule();
	return cur->t_timed_out ? -E_TIMEOUT : 0;
}

/* t leaves its wait queue (already unlinked by the caller) and becomes ready. */
static void
unblock(struct thread *t, bool timed_out)
{
	t->t_waitq = NULL;
	t->t_has_deadline = false;
	t->t_timed_out = timed_out;
	make_ready(t);
}

int
thread_wake_one(struct thread_queue *q)
{
	struct thread *t = queue_pop(q);

	if (!t)
		return 0;
	unblock(t, false);
	return 1;
}

int
thread_wake_all(struct thread_queue *q)
{
	int n = 0;

	while (thread_wake_one(q))
		n++;
	return n;
}

/* Deadlines compare by the signed difference, so the millisecond clock may wrap. */
static bool
deadline_passed(uint32_t deadline, uint32_t now)
{
	return (int32_t) (now - deadline) >= 0;
}

int
thread_wake_expired(uint32_t now_msec)
{
	int n = 0;

	for (int i = 0; i < THREAD_MAX; i++) {
		struct thread *t = &threads[i];
		if (t->t_state != THREAD_BLOCKED || !t->t_has_deadline
		    || !deadline_passed(t->t_deadline, now_msec))
			continue;
		queue_remove(t->t_waitq, t);
		unblock(t, true);
		stats.timeouts++;
		n++;
	}
	return n;
}

bool
thread_next_deadline(uint32_t *deadline_store)
{
	bool found = false;

	for (int i = 0; i < THREAD_MAX; i++) {
		struct thread *t = &threads[i];
		if (t->t_state != THREAD_BLOCKED || !t->t_has_deadline)
			continue;
		if (!found || (int32_t) (t->t_deadline - *deadline_store) < 0)
			*deadline_store = t->t_deadline;
		found = true;
	}
	return found;
}

int
thread_nosched_enter(void)
{
	return nosched_depth++;
}

void
thread_nosched_leave(int depth)
{
	assert(depth >= 0 && depth < nosched_depth);
	nosched_depth = depth;
}

/* ---- creation and exit ----------------------------------------------------------------------- */

static void
thread_set_name(struct thread *t, const char *name)
{
	strlcpy(t->t_name, name ? name : "?", sizeof(t->t_name));
}

void
thread_init(void)
{
	struct thread *t = &threads[0];

	assert(cur == NULL);
	memset(threads, 0, sizeof(threads));
	for (int i = 0; i < THREAD_MAX; i++)
		threads[i].t_id = i;
	thread_set_name(t, "main");
	t->t_state = THREAD_RUNNING;
	cur = t;
	stats.live = stats.live_max = 1;
}

/* The top of slot's stack region (one past its last byte). */
static uintptr_t
slot_top(int slot)
{
	return THREAD_STACK_BASE + (uintptr_t) (slot + 1) * THREAD_SLOT_PAGES * PGSIZE;
}

/* A free slot with at least `pages` stack pages mapped, else any free slot; NULL if none. */
static struct thread *
slot_find(uint32_t pages)
{
	struct thread *any = NULL;

	for (int i = 1; i < THREAD_MAX; i++) {
		if (threads[i].t_state != THREAD_FREE)
			continue;
		if (threads[i].t_stack_pages >= pages)
			return &threads[i];
		if (!any)
			any = &threads[i];
	}
	return any;
}

/* First code of every new thread: thread_create made thread_switch return here. */
static void
thread_entry(void)
{
	cur->t_fn(cur->t_arg);
	thread_exit(0);
}

thread_id_t
thread_create(const char *name, void (*fn)(void *), void *arg, size_t stack_bytes, int flags)
{
	uint32_t pages = ROUNDUP(stack_bytes, PGSIZE) / PGSIZE;
	struct thread *t;
	int r;

	assert(cur != NULL);
	if (pages == 0 || pages > THREAD_SLOT_PAGES - 1)
		return -E_INVAL;
	if (!(t = slot_find(pages))) {
		stats.create_failed++;
		return -E_NO_MEM;
	}
	int slot = t - threads;

	/* Grow the stack downwards; the slot's lowest page is never mapped (the guard). */
	while (t->t_stack_pages < pages) {
		void *va = (void *) (slot_top(slot) - (t->t_stack_pages + 1) * PGSIZE);
		if ((r = sys_page_alloc(0, va, PTE_P | PTE_U | PTE_W)) < 0) {
			stats.create_failed++;
			return -E_NO_MEM;
		}
		t->t_stack_pages++;
	}

	/* The initial stack, as thread_switch will pop it: edi, esi, ebx, ebp (0: the end of
	 * frame-pointer backtraces), then the return address thread_entry, and above that a zero
	 * return address for thread_entry itself, placed so that thread_entry starts with the
	 * 16-byte alignment the ABI promises at a function entry (esp + 4 aligned). */
	uint32_t *sp = (uint32_t *) slot_top(slot);
	*--sp = 0;				/* thread_entry's return address: never used */
	*--sp = (uint32_t) thread_entry;
	*--sp = 0;				/* ebp */
	*--sp = 0;				/* ebx */
	*--sp = 0;				/* esi */
	*--sp = 0;				/* edi */

	t->t_esp = (uint32_t) sp;
	t->t_flags = flags;
	thread_set_name(t, name);
	t->t_fn = fn;
	t->t_arg = arg;
	t->t_result = 0;
	t->t_waitq = NULL;
	t->t_has_deadline = t->t_timed_out = false;
	t->t_joiners.tq_head = t->t_joiners.tq_tail = NULL;
	make_ready(t);

	stats.created++;
	if (++stats.live > stats.live_max)
		stats.live_max = stats.live;
	return t->t_id;
}

/* Return t's slot to the free pool; its next owner gets a new id. */
static void
thread_free(struct thread *t)
{
	t->t_state = THREAD_FREE;
	t->t_id += THREAD_MAX;
	if (t->t_id < 0)		/* the generation wrapped: start again at the slot number */
		t->t_id = t - threads;
	stats.live--;
}

void
thread_exit(int result)
{
	if (cur == &threads[0])
		panic("thread 0 (main) may not exit");
	cur->t_result = result;
	thread_wake_all(&cur->t_joiners);
	/* Freeing a detached thread's slot before leaving its stack is safe: the slot can only be
	 * reused by a thread_create, and none runs before schedule() has switched away. */
	if (cur->t_flags & THREAD_F_DETACHED)
		thread_free(cur);
	else
		cur->t_state = THREAD_ZOMBIE;
	schedule();
	panic("an exited thread was resumed");
}

static struct thread *
thread_lookup(thread_id_t tid)
{
	if (tid < 0)
		return NULL;
	struct thread *t = &threads[tid % THREAD_MAX];
	return (t->t_id == tid && t->t_state != THREAD_FREE) ? t : NULL;
}

int
thread_join(thread_id_t tid, int *result_store)
{
	struct thread *t = thread_lookup(tid);

	if (!t || t == cur || (t->t_flags & THREAD_F_DETACHED))
		return -E_INVAL;
	while (t->t_state != THREAD_ZOMBIE) {
		thread_wait(&t->t_joiners, false, 0);
		if (t->t_id != tid)	/* another joiner took it first */
			return -E_INVAL;
	}
	if (result_store)
		*result_store = t->t_result;
	thread_free(t);
	return 0;
}

thread_id_t
thread_self(void)
{
	return cur->t_id;
}

int
thread_self_slot(void)
{
	return cur - threads;
}

const char *
thread_self_name(void)
{
	return cur->t_name;
}

void
thread_get_stats(struct thread_stats *st)
{
	*st = stats;
}

/* One line per live thread on the console: for a server that seems stuck, who waits where. */
void
thread_print(const char *prefix)
{
	static const char *const state_names[] = {
		[THREAD_FREE] = "free", [THREAD_READY] = "ready", [THREAD_RUNNING] = "running",
		[THREAD_BLOCKED] = "blocked", [THREAD_ZOMBIE] = "zombie",
	};

	for (int i = 0; i < THREAD_MAX; i++) {
		const struct thread *t = &threads[i];
		char wait[40] = "";
		if (t->t_state == THREAD_FREE)
			continue;
		if (t->t_state == THREAD_BLOCKED && t->t_has_deadline)
			snprintf(wait, sizeof(wait), " on %p until %u", t->t_waitq, t->t_deadline);
		else if (t->t_state == THREAD_BLOCKED)
			snprintf(wait, sizeof(wait), " on %p", t->t_waitq);
		/* One line, one write: the console takes others' lines between writes. */
		cprintf("%sthread %d %s: %s%s\n", prefix, t->t_id, t->t_name,
			state_names[t->t_state], wait);
	}
}
