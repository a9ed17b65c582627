/* nsbad: malformed and hostile socket requests to the network server.  Each case prints
 * "nsbad: CASE: RESULT"; the grader (test nsbad) checks every result, and that the server still
 * serves well-formed requests afterwards.  Lines "nsbad: port N: ..." ask the grader, on the
 * host, to connect to the guest's port N (through QEMU's forward of PORT7 or PORT80). */

#include <inc/lib.h>
#include <inc/ns.h>

/* This program's result lines (lib/testreport.c). */
static void
report(const char *what, int r)
{
	test_report("nsbad", what, r);
}

static union nsipc req;

/* Send code with page (perm) straight to the server, as a hostile client may, and return its
 * answer. */
static int
raw_request(uint32_t code, void *page, int perm)
{
	envid_t ns = ipc_find_env(ENV_TYPE_NS);

	if (!ns)
		return -E_BAD_ENV;
	return ipc_call(ns, code, page, perm, NULL, NULL);
}

/* A request with data pages after the request page (as nsipc_send_pages sends one). */
static int32_t
raw_pages_request(uint32_t code, void *page, const void *data, uint32_t ndata)
{
	static envid_t ns;
	uintptr_t vas[IPC_PAGES_MAX];

	if (!ipc_server(ENV_TYPE_NS, &ns))
		return -E_BAD_ENV;
	vas[0] = (uintptr_t) page;
	for (uint32_t i = 0; i < ndata; i++)
		vas[1 + i] = (uintptr_t) data + i * PGSIZE;
	return ipc_call_pages(ns, code, vas, 1 + ndata, PTE_P | PTE_U, NULL, 0, NULL, NULL);
}

#define IP4(a, b, c, d)	(((uint32_t) (a) << 24) | ((b) << 16) | ((c) << 8) | (d))
/* An address on QEMU's user network that nobody answers (restrict=on: it stays inside). */
#define UNREACHABLE_IP	IP4(10, 0, 2, 77)
#define NSBAD_HOARD	40	/* connections the non-reader takes and never reads */
#define NSBAD_WAIT_MSEC	20000	/* the most a case waits for the server to get somewhere */

/* A listening TCP socket on port, bound to any address; panics if that fails (the cases that
 * use it are about what comes after). */
static int
listener(uint16_t port, int backlog)
{
	struct sockaddr_in a = sockaddr_in_of(0, port);
	int l, r;

	if ((l = nsipc_socket(AF_INET, SOCK_STREAM, 0)) < 0
	    || (r = nsipc_bind(l, (struct sockaddr *) &a, sizeof(a))) < 0
	    || (r = nsipc_listen(l, backlog)) < 0)
		panic("listener on port %d: %e", port, l < 0 ? l : r);
	return l;
}

/* Ask the host for a connection to l (port 7), take it, echo one line (of more than one
 * segment, so that it travels in frames that hold page slots); report the bytes. */
static void
host_echo(int l, const char *what)
{
	static char line[2 * PGSIZE];
	int n = 0, r, c;

	cprintf("nsbad: port 7: %s\n", what);
	if ((c = nsipc_accept(l, NULL, NULL)) < 0) {
		report(what, c);
		return;
	}
	while (n < (int) sizeof(line) && (n == 0 || line[n - 1] != '\n')) {
		if ((r = nsipc_recv(c, line + n, sizeof(line) - n, 0)) <= 0)
			break;
		n += r;
	}
	r = nsipc_send(c, line, n, 0);
	report(what, r);
	nsipc_close(c);
}

/* Wait until the server's counter *field reaches at least want, polling its statistics (the
 * server offers no event for that); returns 0, -E_TIMEOUT, or the request's error. */
static int
stats_wait(const uint32_t *field, uint32_t want, struct ns_stats *st)
{
	uint32_t start = sys_time_msec();
	int r;

	while ((r = nsipc_stats_quiet(st)) >= 0 && *field < want) {
		if (sys_time_msec() - start > NSBAD_WAIT_MSEC)
			return -E_TIMEOUT;
		sys_sleep_until(sys_time_msec() + 20);
	}
	return r;
}

/* Wait until environment e has sent its request and waits for the answer. */
static int
wait_recving(envid_t e)
{
	uint32_t start = sys_time_msec();

	while (!(envs[ENVX(e)].env_wait & ENV_WAIT_IPC)
	       || envs[ENVX(e)].env_status != ENV_NOT_RUNNABLE) {
		if (sys_time_msec() - start > NSBAD_WAIT_MSEC)
			return -E_TIMEOUT;
		sys_yield();
	}
	return 0;
}

