/* httpd: an HTTP/1.1 server on port 80 serving the files of the file system (GET and HEAD,
 * byte ranges, persistent connections) to many clients at once, each within deadlines: an
 * acceptor, a pool of workers, a console. */

#include <inc/lib.h>
#include <inc/ns.h>
#include <inc/sysinfo.h>

/*
 * Design.  The acceptor (the environment the kernel starts) forks HTTPD_WORKERS worker processes
 * at start and a console process; it accepts every connection and hands it to an idle worker,
 * or refuses it (503) when all stay busy for HTTPD_QUEUE_MSEC.  Each worker serves one
 * connection at a time and then waits for the next; the workers live as long as httpd.
 *
 * Why processes, and not an event loop or threads in one environment: the network server's
 * calls block (a send waits while the client's window and lwIP's send buffer are full; there
 * is no non-blocking send and no select), and it serves at most NS_CLIENT_INFLIGHT requests of
 * one environment at once, so one environment can wait on a handful of connections, not on
 * many.  A process per connection waits on its own connection only, and a stuck one can be
 * destroyed without harming the others: a worker holds no lock and nothing shared but its slot
 * page and its socket.  Why a pool that lives, and not a fork per connection: a fork per
 * request costs more than the request (and the kernel prints three lines per environment);
 * the pool also makes the bound on connections a count of processes.
 *
 * Sockets are used by their network server id (nsipc_*), not through file descriptors: the
 * acceptor accepts a connection and writes its id into an idle worker's slot, and the worker,
 * its child, may use it (inc/ns.h: children use their parent's sockets).  No descriptor page is
 * shared, so the acceptor needs no descriptor per connection.
 *
 * Slots.  Worker i owns slot i, one page shared by the acceptor, the console and the worker
 * (PTE_SHARE, mapped before the forks), struct httpd_slot below.  A slot of its own per worker,
 * so that waking one worker (sys_page_wake wakes every waiter on a page) wakes no other.
 *
 * Deadlines (all from sys_time_msec; the worker keeps each in its slot, the acceptor enforces):
 *   - the request head must be complete HTTPD_HEAD_MSEC after the accept (the worker's reads
 *     wait at most the time left, SO_RCVTIMEO); then a client that sent part of a head gets
 *     408, one that sent nothing is closed without an answer;
 *   - each send request (at most one page) must be taken by the network server within
 *     HTTPD_SEND_MSEC, else the client has stopped reading.  The network server has no send
 *     timeout (no SO_SNDTIMEO in net/nssock.c), so the worker cannot bound its own send: the
 *     acceptor does.  It destroys a worker that is past its slot's deadline, closes its socket
 *     (which ends the blocked send in the server) and forks a new worker for the slot;
 *   - the close (see below) lingers HTTPD_LINGER_MSEC at most, in all;
 *   - the reading steps are bounded by the worker itself; the acceptor enforces them too, a
 *     HTTPD_GRACE_MSEC later, in case the worker hangs there.
 * The acceptor wakes for the deadlines by accepting with a timeout (SO_RCVTIMEO on the
 * listening socket): at the earliest one, and at least every HTTPD_WATCH_MSEC while a worker is
 * busy; an idle server sleeps.
 *
 * What a client gets: an answer, or 503 once all HTTPD_WORKERS workers have been busy for
 * HTTPD_QUEUE_MSEC since its connection was accepted, or 408 / the
 * close at its deadline.  Every client is either answered, refused or closed within its
 * deadlines; none waits on another.  (Every host client reaches us from QEMU's 10.0.2.2, so
 * there is no fair share per client address to give.)
 *
 * Protocol (RFC 1945, HTTP/1.0, and RFC 9112, HTTP/1.1):
 *   - the request line "METHOD SP PATH SP HTTP/x.y" must end within HTTPD_LINE_MAX bytes (414
 *     otherwise), and all headers within HTTPD_HEAD_MAX (431); a line without a version, or any
 *     other malformed request line, is answered 400;
 *   - GET and HEAD are served; any other method is answered 501;
 *   - PATH must start with '/'; a query ("?...") is ignored; %XX escapes are decoded; a path
 *     with a ".." segment, a NUL, or a bad escape is answered 400; "/" means "/index.html";
 *     a missing file or a directory is answered 404;
 *   - an answer has a status line (in the request's version), Content-Type (by the file's
 *     extension), Content-Length and Connection; a file's body goes by borrowed pages
 *     (send_body);
 *   - "Range: bytes=first-last", "first-" or "-suffix" gets 206 and that part, with
 *     Content-Range; a range starting past the end gets 416 (its Content-Range: the size alone);
 *     several ranges, or another unit, are ignored (the whole file, 200);
 *   - an HTTP/1.1 connection stays open after an answer (framed by its Content-Length) unless
 *     the request said "Connection: close"; an HTTP/1.0 one only if it said "Connection:
 *     keep-alive"; requests a client sends without waiting (pipelined) are answered in order.
 *     The next request must begin within HTTPD_IDLE_MSEC, at most HTTPD_KEEP_MAX are served
 *     on one connection, and a malformed request (400, 408, 414, 431) ends it;
 *   - the connection is then closed: first our side (shutdown), then we read and discard what
 *     the client may still send, until it closes too, or HTTPD_LINGER_MSEC have passed, or
 *     HTTPD_DRAIN_MAX bytes: closing with unread data would reset the connection, and the
 *     client could lose the answer.  (Data that arrives after the close is discarded by the
 *     stack without a reset.)
 *
 * Console: typing "stat" prints the counters, once every worker is idle (each is, within its
 * deadlines): httpd's, the network server's (sockets, threads, received pages held) and the
 * kernel's free pages; the grader compares them before and after a load.
 */
