/* The client side of the network server's socket requests (inc/ns.h): one function per
 * request, marshalling it into this environment's request page and waiting for the answer. */

#include <inc/lib.h>
#include <inc/ns.h>

/* The request page, shared with the server during each request.  A forked child gets its own
 * copy (copy-on-write) once it writes a request. */
static union nsipc nsipcbuf;

/*
 * Send request code with nsipcbuf and wait for the server's answer (ipc_call: IPCs from others
 * that arrive meanwhile are dropped).  Returns the answer, or -E_BAD_ENV if there is no network
 * server.
 */
/* The network server, found once (as lib/file.c's file server). */
static envid_t ns;

static int
nsipc(uint32_t code)
{
	if (!ipc_server(ENV_TYPE_NS, &ns))
		return -E_BAD_ENV;
	return ipc_call(ns, code, &nsipcbuf, PTE_P | PTE_U | PTE_W, NULL, NULL);
}

int
nsipc_socket(int domain, int type, int protocol)
{
	nsipcbuf.socket.domain = domain;
	nsipcbuf.socket.type = type;
	nsipcbuf.socket.protocol = protocol;
	return nsipc(NSREQ_SOCKET);
}

static int
nsipc_addr(uint32_t code, int s, const struct sockaddr *addr, socklen_t addrlen, int flags)
{
	if (addrlen < sizeof(struct sockaddr_in))
		return -E_INVAL;
	nsipcbuf.bind.sock = s;
	memcpy(&nsipcbuf.bind.addr, addr, sizeof(struct sockaddr_in));
	nsipcbuf.bind.addrlen = addrlen;
	nsipcbuf.connect.flags = flags;
	return nsipc(code);
}

int
nsipc_bind(int s, const struct sockaddr *addr, socklen_t addrlen)
{
	return nsipc_addr(NSREQ_BIND, s, addr, addrlen, 0);
}

int
nsipc_connect(int s, const struct sockaddr *addr, socklen_t addrlen)
{
	return nsipc_connect_flags(s, addr, addrlen, 0);
}

int
nsipc_connect_flags(int s, const struct sockaddr *addr, socklen_t addrlen, int flags)
{
	return nsipc_addr(NSREQ_CONNECT, s, addr, addrlen, flags);
}

int
nsipc_listen(int s, int backlog)
{
	nsipcbuf.listen.sock = s;
	nsipcbuf.listen.backlog = backlog;
	return nsipc(NSREQ_LISTEN);
}

/* Copy the address the server wrote into the page out to the caller's buffer, BSD style:
 * at most *addrlen bytes, and *addrlen set to the full size. */
static void
addr_out(struct sockaddr *addr, socklen_t *addrlen)
{
	if (addr && addrlen) {
		memcpy(addr, &nsipcbuf.accepted.addr,
		       MIN(*addrlen, (socklen_t) sizeof(struct sockaddr_in)));
		*addrlen = sizeof(struct sockaddr_in);
	}
}

int
nsipc_accept(int s, struct sockaddr *addr, socklen_t *addrlen)
{
	return nsipc_accept_flags(s, addr, addrlen, 0);
}

int
nsipc_accept_flags(int s, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	int r;

	nsipcbuf.sock.sock = s;
	nsipcbuf.sock.flags = flags;
	if ((r = nsipc(NSREQ_ACCEPT)) >= 0)
		addr_out(addr, addrlen);
	return r;
}

static int
nsipc_getname(uint32_t code, int s, struct sockaddr *addr, socklen_t *addrlen)
{
	int r;

	nsipcbuf.sock.sock = s;
	if ((r = nsipc(code)) >= 0)
		addr_out(addr, addrlen);
	return r;
}

int
nsipc_getsockname(int s, struct sockaddr *addr, socklen_t *addrlen)
{
	return nsipc_getname(NSREQ_GETSOCKNAME, s, addr, addrlen);
}

int
nsipc_getpeername(int s, struct sockaddr *addr, socklen_t *addrlen)
{
	return nsipc_getname(NSREQ_GETPEERNAME, s, addr, addrlen);
}

