/* Sockets without blocking: select's question for the `sock` device (devsock_poll), the
 * O_NONBLOCK flag as the server's MSG_DONTWAIT, and getsockopt. */

#include <inc/lib.h>
#include <inc/ns.h>

static_assert(FD_POLL_IN == NS_POLL_IN && FD_POLL_OUT == NS_POLL_OUT
	      && FD_POLL_ERR == NS_POLL_ERR, "select's events are the server's");
static_assert(sizeof(struct ns_wake) <= PGSIZE, "the wake page holds struct ns_wake");


int
sock_dontwait(int s)
{
	struct Fd *fd;

	if (fd_lookup(s, &fd) < 0)
		return 0;
	return (fd->fd_omode & O_NONBLOCK) ? MSG_DONTWAIT : 0;
}

/*
 * select's question (inc/fd.h: dev_poll), asked of the server (NSREQ_POLL), with the wake
 * page's protocol (inc/ns.h): counted in the nw_waiting of what it asks, nw_seq read, then the
 * poll; if nothing is ready, the caller waits for nw_seq to move.  The first time, the descriptor's data page is
 * given to the server as its wake page (another environment sharing the descriptor may have
 * done so already: -E_BUSY, the same page; a server short of page slots: -E_NO_MEM, which
 * select returns).  A socket the server no longer knows (closed by another environment
 * meanwhile) is ready every way asked, with FD_POLL_ERR: the call on it reports why.
 */
int
devsock_poll(struct Fd *fd, int events, struct wait_item *wi, volatile uint32_t **waiting)
{
	struct ns_wake *w = (struct ns_wake *) fd2data(fd);
	int r;

	if (!fd->fd_sock.watched) {
		r = nsipc_watch(fd->fd_sock.sockid, w);
		if (r == -E_INVAL)	/* no such socket any more */
			return events | FD_POLL_ERR;
		if (r < 0 && r != -E_BUSY)
			return r;	/* no server, or it is short of page slots */
		fd->fd_sock.watched = 1;
	}
	volatile uint32_t *count = &w->nw_waiting[events == FD_POLL_IN ? NS_WAIT_IN
		: events == FD_POLL_OUT ? NS_WAIT_OUT : NS_WAIT_ANY];
	__sync_fetch_and_add(count, 1);		/* a full barrier before the read */
	uint32_t seq = w->nw_seq;
	if ((r = nsipc_poll(fd->fd_sock.sockid, events)) != 0) {
		__sync_fetch_and_sub(count, 1);
		return r < 0 ? events | FD_POLL_ERR : r;
	}
	wi->wi_kind = WAIT_WORD;
	wi->wi_va = (uintptr_t) &w->nw_seq;
	wi->wi_val = seq;
	wi->wi_ref = WAIT_REF_ANY;
	*waiting = count;
	return 0;
}

int
getsockopt(int s, int level, int optname, void *optval, socklen_t *optlen)
{
	struct Fd *fd;
	int r;

	if ((r = fd_lookup(s, &fd)) < 0)
		return r;
	if (fd->fd_dev_id != DEV_ID_SOCK)
		return -E_NOT_SUPP;
	if (!optval || !optlen || *optlen != sizeof(int))
		return -E_INVAL;
	return nsipc_getsockopt(fd->fd_sock.sockid, level, optname, (int *) optval);
}
