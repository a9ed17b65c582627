/* echosrv: the echo service on port 7 (RFC 862), TCP and UDP.  TCP: one connection after
 * another, every byte a client sends comes back until the client closes its side.  UDP (a
 * child): every datagram comes back whole to its sender, empty ones too. */

#include <inc/lib.h>
#include <inc/ns.h>		/* NS_UDP_PAYLOAD_MAX */

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

/* A socket of type bound to the echo port on every address. */
static int
echo_socket(int type)
{
	struct sockaddr_in addr;
	int s, r;

	if ((s = socket(AF_INET, type, 0)) < 0)
		panic("socket: %e", s);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	addr.sin_port = htons(ECHO_PORT);
	if ((r = bind(s, (struct sockaddr *) &addr, sizeof(addr))) < 0)
		panic("bind: %e", r);
	return s;
}

/* The UDP service: each datagram back to where it came from, never more than one datagram a
 * receive (the buffer holds the largest, NS_UDP_PAYLOAD_MAX). */
static void __attribute__((noreturn))
echo_udp(void)
{
	char buf[NS_UDP_PAYLOAD_MAX];
	struct sockaddr_in from;
	int s = echo_socket(SOCK_DGRAM);

	cprintf("echosrv: UDP on port %d\n", ECHO_PORT);
	for (;;) {
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *) &from, &len);
		if (n == -E_BAD_ENV)	/* no network server any more */
			exit();
		if (n < 0) {
			cprintf("echosrv: recvfrom: %e\n", n);
			continue;
		}
		ssize_t w = sendto(s, buf, n, 0, (struct sockaddr *) &from, len);
		if (w != n)
			cprintf("echosrv: sendto %s:%d: %e\n", inet_ntoa(from.sin_addr),
				ntohs(from.sin_port), w < 0 ? w : -E_NET);
	}
}

void
umain(int argc, char **argv)
{
	struct sockaddr_in addr;
	envid_t child;
	int s, c, r;

	(void) argc;
	(void) argv;
	binaryname = "echosrv";
	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0)
		echo_udp();
	s = echo_socket(SOCK_STREAM);
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