/* Receive up to len bytes (one request: at most NSIPC_DATA_MAX).  The bytes come in the request
 * page and are copied to buf here: the copy on the client side. */
ssize_t
nsipc_recv(int s, void *buf, size_t len, int flags)
{
	size_t room = MIN(len, (size_t) NSIPC_DATA_MAX);
	int r;

	nsipcbuf.data.sock = s;
	nsipcbuf.data.len = room;
	nsipcbuf.data.flags = flags;
	if ((r = nsipc(NSREQ_RECV)) > 0)	/* MSG_TRUNC: r may exceed what came */
		memcpy(buf, nsipcbuf.data.data, MIN((size_t) r, room));
	return r;
}

/* Send all len bytes, a page-sized request at a time (each copied into the request page: the
 * copy on the client side).  Returns len, or the error of the first request that failed if it
 * was the first, else the bytes sent before it. */
ssize_t
nsipc_send(int s, const void *buf, size_t len, int flags)
{
	size_t done = 0;

	/* At least one request: an empty datagram is a datagram. */
	do {
		size_t n = MIN(len - done, (size_t) NSIPC_DATA_MAX);
		int r;
		nsipcbuf.data.sock = s;
		nsipcbuf.data.len = n;
		nsipcbuf.data.flags = flags;
		memcpy(nsipcbuf.data.data, (const char *) buf + done, n);
		if ((r = nsipc(NSREQ_SEND)) < 0)
			return done ? (ssize_t) done : r;
		if (r == 0)
			break;
		done += r;
	} while (done < len);
	return done;
}

/* One datagram of len bytes to addr (net/nsdgram.c says what is refused).  The bytes are
 * copied into the request page; a datagram longer than a request is refused here. */
ssize_t
nsipc_sendto(int s, const void *buf, size_t len, int flags, const struct sockaddr *addr,
	     socklen_t addrlen)
{
	if (len > NSIPC_DGRAM_MAX || !addr)
		return -E_INVAL;
	nsipcbuf.dgram.sock = s;
	nsipcbuf.dgram.len = len;
	nsipcbuf.dgram.flags = flags;
	/* The server judges the length (a short one is -E_INVAL); only what is there is read. */
	nsipcbuf.dgram.addrlen = addrlen;
	memset(&nsipcbuf.dgram.addr, 0, sizeof(struct sockaddr_in));
	memcpy(&nsipcbuf.dgram.addr, addr, MIN(addrlen, (socklen_t) sizeof(struct sockaddr_in)));
	memcpy(nsipcbuf.dgram.data, buf, len);
	return nsipc(NSREQ_SENDTO);
}

/* One datagram into buf (at most len bytes of it; MSG_TRUNC: the result is its whole length),
 * its sender into *addr as addr_out does. */
ssize_t
nsipc_recvfrom(int s, void *buf, size_t len, int flags, struct sockaddr *addr,
	       socklen_t *addrlen)
{
	size_t room = MIN(len, (size_t) NSIPC_DGRAM_MAX);
	int r;

	nsipcbuf.dgram.sock = s;
	nsipcbuf.dgram.len = room;
	nsipcbuf.dgram.flags = flags;
	if ((r = nsipc(NSREQ_RECVFROM)) < 0)
		return r;
	memcpy(buf, nsipcbuf.dgram.data, MIN((size_t) r, room));
	if (addr && addrlen) {
		memcpy(addr, &nsipcbuf.dgram.addr,
		       MIN(*addrlen, (socklen_t) sizeof(struct sockaddr_in)));
		*addrlen = sizeof(struct sockaddr_in);
	}
	return r;
}

ssize_t
nsipc_send_pages(int s, const void *pages, uint32_t off, size_t len)
{
	return nsipc_send_pages_flags(s, pages, off, len, 0);
}