#define HTTPD_PORT		80
#define HTTPD_BACKLOG		128	/* what ns grants at most (NS_ACCEPT_QUEUE) */
#define HTTPD_WORKERS		32	/* connections served at once; see the limits below */
#define HTTPD_HEAD_MSEC		10000
/* A persistent connection (HTTP/1.1, or 1.0 with "Connection: keep-alive") waits this long for
 * its next request, and serves this many at most. */
#define HTTPD_IDLE_MSEC		5000
#define HTTPD_KEEP_MAX		100
#define HTTPD_SEND_MSEC		10000
#define HTTPD_LINGER_MSEC	250
#define HTTPD_GRACE_MSEC	2000
/* How late the acceptor may notice a deadline: while a worker is busy it wakes at least this
 * often (a worker may bring its deadline forward at any time, and cannot wake the acceptor,
 * which waits in the network server), and it re-arms its accept timeout only when that would
 * wake it more than HTTPD_WATCH_SLACK_MSEC earlier, so that a steady stream of connections
 * does not cost a setsockopt each. */
#define HTTPD_WATCH_MSEC	1000
#define HTTPD_WATCH_SLACK_MSEC	250
#define HTTPD_REFUSED_MAX	16	/* refused connections waiting to be closed */
#define HTTPD_QUEUE_MSEC	100	/* how long a connection waits for a worker before 503 */
#define HTTPD_LOG_MSEC		1000	/* at most one line about bad clients a second */
#define HTTPD_LINE_MAX		1024
#define HTTPD_HEAD_MAX		4096
#define HTTPD_DRAIN_MAX		(64 * 1024)
/* A file's body goes by sendfile (lib/sendfile.c: the file server's pages lent on to the
 * network server, no copy on our side), HTTPD_SENDFILE_CHUNK a call: one request to each
 * server, each within HTTPD_SEND_MSEC. */
#define HTTPD_SENDFILE_CHUNK	(FS_READ_PAGES_MAX * PGSIZE)
#define HTTPD_PATH_MAX		256
#define HTTPD_SHARED		0xC0000000	/* the slot pages, then the counters page */

/* The network server's limits bound the pool: each busy worker holds one of its sockets
 * (NS_SOCK_MAX = 128) and, while blocked, one of its threads (128) and page slots (512); the
 * acceptor, the listening socket, the refusals and the console need a few more.  32 leaves most
 * sockets to others, and lets a guest client (whose connections over the loopback take a socket
 * at each end) fill the pool: httpdslow checks the bound that way. */
static_assert(2 * HTTPD_WORKERS + HTTPD_REFUSED_MAX + 8 <= 128,
	      "the network server's sockets bound the pool");

#define HTTPD_NO_SOCK		(-1)

enum httpd_phase {
	PHASE_IDLE,		/* waiting for a connection */
	PHASE_HEAD,		/* reading the request head */
	PHASE_SEND,		/* sending the answer */
	PHASE_CLOSE,		/* lingering before the close */
};

static const char *const phase_names[] = {
	[PHASE_IDLE] = "idle", [PHASE_HEAD] = "reading the request",
	[PHASE_SEND] = "sending", [PHASE_CLOSE] = "closing",
};

/*
 * A worker's slot.  Invariants:
 *   - sock is HTTPD_NO_SOCK while the worker is idle; the acceptor sets it (only then, and
 *     start and deadline before it) and wakes the worker; the worker sets it back when done
 *     with the connection (after its counters), and wakes whoever waits for that (the console);
 *   - deadline: while sock is set, the time by which the worker must be done with its current
 *     step (phase); the acceptor destroys the worker once it has passed;
 *   - env: the worker, written by the acceptor; a slot whose env is not alive has no worker
 *     (the acceptor forks one, and closes the socket it held);
 *   - served, timeouts: written by the worker only (no lock needed), read by the console;
 *     served counts the connections it finished (answered, or closed at the head deadline:
 *     those are counted in timeouts too).
 */
struct httpd_slot {
	volatile int32_t sock;
	volatile uint32_t start;	/* when the connection was accepted */
	volatile uint32_t deadline;
	volatile uint32_t phase;
	envid_t env;
	volatile uint32_t served;	/* connections finished */
	volatile uint32_t timeouts;	/* connections closed at the head deadline */
} __attribute__((aligned(PGSIZE)));

static_assert(sizeof(struct httpd_slot) == PGSIZE, "a slot is one page");

/* The acceptor's counters (written by the acceptor only, idle_gen excepted). */
struct httpd_counters {
	uint32_t accepted;		/* connections accepted */
	uint32_t refused;		/* answered 503: every worker was busy */
	uint32_t dropped;		/* workers destroyed past a deadline */
	uint32_t restarted;		/* workers that had died on their own */
	uint32_t accept_failed;		/* accepts that failed (the network server refused) */
	uint32_t log_suppressed;	/* lines about bad clients not printed (HTTPD_LOG_MSEC) */
	uint32_t log_last;		/* when the last such line was printed */
	uint32_t lingering;		/* refused connections not closed yet (woken when it
					 * drops: the console waits for 0) */
	uint32_t idle_gen;		/* +1 (atomically, by the worker) and woken each time a
					 * worker becomes idle: the acceptor waits on it */
};

