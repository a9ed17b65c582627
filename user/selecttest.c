/* selecttest: select over a socket, a pipe and the console at once, waking for each; its
 * timeout; non-blocking sockets and their errors; socket options read back; hostile calls.
 * The grader (grade-lab6, test `select`) types on the console and connects from the host at
 * the lines it waits for, and measures QEMU's CPU while the first select waits. */

#include <inc/lib.h>

#define SELECTTEST_PORT		7	/* forwarded from the host (make which-ports) */
#define SELECTTEST_CLOSED_PORT	9	/* nothing listens there */
#define SELECTTEST_TIMEOUT_MS	300
#define SELECTTEST_LOOP_PORT	8007	/* a connection to ourselves */
#define SELECTTEST_UDP_PORT	8009	/* a datagram to ourselves */
#define SELECTTEST_SEND_MAX	1000	/* sends that must fill a connection nobody reads */

static int cons, listener, pipe_rd, pipe_wr;

/* Block until environment e is blocked in sys_wait_any (a child that must act only once its
 * parent waits, to show that the act wakes the wait).  There is no event for "another
 * environment went to sleep", so this looks and yields; it runs only in the test's children,
 * outside the idle measurement. */
static void
await_waiting(envid_t e)
{
	const volatile struct Env *env = &envs[ENVX(e)];

	while (!(env->env_status == ENV_NOT_RUNNABLE && env->env_wait == ENV_WAIT_ANY))
		sys_yield();
}

/* select on the listener, the pipe's read end and the console for reading, without a
 * timeout; print which were ready, and check that it was exactly `want`. */
static void
select_three(const char *want)
{
	fd_set rd;
	int r;

	FD_ZERO(&rd);
	FD_SET(listener, &rd);
	FD_SET(pipe_rd, &rd);
	FD_SET(cons, &rd);
	if ((r = select(MAX(listener, MAX(pipe_rd, cons)) + 1, &rd, NULL, NULL, NULL)) < 0)
		panic("select: %e", r);
	cprintf("selecttest: ready (%d):%s%s%s\n", r,
		FD_ISSET(cons, &rd) ? " console" : "", FD_ISSET(pipe_rd, &rd) ? " pipe" : "",
		FD_ISSET(listener, &rd) ? " socket" : "");
	if (r != 1 || !strstr(want, FD_ISSET(cons, &rd) ? "console"
			       : FD_ISSET(pipe_rd, &rd) ? "pipe" : "socket"))
		panic("select woke for the wrong descriptor (wanted the %s)", want);
}

static int
tcp_socket(void)
{
	int s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);

	if (s < 0)
		panic("socket: %e", s);
	return s;
}

/* The three wakes, one at a time: the console (the grader types 'c'), the pipe (a child writes
 * it once this environment waits), the socket (the grader connects). */
static void
wake_each(void)
{
	char c;
	int r;

	cprintf("selecttest: waiting on the socket, the pipe and the console\n");
	select_three("console");
	if ((r = read(cons, &c, 1)) != 1)
		panic("read console: %e", r);
	cprintf("selecttest: console gave '%c'\n", c);

	envid_t parent = sys_getenvid(), child;
	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0) {
		await_waiting(parent);
		if ((r = write(pipe_wr, "p", 1)) != 1)
			panic("write pipe: %e", r);
		exit();
	}
	select_three("pipe");
	if ((r = read(pipe_rd, &c, 1)) != 1)
		panic("read pipe: %e", r);
	cprintf("selecttest: pipe gave '%c'\n", c);
	wait(child);

	cprintf("selecttest: waiting for a connection\n");
	select_three("socket");
}

/* The connection the grader opened: non-blocking calls before its data, then select for it. */
static int
serve_connection(void)
{
	char buf[64];
	int c, r;

	if ((c = accept(listener, NULL, NULL)) < 0)
		panic("accept: %e", c);
	if ((r = fcntl(listener, F_SETFL, O_NONBLOCK)) < 0)
		panic("fcntl: %e", r);
	cprintf("selecttest: non-blocking accept with none waiting: %e\n",
		accept(listener, NULL, NULL));
	if ((r = fcntl(c, F_SETFL, fcntl(c, F_GETFL, 0) | O_NONBLOCK)) < 0)
		panic("fcntl: %e", r);
	cprintf("selecttest: non-blocking recv with no data: %e\n", recv(c, buf, sizeof(buf), 0));
	cprintf("selecttest: non-blocking read with no data: %e\n", read(c, buf, sizeof(buf)));

	/* Writable at once, readable once the grader sends. */
	fd_set rd, wr;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(c, &wr);
	r = select(c + 1, NULL, &wr, NULL, NULL);
	cprintf("selecttest: connection writable: %d %d\n", r, FD_ISSET(c, &wr));
	cprintf("selecttest: waiting for data\n");
	FD_SET(c, &rd);
	r = select(c + 1, &rd, NULL, NULL, NULL);
	r = recv(c, buf, sizeof(buf) - 1, 0);
	buf[MAX(r, 0)] = 0;
	cprintf("selecttest: data ready: %d '%s'\n", r, buf);
	return c;
}

