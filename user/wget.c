/* wget: fetch http://HOST[:PORT]/PATH with an HTTP/1.0 GET; print the body on standard output or
 * save it to a file, and report its size and CRC-32. */

#include <inc/lib.h>
#include <inc/ns.h>
#include <inc/netdb.h>

/*
 * Usage: wget [-q] [-o FILE] URL
 *   URL      http://HOST[:PORT]/PATH, HOST a dotted address or a host name (looked up through
 *            the network server's resolver, inc/netdb.h)
 *   -q       do not print the body (only the summary)
 *   -o FILE  save the body to FILE instead of printing it
 * Started without arguments (as the kernel starts a program), wget reads that argument line
 * from the console instead.
 * The summary line, on the console, is
 *   wget: STATUS, N bytes, crc32 XXXXXXXX
 * with the CRC-32 of IEEE 802.3 (the one of zlib and of Python's zlib.crc32), so that a test
 * can check the bytes.  Errors print "wget: ..." and end the program.
 */
#define WGET_HEAD_MAX	8192
#define WGET_CHUNK	NSIPC_DATA_MAX

static uint32_t crc_table[256];

static void
crc32_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t
crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void
usage(void)
{
	cprintf("usage: wget [-q] [-o FILE] http://HOST[:PORT]/PATH\n");
	exit();
}

/* Split url into its host (into host, which holds hostmax bytes), port and path (which points
 * into url), and look the host up.  Returns 0, -E_INVAL for a malformed URL, or the lookup's
 * error (inc/netdb.h). */
static int
url_parse(const char *url, struct sockaddr_in *addr, const char **path, char *host, size_t hostmax)
{
	const char *p = url, *hend, *colon;
	unsigned long port = 80;
	int r;

	if (strncmp(p, "http://", 7) != 0)
		return -E_INVAL;
	p += 7;
	hend = strchr(p, '/');
	*path = hend ? hend : "/";
	if (!hend)
		hend = p + strlen(p);
	if ((size_t) (hend - p) >= hostmax)
		return -E_INVAL;
	memmove(host, p, hend - p);
	host[hend - p] = '\0';
	if ((colon = strchr(host, ':'))) {
		char *end;
		port = strtoul(colon + 1, &end, 10);
		if (end == colon + 1 || *end != '\0' || port == 0 || port > 65535)
			return -E_INVAL;
		host[colon - host] = '\0';
	}
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_port = htons(port);
	if ((r = nsipc_gethostbyname(host, &addr->sin_addr, 0)) < 0)
		return r;
	if (colon)		/* put the port back for the Host header */
		host[strlen(host)] = ':';
	return 0;
}

/* The value of header name (case-insensitive) in the header block head, or NULL. */
static const char *
header_value(const char *head, const char *name)
{
	size_t n = strlen(name);

	for (const char *line = strchr(head, '\n'); line; line = strchr(line, '\n')) {
		line++;
		size_t i;
		for (i = 0; i < n; i++) {
			char a = line[i], b = name[i];
			if (a >= 'A' && a <= 'Z')
				a += 'a' - 'A';
			if (b >= 'A' && b <= 'Z')
				b += 'a' - 'A';
			if (a != b)
				break;
		}
		if (i == n && line[n] == ':') {
			const char *v = line + n + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			return v;
		}
	}
	return NULL;
}

/* Split line into at most max words (in place); returns the count. */
static int
split_words(char *line, char **words, int max)
{
	int n = 0;

	while (*line && n < max) {
		while (*line == ' ' || *line == '\t')
			*line++ = '\0';
		if (!*line)
			break;
		words[n++] = line;
		while (*line && *line != ' ' && *line != '\t')
			line++;
	}
	return n;
}