/* setsockopt on a socket whose connection lwIP has freed: an error, never a fault. */
static void
case_refused(void)
{
	struct sockaddr_in a = sockaddr_in_of(IP4(127, 0, 0, 1), 5556);	/* nobody listens */
	int s = nsipc_socket(AF_INET, SOCK_STREAM, 0);

	report("connect refused", nsipc_connect(s, (struct sockaddr *) &a, sizeof(a)));
	report("TCP_NODELAY after a refused connect",
	       nsipc_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, 1));
	report("SO_KEEPALIVE after a refused connect",
	       nsipc_setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, 1));
	report("SO_REUSEADDR after a refused connect",
	       nsipc_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, 1));
	report("close after a refused connect", nsipc_close(s));
}

/* Sockets closed while their connect (to an address that never answers) is in progress: by
 * the owner while a child connects, and by the server when the connecting client is
 * destroyed. */
static void
case_close_connecting(void)
{
	struct sockaddr_in a = sockaddr_in_of(UNREACHABLE_IP, 9);
	struct ns_stats st;
	envid_t child;
	int s, r;

	s = nsipc_socket(AF_INET, SOCK_STREAM, 0);
	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0) {
		report("connect of a socket closed meanwhile",
		       nsipc_connect(s, (struct sockaddr *) &a, sizeof(a)));
		exit();
	}
	if ((r = wait_recving(child)) < 0)
		panic("the connecting child never waited: %e", r);
	report("close while a child connects", nsipc_close(s));
	sys_env_wait(child);

	if ((r = nsipc_stats_quiet(&st)) < 0)
		panic("stats: %e", r);
	uint32_t reaped = st.sockets_reaped;
	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0) {
		int cs = nsipc_socket(AF_INET, SOCK_STREAM, 0);
		nsipc_connect(cs, (struct sockaddr *) &a, sizeof(a));
		panic("connect to an address that never answers returned");
	}
	if ((r = wait_recving(child)) < 0)
		panic("the connecting child never waited: %e", r);
	sys_env_destroy(child);
	report("socket of a client destroyed mid-connect reaped",
	       stats_wait(&st.sockets_reaped, reaped + 1, &st));
}

/* A client that takes NSBAD_HOARD connections full of data from the host and never reads
 * them may hold its share of the server's page slots, no more: meanwhile the server answers
 * requests and serves another program's connection.  Runs in a child (the hoarder). */
static void
hoard(envid_t parent)
{
	struct ns_stats st;
	int l = listener(80, NSBAD_HOARD), c, n, r;

	/* A server out of page slots drops the handshakes: give up on accept, not wait forever. */
	if ((r = nsipc_setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, NSBAD_WAIT_MSEC)) < 0)
		panic("SO_RCVTIMEO: %e", r);
	cprintf("nsbad: port 80: send to %d connections\n", NSBAD_HOARD);
	for (n = 0; n < NSBAD_HOARD; n++)
		if ((c = nsipc_accept(l, NULL, NULL)) < 0)
			break;
	report("hoarder's connections", n);
	r = stats_wait(&st.rx_pages_held, NS_RX_CLIENT_SLOTS, &st);
	report("hoarder holds its share of page slots", r);
	ipc_send(parent, 0, NULL, 0);
	for (;;)
		ipc_recv(NULL, NULL, NULL);	/* until destroyed */
}

/* A connection to the guest's own address, one line: lwIP loops it back on the card's
 * interface, whose checksums the card computes, but no card carries these packets
 * (net/lwip/netif.c).  4, or what failed. */
static int
case_own_address(void)
{
	struct sockaddr_in a = sockaddr_in_of(NET_GUEST_IP, 5558);
	int l = listener(5558, 1), s = nsipc_socket(AF_INET, SOCK_STREAM, 0), c = -1, r;
	char buf[8];

	r = nsipc_connect(s, (struct sockaddr *) &a, sizeof(a));
	r = r < 0 ? r : (c = nsipc_accept(l, NULL, NULL));
	r = r < 0 ? r : nsipc_send(s, "ping", 4, 0);
	r = r < 0 ? r : nsipc_recv(c, buf, sizeof(buf), 0);
	if (r >= 0)
		r = (r == 4 && memcmp(buf, "ping", 4) == 0) ? 4 : -E_INVAL;
	if (c >= 0)
		nsipc_close(c);
	nsipc_close(s);
	nsipc_close(l);
	return r;
}

