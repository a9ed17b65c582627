/* select: wait until one of many descriptors -- sockets, pipes, the console -- is ready, or a
 * timeout passes, blocked in the kernel (sys_wait_any) without polling. */

#include <inc/lib.h>
#include <inc/wait.h>

static_assert(FD_SETSIZE == MAXFD, "a set holds every descriptor");
static_assert(MAXFD <= WAIT_ANY_MAX, "one wait item a descriptor fits one call");

/* The events asked of descriptor fd by the three sets (any may be NULL). */
static int
select_events(int fd, const fd_set *rd, const fd_set *wr, const fd_set *ex)
{
	return (rd && FD_ISSET(fd, rd) ? FD_POLL_IN : 0)
		| (wr && FD_ISSET(fd, wr) ? FD_POLL_OUT : 0)
		| (ex && FD_ISSET(fd, ex) ? FD_POLL_ERR : 0);
}

/* Record that fd is ready for ev (FD_POLL_*) in the result sets; returns the bits set. */
static int
select_mark(int fd, int ev, fd_set *rd, fd_set *wr, fd_set *ex)
{
	int n = 0;

	if ((ev & FD_POLL_IN) && rd)
		FD_SET(fd, rd), n++;
	if ((ev & FD_POLL_OUT) && wr)
		FD_SET(fd, wr), n++;
	if ((ev & FD_POLL_ERR) && ex)
		FD_SET(fd, ex), n++;
	return n;
}

/*
 * POSIX's select, with our errors: returns the number of bits set in the three sets (each set
 * given is rewritten to hold the ready descriptors among those it asked about), 0 when the
 * timeout passed first, or -E_INVAL (nfds outside 0..FD_SETSIZE, a descriptor in a set that is
 * not open, a negative or overlong timeout, or nothing to wait for and no timeout), or a
 * socket's -E_NO_MEM (the network server is short of page slots for its wake page) or
 * -E_BAD_ENV (no network server).  A timeout
 * of NULL waits for ever; of zero, looks and returns at once.  The clock ticks every 10 ms, so
 * a timeout ends up to a tick late.
 *
 * Each round asks every descriptor's device (dev_poll, inc/fd.h); if none is ready, one
 * sys_wait_any blocks on everything they named together -- the words of pipes and sockets' wake
 * pages, the console -- and the deadline.  A wake only means "look again": the next round
 * asks again.  The console's readiness is the kernel's answer alone.
 */
int
select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *timeout)
{
	struct wait_item items[MAXFD];
	volatile uint32_t *waiting[MAXFD];
	int owner[MAXFD], asked[MAXFD];
	uint32_t flags = 0, deadline = 0;

	if (nfds < 0 || nfds > FD_SETSIZE)
		return -E_INVAL;
	if (timeout) {
		if (timeout->tv_sec < 0 || timeout->tv_usec < 0 || timeout->tv_usec >= 1000000
		    || timeout->tv_sec > 1000000)	/* 11 days: far from the clock's wrap */
			return -E_INVAL;
		flags = WAIT_F_DEADLINE;
		deadline = sys_time_msec() + timeout->tv_sec * 1000
			+ (timeout->tv_usec + 999) / 1000;
	}
	for (int fd = 0; fd < nfds; fd++) {
		struct Fd *f;
		asked[fd] = select_events(fd, rd, wr, ex);
		if (asked[fd] && fd_lookup(fd, &f) < 0)
			return -E_INVAL;
	}

	for (;;) {
		int n = 0, nready = 0, r;
		fd_set ord, owr, oex;

		FD_ZERO(&ord);
		FD_ZERO(&owr);
		FD_ZERO(&oex);
		for (int fd = 0; fd < nfds; fd++) {
			struct Fd *f;
			struct Dev *dev;
			if (!asked[fd])
				continue;
			/* Closed by another thread of ours meanwhile, or never a device: report
			 * it as a bad descriptor, counted out of every wait taken so far. */
			if ((r = fd_lookup(fd, &f)) < 0 || (r = dev_lookup(f->fd_dev_id, &dev)) < 0)
				goto out;
			if (!dev->dev_poll) {
				nready += select_mark(fd, asked[fd], &ord, &owr, &oex);
				continue;
			}
			items[n].wi_kind = 0;
			waiting[n] = NULL;
			if ((r = dev->dev_poll(f, asked[fd], &items[n], &waiting[n])) < 0)
				goto out;
			nready += select_mark(fd, r & asked[fd], &ord, &owr, &oex);
			if (items[n].wi_kind != 0)
				owner[n++] = fd;
		}

		/* Something is ready: only the console's items are still to be asked, at once. */
		uint32_t wflags = flags, wdeadline = deadline;
		if (nready > 0) {
			wflags = WAIT_F_DEADLINE;
			wdeadline = sys_time_msec();
		}
		r = n > 0 || wflags ? sys_wait_any(items, n, wflags, wdeadline) : -E_INVAL;
	out:
		for (int i = 0; i < n; i++)
			if (waiting[i])
				__sync_fetch_and_sub(waiting[i], 1);
		if (r < 0 && r != -E_TIMEOUT)
			return r;
		for (int i = 0; i < n; i++)
			if (items[i].wi_kind == WAIT_CONS && r > 0 && items[i].wi_ready)
				nready += select_mark(owner[i], FD_POLL_IN, &ord, &owr, &oex);
		if (nready > 0 || r == -E_TIMEOUT) {
			if (rd)
				*rd = ord;
			if (wr)
				*wr = owr;
			if (ex)
				*ex = oex;
			return nready;
		}
		/* Woken (0), or a word moved since its device was asked (> 0): ask again. */
	}
}
