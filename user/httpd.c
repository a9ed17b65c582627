/* httpd: an HTTP/1.0 server on port 80 serving the files of the file system (GET and HEAD),
 * one connection after another. */

#include <inc/lib.h>
#include <inc/ns.h>

/*
 * Protocol (RFC 1945, HTTP/1.0):
 *   - the request line "METHOD SP PATH SP HTTP/x.y" must end within HTTPD_LINE_MAX bytes (414
 *     otherwise), and all headers within HTTPD_HEAD_MAX (431); a line without a version, or any
 *     other malformed request line, is answered 400;
 *   - GET and HEAD are served; any other method is answered 501;
 *   - PATH must start with '/'; a query ("?...") is ignored; %XX escapes are decoded; a path
 *     with a ".." segment, a NUL, or a bad escape is answered 400; "/" means "/index.html";
 *     a missing file or a directory is answered 404;
 *   - an answer has a status line, Content-Type (by the file's extension), Content-Length and
 *     "Connection: close"; a file's body is streamed in chunks of one socket request page;
 *   - the connection is then closed: first our side (shutdown), then we read and discard what
 *     the client may still send, until it closes too, or stays silent for HTTPD_LINGER_MSEC,
 *     or HTTPD_DRAIN_MAX bytes: closing with unread data would reset the connection, and the
 *     client could lose the answer.  (Data that arrives after the close is discarded by the
 *     stack without a reset.)
 * Each read waits at most HTTPD_TIMEOUT_MSEC (SO_RCVTIMEO), so a client that sends nothing
 * holds the server that long at most.
 */
#define HTTPD_PORT		80
#define HTTPD_BACKLOG		64
#define HTTPD_LINE_MAX		1024
#define HTTPD_HEAD_MAX		4096
#define HTTPD_TIMEOUT_MSEC	5000
#define HTTPD_DRAIN_MAX		(64 * 1024)
#define HTTPD_LINGER_MSEC	250
#define HTTPD_CHUNK		NSIPC_DATA_MAX	/* one socket request per chunk */
#define HTTPD_PATH_MAX		256

struct http_status {
	int code;
	const char *reason;
};

static const struct http_status statuses[] = {
	{ 200, "OK" },
	{ 400, "Bad Request" },
	{ 404, "Not Found" },
	{ 408, "Request Timeout" },
	{ 414, "Request-URI Too Long" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
};

static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{ ".html", "text/html" },
	{ ".htm",  "text/html" },
	{ ".txt",  "text/plain" },
	{ ".css",  "text/css" },
	{ ".js",   "application/javascript" },
	{ ".json", "application/json" },
	{ ".svg",  "image/svg+xml" },
	{ ".png",  "image/png" },
	{ ".jpg",  "image/jpeg" },
	{ ".jpeg", "image/jpeg" },
	{ ".gif",  "image/gif" },
	{ ".ico",  "image/x-icon" },
};

/* A connection being served. */
struct conn {
	int sock;
	char head[HTTPD_HEAD_MAX + 1];	/* the request as read so far, NUL-terminated */
	int len;
};

static const char *
status_reason(int code)
{
	for (size_t i = 0; i < ARRAY_SIZE(statuses); i++)
		if (statuses[i].code == code)
			return statuses[i].reason;
	return "Unknown";
}

static const char *
content_type(const char *path)
{
	const char *dot = NULL;

	for (const char *p = path; *p; p++)
		if (*p == '.')
			dot = p;
		else if (*p == '/')
			dot = NULL;
	if (dot)
		for (size_t i = 0; i < ARRAY_SIZE(content_types); i++)
			if (strcmp(dot, content_types[i].ext) == 0)
				return content_types[i].type;
	return "application/octet-stream";
}

/* Write all n bytes of buf; false if the connection failed. */
static bool
send_all(int sock, const void *buf, size_t n)
{
	return write(sock, buf, n) == (ssize_t) n;
}

static bool
send_header(int sock, int code, const char *type, size_t length)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.0 %d %s\r\nServer: exo386-httpd\r\nContent-Type: %s\r\n"
			 "Content-Length: %u\r\nConnection: close\r\n\r\n",
			 code, status_reason(code), type, (unsigned) length);
	return send_all(sock, hdr, n);
}

/* An error answer with a small HTML body saying what went wrong. */
static void
send_error(struct conn *c, int code, bool with_body)
{
	char body[256];
	int n = snprintf(body, sizeof(body),
			 "<html><head><title>%d %s</title></head>\n"
			 "<body><h1>%d %s</h1></body></html>\n",
			 code, status_reason(code), code, status_reason(code));

	if (send_header(c->sock, code, "text/html", n) && with_body)
		send_all(c->sock, body, n);
}

/* Read more of the request into c->head.  Returns the bytes read, 0 at end of stream, or
 * -E_* (-E_TIMEOUT when the client was silent too long). */
static int
read_more(struct conn *c)
{
	int n = read(c->sock, c->head + c->len, HTTPD_HEAD_MAX - c->len);

	if (n > 0) {
		c->len += n;
		c->head[c->len] = '\0';
	}
	return n;
}

