/* testfsbad: bad requests to the file system server get the right error, and the server keeps
 * serving: missing files, paths too long, a full disk, and hand-made requests (unknown types,
 * no page or a read-only one, bad lengths, file ids out of range, not open, or not ours). */

#include <inc/lib.h>

#define FILL_FILE	"/fsbad.fill"
#define FILL_CHUNK	(64 * 1024)

/* Hand-made requests go in this page, past the library's checks. */
static union Fsipc req __attribute__((aligned(PGSIZE)));
static char buf[FILL_CHUNK];
static envid_t fsenv;

#define EXPECT(call, want)						\
	do {								\
		int __r = (call);					\
		if (__r != (want))					\
			panic("line %d: %s returned %d (%e), expected %d (%e)", __LINE__, \
			      #call, __r, __r, (want), (want));		\
	} while (0)

/* Send request type with the page req (perm 0: no page) and return the server's answer (or the
 * send's error, which then fails the EXPECT it is checked by). */
static int
raw_request(uint32_t type, int perm)
{
	return ipc_call(fsenv, type, perm ? (void *) &req : NULL, perm, NULL, NULL);
}

#define RW	(PTE_P | PTE_U | PTE_W)

static void
test_paths(void)
{
	static char path[MAXPATHLEN + 100];
	struct Stat st;

	EXPECT(open("/nosuchfile", O_RDONLY), -E_NOT_FOUND);
	EXPECT(open("/nosuchdir/nosuchfile", O_RDONLY), -E_NOT_FOUND);
	EXPECT(remove("/nosuchfile"), -E_NOT_FOUND);
	EXPECT(open("/motd/under-a-file", O_RDONLY), -E_BAD_PATH);
	cprintf("fsbad: missing files: ok\n");

	/* A path of MAXPATHLEN bytes or more: the library refuses it ... */
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	EXPECT(open(path, O_RDONLY), -E_BAD_PATH);
	EXPECT(stat(path, &st), -E_BAD_PATH);
	/* ... and so does the server, for a path with no NUL in the whole field. */
	memset(req.open.req_path, 'a', MAXPATHLEN);
	req.open.req_omode = O_RDONLY;
	EXPECT(raw_request(FSREQ_OPEN, RW), -E_BAD_PATH);
	memset(req.remove.req_path, '/', MAXPATHLEN);
	EXPECT(raw_request(FSREQ_REMOVE, RW), -E_BAD_PATH);
	/* One component longer than a name may be. */
	memset(path, 'b', MAXNAMELEN + 10);
	path[0] = '/';
	path[MAXNAMELEN + 10] = '\0';
	EXPECT(open(path, O_RDWR | O_CREAT), -E_BAD_PATH);
	EXPECT(open("/../motd", O_RDONLY), -E_BAD_PATH);
	cprintf("fsbad: paths too long: ok\n");
}

static void
test_requests(void)
{
	envid_t kid;
	struct Fd *fd;
	int f, r;

	/* Unknown request types, with a good page. */
	EXPECT(raw_request(0, RW), -E_INVAL);
	EXPECT(raw_request(FSREQ_MAX, RW), -E_INVAL);
	EXPECT(raw_request(0xdeadbeef, RW), -E_INVAL);
	/* A good type without a page, or with a read-only one (it could not be answered in). */
	strcpy(req.open.req_path, "/motd");
	req.open.req_omode = O_RDONLY;
	EXPECT(raw_request(FSREQ_OPEN, 0), -E_INVAL);
	EXPECT(raw_request(FSREQ_OPEN, PTE_P | PTE_U), -E_INVAL);
	/* Bad open modes. */
	req.open.req_omode = O_ACCMODE;
	EXPECT(raw_request(FSREQ_OPEN, RW), -E_INVAL);
	req.open.req_omode = 0x10000;
	EXPECT(raw_request(FSREQ_OPEN, RW), -E_INVAL);
	cprintf("fsbad: malformed requests: ok\n");

	/* File ids: out of range, and not open. */
	if ((f = open("/motd", O_RDONLY)) < 0)
		panic("open /motd: %e", f);
	fd_lookup(f, &fd);
	uint32_t id = fd->fd_file.id, key = fd->fd_file.key;
	req.read.req_file.req_fileid = id;
	req.read.req_file.req_key = key;
	req.read.req_n = 1u << 30;		/* more than a page: the server clamps it */
	r = raw_request(FSREQ_READ, RW);
	if (r <= 0 || r > PGSIZE)
		panic("a read of 1 GB on an open file gave %d", r);
	/* The server checks the access mode itself, not the client's copy of it. */
	req.write.req_file.req_fileid = id;
	req.write.req_file.req_key = key;
	req.write.req_n = 1;
	EXPECT(raw_request(FSREQ_WRITE, RW), -E_PERM);
	req.set_size.req_file.req_fileid = id;
	req.set_size.req_file.req_key = key;
	req.set_size.req_size = 0;
	EXPECT(raw_request(FSREQ_SET_SIZE, RW), -E_PERM);
	/* A negative offset planted in the shared Fd page. */
	fd->fd_offset = -5;
	EXPECT(read(f, buf, 10), -E_INVAL);
	fd->fd_offset = 0;
	close(f);
	/* Closed: nobody maps its Fd page any more, so the id names no open file. */
	req.stat.req_file.req_fileid = id;
	req.stat.req_file.req_key = key;
	EXPECT(raw_request(FSREQ_STAT, RW), -E_INVAL);
	req.stat.req_file.req_fileid = 0xffffffff;
	EXPECT(raw_request(FSREQ_STAT, RW), -E_INVAL);
	req.stat.req_file.req_fileid = 1u << 20;
	EXPECT(raw_request(FSREQ_STAT, RW), -E_INVAL);
	/* A write longer than the request page can hold. */
	if ((f = open("/fsbad.tmp", O_RDWR | O_CREAT)) < 0)
		panic("create: %e", f);
	fd_lookup(f, &fd);
	req.write.req_file.req_fileid = fd->fd_file.id;
	req.write.req_file.req_key = fd->fd_file.key;
	req.write.req_n = sizeof(req.write.req_buf) + 1;
	EXPECT(raw_request(FSREQ_WRITE, RW), -E_INVAL);
	close(f);
	EXPECT(remove("/fsbad.tmp"), 0);
	cprintf("fsbad: bad file ids and lengths: ok\n");

	/* A file that another environment opened: we learn its id, but not its key. */
	if ((kid = fork()) < 0)
		panic("fork: %e", kid);
	if (kid == 0) {
		if ((f = open("/lorem", O_RDONLY)) < 0)
			panic("child: open /lorem: %e", f);
		fd_lookup(f, &fd);
		ipc_send(thisenv->env_parent_id, fd->fd_file.id, NULL, 0);
		ipc_recv(NULL, NULL, NULL);	/* keep it open until the parent is done */
		exit();
	}
	envid_t from;
	id = ipc_recv(&from, NULL, NULL);
	if (from != kid)
		panic("message from %08x, not the child", from);
	for (uint32_t guess = 0; guess < 4; guess++) {
		req.read.req_file.req_fileid = id;
		req.read.req_file.req_key = guess;
		req.read.req_n = 10;
		EXPECT(raw_request(FSREQ_READ, RW), -E_PERM);
		req.stat.req_file.req_fileid = id;
		req.stat.req_file.req_key = guess * 0x9e3779b9;
		EXPECT(raw_request(FSREQ_STAT, RW), -E_PERM);
	}
	ipc_send(kid, 0, NULL, 0);
	wait(kid);
	cprintf("fsbad: a file id we do not own: ok\n");
}

/* Write FILL_CHUNK blocks until the disk is full.  Returns the bytes written. */
static uint32_t
fill(int f)
{
	uint32_t total = 0;
	int r;

	for (;;) {
		r = write(f, buf, FILL_CHUNK);
		if (r < 0) {
			if (r != -E_NO_DISK)
				panic("filling the disk: %e, expected %e", r, -E_NO_DISK);
			return total;
		}
		total += r;
		if (r < FILL_CHUNK) {
			/* A short write: the next one must say why. */
			EXPECT(write(f, buf, FILL_CHUNK), -E_NO_DISK);
			return total;
		}
	}
}

static void
test_full_disk(void)
{
	struct Stat st;
	int f;

	memset(buf, 0xA5, sizeof(buf));
	remove(FILL_FILE);
	if ((f = open(FILL_FILE, O_RDWR | O_CREAT | O_EXCL)) < 0)
		panic("create %s: %e", FILL_FILE, f);
	uint32_t total = fill(f);
	EXPECT(fstat(f, &st), 0);
	if ((uint32_t) st.st_size != total || total == 0)
		panic("the full file has %d bytes, but %u were written", st.st_size, total);
	cprintf("fsbad: disk full after %u bytes: ok\n", total);
	/* Other files cannot grow either. */
	int g = open("/fsbad.more", O_RDWR | O_CREAT);
	if (g >= 0) {
		EXPECT(write(g, buf, 2 * PGSIZE), -E_NO_DISK);
		close(g);
		remove("/fsbad.more");
	} else if (g != -E_NO_DISK) {
		panic("create on a full disk: %e", g);
	}
	close(f);

	/* Removing the file gives all the space back. */
	EXPECT(remove(FILL_FILE), 0);
	if ((f = open(FILL_FILE, O_RDWR | O_CREAT | O_EXCL)) < 0)
		panic("create again: %e", f);
	uint32_t again = fill(f);
	close(f);
	EXPECT(remove(FILL_FILE), 0);
	if (again != total)
		panic("after the remove, %u bytes fitted instead of %u", again, total);
	cprintf("fsbad: remove frees the space: ok\n");
}

void
umain(int argc, char **argv)
{
	binaryname = "testfsbad";
	if ((fsenv = ipc_find_env(ENV_TYPE_FS)) == 0)
		panic("no file system server");
	test_paths();
	test_requests();
	test_full_disk();

	/* After all that, the server still works. */
	int f = open("/motd", O_RDONLY);
	if (f < 0 || read(f, buf, 10) != 10)
		panic("the server no longer serves /motd");
	close(f);
	cprintf("fsbad: ok\n");
}
