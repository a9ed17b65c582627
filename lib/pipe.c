/* The `pipe` device: a ring buffer in one page shared by the read and the write descriptor (it
 * is the data page, fd2data, of both), and every environment that holds either end. */

#include <inc/lib.h>

/* The ring: p_rpos and p_wpos count the bytes read and written modulo PIPE_POSMOD, twice the
 * buffer's size, so that a full ring (difference PIPE_BUFSIZ) differs from an empty one
 * (difference 0); byte k lives at p_buf[k % PIPE_BUFSIZ].  Only readers move p_rpos, only
 * writers p_wpos.  Both are volatile: the other side changes them under us.
 *
 * Waiting.  A reader with nothing to read blocks in sys_page_wait on p_wpos, a writer with no
 * room on p_rpos (kern/pagewait.h); each counts itself in p_*waiting first (an atomic add, a
 * full barrier) and out again when it wakes, and the other side, after moving its position,
 * wakes the page (sys_page_wake) while the count is not zero.  No wakeup is lost: the waiter
 * passes the position it last saw, and the kernel does not block it if the position has moved
 * since, so either the mover sees the count or the waiter's call sees the move (the mover
 * fences between its store and its look at the count).  Only waiters change the counts: a
 * mover that cleared a flag could wipe the one a waiter had just set again, between its look
 * and its clear, and that waiter would sleep through the next move (seen on two CPUs).  The end of the other side needs no
 * wake: the kernel wakes a page's waiters whenever a mapping of it goes away, and the page's
 * reference count, passed too, covers a close between the waiter's check and its call. */
#define PIPE_BUFSIZ	(PGSIZE - 4 * sizeof(uint32_t))
#define PIPE_POSMOD	(2 * PIPE_BUFSIZ)

struct Pipe {
	volatile uint32_t p_rpos;
	volatile uint32_t p_wpos;
	volatile uint32_t p_rwaiting;	/* readers about to block, or blocked, on p_wpos */
	volatile uint32_t p_wwaiting;	/* writers about to block, or blocked, on p_rpos */
	uint8_t p_buf[PIPE_BUFSIZ];
};

static_assert(sizeof(struct Pipe) == PGSIZE, "a pipe is one page");

/* Bytes in the ring. */
static uint32_t
pipe_count(const struct Pipe *p)
{
	return (p->p_wpos + PIPE_POSMOD - p->p_rpos) % PIPE_POSMOD;
}

int
pipe(int pfd[2])
{
	struct Fd *rfd, *wfd;
	int r;
	const int perm = PTE_P | PTE_U | PTE_W | PTE_SHARE;

	/* The read end's Fd page is mapped before the write end is allocated, so that fd_alloc
	 * finds two different slots. */
	if ((r = fd_alloc(&rfd)) < 0)
		return r;
	char *data = fd2data(rfd);
	if ((r = sys_page_alloc(0, data, perm)) < 0)
		return r;
	if ((r = sys_page_alloc(0, rfd, perm)) < 0)
		goto fail_data;
	if ((r = fd_alloc(&wfd)) < 0
	    || (r = sys_page_map(0, data, 0, fd2data(wfd), perm)) < 0)
		goto fail_rfd;
	if ((r = sys_page_alloc(0, wfd, perm)) < 0)
		goto fail_wdata;

	rfd->fd_dev_id = DEV_ID_PIPE;
	rfd->fd_omode = O_RDONLY;
	wfd->fd_dev_id = DEV_ID_PIPE;
	wfd->fd_omode = O_WRONLY;
	pfd[0] = fd2num(rfd);
	pfd[1] = fd2num(wfd);
	return 0;

fail_wdata:
	sys_page_unmap(0, fd2data(wfd));
fail_rfd:
	sys_page_unmap(0, rfd);
fail_data:
	sys_page_unmap(0, data);
	return r;
}

