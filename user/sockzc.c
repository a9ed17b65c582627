/*
 * sockzc: socket data by lent pages, checked over the guest's loopback.  `sockzc sendfile`: a
 * file through sendfile arrives byte-exact (whole, an unaligned range, past its end), bad
 * descriptors, offsets and sockets are refused, the file's offset stays and the borrowed pages
 * are gone afterwards.  `sockzc pages`: a sender that rewrites or unmaps its pages as soon as
 * nsipc_send_pages returns, a receiver that keeps what it received past its next receive, and
 * a client that tries to write pages it lent or the server's own: what arrives is what was
 * sent, each byte of a client's own pages copied once; and senders whose peers do not read,
 * whose held file pages stay within the server's bound.  `sockzc warm` only loads the program (grade-lab6 counts free pages around a run, and
 * the file server's cache keeps the program's blocks from the first).
 */

#include <inc/lib.h>
#include <inc/ns.h>

#define SOCKZC_PORT		5700
#define SOCKZC_FILE		"/large.bin"
#define SOCKZC_PAGES		16			/* a request's worth: 64 KB */
#define SOCKZC_ROUNDS		8			/* 512 KB per case */
#define SOCKZC_SRC		((uint8_t *) UTEMP)	/* the pages we lend */
#define SOCKZC_FILEWIN		((uint8_t *) UTEMP + 32 * PGSIZE)	/* borrowed file pages */
#define SOCKZC_CHUNK		1500			/* the receiver's reads: unaligned */
/* A connection that gives no byte for this long is stuck: the test says so, with the server's
 * state (nsipc_state_print), instead of waiting for the grader's time limit. */
#define SOCKZC_STALL_MSEC	20000

static void
stall_bound(int fd)
{
	int ms = SOCKZC_STALL_MSEC, r;

	if ((r = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &ms, sizeof(ms))) < 0)
		panic("setsockopt SO_RCVTIMEO: %e", r);
}

static int nchecks, nfailed;

/* One check: its name and what it gave (an error by its name); FAIL when that is not want. */
static void
check(const char *what, long got, long want)
{
	nchecks++;
	if (got != want) {
		nfailed++;
		cprintf("sockzc: FAIL: %s gave %e (%ld), expected %ld\n", what, (int) got, got,
			want);
	} else if (got < 0)
		cprintf("sockzc: %s: %e\n", what, (int) got);
	else
		cprintf("sockzc: %s: %ld\n", what, got);
}

/* The byte at stream position i of a page-sent case, so that every 64 KB round differs. */
static uint8_t
pattern(uint32_t i)
{
	return (i * 131 + i / 65536 * 17 + 3) & 0xFF;
}

/* A connected pair of socket descriptors over the loopback: *snd (ours) and *rcv (the
 * accepted end). */
static void
conn_pair(uint16_t port, int *snd, int *rcv)
{
	struct sockaddr_in a = sockaddr_in_of(INADDR_LOOPBACK, port);
	int l, r;

	if ((l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)) < 0
	    || (r = bind(l, (struct sockaddr *) &a, sizeof(a))) < 0
	    || (r = listen(l, 1)) < 0)
		panic("listener on port %d: %e", port, l < 0 ? l : r);
	if ((*snd = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)) < 0)
		panic("socket: %e", *snd);
	if ((r = connect(*snd, (struct sockaddr *) &a, sizeof(a))) < 0)
		panic("connect: %e", r);
	if ((*rcv = accept(l, NULL, NULL)) < 0)
		panic("accept: %e", *rcv);
	close(l);
}

/*
 * A child that reads n bytes from rcv, then the end of the stream, and compares each byte with
 * what want() says (file: the bytes of fd from offset on, else pattern()); it keeps every chunk
 * past the next receive and checks it again after, so a receive must not touch what an
 * earlier one gave.  Prints one line; the parent waits for it.
 */
