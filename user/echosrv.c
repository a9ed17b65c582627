/* echosrv: a TCP echo server on port 7 (RFC 862), serving one connection after another: every
 * byte a client sends comes back, until the client closes its side. */

#include <inc/lib.h>

#define ECHO_PORT	7
#define ECHO_BACKLOG	8

/* Echo everything on connection c until end of stream or an error. */
static void
echo_serve(int c)
{
	char buf[1024];
	ssize_t n, w;

	while ((n = read(c, buf, sizeof(buf))) > 0) {
		if ((w = write(c, buf, n)) != n) {
			cprintf("echosrv: write: %e\n", w < 0 ? w : -E_NET);
			return;
		}
	}
	if (n < 0)
		cprintf("echosrv: read: %e\n", n);
}

void
umain(int argc, char **argv)
{
	struct sockaddr_in addr;
	int s, c, r;

	(void) argc;
	(void) argv;
	binaryname = "echosrv";
	if ((s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)) < 0)
		panic("socket: %e", s);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	addr.sin_port = htons(ECHO_PORT);
	if ((r = bind(s, (struct sockaddr *) &addr, sizeof(addr))) < 0)
		panic("bind: %e", r);
	if ((r = listen(s, ECHO_BACKLOG)) < 0)
		panic("listen: %e", r);
	cprintf("echosrv: listening on port %d\n", ECHO_PORT);

	for (;;) {
		socklen_t len = sizeof(addr);
		if ((c = accept(s, (struct sockaddr *) &addr, &len)) < 0) {
			cprintf("echosrv: accept: %e\n", c);
			if (c == -E_BAD_ENV)	/* no network server any more */
				exit();
			continue;
		}
		cprintf("echosrv: connection from %s:%d\n", inet_ntoa(addr.sin_addr),
			ntohs(addr.sin_port));
		echo_serve(c);
		close(c);
		cprintf("echosrv: connection closed\n");
	}
}