/* Where the line starting at from ends ("\r\n" or "\n"), or NULL if not yet received. */
static char *
line_end(struct conn *c, int from)
{
	char *e = memfind(c->head + from, '\n', c->len - from);

	return e < c->head + c->len ? e : NULL;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Turn the request target into a file system path in out (HTTPD_PATH_MAX bytes).  Returns 0,
 * or the HTTP status to answer. */
static int
target_to_path(const char *target, char *out)
{
	size_t n = 0;

	if (target[0] != '/')
		return 400;
	for (const char *p = target; *p && *p != '?' && *p != '#'; p++) {
		char ch = *p;
		if (ch == '%') {
			int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
			if (hi < 0 || lo < 0)
				return 400;
			ch = hi * 16 + lo;
			p += 2;
		}
		if (ch == '\0')
			return 400;
		if (n + 1 >= HTTPD_PATH_MAX)
			return 414;
		out[n++] = ch;
	}
	out[n] = '\0';

	/* No ".." segment: the request may not climb out of the root. */
	for (char *seg = out; seg; seg = strchr(seg + 1, '/'))
		if (seg[1] == '.' && seg[2] == '.' && (seg[3] == '/' || seg[3] == '\0'))
			return 400;
	if (strcmp(out, "/") == 0)
		strcpy(out, "/index.html");
	return 0;
}

/* Send the file at path (its header, and its body unless head_only). */
static void
send_file(struct conn *c, const char *path, bool head_only)
{
	static char buf[HTTPD_CHUNK];
	struct Stat st;
	int fd, n;

	if (stat(path, &st) < 0 || st.st_isdir) {
		send_error(c, 404, !head_only);
		return;
	}
	if ((fd = open(path, O_RDONLY)) < 0) {
		send_error(c, 404, !head_only);
		return;
	}
	if (!send_header(c->sock, 200, content_type(path), st.st_size) || head_only) {
		close(fd);
		return;
	}
	for (off_t left = st.st_size; left > 0; left -= n) {
		if ((n = read(fd, buf, MIN((off_t) sizeof(buf), left))) <= 0) {
			/* The file shrank or failed under us: the client sees a short body and
			 * the closed connection. */
			cprintf("httpd: %s: read: %e\n", path, n < 0 ? n : -E_EOF);
			break;
		}
		if (!send_all(c->sock, buf, n))
			break;		/* the client went away */
	}
	close(fd);
}

/* Read and answer one request on c. */
static void
serve_request(struct conn *c)
{
	char *eol, *method, *target, *version, *sp1, *sp2;
	char path[HTTPD_PATH_MAX];
	int r, status;

	/* The request line. */
	while (!(eol = line_end(c, 0))) {
		if (c->len >= HTTPD_LINE_MAX) {
			send_error(c, 414, true);
			return;
		}
		if ((r = read_more(c)) <= 0) {
			if (c->len > 0)
				send_error(c, r == -E_TIMEOUT ? 408 : 400, true);
			return;
		}
	}
	if (eol - c->head >= HTTPD_LINE_MAX) {
		send_error(c, 414, true);
		return;
	}
	*eol = '\0';
	if (eol > c->head && eol[-1] == '\r')
		eol[-1] = '\0';
	method = c->head;
	if (!(sp1 = strchr(method, ' ')) || !(sp2 = strchr(sp1 + 1, ' '))) {
		send_error(c, 400, true);	/* no target, or no version */
		return;
	}
	*sp1 = *sp2 = '\0';
	target = sp1 + 1;
	version = sp2 + 1;
	if (strncmp(version, "HTTP/", 5) != 0 || !(version[5] >= '0' && version[5] <= '9')
	    || strchr(version, ' ') || *target == '\0') {
		send_error(c, 400, true);
		return;
	}
	bool head_only = strcmp(method, "HEAD") == 0;
	if (!head_only && strcmp(method, "GET") != 0) {
		send_error(c, 501, true);
		return;
	}

	/* The headers, up to the empty line; we use none of them. */
	int start = eol + 1 - c->head;
	for (;;) {
		char *e = line_end(c, start);
		if (e) {
			bool empty = e == c->head + start || (e == c->head + start + 1
							      && c->head[start] == '\r');
			start = e + 1 - c->head;
			if (empty)
				break;
			continue;
		}
		if (c->len >= HTTPD_HEAD_MAX) {
			send_error(c, 431, !head_only);
			return;
		}
		if ((r = read_more(c)) <= 0) {
			send_error(c, r == -E_TIMEOUT ? 408 : 400, !head_only);
			return;
		}
	}

	if ((status = target_to_path(target, path)) != 0) {
		send_error(c, status, !head_only);
		return;
	}
	send_file(c, path, head_only);
}

/* Close c without losing the answer: see the protocol comment at the top. */
static void
conn_close(struct conn *c)
{
	char buf[512];
	int total = 0, n, linger = HTTPD_LINGER_MSEC;

	shutdown(c->sock, SHUT_WR);
	setsockopt(c->sock, SOL_SOCKET, SO_RCVTIMEO, &linger, sizeof(linger));
	while (total < HTTPD_DRAIN_MAX && (n = read(c->sock, buf, sizeof(buf))) > 0)
		total += n;
	close(c->sock);
}

void
umain(int argc, char **argv)
{
	static struct conn c;
	struct sockaddr_in addr;
	int s, r;

	(void) argc;
	(void) argv;
	binaryname = "httpd";
	if ((s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)) < 0)
		panic("socket: %e", s);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	addr.sin_port = htons(HTTPD_PORT);
	if ((r = bind(s, (struct sockaddr *) &addr, sizeof(addr))) < 0)
		panic("bind: %e", r);
	if ((r = listen(s, HTTPD_BACKLOG)) < 0)
		panic("listen: %e", r);
	cprintf("httpd: listening on port %d\n", HTTPD_PORT);

	for (;;) {
		socklen_t len = sizeof(addr);
		c.len = 0;
		c.head[0] = '\0';
		if ((c.sock = accept(s, (struct sockaddr *) &addr, &len)) < 0) {
			cprintf("httpd: accept: %e\n", c.sock);
			if (c.sock == -E_BAD_ENV)	/* no network server any more */
				exit();
			continue;
		}
		int timeout = HTTPD_TIMEOUT_MSEC;
		setsockopt(c.sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
		serve_request(&c);
		conn_close(&c);
	}
}