static envid_t
receiver(const char *what, int rcv, int snd, int fd, off_t offset, uint32_t n)
{
	static uint8_t bufs[2][SOCKZC_CHUNK], wants[2][SOCKZC_CHUNK];
	envid_t child = fork();

	if (child < 0)
		panic("fork: %e", child);
	if (child > 0) {
		close(rcv);
		return child;
	}
	close(snd);
	uint32_t got = 0, bad = n + 1;
	int k = 0, prev_len = 0;
	ssize_t r;
	stall_bound(rcv);
	while ((r = read(rcv, bufs[k], sizeof(bufs[k]))) > 0) {
		uint8_t *want = wants[k];
		if (fd >= 0) {
			if (seek(fd, offset + got) < 0 || readn(fd, want, r) != r)
				memset(want, 0, r);	/* past the file: a difference */
		} else
			for (ssize_t i = 0; i < r; i++)
				want[i] = pattern(got + i);
		for (ssize_t i = 0; i < r && bad > n; i++)
			if (got + i >= n || bufs[k][i] != want[i])
				bad = got + i;
		/* The chunk before this one, received into the other buffer, is as it was. */
		if (prev_len > 0 && bad > n)
			for (int i = 0; i < prev_len; i++)
				if (bufs[!k][i] != wants[!k][i])
					bad = got - prev_len + i;
		got += r;
		prev_len = r;
		k = !k;
	}
	if (r == -E_TIMEOUT)
		nsipc_state_print();		/* stalled: the server's state before the FAIL */
	if (bad > n && got == n)
		cprintf("sockzc: %s: %u bytes received, intact\n", what, got);
	else
		cprintf("sockzc: FAIL: %s: %u of %u bytes received (%e), the first wrong at %u\n",
			what, got, n, r < 0 ? (int) r : 0, bad);
	exit();
}

/* Close our end and wait for the receiver's verdict. */
static void
finish(int snd, envid_t child)
{
	close(snd);
	wait(child);
}

static bool
mapped(const void *va)
{
	return (uvpd[PDX(va)] & PTE_P) && (uvpt[PGNUM(va)] & PTE_P);
}

static void
case_sendfile(void)
{
	struct Stat st;
	int fd, snd, rcv, r;
	envid_t child;

	if ((fd = open(SOCKZC_FILE, O_RDONLY)) < 0 || (r = fstat(fd, &st)) < 0)
		panic("%s: %e", SOCKZC_FILE, fd < 0 ? fd : r);
	off_t size = st.st_size, from = 1000, part = 200000;
	int rfd = open(SOCKZC_FILE, O_RDONLY);	/* the receiver's, for the bytes it wants */

	/* The whole file; the descriptor's offset stays where it was. */
	check("seek to 12345", seek(fd, 12345), 0);
	conn_pair(SOCKZC_PORT, &snd, &rcv);
	child = receiver("sendfile of the whole file", rcv, snd, rfd, 0, size);
	check("sendfile of the whole file", sendfile(snd, fd, 0, size), size);
	finish(snd, child);
	uint8_t b[4], w[4];
	check("the offset after sendfile", readn(fd, b, 4), 4);
	check("bytes there are the file's at 12345", seek(rfd, 12345) == 0 && readn(rfd, w, 4) == 4
	      && memcmp(b, w, 4) == 0, 1);
	bool any = false;
	for (uint32_t i = 0; i < SOCKZC_PAGES; i++)
		any = any || mapped((uint8_t *) SENDFILE_WIN + i * PGSIZE);
	check("borrowed pages still mapped after sendfile", any, 0);

	/* Unaligned, longer than a request, ending inside a page; then the rest and more. */
	conn_pair(SOCKZC_PORT + 1, &snd, &rcv);
	child = receiver("sendfile of an unaligned range, then the rest", rcv, snd, rfd, from,
			 size - from);
	check("sendfile of bytes 1000..200999", sendfile(snd, fd, from, part), part);
	check("sendfile of the rest, the file's size asked", sendfile(snd, fd, from + part, size),
	      size - from - part);
	check("sendfile at the end", sendfile(snd, fd, size, 10), 0);
	check("sendfile of 0 bytes", sendfile(snd, fd, 0, 0), 0);

	/* Refused. */
	int wfd = open("/sockzc-wo", O_WRONLY | O_CREAT);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	check("sendfile at offset -1", sendfile(snd, fd, -1, 10), -E_INVAL);
	check("sendfile past the end", sendfile(snd, fd, size + 1, 10), -E_INVAL);
	check("sendfile of descriptor -1", sendfile(snd, -1, 0, 10), -E_INVAL);
	check("sendfile of a closed descriptor", sendfile(snd, MAXFD - 1, 0, 10), -E_INVAL);
	check("sendfile of a socket", sendfile(snd, snd, 0, 10), -E_NOT_SUPP);
	check("sendfile of a write-only file", sendfile(snd, wfd, 0, 10), -E_PERM);
	check("sendfile to a file", sendfile(fd, fd, 0, 10), -E_NOT_SUPP);
	check("sendfile to descriptor 1000", sendfile(1000, fd, 0, 10), -E_INVAL);
	check("sendfile to a datagram socket", sendfile(u, fd, 0, 10), -E_NOT_SUPP);
	finish(snd, child);
	close(u);
	close(wfd);
	close(rfd);
	close(fd);
}