static struct httpd_slot *const slots = (struct httpd_slot *) HTTPD_SHARED;
static struct httpd_counters *const counters =
	(struct httpd_counters *) (HTTPD_SHARED + HTTPD_WORKERS * PGSIZE);

/* The slot of this worker (set in the worker after its fork). */
static struct httpd_slot *self;

struct http_status {
	int code;
	const char *reason;
};

static const struct http_status statuses[] = {
	{ 200, "OK" },
	{ 206, "Partial Content" },
	{ 400, "Bad Request" },
	{ 404, "Not Found" },
	{ 408, "Request Timeout" },
	{ 414, "Request-URI Too Long" },
	{ 416, "Range Not Satisfiable" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 503, "Service Unavailable" },
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

/* ---- The worker: one connection ------------------------------------------------------------ */

/* A connection being served. */
struct conn {
	int sock;			/* the network server's socket id */
	uint32_t head_deadline;		/* when the request head must be complete */
	int timeout_set;		/* the socket's SO_RCVTIMEO (-1: not set yet) */
	char head[HTTPD_HEAD_MAX + 1];	/* the request as read so far, NUL-terminated: this
					 * request's head, then what a client pipelined after it */
	int len;
	/* The request being answered: its protocol, and whether the connection goes on after
	 * the answer (persistent, and nothing went wrong). */
	bool http11, keep;
	int requests;			/* answered on this connection */
};

/* A byte range of the file asked for ("Range: bytes=first-last"); valid false: none, or one we
 * ignore (several ranges, or not bytes). */
struct range {
	bool valid;
	bool suffix;			/* "bytes=-N": the last N bytes (N in last) */
	uint32_t first, last;		/* last UINT32_MAX: to the end */
};

/* Start the step phase of the current connection, which must end within msec. */
static void
step_begin(enum httpd_phase phase, uint32_t msec)
{
	self->deadline = sys_time_msec() + msec;
	self->phase = phase;
}

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

/* Send all n bytes of buf; false if the connection failed.  In a worker, each send request
 * must be taken within HTTPD_SEND_MSEC (the acceptor enforces it). */
static bool
send_all(int sock, const void *buf, size_t n)
{
	for (size_t done = 0; done < n; ) {
		size_t chunk = MIN(n - done, (size_t) NSIPC_DATA_MAX);
		if (self)
			step_begin(PHASE_SEND, HTTPD_SEND_MSEC);
		if (nsipc_send(sock, (const char *) buf + done, chunk, 0) != (ssize_t) chunk)
			return false;
		done += chunk;
	}
	return true;
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

/* The head of an answer on connection c: its protocol and whether it stays open follow the
 * request; extra is more header lines ("Name: value\r\n"...), or "". */
static bool
conn_header(struct conn *c, int code, const char *type, size_t length, const char *extra)
{
	char hdr[384];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.%d %d %s\r\nServer: exo386-httpd\r\nContent-Type: %s\r\n"
			 "Content-Length: %u\r\n%sConnection: %s\r\n\r\n", c->http11, code,
			 status_reason(code), type, (unsigned) length, extra,
			 c->keep ? "keep-alive" : "close");
	return send_all(c->sock, hdr, n);
}

/* An error answer on c; a malformed request (400, 408, 414, 431) ends the connection. */
static void
conn_error(struct conn *c, int code, bool with_body, const char *extra)
{
	char body[256];
	int n = snprintf(body, sizeof(body),
			 "<html><head><title>%d %s</title></head>\n"
			 "<body><h1>%d %s</h1></body></html>\n",
			 code, status_reason(code), code, status_reason(code));

	if (code == 400 || code == 408 || code == 414 || code == 431)
		c->keep = false;
	if (conn_header(c, code, "text/html", n, extra) && with_body)
		send_all(c->sock, body, n);
}

/* An error answer with a small HTML body saying what went wrong. */
static void
send_error(int sock, int code, bool with_body)
{
	char body[256];
	int n = snprintf(body, sizeof(body),
			 "<html><head><title>%d %s</title></head>\n"
			 "<body><h1>%d %s</h1></body></html>\n",
			 code, status_reason(code), code, status_reason(code));

	if (send_header(sock, code, "text/html", n) && with_body)
		send_all(sock, body, n);
}

/* Wait at most msec (> 0) in the next reads of c. */
static int
set_read_timeout(struct conn *c, int msec)
{
	int r = 0;

	if (msec != c->timeout_set
	    && (r = nsipc_setsockopt(c->sock, SOL_SOCKET, SO_RCVTIMEO, msec)) == 0)
		c->timeout_set = msec;
	return r;
}

/* Read more of the request into c->head, waiting no later than its head deadline.  Returns the
 * bytes read, 0 at end of stream, or -E_* (-E_TIMEOUT at the deadline). */
static int
read_more(struct conn *c)
{
	int32_t left = c->head_deadline - sys_time_msec();
	int n;

	if (left <= 0)
		return -E_TIMEOUT;
	if ((n = set_read_timeout(c, left)) < 0)
		return n;
	n = nsipc_recv(c->sock, c->head + c->len, HTTPD_HEAD_MAX - c->len, 0);
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

/* A worker's buffer (see worker_touch). */
static char drain_buf[512];

/* Send n bytes of fd from offset at on (sendfile).  False if the connection failed, or the file
 * ended early (it shrank under us: the client sees a short body and the close). */
static bool
send_body(struct conn *c, int fd, const char *path, off_t at, off_t n)
{
	for (off_t done = 0; done < n; ) {
		if (self)
			step_begin(PHASE_SEND, HTTPD_SEND_MSEC);
		ssize_t k = nsipc_sendfile(c->sock, fd, at + done,
					   MIN(n - done, (off_t) HTTPD_SENDFILE_CHUNK));
		if (k <= 0) {
			if (k == 0)
				cprintf("httpd: %s: the file ended %u bytes early\n", path,
					(unsigned) (n - done));
			return false;
		}
		done += k;
	}
	return true;
}

/* Send the file at path (its header, and its body unless head_only): all of it, or the range
 * asked for (206), or 416 for a range that starts past its end. */
static void
send_file(struct conn *c, const char *path, bool head_only, const struct range *rg)
{
	struct Stat st;
	int fd;

	if (stat(path, &st) < 0 || st.st_isdir) {
		conn_error(c, 404, !head_only, "");
		return;
	}
	if ((fd = open(path, O_RDONLY)) < 0) {
		conn_error(c, 404, !head_only, "");
		return;
	}
	uint32_t size = st.st_size, first = 0, last = size ? size - 1 : 0;
	int code = 200;
	char extra[96] = "";
	if (rg->valid) {
		if (rg->suffix) {
			first = rg->last >= size ? 0 : size - rg->last;
		} else {
			first = rg->first;
			last = MIN(rg->last, size - 1);
		}
		if (first >= size || (rg->suffix && rg->last == 0)) {
			snprintf(extra, sizeof(extra), "Content-Range: bytes */%u\r\n", size);
			conn_error(c, 416, !head_only, extra);
			close(fd);
			return;
		}
		code = 206;
		snprintf(extra, sizeof(extra), "Content-Range: bytes %u-%u/%u\r\n", first, last,
			 size);
	}
	off_t n = code == 206 ? last - first + 1 : size;
	if (conn_header(c, code, content_type(path), n, extra) && !head_only
	    && !send_body(c, fd, path, first, n))
		c->keep = false;
	close(fd);
}

/* Does the header line [p, e) have the name `name` (case aside)?  Then its value, spaces
 * skipped, else NULL. */
static const char *
header_value(const char *p, const char *e, const char *name)
{
	size_t n = strlen(name);

	if ((size_t) (e - p) <= n || p[n] != ':' || strncasecmp(p, name, n) != 0)
		return NULL;
	for (p += n + 1; p < e && (*p == ' ' || *p == '\t'); p++)
		;
	return p;
}

/* Does [v, e) hold the token tok (case aside), as a whole comma-separated item? */
static bool
value_has(const char *v, const char *e, const char *tok)
{
	size_t n = strlen(tok);

	for (const char *p = v; p + n <= e; p++)
		if (strncasecmp(p, tok, n) == 0 && (p == v || p[-1] == ' ' || p[-1] == ',')
		    && (p + n == e || p[n] == ',' || p[n] == ' ' || p[n] == '\r'))
			return true;
	return false;
}

/* Parse "bytes=first-last", "bytes=first-" or "bytes=-suffix" at [v, e) into *rg; anything
 * else (several ranges, another unit, garbage) leaves it invalid: the whole file is sent. */
static void
parse_range(const char *v, const char *e, struct range *rg)
{
	char buf[64];
	size_t n = e - v;
	char *p, *end;

	memset(rg, 0, sizeof(*rg));
	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == ' '))
		n--;
	if (n >= sizeof(buf) || n < 7 || strncasecmp(v, "bytes=", 6) != 0)
		return;
	memcpy(buf, v + 6, n - 6);
	buf[n - 6] = '\0';
	if (strchr(buf, ',') || !(p = strchr(buf, '-')))
		return;
	*p = '\0';
	if (buf[0] == '\0') {			/* -suffix */
		long k = strtol(p + 1, &end, 10);
		if (p[1] < '0' || p[1] > '9' || *end || k < 0)
			return;
		rg->suffix = true;
		rg->last = k > 0x7fffffff ? 0x7fffffff : k;
		rg->valid = true;
		return;
	}
	long a = strtol(buf, &end, 10);
	if (buf[0] < '0' || buf[0] > '9' || *end || a < 0)
		return;
	long b = 0x7fffffff;
	if (p[1] != '\0') {
		b = strtol(p + 1, &end, 10);
		if (p[1] < '0' || p[1] > '9' || *end || b < a)
			return;
	}
	rg->first = a;
	rg->last = b;
	rg->valid = true;
}