/*
 * Is the other end of the pipe closed?  fd is one end, p the shared page.
 *
 * Every descriptor of either end maps p once (as its data page), so
 *	pageref(p) = (mappings of this end's Fd page) + (mappings of the other end's Fd page)
 * and the other end is closed exactly when pageref(fd) == pageref(p).
 *
 * The race.  The two counts are read one after the other, while other environments map and
 * unmap the pages: fork and spawn copy an end, dup copies it, close and exit drop it.  A
 * reader that compares a count taken before such a change with one taken after can see them
 * equal while the other end is still open, and end its input early.  Two rules make the check
 * safe:
 *   1. In every state that other environments can be seen in, pageref(p) exceeds the Fd page
 *      counts whenever the other end is open: fork, spawn and dup map the data page before the
 *      Fd page, close unmaps the Fd page before the data page (inc/fd.h), so p's count grows
 *      first and shrinks last.  (The kernel's env_free drops an environment's pages with no
 *      user code running in between.)
 *   2. Both counts come from one moment.  If this environment is preempted between the reads
 *      (its env_runs changes), or p's count moved while fd's was read (read p, fd, p again and
 *      compare), the snapshot is retaken.  Closing an end or forking a holder changes p's
 *      count, so a change in the window shows up there.
 * A false "closed" would now need changes by other CPUs that exactly cancel in p's count
 * within these three loads.
 */
static int
pipe_isclosed(struct Fd *fd, struct Pipe *p, int *np_store)
{
	int nfd, np, runs;

	for (;;) {
		runs = thisenv->env_runs;
		np = pageref(p);
		nfd = pageref(fd);
		if (np == pageref(p) && runs == thisenv->env_runs) {
			if (np_store)
				*np_store = np;
			return nfd == np;
		}
	}
}

/* After moving a position: wake the other side if it waits (see the comment at the top). */
static void
pipe_wake(struct Pipe *p, volatile uint32_t *waiting)
{
	asm volatile("mfence" ::: "memory");	/* our position store before the count load */
	if (*waiting)
		sys_page_wake(p);
}

/* Block until the word at pos is no longer seen (or the page's reference count is no longer
 * ref), counted in *waiting meanwhile. */
static void
pipe_sleep(volatile uint32_t *pos, uint32_t seen, int ref, volatile uint32_t *waiting)
{
	__sync_fetch_and_add(waiting, 1);	/* locked: a full barrier too */
	if (*pos == seen)
		sys_page_wait(pos, seen, ref);
	__sync_fetch_and_sub(waiting, 1);
}

int
pipeisclosed(int fdnum)
{
	struct Fd *fd;
	int r;

	if ((r = fd_lookup(fdnum, &fd)) < 0)
		return r;
	if (fd->fd_dev_id != DEV_ID_PIPE)
		return -E_INVAL;
	return pipe_isclosed(fd, (struct Pipe *) fd2data(fd), NULL);
}

/* Read what is there, at most n bytes; block while the pipe is empty and the write end open.
 * 0 at the end: empty and no writer left. */
static ssize_t
devpipe_read(struct Fd *fd, void *vbuf, size_t n)
{
	struct Pipe *p = (struct Pipe *) fd2data(fd);
	uint8_t *buf = vbuf;
	size_t i;
	int ref;

	if (n == 0)
		return 0;
	for (;;) {
		uint32_t w = p->p_wpos;	/* what we wait on, read before deciding to wait */
		if (w != p->p_rpos)
			break;
		/* Closed and still empty: everything written came before the close. */
		if (pipe_isclosed(fd, p, &ref))
			if (pipe_count(p) == 0)
				return 0;
		if (fd->fd_omode & O_NONBLOCK)
			return -E_AGAIN;
		pipe_sleep(&p->p_wpos, w, ref, &p->p_rwaiting);
	}
	for (i = 0; i < n && pipe_count(p) > 0; i++) {
		buf[i] = p->p_buf[p->p_rpos % PIPE_BUFSIZ];
		/* The byte is copied before the slot is handed back to the writer. */
		asm volatile("" ::: "memory");
		p->p_rpos = (p->p_rpos + 1) % PIPE_POSMOD;
	}
	pipe_wake(p, &p->p_wwaiting);
	return i;
}

