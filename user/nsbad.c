/* nsbad: malformed and hostile socket requests to the network server.  Each case prints
 * "nsbad: CASE: RESULT"; the grader (test nsbad) checks every result, and that the server still
 * serves well-formed requests afterwards. */

#include <inc/lib.h>
#include <inc/ns.h>

static union nsipc req;

/* Send code with page (perm) straight to the server, as a hostile client may, and return its
 * answer. */
static int
raw_request(uint32_t code, void *page, int perm)
{
	envid_t ns = ipc_find_env(ENV_TYPE_NS), from;
	int r;

	if (!ns)
		return -E_BAD_ENV;
	while ((r = sys_ipc_try_send(ns, code, page ? page : (void *) UTOP, perm))
	       == -E_IPC_NOT_RECV)
		sys_yield();
	if (r < 0)
		return r;
	do
		r = ipc_recv(&from, NULL, NULL);
	while (from != ns);
	return r;
}

static void
report(const char *what, int r)
{
	if (r < 0)
		cprintf("nsbad: %s: %e\n", what, r);
	else
		cprintf("nsbad: %s: %d\n", what, r);
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
	report("close of a socket never opened", nsipc_close(0x7fff0000));
	report("send on a negative socket", nsipc_send(-5, "x", 1, 0));

	/* Arguments. */
	report("socket of another family", nsipc_socket(99, SOCK_STREAM, 0));
	report("socket of another type", nsipc_socket(AF_INET, 77, 0));
	report("socket with a mismatched protocol", nsipc_socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	s = nsipc_socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(5555);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
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
	cprintf("nsbad: done\n");
}