/* The head ended at its deadline (r == -E_TIMEOUT) or the client closed or failed (r >= 0, or
 * another error): 408 to a client that sent part of a request and waits; nothing to one that
 * sent nothing (a speculative connect) or is gone. */
static void
head_failed(struct conn *c, int r, bool with_body)
{
	if (r == -E_TIMEOUT)
		self->timeouts++;
	c->keep = false;
	if (r == -E_TIMEOUT && c->len > 0)
		conn_error(c, 408, with_body, "");
	else if (r != -E_TIMEOUT && c->len > 0)
		conn_error(c, 400, with_body, "");
}

/* Read and answer one request on c.  Afterwards c->head holds what the client sent after the
 * request (the next one, pipelined), and c->keep says whether the connection goes on. */
static void
serve_request(struct conn *c)
{
	char *eol, *method, *target, *version, *sp1, *sp2;
	char path[HTTPD_PATH_MAX];
	struct range rg;
	int r, status;

	c->http11 = false;
	c->keep = false;
	/* The request line. */
	while (!(eol = line_end(c, 0))) {
		if (c->len >= HTTPD_LINE_MAX) {
			conn_error(c, 414, true, "");
			return;
		}
		if ((r = read_more(c)) <= 0) {
			head_failed(c, r, true);
			return;
		}
	}
	if (eol - c->head >= HTTPD_LINE_MAX) {
		conn_error(c, 414, true, "");
		return;
	}
	*eol = '\0';
	if (eol > c->head && eol[-1] == '\r')
		eol[-1] = '\0';
	method = c->head;
	if (!(sp1 = strchr(method, ' ')) || !(sp2 = strchr(sp1 + 1, ' '))) {
		conn_error(c, 400, true, "");	/* no target, or no version */
		return;
	}
	*sp1 = *sp2 = '\0';
	target = sp1 + 1;
	version = sp2 + 1;
	if (strncmp(version, "HTTP/", 5) != 0 || !(version[5] >= '0' && version[5] <= '9')
	    || strchr(version, ' ') || *target == '\0') {
		conn_error(c, 400, true, "");
		return;
	}
	/* HTTP/1.1 (or later) keeps the connection unless told to close; 1.0 only if asked. */
	c->http11 = strcmp(version, "HTTP/1.0") != 0 && version[5] >= '1';
	bool keep = c->http11;
	bool head_only = strcmp(method, "HEAD") == 0;
	memset(&rg, 0, sizeof(rg));

	/* The headers, up to the empty line: Connection and Range are the ones we use. */
	int start = eol + 1 - c->head;
	for (;;) {
		char *e = line_end(c, start);
		if (e) {
			const char *line = c->head + start, *v;
			bool empty = e == line || (e == line + 1 && *line == '\r');
			start = e + 1 - c->head;
			if (empty)
				break;
			if ((v = header_value(line, e, "connection"))) {
				if (value_has(v, e, "close"))
					keep = false;
				else if (value_has(v, e, "keep-alive"))
					keep = true;
			} else if ((v = header_value(line, e, "range")))
				parse_range(v, e, &rg);
			continue;
		}
		if (c->len >= HTTPD_HEAD_MAX) {
			conn_error(c, 431, !head_only, "");
			return;
		}
		if ((r = read_more(c)) <= 0) {
			head_failed(c, r, !head_only);
			return;
		}
	}
	c->keep = keep && c->requests + 1 < HTTPD_KEEP_MAX;

	if (!head_only && strcmp(method, "GET") != 0)
		conn_error(c, 501, true, "");
	else if ((status = target_to_path(target, path)) != 0)
		conn_error(c, status, !head_only, "");
	else
		send_file(c, path, head_only, &rg);
	c->requests++;
	/* Keep what came after this request: the next one. */
	memmove(c->head, c->head + start, c->len - start);
	c->len -= start;
	c->head[c->len] = '\0';
}