static void
case_hoarder(int l)
{
	struct sockaddr_in a = sockaddr_in_of(IP4(127, 0, 0, 1), 5557);
	envid_t child, from;
	struct ns_stats st;
	char buf[8];
	int r;

	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0)
		hoard(thisenv->env_parent_id);
	do
		ipc_recv(&from, NULL, NULL);
	while (from != child);

	/* Requests are still served, with their pages: a loopback connection carries bytes. */
	int ll = listener(5557, 1), s = nsipc_socket(AF_INET, SOCK_STREAM, 0), c = -1;
	r = nsipc_connect(s, (struct sockaddr *) &a, sizeof(a));
	r = r < 0 ? r : (c = nsipc_accept(ll, NULL, NULL));
	r = r < 0 ? r : nsipc_send(s, "ping", 4, 0);
	r = r < 0 ? r : nsipc_recv(c, buf, sizeof(buf), 0);
	report("loopback bytes while a client hoards",
	       r == 4 && memcmp(buf, "ping", 4) == 0 ? 4 : (r < 0 ? r : -E_INVAL));
	nsipc_close(c);
	nsipc_close(s);
	nsipc_close(ll);

	host_echo(l, "host echo while a client hoards");
	nsipc_stats_quiet(&st);
	cprintf("nsbad: pages held %u, share of a client %u, slots %u\n", st.rx_pages_held,
		NS_RX_CLIENT_SLOTS, NS_PAGE_SLOTS);
	sys_env_destroy(child);
}

/* A client that sends requests and never waits for the answers, while it hogs the CPU: the
 * server answers the others at once (it used to retry the lost answers with sys_yield, which
 * gave the hog a time slice each time). */
#define NSBAD_UNANSWERED	4	/* NS_CLIENT_INFLIGHT: all the server takes from one client */
#define NSBAD_PROMPT_MSEC	1000	/* an answer later than this is a stall */

static void
case_never_waits(void)
{
	envid_t ns = ipc_find_env(ENV_TYPE_NS), child, from;
	struct ns_stats st;

	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0) {
		static union nsipc mine;
		for (int i = 0; i < NSBAD_UNANSWERED; i++) {
			mine.stats_req.quiet = 1;
			while (sys_ipc_try_send(ns, NSREQ_STATS, &mine, PTE_P | PTE_U | PTE_W)
			       == -E_IPC_NOT_RECV)
				;
		}
		ipc_send(thisenv->env_parent_id, 0, NULL, 0);
		for (;;)
			;		/* never receives, never yields */
	}
	do
		ipc_recv(&from, NULL, NULL);
	while (from != child);
	uint32_t start = sys_time_msec();
	int r = nsipc_stats_quiet(&st);
	uint32_t took = sys_time_msec() - start;
	report("answer while a client never waits and hogs the CPU",
	       r < 0 ? r : (took < NSBAD_PROMPT_MSEC ? 0 : -E_TIMEOUT));
	if (took >= NSBAD_PROMPT_MSEC)
		cprintf("nsbad: that answer took %u ms\n", took);
	sys_env_destroy(child);
}

/* The server's helpers take their work from rings they share with it, not by IPC: none of the
 * server's children waits for IPC, so nobody else can feed them requests.  Counts the
 * children waiting for IPC, and the messages they took from us (one try each). */
static void
case_helpers_ipc(void)
{
	envid_t ns = ipc_find_env(ENV_TYPE_NS);
	int waiting = 0, taken = 0;

	for (int i = 0; i < NENV; i++)
		if (envs[i].env_parent_id == ns && envs[i].env_status != ENV_FREE
		    && (envs[i].env_wait & ENV_WAIT_IPC)) {
			waiting++;
			if (sys_ipc_try_send(envs[i].env_id, 0x6e736264, (void *) UTOP, 0) == 0)
				taken++;
		}
	report("helpers of the server waiting for IPC", waiting);
	report("messages they took", taken);
}