/* Timeouts: select's, SO_RCVTIMEO's; options read back. */
static void
timeouts(int c)
{
	struct timeval tv = { 0, SELECTTEST_TIMEOUT_MS * 1000 };
	int v = 200, r;
	socklen_t len = sizeof(v);
	fd_set rd;

	FD_ZERO(&rd);
	FD_SET(pipe_rd, &rd);
	FD_SET(c, &rd);
	uint32_t t0 = sys_time_msec();
	r = select(MAX(pipe_rd, c) + 1, &rd, NULL, NULL, &tv);
	cprintf("selecttest: select timeout: %d after %u ms, sets %d %d\n", r,
		sys_time_msec() - t0, FD_ISSET(pipe_rd, &rd), FD_ISSET(c, &rd));
	tv.tv_usec = 0;
	FD_SET(pipe_rd, &rd);
	cprintf("selecttest: select zero timeout: %d\n",
		select(pipe_rd + 1, &rd, NULL, NULL, &tv));

	if ((r = fcntl(c, F_SETFL, O_RDWR)) < 0)	/* blocking again */
		panic("fcntl: %e", r);
	if ((r = setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &v, sizeof(v))) < 0)
		panic("setsockopt: %e", r);
	v = 0;
	getsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &v, &len);
	cprintf("selecttest: SO_RCVTIMEO reads back: %d\n", v);
	t0 = sys_time_msec();
	r = recv(c, &v, 1, 0);
	cprintf("selecttest: recv past SO_RCVTIMEO: %e\n", r);
	v = 150;
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &v, sizeof(v));
	v = -1;
	getsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &v, &len);
	cprintf("selecttest: SO_SNDTIMEO reads back: %d\n", v);
	getsockopt(c, SOL_SOCKET, SO_TYPE, &v, &len);
	cprintf("selecttest: SO_TYPE: %s\n", v == SOCK_STREAM ? "stream" : "other");
	getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &len);
	cprintf("selecttest: SO_ERROR of a good connection: %d\n", v);
	cprintf("selecttest: getsockopt of an unknown option: %e\n",
		getsockopt(c, SOL_SOCKET, 0x7777, &v, &len));
}

/* Connections refused: blocking, and non-blocking with select and SO_ERROR. */
static void
refused(void)
{
	struct sockaddr_in a;
	int s = tcp_socket(), v = 0, r;
	socklen_t len = sizeof(v);
	fd_set wr;

	a = sockaddr_in_of(INADDR_LOOPBACK, SELECTTEST_CLOSED_PORT);
	cprintf("selecttest: blocking connect to a closed port: %e\n",
		connect(s, (struct sockaddr *) &a, sizeof(a)));
	close(s);

	s = tcp_socket();
	fcntl(s, F_SETFL, O_NONBLOCK);
	cprintf("selecttest: non-blocking connect: %e\n",
		connect(s, (struct sockaddr *) &a, sizeof(a)));
	FD_ZERO(&wr);
	FD_SET(s, &wr);
	r = select(s + 1, NULL, &wr, NULL, NULL);
	getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len);
	cprintf("selecttest: select after it: %d %d, SO_ERROR: %e\n", r, FD_ISSET(s, &wr), v);
	getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len);
	cprintf("selecttest: SO_ERROR read again: %d\n", v);
	close(s);
}

/* A connection to ourselves whose other end does not read: non-blocking sends fill it, then
 * -E_AGAIN; a blocking send with SO_SNDTIMEO gives -E_TIMEOUT; a select for writing wakes once
 * a child reads everything; then the other end closes with a byte unread, a reset. */