/* Send SOCKZC_ROUNDS times 64 KB from the pages at SOCKZC_SRC by lending them; between rounds,
 * as soon as the send returns, the pages are rewritten with garbage (unmap: unmapped, and
 * fresh ones allocated for the next round). */
static void
case_pages(const char *what, uint16_t port, bool unmap)
{
	int snd, rcv, r;
	uint32_t pos = 0;

	conn_pair(port, &snd, &rcv);
	envid_t child = receiver(what, rcv, snd, -1, 0, SOCKZC_ROUNDS * SOCKZC_PAGES * PGSIZE);
	int s = fd2sockid(snd);
	bool ok = true;
	for (uint32_t round = 0; round < SOCKZC_ROUNDS; round++) {
		for (uint32_t i = 0; i < SOCKZC_PAGES; i++)
			if (!mapped(SOCKZC_SRC + i * PGSIZE)
			    && (r = sys_page_alloc(0, SOCKZC_SRC + i * PGSIZE, PTE_P | PTE_U | PTE_W)) < 0)
				panic("sys_page_alloc: %e", r);
		for (uint32_t i = 0; i < SOCKZC_PAGES * PGSIZE; i++)
			SOCKZC_SRC[i] = pattern(pos + i);
		for (uint32_t done = 0; done < SOCKZC_PAGES * PGSIZE && ok; ) {
			ssize_t k = nsipc_send_pages(s, SOCKZC_SRC + ROUNDDOWN(done, PGSIZE),
						     done % PGSIZE, SOCKZC_PAGES * PGSIZE - done);
			ok = k > 0;
			done += ok ? k : 0;
			/* At once: the bytes the server took are ours to change again. */
			memset(SOCKZC_SRC, 0xEE, done);
		}
		pos += SOCKZC_PAGES * PGSIZE;
		if (unmap)
			for (uint32_t i = 0; i < SOCKZC_PAGES; i++)
				sys_page_unmap(0, SOCKZC_SRC + i * PGSIZE);
	}
	check(what, ok ? (long) pos : -E_INVAL, SOCKZC_ROUNDS * SOCKZC_PAGES * PGSIZE);
	finish(snd, child);
	for (uint32_t i = 0; i < SOCKZC_PAGES; i++)
		sys_page_unmap(0, SOCKZC_SRC + i * PGSIZE);
}

/* Pages we lend but may not write: a file's pages, borrowed read-only, stay read-only (a
 * writable mapping of them is refused), and the server's pages (its page slots, lwIP's heap)
 * cannot be mapped at all; the receiver gets the file's bytes. */