/* Close c without losing the answer: see the protocol comment at the top. */
static void
conn_close(struct conn *c)
{
	uint32_t end = sys_time_msec() + HTTPD_LINGER_MSEC;
	int total = 0, n;
	int32_t left;

	step_begin(PHASE_CLOSE, HTTPD_LINGER_MSEC + HTTPD_GRACE_MSEC);
	nsipc_shutdown(c->sock, SHUT_WR);
	while (total < HTTPD_DRAIN_MAX && (left = end - sys_time_msec()) > 0
	       && set_read_timeout(c, left) == 0
	       && (n = nsipc_recv(c->sock, drain_buf, sizeof(drain_buf), 0)) > 0)
		total += n;
	nsipc_close(c->sock);
}

static struct conn worker_conn;

/* Make the pages a request writes ours now, rather than at the worker's first request: after a
 * fork they are the acceptor's, copy-on-write.  Then the free page count of an idle server does
 * not depend on how many of the workers have served (httpdsoak compares it).  The library's
 * request pages for the file and network servers are written by a request: a stat, and a
 * close of a socket that cannot exist (answered -E_INVAL). */
static void
worker_touch(void)
{
	struct Stat st;

	memset(&worker_conn, 0, sizeof(worker_conn));
	memset(drain_buf, 0, sizeof(drain_buf));
	/* The page table under the window where sendfile borrows file pages. */
	if (sys_page_alloc(0, (void *) SENDFILE_WIN, PTE_P | PTE_U | PTE_W) == 0)
		sys_page_unmap(0, (void *) SENDFILE_WIN);
	stat("/", &st);
	nsipc_close(HTTPD_NO_SOCK);
}

/* A worker: serve the connections the acceptor puts in our slot, one after another. */
static void __attribute__((noreturn))
worker(void)
{
	struct conn *c = &worker_conn;
	int32_t sock;

	worker_touch();
	for (;;) {
		while ((sock = self->sock) == HTTPD_NO_SOCK)
			sys_page_wait((const void *) &self->sock, (uint32_t) HTTPD_NO_SOCK,
				      pageref(self));
		c->sock = sock;
		c->head_deadline = self->start + HTTPD_HEAD_MSEC;
		c->timeout_set = -1;
		c->len = 0;
		c->head[0] = '\0';
		c->requests = 0;
		/* A persistent connection: the next request within HTTPD_IDLE_MSEC (at once if
		 * it is already here), each one's head within HTTPD_HEAD_MSEC. */
		for (;;) {
			serve_request(c);
			self->served++;
			if (!c->keep)
				break;
			uint32_t now = sys_time_msec();
			c->head_deadline = now + (c->len > 0 ? HTTPD_HEAD_MSEC : HTTPD_IDLE_MSEC);
			step_begin(PHASE_HEAD, c->head_deadline - now + HTTPD_GRACE_MSEC);
			if (c->len == 0) {
				int r = read_more(c);
				if (r <= 0)
					break;	/* closed, failed or idle too long: nothing to say */
			}
		}
		conn_close(c);
		self->phase = PHASE_IDLE;
		self->sock = HTTPD_NO_SOCK;
		sys_page_wake(self);
		__sync_fetch_and_add(&counters->idle_gen, 1);
		sys_page_wake(&counters->idle_gen);
	}
}