/* Write all n bytes, blocking while the pipe is full.  If the read end goes away, the bytes
 * written so far are returned (0 if none): nobody will read the rest. */
static ssize_t
devpipe_write(struct Fd *fd, const void *vbuf, size_t n)
{
	struct Pipe *p = (struct Pipe *) fd2data(fd);
	const uint8_t *buf = vbuf;
	size_t i;
	int ref;

	for (i = 0; i < n; i++) {
		for (;;) {
			uint32_t r = p->p_rpos;	/* what we wait on, read before deciding */
			if ((p->p_wpos + PIPE_POSMOD - r) % PIPE_POSMOD < PIPE_BUFSIZ)
				break;
			pipe_wake(p, &p->p_rwaiting);	/* a full ring for the reader */
			if (pipe_isclosed(fd, p, &ref))
				return i;
			if (fd->fd_omode & O_NONBLOCK)
				return i > 0 ? (ssize_t) i : -E_AGAIN;
			pipe_sleep(&p->p_rpos, r, ref, &p->p_wwaiting);
		}
		p->p_buf[p->p_wpos % PIPE_BUFSIZ] = buf[i];
		/* The byte is in the ring before the reader can see it. */
		asm volatile("" ::: "memory");
		p->p_wpos = (p->p_wpos + 1) % PIPE_POSMOD;
	}
	pipe_wake(p, &p->p_rwaiting);
	return i;
}

/* select's question (inc/fd.h: dev_poll).  A read end is ready to read when the ring holds
 * bytes or the write end is closed (the read returns 0); a write end to write when there is
 * room or the read end is closed (the write returns at once).  An end is never ready the
 * other way.  Not ready: the caller waits on the position the other side moves, counted in
 * that side's waiting count as pipe_sleep is, so that a read or write wakes it. */
static int
devpipe_poll(struct Fd *fd, int events, struct wait_item *wi, volatile uint32_t **waiting)
{
	struct Pipe *p = (struct Pipe *) fd2data(fd);
	bool reader = (fd->fd_omode & O_ACCMODE) == O_RDONLY;
	int want = reader ? FD_POLL_IN : FD_POLL_OUT;
	volatile uint32_t *pos = reader ? &p->p_wpos : &p->p_rpos;
	volatile uint32_t *count = reader ? &p->p_rwaiting : &p->p_wwaiting;
	int ref;

	if (!(events & want))
		return 0;		/* nothing to wait for: *wi stays unused */
	__sync_fetch_and_add(count, 1);	/* before the look, as pipe_sleep */
	uint32_t seen = *pos;
	bool ready = reader ? seen != p->p_rpos
		: (p->p_wpos + PIPE_POSMOD - seen) % PIPE_POSMOD < PIPE_BUFSIZ;
	if (ready || pipe_isclosed(fd, p, &ref)) {
		__sync_fetch_and_sub(count, 1);
		return want;
	}
	wi->wi_kind = WAIT_WORD;
	wi->wi_va = (uintptr_t) pos;
	wi->wi_val = seen;
	wi->wi_ref = ref;
	*waiting = count;
	return 0;
}

static int
devpipe_stat(struct Fd *fd, struct Stat *st)
{
	struct Pipe *p = (struct Pipe *) fd2data(fd);

	strlcpy(st->st_name, "<pipe>", sizeof(st->st_name));
	st->st_size = pipe_count(p);
	return 0;
}

struct Dev devpipe = {
	.dev_id = DEV_ID_PIPE,
	.dev_name = "pipe",
	.dev_read = devpipe_read,
	.dev_write = devpipe_write,
	.dev_stat = devpipe_stat,
	.dev_poll = devpipe_poll,
};