static void
case_readonly(void)
{
	int fd, snd, rcv;
	ssize_t n;

	if ((fd = open(SOCKZC_FILE, O_RDONLY)) < 0)
		panic("%s: %e", SOCKZC_FILE, fd);
	int rfd = open(SOCKZC_FILE, O_RDONLY);
	conn_pair(SOCKZC_PORT + 4, &snd, &rcv);
	if ((n = read_pages(fd, SOCKZC_FILEWIN, SOCKZC_PAGES)) <= 0)
		panic("read_pages: %e", (int) n);
	envid_t child = receiver("lent file pages", rcv, snd, rfd, 0, n);
	envid_t ns = ipc_find_env(ENV_TYPE_NS);
	check("lend the file's pages", nsipc_send_pages(fd2sockid(snd), SOCKZC_FILEWIN, 0, n), n);
	check("map a lent file page writable", sys_page_map(0, SOCKZC_FILEWIN, 0, SOCKZC_FILEWIN,
							     PTE_P | PTE_U | PTE_W), -E_INVAL);
	check("map the server's page slot", sys_page_map(ns, (void *) NS_PAGE_BASE, 0, UTEMP,
							  PTE_P | PTE_U | PTE_W), -E_BAD_ENV);
	check("map the server's send buffer", sys_page_map(ns, (void *) NS_TX_HEAP_VA, 0, UTEMP,
							    PTE_P | PTE_U | PTE_W), -E_BAD_ENV);
	finish(snd, child);
	for (uint32_t i = 0; i < SOCKZC_PAGES; i++)
		sys_page_unmap(0, SOCKZC_FILEWIN + i * PGSIZE);
	close(rfd);
	close(fd);
}

/*
 * Senders whose peers do not read: SOCKZC_HOARDERS children each sendfile the whole file over a
 * connection whose receiving end we hold and do not read yet, so lwIP keeps every byte they
 * get in.  The file pages it keeps in place stay within NS_SEND_HOLD_SLOTS (the sends past it
 * are copied), so other requests still find page slots: a loopback exchange meanwhile works.
 * Then we read everything, and once it is all acknowledged no send holds a page.
 */
#define SOCKZC_HOARDERS		4
#define SOCKZC_WAIT_MSEC	30000

static void
case_hoarders(void)
{
	int fd, snd[SOCKZC_HOARDERS], rcv[SOCKZC_HOARDERS], r;
	envid_t kids[SOCKZC_HOARDERS];
	struct ns_stats st, st0;
	struct Stat fst;

	if ((fd = open(SOCKZC_FILE, O_RDONLY)) < 0 || (r = fstat(fd, &fst)) < 0)
		panic("%s: %e", SOCKZC_FILE, fd < 0 ? fd : r);
	if ((r = nsipc_stats_quiet(&st0)) < 0)
		panic("nsipc_stats: %e", r);
	for (int i = 0; i < SOCKZC_HOARDERS; i++) {
		conn_pair(SOCKZC_PORT + 10 + i, &snd[i], &rcv[i]);
		if ((kids[i] = fork()) < 0)
			panic("fork: %e", kids[i]);
		if (kids[i] == 0) {
			sendfile(snd[i], fd, 0, fst.st_size);	/* blocks until we read */
			exit();		/* the last close of snd[i]: the end of its stream */
		}
		close(snd[i]);
	}
	/* Until the bound has made the server copy (the sends in place hold all they may), or
	 * SOCKZC_WAIT_MSEC: the most sends held at any look. */
	uint32_t most = 0, until = sys_time_msec() + SOCKZC_WAIT_MSEC;
	do {
		sys_yield();
		if ((r = nsipc_stats_quiet(&st)) < 0)
			panic("nsipc_stats: %e", r);
		most = MAX(most, st.send_holds);
	} while (st.lend_copy_bytes == st0.lend_copy_bytes && (int32_t) (until - sys_time_msec()) > 0);
	check("sends held (16 pages each) within NS_SEND_HOLD_SLOTS",
	      most > 0 && most * SOCKZC_PAGES <= NS_SEND_HOLD_SLOTS, 1);
	check("sends past the bound copied", st.lend_copy_bytes > st0.lend_copy_bytes, 1);

	int a, b;
	char buf[8];
	conn_pair(SOCKZC_PORT + 20, &a, &b);
	stall_bound(b);
	r = send(a, "ping", 4, 0);
	r = r < 0 ? r : recv(b, buf, sizeof(buf), 0);
	if (r == -E_TIMEOUT)
		nsipc_state_print();
	check("loopback bytes meanwhile",
	      r == 4 && memcmp(buf, "ping", 4) == 0 ? 4 : (r < 0 ? r : -E_INVAL), 4);
	close(a);
	close(b);

	static char buf2[4096];
	uint32_t whole = 0;
	for (int i = 0; i < SOCKZC_HOARDERS; i++) {
		uint32_t got = 0;
		stall_bound(rcv[i]);
		while ((r = read(rcv[i], buf2, sizeof(buf2))) > 0)
			got += r;
		if (r == -E_TIMEOUT) {
			nsipc_state_print();
			cprintf("sockzc: FAIL: hoarded connection %d stalled after %u bytes (the "
				"server's state above)\n", i, got);
		}
		whole += got == (uint32_t) fst.st_size;
		wait(kids[i]);
		close(rcv[i]);
	}
	check("hoarded connections read whole at last", whole, SOCKZC_HOARDERS);
	until = sys_time_msec() + SOCKZC_WAIT_MSEC;
	do {
		sys_yield();
		if ((r = nsipc_stats_quiet(&st)) < 0)
			panic("nsipc_stats: %e", r);
	} while (st.send_holds > 0 && (int32_t) (until - sys_time_msec()) > 0);
	check("sends holding pages once all is read", st.send_holds, 0);
	close(fd);
}