static void
send_full(void)
{
	static char buf[4096];
	struct sockaddr_in a;
	int l = tcp_socket(), s = tcp_socket(), c, r, v = 150, i;
	size_t sent = 0;
	fd_set wr;

	a = sockaddr_in_of(INADDR_LOOPBACK, SELECTTEST_LOOP_PORT);
	if ((r = bind(l, (struct sockaddr *) &a, sizeof(a))) < 0 || (r = listen(l, 1)) < 0
	    || (r = connect(s, (struct sockaddr *) &a, sizeof(a))) < 0
	    || (r = c = accept(l, NULL, NULL)) < 0)
		panic("loopback connection: %e", r);
	fcntl(s, F_SETFL, O_NONBLOCK);
	for (i = 0; i < SELECTTEST_SEND_MAX && (r = send(s, buf, sizeof(buf), 0)) > 0; i++)
		sent += r;
	cprintf("selecttest: non-blocking send once full: %e (after %s)\n", r,
		sent > 0 ? "some bytes" : "nothing");
	fcntl(s, F_SETFL, 0);
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &v, sizeof(v));
	cprintf("selecttest: blocking send past SO_SNDTIMEO: %e\n", send(s, buf, 1, 0));

	envid_t parent = sys_getenvid(), child;
	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0) {
		await_waiting(parent);
		for (size_t got = 0; got < sent; got += r)
			if ((r = recv(c, buf, sizeof(buf), 0)) <= 0)
				panic("recv after %u of %u bytes: %e", got, sent, r);
		exit();
	}
	FD_ZERO(&wr);
	FD_SET(s, &wr);
	r = select(s + 1, NULL, &wr, NULL, NULL);
	cprintf("selecttest: writable once the other end reads: %d %d\n", r, FD_ISSET(s, &wr));
	wait(child);

	/* The other end closes with a byte unread: lwIP resets the connection (RFC 1122
	 * 4.2.2.13), which wakes a select for reading, and the recv reports it. */
	if ((r = send(s, "x", 1, 0)) != 1)
		panic("send: %e", r);
	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0) {
		await_waiting(parent);
		close(c);
		exit();
	}
	close(c);
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(s, &rd);
	r = select(s + 1, &rd, NULL, NULL, NULL);
	cprintf("selecttest: reset by the other end: select %d %d, recv: %e\n", r,
		FD_ISSET(s, &rd), recv(s, buf, 1, 0));
	wait(child);
	close(s);
	close(l);
}

/* A datagram socket: select wakes when a child sends it a datagram; its type reads back. */
static void
datagram(void)
{
	struct sockaddr_in a;
	int u = socket(AF_INET, SOCK_DGRAM, 0), v = 0, r;
	socklen_t len = sizeof(v);
	char buf[16];
	fd_set rd;

	a = sockaddr_in_of(INADDR_LOOPBACK, SELECTTEST_UDP_PORT);
	if (u < 0 || (r = bind(u, (struct sockaddr *) &a, sizeof(a))) < 0)
		panic("udp socket: %e", u < 0 ? u : r);
	getsockopt(u, SOL_SOCKET, SO_TYPE, &v, &len);
	envid_t parent = sys_getenvid(), child;
	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0) {
		int o = socket(AF_INET, SOCK_DGRAM, 0);
		await_waiting(parent);
		if ((r = sendto(o, "dgram", 5, 0, (struct sockaddr *) &a, sizeof(a))) != 5)
			panic("sendto: %e", r);
		exit();
	}
	FD_ZERO(&rd);
	FD_SET(u, &rd);
	r = select(u + 1, &rd, NULL, NULL, NULL);
	int n = recv(u, buf, sizeof(buf) - 1, 0);
	buf[MAX(n, 0)] = 0;
	cprintf("selecttest: datagram socket (%s): select %d %d, recv %d '%s'\n",
		v == SOCK_DGRAM ? "dgram" : "other", r, FD_ISSET(u, &rd), n, buf);
	wait(child);
	close(u);
}

/* Another environment closes, in the server, a socket this one selects on: the select wakes,
 * and the descriptor is ready, its calls saying why. */
static void
closed_meanwhile(int c)
{
	envid_t parent = sys_getenvid(), child;
	struct Fd *fd;
	fd_set rd;
	char b;
	int r;

	if ((r = fd_lookup(c, &fd)) < 0)
		panic("fd_lookup: %e", r);
	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0) {
		await_waiting(parent);
		nsipc_close(fd->fd_sock.sockid);
		exit();
	}
	FD_ZERO(&rd);
	FD_SET(c, &rd);
	r = select(c + 1, &rd, NULL, NULL, NULL);
	cprintf("selecttest: socket closed by another environment: select %d %d, recv: %e\n", r,
		FD_ISSET(c, &rd), recv(c, &b, 1, 0));
	wait(child);
	close(c);
}

/* A child blocked in select on a socket is destroyed: the server holds nothing for it, and
 * answers the next poll at once. */
static void
destroyed_waiting(void)
{
	envid_t child;
	int r;

	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0) {
		fd_set rd;
		FD_ZERO(&rd);
		FD_SET(listener, &rd);
		select(listener + 1, &rd, NULL, NULL, NULL);
		panic("the select of a destroyed child returned");
	}
	await_waiting(child);
	if ((r = sys_env_destroy(child)) < 0)
		panic("destroy: %e", r);
	wait(child);
	fd_set rd;
	struct timeval tv = { 0, 0 };
	FD_ZERO(&rd);
	FD_SET(listener, &rd);
	cprintf("selecttest: select after a selecting child was destroyed: %d\n",
		select(listener + 1, &rd, NULL, NULL, &tv));
}