/* ---- The acceptor: the pool, the deadlines, the refusals ------------------------------------ */

/* Print a line about a bad client or a failure, unless one was printed less than
 * HTTPD_LOG_MSEC ago: clients can make us drop connections as fast as they like, but not fill
 * the console.  The lines left out are counted, and the next line printed says how many. */
static void
log_limited(uint32_t now, const char *msg)
{
	if (counters->log_last != 0 && (int32_t) (now - counters->log_last) < HTTPD_LOG_MSEC) {
		counters->log_suppressed++;
		return;
	}
	if (counters->log_suppressed)
		cprintf("httpd: %s (and %u more since the last message)\n", msg,
			counters->log_suppressed);
	else
		cprintf("httpd: %s\n", msg);
	counters->log_suppressed = 0;
	counters->log_last = now ? now : 1;
}

/* Fork the worker of slot i (its slot is idle).  Returns 0 or the fork's error. */
static int
worker_start(int i)
{
	envid_t e;

	slots[i].sock = HTTPD_NO_SOCK;
	slots[i].phase = PHASE_IDLE;
	if ((e = fork()) < 0) {
		slots[i].env = 0;
		return e;
	}
	if (e == 0) {
		self = &slots[i];
		worker();
	}
	slots[i].env = e;
	return 0;
}

/*
 * Look at every worker: destroy the ones past their deadline (and close their connection, which
 * ends a send blocked in the network server), fork a new worker where one died or was
 * destroyed.  Returns the milliseconds until the earliest deadline of a busy worker, 0 if none
 * is busy.
 */
static uint32_t
pool_check(uint32_t now)
{
	uint32_t next = 0;
	char msg[128];

	for (int i = 0; i < HTTPD_WORKERS; i++) {
		struct httpd_slot *w = &slots[i];
		int32_t sock = w->sock;
		bool alive = envid_alive(w->env);

		if (alive && sock == HTTPD_NO_SOCK)
			continue;
		if (alive && (int32_t) (now - w->deadline) < 0) {
			uint32_t left = w->deadline - now;
			if (next == 0 || left < next)
				next = left;
			continue;
		}
		if (alive) {
			snprintf(msg, sizeof(msg), "worker %d: past its deadline while %s, %u ms "
				 "after the accept: connection dropped", i,
				 phase_names[w->phase < ARRAY_SIZE(phase_names) ? w->phase : 0],
				 now - w->start);
			sys_env_destroy(w->env);
			counters->dropped++;
		} else {
			snprintf(msg, sizeof(msg), "worker %d (%08x) is gone: starting another",
				 i, w->env);
			if (w->env)
				counters->restarted++;
		}
		if (sock != HTTPD_NO_SOCK)
			nsipc_close(sock);
		int r = worker_start(i);
		if (r < 0)
			snprintf(msg, sizeof(msg), "worker %d: fork: %e", i, r);
		log_limited(now, msg);
	}
	return next;
}

/*
 * Refused connections.  Every worker is busy: the acceptor answers 503 at once, without
 * waiting for the client.  What the client sent so far is read first, and the close waits
 * HTTPD_LINGER_MSEC (for the rest of the request, read then without waiting), so that the
 * close does not reset the connection and lose the answer; meanwhile the acceptor goes on.  At
 * most HTTPD_REFUSED_MAX wait so; a refusal past that closes the oldest at once.  The answer is
 * small and fits an empty send buffer.
 */
static struct {
	int32_t sock;		/* HTTPD_NO_SOCK: a free entry */
	uint32_t close_at;
} refused[HTTPD_REFUSED_MAX];
/* What a refused client sent, read and dropped.  The acceptor writes it before it serves, so
 * that its first refusal copies no page on write: the free page count of an idle server is the
 * same before and after a burst that had it refuse. */
static char refused_buf[NSIPC_DATA_MAX];

/* Read what has arrived on sock, without waiting, and close it. */
static void
refused_close(int i)
{
	for (int n = 0; n < HTTPD_DRAIN_MAX / NSIPC_DATA_MAX
	     && nsipc_recv(refused[i].sock, refused_buf, sizeof(refused_buf), MSG_DONTWAIT) > 0;
	     n++)
		;
	nsipc_close(refused[i].sock);
	refused[i].sock = HTTPD_NO_SOCK;
	counters->lingering--;
	sys_page_wake(&counters->lingering);
}

static void
refuse(int sock, uint32_t now)
{
	int i, oldest = 0;

	counters->refused++;
	nsipc_recv(sock, refused_buf, sizeof(refused_buf), MSG_DONTWAIT);
	send_error(sock, 503, true);
	nsipc_shutdown(sock, SHUT_WR);
	for (i = 0; i < HTTPD_REFUSED_MAX && refused[i].sock != HTTPD_NO_SOCK; i++)
		if ((int32_t) (refused[i].close_at - refused[oldest].close_at) < 0)
			oldest = i;
	if (i == HTTPD_REFUSED_MAX)
		refused_close(i = oldest);
	refused[i].sock = sock;
	refused[i].close_at = now + HTTPD_LINGER_MSEC;
	counters->lingering++;
}