/*
 * Copying senders whose peers do not read: SOCKZC_SLOW children each write() more than a send
 * buffer holds over a connection whose receiving end we hold and do not read, so that the
 * server's heap (their copies, and the loopback's copies of what it delivered) fills; then a
 * connection whose peer reads must still carry SOCKZC_FREE_BYTES, at the pace of its peer.
 * Then we read the slow ones whole.
 */
#define SOCKZC_SLOW		6
#define SOCKZC_SLOW_BYTES	(256 * 1024)
#define SOCKZC_FREE_BYTES	(256 * 1024)

/* Write n bytes of pattern() to socket fd, then close it and exit (a child). */
static void
write_pattern_exit(int fd, uint32_t n)
{
	static uint8_t chunk[8192];

	for (uint32_t pos = 0; pos < n; ) {
		uint32_t k = MIN(n - pos, (uint32_t) sizeof(chunk));
		for (uint32_t i = 0; i < k; i++)
			chunk[i] = pattern(pos + i);
		ssize_t r = write(fd, chunk, k);
		if (r <= 0)
			break;
		pos += r;
	}
	close(fd);
	exit();
}

/* Read socket fd to its end with a stall bound: the bytes read, intact (pattern()), or -1. */
static long
read_pattern(int fd, const char *what)
{
	static uint8_t buf[4096];
	uint32_t got = 0;
	bool intact = true;
	ssize_t r;

	stall_bound(fd);
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++)
			intact &= buf[i] == pattern(got + i);
		got += r;
	}
	if (r == -E_TIMEOUT) {
		nsipc_state_print();
		cprintf("sockzc: %s stalled after %u bytes (the server's state above)\n", what, got);
	}
	return r == 0 && intact ? (long) got : -1;
}