void
umain(int argc, char **argv)
{
	static char *line_argv[8];
	static char head[WGET_HEAD_MAX + 1];
	static uint8_t buf[WGET_CHUNK];
	struct sockaddr_in addr;
	const char *url = NULL, *outfile = NULL, *path;
	char host[NS_HOSTNAME_MAX + 8], req[512];	/* a name, ":" and a port */
	bool quiet = false;
	int s, r, out = -1, len = 0;

	binaryname = "wget";
	if (argc <= 1) {
		/* Started by the kernel, we have no descriptors yet: the console becomes our
		 * standard input and output. */
		struct Stat st;
		if (fstat(0, &st) < 0 && opencons() == 0)
			dup(0, 1);
		char *line = readline("wget: URL (and options)? ");
		if (!line)
			usage();
		line_argv[0] = "wget";
		argc = 1 + split_words(line, line_argv + 1, ARRAY_SIZE(line_argv) - 1);
		argv = line_argv;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-q") == 0)
			quiet = true;
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			outfile = argv[++i];
		else if (argv[i][0] != '-' && !url)
			url = argv[i];
		else
			usage();
	}
	if (!url)
		usage();
	if ((r = url_parse(url, &addr, &path, host, sizeof(host))) == -E_INVAL) {
		cprintf("wget: bad URL %s\n", url);
		usage();
	} else if (r < 0) {
		cprintf("wget: %s: %e\n", host, r);
		return;
	}
	crc32_init();

	if ((s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)) < 0) {
		cprintf("wget: socket: %e\n", s);
		return;
	}
	if ((r = connect(s, (struct sockaddr *) &addr, sizeof(addr))) < 0) {
		cprintf("wget: connect to %s: %e\n", host, r);
		close(s);
		return;
	}
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n"
			 "User-Agent: exo386-wget\r\n\r\n", path, host);
	if (n >= (int) sizeof(req) || write(s, req, n) != n) {
		cprintf("wget: sending the request failed\n");
		close(s);
		return;
	}

	/* The status line and headers, up to the empty line. */
	char *body = NULL;
	while (!body) {
		if (len == WGET_HEAD_MAX) {
			cprintf("wget: response headers longer than %d bytes\n", WGET_HEAD_MAX);
			close(s);
			return;
		}
		if ((r = read(s, head + len, WGET_HEAD_MAX - len)) <= 0) {
			cprintf("wget: connection ended in the response headers (%e)\n",
				r < 0 ? r : -E_EOF);
			close(s);
			return;
		}
		len += r;
		head[len] = '\0';
		if ((body = strstr(head, "\r\n\r\n")))
			body += 4;
		else if ((body = strstr(head, "\n\n")))
			body += 2;
	}
	char *eol = strchr(head, '\n');
	*eol = '\0';
	if (eol > head && eol[-1] == '\r')
		eol[-1] = '\0';
	if (strncmp(head, "HTTP/", 5) != 0 || !strchr(head, ' ')) {
		cprintf("wget: not an HTTP response: %s\n", head);
		close(s);
		return;
	}
	const char *status = strchr(head, ' ') + 1;
	const char *clen = header_value(eol + 1, "content-length");
	long expect = clen ? strtol(clen, NULL, 10) : -1;

	if (outfile && (out = open(outfile, O_WRONLY | O_CREAT | O_TRUNC)) < 0) {
		cprintf("wget: open %s: %e\n", outfile, out);
		close(s);
		return;
	}

	/* The body: what came with the headers, then the rest of the stream. */
	uint32_t crc = 0;
	long total = 0;
	const uint8_t *chunk = (const uint8_t *) body;
	n = len - (body - head);
	for (;;) {
		if (n > 0) {
			crc = crc32_update(crc, chunk, n);
			total += n;
			if (out >= 0) {
				if (write(out, chunk, n) != n) {
					cprintf("wget: writing %s failed\n", outfile);
					break;
				}
			} else if (!quiet && write(1, chunk, n) != n)
				break;
		}
		/* With a Content-Length, the body ends there: do not wait for the close (a server
		 * or a forwarder may keep the connection open). */
		if (expect >= 0 && total >= expect)
			break;
		size_t want = sizeof(buf);
		if (expect >= 0 && (long) want > expect - total)
			want = expect - total;
		if ((n = read(s, buf, want)) <= 0)
			break;
		chunk = buf;
	}
	if (n < 0)
		cprintf("wget: read: %e\n", n);
	if (out >= 0)
		close(out);
	close(s);
	if (expect >= 0 && total != expect)
		cprintf("wget: short body: %ld of %ld bytes\n", total, expect);
	cprintf("wget: %s, %ld bytes, crc32 %08x\n", status, total, crc);
}