void
umain(int argc, char **argv)
{
	const int rw = PTE_P | PTE_U | PTE_W;
	struct sockaddr_in a;
	int s, s2, r;

	(void) argc;
	(void) argv;
	binaryname = "nsbad";

	/* The request itself. */
	report("unknown code", raw_request(NSREQ_CLIENT_MAX + 7, &req, rw));
	report("helper code", raw_request(NSREQ_INPUT, &req, rw));
	report("no page", raw_request(NSREQ_SOCKET, NULL, 0));
	req.socket.domain = AF_INET;
	req.socket.type = SOCK_STREAM;
	report("read-only page", raw_request(NSREQ_SOCKET, &req, PTE_P | PTE_U));

	/* Lengths and ids. */
	req.data.sock = 0;
	req.data.len = NSIPC_DATA_MAX + 1;
	report("send longer than the page", raw_request(NSREQ_SEND, &req, rw));
	req.data.len = -1;
	report("recv of a negative length", raw_request(NSREQ_RECV, &req, rw));
	/* Data pages: only with a send, and the bytes inside them. */
	static uint8_t data[2 * PGSIZE] __attribute__((aligned(PGSIZE)));
	req.data.len = 10;
	req.data.off = 0;
	report("recv with data pages", raw_pages_request(NSREQ_RECV, &req, data, 2));
	req.data.len = PGSIZE + 1;
	report("send past its data pages", raw_pages_request(NSREQ_SEND, &req, data, 1));
	req.data.len = 10;
	req.data.off = PGSIZE;
	report("send at an offset past the page", raw_pages_request(NSREQ_SEND, &req, data, 2));
	req.data.off = 0;
	report("send pages on a socket never opened", raw_pages_request(NSREQ_SEND, &req, data, 1));
	report("close of a socket never opened", nsipc_close(0x7fff0000));
	report("send on a negative socket", nsipc_send(-5, "x", 1, 0));

	/* Arguments. */
	report("socket of another family", nsipc_socket(99, SOCK_STREAM, 0));
	report("socket of another type", nsipc_socket(AF_INET, 77, 0));
	report("socket with a mismatched protocol", nsipc_socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	s = nsipc_socket(AF_INET, SOCK_STREAM, 0);
	a = sockaddr_in_of(INADDR_LOOPBACK, 5555);
	req.bind.sock = s;
	req.bind.addr = a;
	req.bind.addrlen = 4;
	report("bind with a short address", raw_request(NSREQ_BIND, &req, rw));
	req.bind.addrlen = sizeof(a);
	req.bind.addr.sin_family = 9;
	report("bind to another family", raw_request(NSREQ_BIND, &req, rw));
	report("bind", nsipc_bind(s, (struct sockaddr *) &a, sizeof(a)));
	s2 = nsipc_socket(AF_INET, SOCK_STREAM, 0);
	report("bind to a port in use", nsipc_bind(s2, (struct sockaddr *) &a, sizeof(a)));
	report("listen", nsipc_listen(s, 4));
	report("unknown option", nsipc_setsockopt(s, 5, 5, 1));
	report("shutdown with a bad how", nsipc_shutdown(s, 7));
	report("listen on a datagram socket",
	       nsipc_listen(r = nsipc_socket(AF_INET, SOCK_DGRAM, 0), 1));
	/* Datagram requests the library never sends (net/nsdgram.c). */
	req.dgram.sock = r;
	req.dgram.len = NSIPC_DGRAM_MAX + 1;
	req.dgram.addrlen = sizeof(a);
	req.dgram.addr = a;
	report("sendto longer than the page", raw_request(NSREQ_SENDTO, &req, rw));
	req.dgram.len = -1;
	report("sendto of a negative length", raw_request(NSREQ_SENDTO, &req, rw));
	report("recvfrom of a negative length", raw_request(NSREQ_RECVFROM, &req, rw));
	nsipc_close(r);

	/* A socket of our child is not ours; ours is our child's. */
	envid_t child = fork();
	if (child < 0)
		panic("fork: %e", child);
	if (child == 0) {
		int cs = nsipc_socket(AF_INET, SOCK_STREAM, 0);
		report("child uses its parent's socket", nsipc_getsockname(s, NULL, NULL));
		ipc_send(thisenv->env_parent_id, cs, NULL, 0);
		return;		/* exits without closing cs: the server reaps it */
	}
	int cs = ipc_recv(NULL, NULL, NULL);
	report("close of the child's socket", nsipc_close(cs));

	/* Still serving: a connection over loopback, one line each way. */
	r = nsipc_connect(s2, (struct sockaddr *) &a, sizeof(a));
	int c = nsipc_accept(s, NULL, NULL);
	char buf[16];
	r = r < 0 ? r : nsipc_send(s2, "ping", 4, 0);
	r = r < 0 ? r : nsipc_recv(c, buf, sizeof(buf), 0);
	report("loopback bytes", r == 4 && memcmp(buf, "ping", 4) == 0 ? 4 : (r < 0 ? r : -E_INVAL));
	nsipc_close(c);
	nsipc_close(s2);
	nsipc_close(s);
	report("own-address loopback bytes", case_own_address());

	case_refused();
	case_close_connecting();

	/* Options on a listener are passed on to the connections it accepts. */
	int l = listener(7, 8);
	report("TCP_NODELAY on a listener", nsipc_setsockopt(l, IPPROTO_TCP, TCP_NODELAY, 1));
	report("SO_REUSEADDR on a listener", nsipc_setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1));
	report("SO_KEEPALIVE on a listener", nsipc_setsockopt(l, SOL_SOCKET, SO_KEEPALIVE, 1));
	host_echo(l, "host echo to a listener with options");

	case_hoarder(l);
	host_echo(l, "host echo afterwards");
	nsipc_close(l);

	case_never_waits();
	case_helpers_ipc();
	cprintf("nsbad: done\n");
}