/* Close the refused connections whose time has come.  Returns the milliseconds until the next
 * close, 0 if none waits. */
static uint32_t
refused_check(uint32_t now)
{
	uint32_t next = 0;

	for (int i = 0; i < HTTPD_REFUSED_MAX; i++) {
		if (refused[i].sock == HTTPD_NO_SOCK)
			continue;
		if ((int32_t) (now - refused[i].close_at) >= 0)
			refused_close(i);
		else if (next == 0 || refused[i].close_at - now < next)
			next = refused[i].close_at - now;
	}
	return next;
}

/* Hand the accepted connection sock to an idle worker; true if one took it. */
static bool
dispatch_try(int sock, uint32_t now)
{
	for (int i = 0; i < HTTPD_WORKERS; i++) {
		struct httpd_slot *w = &slots[i];
		if (w->sock != HTTPD_NO_SOCK || !envid_alive(w->env))
			continue;
		w->start = now;
		w->deadline = now + HTTPD_HEAD_MSEC + HTTPD_GRACE_MSEC;
		w->phase = PHASE_HEAD;
		w->sock = sock;		/* last: the worker starts once it sees this */
		sys_page_wake(w);
		return true;
	}
	return false;
}

/* Hand the accepted connection sock to an idle worker, waiting HTTPD_QUEUE_MSEC at most for
 * one to finish its connection, or refuse it.  The wait keeps a burst's clients from being
 * refused while the workers are a moment from done (the acceptor is answered first when the
 * network server hands it a connection, kern/sched.c); the connections behind wait in the
 * network server's listen queue meanwhile. */
static void
dispatch(int sock, uint32_t now)
{
	uint32_t until = now + HTTPD_QUEUE_MSEC;

	for (;;) {
		uint32_t gen = counters->idle_gen;
		if (dispatch_try(sock, now))
			return;
		int r = sys_page_wait_until(&counters->idle_gen, gen, pageref(counters), until);
		now = sys_time_msec();
		if (r == -E_TIMEOUT || (int32_t) (now - until) >= 0)
			break;
	}
	if (!dispatch_try(sock, now))
		refuse(sock, now);
}

static void
acceptor(int listener)
{
	uint32_t armed = 0;		/* the listener's accept timeout (0: none) */
	bool timed_out = false;

	memset(refused_buf, 0, sizeof(refused_buf));	/* see refused_buf */
	for (;;) {
		uint32_t now = sys_time_msec();
		uint32_t next = MIN(pool_check(now), HTTPD_WATCH_MSEC);
		uint32_t next_close = refused_check(now);
		int r, sock;

		if (next_close != 0 && (next == 0 || next_close < next))
			next = next_close;

		/* Wake by the earliest deadline: arm the timeout when it would otherwise come
		 * too late, and after a timeout (to disarm it, or aim better). */
		if ((next != 0 && (armed == 0 || next + HTTPD_WATCH_SLACK_MSEC < armed))
		    || (timed_out && next != armed)) {
			if ((r = nsipc_setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, next)) < 0)
				panic("setsockopt(SO_RCVTIMEO) on the listening socket: %e", r);
			armed = next;
		}

		sock = nsipc_accept(listener, NULL, NULL);
		timed_out = sock == -E_TIMEOUT;
		if (timed_out)
			continue;
		now = sys_time_msec();
		if (sock < 0) {
			char msg[64];
			if (sock == -E_BAD_ENV)		/* no network server any more */
				exit();
			counters->accept_failed++;
			snprintf(msg, sizeof(msg), "accept: %e", sock);
			log_limited(now, msg);
			continue;
		}
		counters->accepted++;
		dispatch(sock, now);
	}
}

/* ---- The console -------------------------------------------------------------------------- */

/* Print the counters once no worker is busy and no refused connection lingers (each is done
 * within its deadlines). */
static void
console_stat(void)
{
	static struct ns_stats ns;
	static struct mem_stat mem;
	uint32_t busy = 0, served = 0, timeouts = 0, workers = 0;
	int r;

	for (int i = 0; i < HTTPD_WORKERS; i++) {
		struct httpd_slot *w = &slots[i];
		int32_t sock;
		while ((sock = w->sock) != HTTPD_NO_SOCK && envid_alive(w->env))
			sys_page_wait((const void *) &w->sock, (uint32_t) sock, pageref(w));
	}
	/* And for the refused connections to be closed (HTTPD_LINGER_MSEC at most). */
	for (uint32_t n; (n = counters->lingering) > 0; )
		sys_page_wait((const void *) &counters->lingering, n, pageref(counters));
	for (int i = 0; i < HTTPD_WORKERS; i++) {
		workers += envid_alive(slots[i].env);
		busy += slots[i].sock != HTTPD_NO_SOCK;
		served += slots[i].served;
		timeouts += slots[i].timeouts;
	}
	if ((r = nsipc_stats(&ns)) < 0) {
		cprintf("httpd: stat: the network server: %e\n", r);
		return;
	}
	memset(&mem, 0, sizeof(mem));	/* ours, not copy-on-write, before the kernel writes it */
	if ((r = sys_mem_stat(&mem)) < 0) {
		cprintf("httpd: stat: sys_mem_stat: %e\n", r);
		return;
	}
	cprintf("httpd: stat: workers %u (%u busy), accepted %u, served %u (%u head timeouts), "
		"refused %u, dropped %u, restarted %u; ns sockets %u, threads %u (max %u), rx pages held %u "
		"(stashed %u), tx frames held %u, heap %u bytes; free pages %u; time %u ms\n", workers,
		busy, counters->accepted, served, timeouts, counters->refused, counters->dropped,
		counters->restarted, ns.sockets_open, ns.threads_live, ns.threads_max,
		ns.rx_pages_held, ns.nic_rx_stashed, ns.tx_held, ns.heap_used, mem.free_pages,
		sys_time_msec());
	/* The frame path since boot (make bench divides by the bytes sent). */
	cprintf("httpd: stat: frames: rx %u in %u wake-ups and %u receive calls; tx %u bytes in %u "
		"frames (%u segments merged, %u segmented by the card) in %u send calls and %u "
		"doorbells; interrupts %u; copied %u bytes from clients, %u into frames; receive "
		"pages zeroed %u, recycled %u\n", ns.rx_frames, ns.rx_drains, ns.nic_rx_calls,
		ns.tx_bytes, ns.tx_frames, ns.tx_merged, ns.tx_tso_frames,
		ns.tx_batches + ns.tx_direct_batches,
		ns.nic_doorbells, ns.nic_intrs, ns.send_copy_bytes + ns.lend_copy_bytes, ns.tx_copy_bytes,
		ns.nic_rx_zeroed, ns.nic_rx_recycled);
}