static void
case_slow_peers(void)
{
	int snd[SOCKZC_SLOW], rcv[SOCKZC_SLOW], a, b, r;
	envid_t kids[SOCKZC_SLOW], kid;
	struct ns_stats st0, st;

	for (int i = 0; i < SOCKZC_SLOW; i++) {
		conn_pair(SOCKZC_PORT + 30 + i, &snd[i], &rcv[i]);
		if ((kids[i] = fork()) < 0)
			panic("fork: %e", kids[i]);
		if (kids[i] == 0)
			write_pattern_exit(snd[i], SOCKZC_SLOW_BYTES);	/* blocks until we read */
		close(snd[i]);
	}
	/* Until the slow writers have pushed the server's heap past its pressure mark, or
	 * SOCKZC_WAIT_MSEC. */
	uint32_t until = sys_time_msec() + SOCKZC_WAIT_MSEC;
	do {
		sys_yield();
		if ((r = nsipc_stats_quiet(&st0)) < 0)
			panic("nsipc_stats: %e", r);
	} while (st0.heap_used < st0.heap_pressure && (int32_t) (until - sys_time_msec()) > 0);
	check("slow peers push the server's heap past its pressure mark",
	      st0.heap_used >= st0.heap_pressure, 1);

	/* Past the mark, a send that may not wait for room does not: non-blocking ones stop at
	 * -E_AGAIN once the connection holds its share (without the rule, only lwIP's 128 KB send
	 * buffer and the peer's window would stop them), and one with SO_SNDTIMEO ends at it. */
	static char junk[4096];
	int ms = 200;
	uint32_t taken = 0;
	conn_pair(SOCKZC_PORT + 28, &a, &b);
	while ((r = send(a, junk, sizeof(junk), MSG_DONTWAIT)) > 0 && taken < 1024 * 1024)
		taken += r;
	check("a non-blocking send past the mark, once its connection holds its share", r,
	      -E_AGAIN);
	check("bytes it took before, at most 64 KB", taken <= 64 * 1024, 1);
	if ((r = setsockopt(a, SOL_SOCKET, SO_SNDTIMEO, &ms, sizeof(ms))) < 0)
		panic("setsockopt SO_SNDTIMEO: %e", r);
	check("a send with SO_SNDTIMEO 200 ms past the mark", send(a, junk, sizeof(junk), 0),
	      -E_TIMEOUT);
	close(a);
	close(b);

	conn_pair(SOCKZC_PORT + 29, &a, &b);
	if ((kid = fork()) < 0)
		panic("fork: %e", kid);
	if (kid == 0)
		write_pattern_exit(a, SOCKZC_FREE_BYTES);
	close(a);
	check("a reading peer beside the slow ones gets its bytes",
	      read_pattern(b, "the reading peer"), SOCKZC_FREE_BYTES);
	wait(kid);
	close(b);
	if ((r = nsipc_stats_quiet(&st)) < 0)
		panic("nsipc_stats: %e", r);
	check("sends that waited for room meanwhile", st.send_room_waits > st0.send_room_waits, 1);

	uint32_t whole = 0;
	for (int i = 0; i < SOCKZC_SLOW; i++) {
		whole += read_pattern(rcv[i], "a slow peer") == SOCKZC_SLOW_BYTES;
		wait(kids[i]);
		close(rcv[i]);
	}
	check("slow peers read whole at last", whole, SOCKZC_SLOW);
}

void
umain(int argc, char **argv)
{
	binaryname = "sockzc";
	if (argc == 2 && strcmp(argv[1], "sendfile") == 0)
		case_sendfile();
	else if (argc == 2 && strcmp(argv[1], "pages") == 0) {
		/* A client's own pages, and file pages lent without NS_SEND_FILE_PAGES, are copied
		 * once a byte: the client may write them as soon as it has the answer. */
		struct ns_stats st0, st1;
		uint32_t lent = 2 * SOCKZC_ROUNDS * SOCKZC_PAGES * PGSIZE + SOCKZC_PAGES * PGSIZE;
		if (nsipc_stats_quiet(&st0) < 0)
			panic("nsipc_stats");
		case_pages("pages rewritten as soon as sent", SOCKZC_PORT + 2, false);
		case_pages("pages unmapped as soon as sent", SOCKZC_PORT + 3, true);
		case_readonly();
		if (nsipc_stats_quiet(&st1) < 0)
			panic("nsipc_stats");
		check("lent bytes the server took and copied, as many as lent",
		      st1.lend_bytes - st0.lend_bytes == lent
		      && st1.lend_copy_bytes - st0.lend_copy_bytes == lent, 1);
		case_hoarders();
		case_slow_peers();
	} else if (argc == 2 && strcmp(argv[1], "warm") == 0) {
		cprintf("sockzc: loaded\n");
		return;
	} else {
		cprintf("usage: sockzc sendfile|pages|warm\n");
		return;
	}
	cprintf("sockzc: %d checks, %d failed\n", nchecks, nfailed);
}
