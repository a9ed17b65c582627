/* nonreader: a client of the guest's own httpd that requests a file and then reads nothing
 * until a line is typed; then it reads what is left and says how much came before the close.
 * grade-lab6's httpdslow runs it (from httpd's console) to check that httpd drops a client that
 * has stopped reading. */

#include <inc/lib.h>

/*
 * Why in the guest: a client on the host cannot stop httpd by not reading a 1 MB file, because
 * the host's loopback TCP (between QEMU's forwarder and the client) buffers megabytes.  Over the
 * guest's loopback the only buffers are lwIP's: the receive window and httpd's send buffer,
 * some 50 KB, so httpd's send blocks, and its send deadline must end it.
 */
#define NONREADER_TIMEOUT_MSEC	30000	/* for our reads, so that we never hang */

void
umain(int argc, char **argv)
{
	static char buf[4096], head[512];
	const char *path = argc > 1 ? argv[1] : "/large.bin";
	struct sockaddr_in addr;
	int s, r, n = 0, headlen = 0, total = 0, ch;

	binaryname = "nonreader";
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
