/* BSD-style sockets for user programs: each socket is a file descriptor of the `sock` device,
 * whose operations are socket requests to the network server (lib/nsipc.c). */

#include <inc/lib.h>
#include <inc/fd.h>

/*
 * A socket descriptor holds the server's socket id (fd_sock.sockid).  The descriptor page is
 * shared with children by fork and spawn (like every descriptor), and the server lets children
 * use their parent's sockets (inc/ns.h).  Only the last environment to close a shared socket
 * descriptor closes the socket in the server: while another still maps the descriptor page,
 * close only drops this environment's mapping.
 */

static ssize_t devsock_read(struct Fd *fd, void *buf, size_t n);
static ssize_t devsock_write(struct Fd *fd, const void *buf, size_t n);
static int devsock_close(struct Fd *fd);
static int devsock_stat(struct Fd *fd, struct Stat *stat);

struct Dev devsock = {
	.dev_id = DEV_ID_SOCK,
	.dev_name = "sock",
	.dev_read = devsock_read,
	.dev_write = devsock_write,
	.dev_close = devsock_close,
	.dev_stat = devsock_stat,
	.dev_poll = devsock_poll,	/* lib/sockpoll.c */
};

/* The server's socket id behind descriptor fdnum, or -E_* (bad descriptor, not a socket). */
int
fd2sockid(int fdnum)
{
	struct Fd *fd;
	int r;

	if ((r = fd_lookup(fdnum, &fd)) < 0)
		return r;
	if (fd->fd_dev_id != devsock.dev_id)
		return -E_NOT_SUPP;
	return fd->fd_sock.sockid;
}

/* A new descriptor for the server's socket sockid; on failure the socket is closed.  Its data
 * page, the wake page select gives the server (inc/fd.h: struct FdSock), is mapped now, before
 * the descriptor, so that every environment sharing the descriptor shares it too. */
static int
alloc_sockfd(int sockid)
{
	struct Fd *fd;
	int r;

	if ((r = fd_alloc(&fd)) < 0
	    || (r = sys_page_alloc(0, fd2data(fd), PTE_P | PTE_W | PTE_U | PTE_SHARE)) < 0) {
		nsipc_close(sockid);
		return r;
	}
	if ((r = sys_page_alloc(0, fd, PTE_P | PTE_W | PTE_U | PTE_SHARE)) < 0) {
		sys_page_unmap(0, fd2data(fd));
		nsipc_close(sockid);
		return r;
	}
	fd->fd_dev_id = devsock.dev_id;
	fd->fd_omode = O_RDWR;
	fd->fd_sock.sockid = sockid;
	return fd2num(fd);
}

int
socket(int domain, int type, int protocol)
{
	int r;

	if ((r = nsipc_socket(domain, type, protocol)) < 0)
		return r;
	return alloc_sockfd(r);
}

int
bind(int s, const struct sockaddr *addr, socklen_t addrlen)
{
	int r;

	if ((r = fd2sockid(s)) < 0)
		return r;
	return nsipc_bind(r, addr, addrlen);
}

int
listen(int s, int backlog)
{
	int r;

	if ((r = fd2sockid(s)) < 0)
		return r;
	return nsipc_listen(r, backlog);
}

int
accept(int s, struct sockaddr *addr, socklen_t *addrlen)
{
	int r;

	if ((r = fd2sockid(s)) < 0)
		return r;
	if ((r = nsipc_accept_flags(r, addr, addrlen, sock_dontwait(s))) < 0)
		return r;
	return alloc_sockfd(r);
}

int
connect(int s, const struct sockaddr *addr, socklen_t addrlen)
{
	int r;

	if ((r = fd2sockid(s)) < 0)
		return r;
	return nsipc_connect_flags(r, addr, addrlen, sock_dontwait(s));
}

ssize_t
send(int s, const void *buf, size_t len, int flags)
{
	int r;

	if ((r = fd2sockid(s)) < 0)
		return r;
	return nsipc_send(r, buf, len, flags | sock_dontwait(s));
}

ssize_t
recv(int s, void *buf, size_t len, int flags)
{
	int r;

	if ((r = fd2sockid(s)) < 0)
		return r;
	return nsipc_recv(r, buf, len, flags | sock_dontwait(s));
}

/* A datagram to `to`, or to the connected peer when to is NULL (as send). */
ssize_t
sendto(int s, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
	int r;

	if ((r = fd2sockid(s)) < 0)
		return r;
	if (!to)
		return nsipc_send(r, buf, len, flags);
	return nsipc_sendto(r, buf, len, flags, to, tolen);
}

/* One datagram and its sender (net/nsdgram.c: MSG_TRUNC reports a datagram cut to len); with
 * from NULL, as recv (a stream socket too). */
ssize_t
recvfrom(int s, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	int r;

	if ((r = fd2sockid(s)) < 0)
		return r;
	flags |= sock_dontwait(s);
	if (!from)
		return nsipc_recv(r, buf, len, flags);
	return nsipc_recvfrom(r, buf, len, flags, from, fromlen);
}

int
shutdown(int s, int how)
{
	int r;

	if ((r = fd2sockid(s)) < 0)
		return r;
	return nsipc_shutdown(r, how);
}

int
getsockname(int s, struct sockaddr *addr, socklen_t *addrlen)
{
	int r;

	if ((r = fd2sockid(s)) < 0)
		return r;
	return nsipc_getsockname(r, addr, addrlen);
}

int
getpeername(int s, struct sockaddr *addr, socklen_t *addrlen)
{
	int r;

	if ((r = fd2sockid(s)) < 0)
		return r;
	return nsipc_getpeername(r, addr, addrlen);
}

int
setsockopt(int s, int level, int optname, const void *optval, socklen_t optlen)
{
	int r;

	if ((r = fd2sockid(s)) < 0)
		return r;
	if (!optval || optlen != sizeof(int))
		return -E_INVAL;
	return nsipc_setsockopt(r, level, optname, *(const int *) optval);
}

/* ---- The device ------------------------------------------------------------------------------ */

static ssize_t
devsock_read(struct Fd *fd, void *buf, size_t n)
{
	return nsipc_recv(fd->fd_sock.sockid, buf, n, sock_dontwait(fd2num(fd)));
}

static ssize_t
devsock_write(struct Fd *fd, const void *buf, size_t n)
{
	return nsipc_send(fd->fd_sock.sockid, buf, n, sock_dontwait(fd2num(fd)));
}

static int
devsock_close(struct Fd *fd)
{
	if (pageref(fd) == 1)
		return nsipc_close(fd->fd_sock.sockid);
	return 0;
}

static int
devsock_stat(struct Fd *fd, struct Stat *stat)
{
	(void) fd;
	strcpy(stat->st_name, "<sock>");
	return 0;
}