/* Bad arguments: every one an error, nothing changed, nothing blocked. */
static void
hostile(void)
{
	struct wait_item wi[WAIT_ANY_MAX + 1];
	uint32_t word = 0;
	fd_set rd;

	memset(wi, 0, sizeof(wi));
	wi[0] = (struct wait_item) { WAIT_WORD, (uintptr_t) &word, 1, WAIT_REF_ANY, 0 };
	int r = sys_wait_any(wi, 1, 0, 0);
	cprintf("selecttest: wait_any ready word: %d %d\n", r, wi[0].wi_ready);
	cprintf("selecttest: wait_any on a kernel address: %e\n",
		sys_wait_any((struct wait_item *) KERNBASE, 1, 0, 0));
	cprintf("selecttest: wait_any on a read-only array: %e\n",
		sys_wait_any((struct wait_item *) UENVS, 1, 0, 0));
	cprintf("selecttest: wait_any of too many items: %e\n",
		sys_wait_any(wi, WAIT_ANY_MAX + 1, 0, 0));
	cprintf("selecttest: wait_any of nothing for ever: %e\n", sys_wait_any(wi, 0, 0, 0));
	cprintf("selecttest: wait_any with unknown flags: %e\n", sys_wait_any(wi, 1, 0x100, 0));
	wi[0].wi_ready = 7;		/* a refused call writes nothing */
	wi[1] = (struct wait_item) { 77, 0, 0, 0, 0 };
	cprintf("selecttest: wait_any of an unknown kind: %e\n", sys_wait_any(wi, 2, 0, 0));
	wi[1] = (struct wait_item) { WAIT_WORD, (uintptr_t) &word + 1, 0, 0, 0 };
	cprintf("selecttest: wait_any on a misaligned word: %e\n", sys_wait_any(wi, 2, 0, 0));
	wi[1].wi_va = UTOP;
	cprintf("selecttest: wait_any on a word above UTOP: %e\n", sys_wait_any(wi, 2, 0, 0));
	wi[1].wi_va = 0x10000;
	cprintf("selecttest: wait_any on an unmapped word: %e\n", sys_wait_any(wi, 2, 0, 0));
	cprintf("selecttest: wait_any left the first item: %d\n", wi[0].wi_ready);

	FD_ZERO(&rd);
	FD_SET(pipe_rd, &rd);
	cprintf("selecttest: select of 1000 descriptors: %e\n",
		select(1000, &rd, NULL, NULL, NULL));
	cprintf("selecttest: select of -1 descriptors: %e\n", select(-1, &rd, NULL, NULL, NULL));
	FD_SET(30, &rd);
	cprintf("selecttest: select of a closed descriptor: %e\n",
		select(31, &rd, NULL, NULL, NULL));
	struct timeval tv = { 0, 1000000 };
	FD_CLR(30, &rd);
	cprintf("selecttest: select with a bad timeout: %e\n",
		select(pipe_rd + 1, &rd, NULL, NULL, &tv));
	cprintf("selecttest: select on nothing for ever: %e\n", select(0, NULL, NULL, NULL, NULL));
	cprintf("selecttest: fcntl on the console: %e\n", fcntl(cons, F_SETFL, O_NONBLOCK));
	cprintf("selecttest: fcntl with a bad command: %e\n", fcntl(pipe_rd, 99, 0));
	fcntl(pipe_rd, F_SETFL, O_NONBLOCK);
	cprintf("selecttest: non-blocking read of an empty pipe: %e\n", read(pipe_rd, &word, 1));
}

void
umain(int argc, char **argv)
{
	struct sockaddr_in a;
	int p[2], r;

	(void) argc;
	(void) argv;
	binaryname = "selecttest";
	if ((cons = opencons()) < 0)
		panic("opencons: %e", cons);
	if ((r = pipe(p)) < 0)
		panic("pipe: %e", r);
	pipe_rd = p[0];
	pipe_wr = p[1];
	listener = tcp_socket();
	a = sockaddr_in_of(INADDR_ANY, SELECTTEST_PORT);
	if ((r = bind(listener, (struct sockaddr *) &a, sizeof(a))) < 0
	    || (r = listen(listener, 4)) < 0)
		panic("bind/listen: %e", r);
	cprintf("selecttest: listening on port %d\n", SELECTTEST_PORT);

	hostile();
	fcntl(pipe_rd, F_SETFL, O_RDONLY);
	wake_each();
	int c = serve_connection();
	timeouts(c);
	refused();
	send_full();
	datagram();
	closed_meanwhile(c);
	destroyed_waiting();
	cprintf("selecttest: done\n");
}