/* Run a program from the file system with the words of line as its arguments, and wait for
 * it: while it runs, it has the console (grade-lab6 runs its guest clients this way). */
#define CONSOLE_RUN_WORDS	32	/* as many as sh takes (user/sh.c) */

static void
console_run(char *line)
{
	const char *argv[CONSOLE_RUN_WORDS + 1];
	int argc = 0;
	envid_t e;

	for (char *p = line; *p; ) {
		if (*p == ' ') {
			*p++ = '\0';
			continue;
		}
		if (argc == CONSOLE_RUN_WORDS) {
			cprintf("httpd: run: more than %d words\n", CONSOLE_RUN_WORDS);
			return;
		}
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	argv[argc] = NULL;
	if (argc == 0) {
		cprintf("httpd: run: no program\n");
		return;
	}
	if ((e = spawn(argv[0], argv)) < 0) {
		cprintf("httpd: run %s: %e\n", argv[0], e);
		return;
	}
	wait(e);
}

/* Read console lines and run them as commands. */
static void
console(void)
{
	/* Shorter than the kernel's console buffer (CONSBUFSIZE, 512), so that a line typed at
	 * once, too long or not, arrives whole. */
	char line[384];
	int n = 0;
	bool too_long = false;

	binaryname = "httpd-console";
	for (;;) {
		int ch = sys_cgetc();
		if (ch != '\r' && ch != '\n') {
			if (n < (int) sizeof(line) - 1)
				line[n++] = ch;
			else
				too_long = true;
			continue;
		}
		line[n] = '\0';
		if (too_long)
			cprintf("httpd: console: a line longer than %d characters, ignored\n",
				(int) sizeof(line) - 1);
		else if (strcmp(line, "stat") == 0)
			console_stat();
		else if (strncmp(line, "run ", 4) == 0)
			console_run(line + 4);
		else if (n > 0)
			cprintf("httpd: console commands: stat, run PROGRAM [ARGS]\n");
		n = 0;
		too_long = false;
	}
}

/* ---- Start -------------------------------------------------------------------------------- */

void
umain(int argc, char **argv)
{
	struct sockaddr_in addr;
	envid_t e;
	int s, r;

	(void) argc;
	(void) argv;
	binaryname = "httpd";

	/* The shared pages first, so that every fork below passes them on. */
	for (int i = 0; i <= HTTPD_WORKERS; i++)
		if ((r = sys_page_alloc(0, (void *) (HTTPD_SHARED + i * PGSIZE),
					PTE_P | PTE_U | PTE_W | PTE_SHARE)) < 0)
			panic("the shared pages: %e", r);
	if ((e = fork()) < 0)
		panic("fork for the console: %e", e);
	if (e == 0)
		console();
	for (int i = 0; i < HTTPD_WORKERS; i++)
		if ((r = worker_start(i)) < 0)
			panic("fork for worker %d: %e", i, r);

	if ((s = nsipc_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)) < 0)
		panic("socket: %e", s);
	nsipc_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, 1);
	/* No Nagle on the connections (they inherit it from the listener): every answer is
	 * written in whole chunks, and Nagle would hold each chunk's last, short segment (and a
	 * small body after its header) until all the data before it is acknowledged, a round
	 * trip of idling per chunk. */
	if ((r = nsipc_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, 1)) < 0)
		panic("setsockopt(TCP_NODELAY): %e", r);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	addr.sin_port = htons(HTTPD_PORT);
	if ((r = nsipc_bind(s, (struct sockaddr *) &addr, sizeof(addr))) < 0)
		panic("bind: %e", r);
	if ((r = nsipc_listen(s, HTTPD_BACKLOG)) < 0)
		panic("listen: %e", r);
	for (int i = 0; i < HTTPD_REFUSED_MAX; i++)
		refused[i].sock = HTTPD_NO_SOCK;
	cprintf("httpd: %d workers; deadlines: request head %d ms, each send %d ms\n",
		HTTPD_WORKERS, HTTPD_HEAD_MSEC, HTTPD_SEND_MSEC);
	cprintf("httpd: listening on port %d\n", HTTPD_PORT);
	acceptor(s);
}