ssize_t
nsipc_send_pages_flags(int s, const void *pages, uint32_t off, size_t len, int flags)
{
	uintptr_t vas[IPC_PAGES_MAX];
	uint32_t n = ROUNDUP(off + len, PGSIZE) / PGSIZE;

	if ((uintptr_t) pages % PGSIZE != 0 || off >= PGSIZE || len == 0 || n > IPC_PAGES_MAX - 1)
		return -E_INVAL;
	if (!ipc_server(ENV_TYPE_NS, &ns))
		return -E_BAD_ENV;
	nsipcbuf.data.sock = s;
	nsipcbuf.data.len = len;
	nsipcbuf.data.flags = flags;
	nsipcbuf.data.off = off;
	vas[0] = (uintptr_t) &nsipcbuf;
	for (uint32_t i = 0; i < n; i++)
		vas[1 + i] = (uintptr_t) pages + i * PGSIZE;
	/* Read-only: the data pages may be lent file pages; the answer is the value alone. */
	int r = ipc_call_pages(ns, NSREQ_SEND, vas, 1 + n, PTE_P | PTE_U, NULL, 0, NULL,
			       NULL);
	if (r == -E_AGAIN) {
		/* The server had fewer slots free than we bring: half at a time, down to the copy
		 * through the request page. */
		size_t first = (n - 1) * PGSIZE - off;
		if (n == 1)
			return nsipc_send(s, (const char *) pages + off, len, 0);
		return nsipc_send_pages_flags(s, pages, off, first, flags);
	}
	return r;
}

int
nsipc_close(int s)
{
	nsipcbuf.sock.sock = s;
	return nsipc(NSREQ_CLOSE);
}

int
nsipc_shutdown(int s, int how)
{
	nsipcbuf.shutdown.sock = s;
	nsipcbuf.shutdown.how = how;
	return nsipc(NSREQ_SHUTDOWN);
}

int
nsipc_setsockopt(int s, int level, int name, int value)
{
	nsipcbuf.setsockopt.sock = s;
	nsipcbuf.setsockopt.level = level;
	nsipcbuf.setsockopt.name = name;
	nsipcbuf.setsockopt.value = value;
	return nsipc(NSREQ_SETSOCKOPT);
}

static int
nsipc_stats_req(struct ns_stats *st, bool quiet, bool state)
{
	int r;

	/* Writing the page first also matters: in a forked child it is still copy-on-write
	 * (read-only), and the kernel would refuse to lend it with PTE_W. */
	nsipcbuf.stats_req.quiet = quiet;
	nsipcbuf.stats_req.state = state;
	if ((r = nsipc(NSREQ_STATS)) >= 0 && st)
		memcpy(st, &nsipcbuf.stats, sizeof(*st));
	return r;
}

/* The server's counters, printed on the console by the server. */
int
nsipc_stats(struct ns_stats *st)
{
	return nsipc_stats_req(st, false, false);
}

/* The same without printing: for programs that watch a counter. */
int
nsipc_stats_quiet(struct ns_stats *st)
{
	return nsipc_stats_req(st, true, false);
}

/* The server's state, printed on the console by the server: each socket with its connection's
 * state, each of its threads and what it waits on (nsstat -s; a test that finds itself stuck). */
int
nsipc_state_print(void)
{
	return nsipc_stats_req(NULL, true, true);
}

/* Give the server the wake page at page (a page of ours, mapped writable) for socket s: the
 * server keeps it, and bumps its struct ns_wake at every event of the socket (inc/ns.h).  The
 * page goes as the request page itself, so it carries the request. */
int
nsipc_watch(int s, void *page)
{
	union nsipc *req = page;

	if (!ipc_server(ENV_TYPE_NS, &ns))
		return -E_BAD_ENV;
	req->sock.sock = s;
	req->sock.flags = 0;
	return ipc_call(ns, NSREQ_WATCH, req, PTE_P | PTE_U | PTE_W, NULL, NULL);
}

/* The NS_POLL_* events of socket s among events that are ready now (never waits). */
int
nsipc_poll(int s, int events)
{
	nsipcbuf.poll.sock = s;
	nsipcbuf.poll.events = events;
	return nsipc(NSREQ_POLL);
}

int
nsipc_getsockopt(int s, int level, int name, int *value)
{
	int r;

	nsipcbuf.sockopt.sock = s;
	nsipcbuf.sockopt.level = level;
	nsipcbuf.sockopt.name = name;
	if ((r = nsipc(NSREQ_GETSOCKOPT)) >= 0)
		*value = nsipcbuf.sockopt.value;
	return r;
}
