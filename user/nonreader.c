/* nonreader: a client of the guest's own httpd that requests a file and then reads nothing
 * until a line is typed; then it reads what is left and says how much came before the close.
 * `nonreader -hold N` instead holds N connections that send nothing and says what the next
 * client gets.  grade-lab6's httpdslow runs it (from httpd's console) to check that httpd drops
 * a client that has stopped reading, and refuses clients past its bound. */

#include <inc/lib.h>

/*
 * Why in the guest: a client on the host cannot stop httpd by not reading a 1 MB file, because
 * the host's loopback TCP (between QEMU's forwarder and the client) buffers megabytes.  Over the
 * guest's loopback the only buffers are lwIP's: the receive window and httpd's send buffer,
 * some 50 KB, so httpd's send blocks, and its send deadline must end it.
 */
#define NONREADER_TIMEOUT_MSEC	30000	/* for our reads, so that we never hang */
#define NONREADER_HOLD_MAX	64

/* A connection to the guest's port 80, by socket id (-hold needs more than MAXFD). */
static int
connect_httpd(void)
{
	struct sockaddr_in addr;
	int s, r;

	if ((s = nsipc_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)) < 0)
		panic("socket: %e", s);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons(80);
	if ((r = nsipc_connect(s, (struct sockaddr *) &addr, sizeof(addr))) < 0)
		panic("connect: %e", r);
	return s;
}

/* Hold n silent connections, then print the status line the next client gets. */
static void
hold(int n)
{
	static int held[NONREADER_HOLD_MAX];
	static char buf[512];
	const char req[] = "GET /about.txt HTTP/1.0\r\n\r\n";
	int r, len = 0;

	if (n < 0 || n > NONREADER_HOLD_MAX)
		panic("-hold: at most %d connections", NONREADER_HOLD_MAX);
	for (int i = 0; i < n; i++)
		held[i] = connect_httpd();
	int s = connect_httpd();
	if ((r = nsipc_send(s, req, sizeof(req) - 1, 0)) != sizeof(req) - 1)
		panic("send: %e", r < 0 ? r : -E_EOF);
	if ((r = nsipc_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, NONREADER_TIMEOUT_MSEC)) < 0)
		panic("setsockopt: %e", r);
	while (len < (int) sizeof(buf) - 1
	       && (r = nsipc_recv(s, buf + len, sizeof(buf) - 1 - len, 0)) > 0)
		len += r;
	buf[len] = '\0';
	char *eol = strchr(buf, '\r');
	if (eol)
		*eol = '\0';
	cprintf("nonreader: holding %d connections, the next got: %s\n", n,
		len ? buf : "nothing");
	nsipc_close(s);
	for (int i = 0; i < n; i++)
		nsipc_close(held[i]);
}

void
umain(int argc, char **argv)
{
	static char buf[4096], head[512];
	const char *path = argc > 1 ? argv[1] : "/large.bin";
	struct sockaddr_in addr;
	int s, r, n = 0, headlen = 0, total = 0, ch;

	binaryname = "nonreader";
	if (argc == 3 && strcmp(argv[1], "-hold") == 0) {
		hold(strtol(argv[2], NULL, 10));
		return;
	}
	if ((s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)) < 0)
		panic("socket: %e", s);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons(80);
	if ((r = connect(s, (struct sockaddr *) &addr, sizeof(addr))) < 0)
		panic("connect: %e", r);
	n = snprintf(buf, sizeof(buf), "GET %s HTTP/1.0\r\n\r\n", path);
	if ((r = write(s, buf, n)) != n)
		panic("write: %e", r < 0 ? r : -E_EOF);
	cprintf("nonreader: sent GET %s; reading nothing until a line is typed\n", path);
	while ((ch = sys_cgetc()) != '\r' && ch != '\n')
		;

	int timeout = NONREADER_TIMEOUT_MSEC;
	if ((r = setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout))) < 0)
		panic("setsockopt: %e", r);
	while ((r = read(s, buf, sizeof(buf))) > 0) {
		int keep = MIN(r, (int) sizeof(head) - 1 - headlen);
		memcpy(head + headlen, buf, keep);
		headlen += keep;
		total += r;
	}
	head[headlen] = '\0';
	const char *cl = strstr(head, "Content-Length: ");
	cprintf("nonreader: %d bytes (Content-Length %d), then %e\n", total,
		cl ? strtol(cl + 16, NULL, 10) : -1, r == 0 ? -E_EOF : r);
	close(s);
}
