/* testfile: the file calls of the library against the file system server: open (missing,
 * existing, create, exclusive), read, write, seek, fstat, stat, ftruncate, remove, sync, and
 * directories, and a 4 MB file.  Prints one line per step; "testfile: ok" only if every step
 * passed. */

#include <inc/lib.h>

#define TEST_FILE	"/testfile.new"
#define TEST_DIR	"/testfile.dir"
#define TEST_LEN	10000		/* crosses two block boundaries */
#define TRUNC_LEN	5000

static char wbuf[TEST_LEN], rbuf[TEST_LEN];

#define EXPECT(call, want)						\
	do {								\
		int __r = (call);					\
		if (__r != (want))					\
			panic("%s returned %d (%e), expected %d (%e)", #call, __r, __r, \
			      (want), (want));				\
	} while (0)

static void
test_existing(void)
{
	struct Stat st;
	int fd;

	EXPECT(open("/nosuchfile", O_RDONLY), -E_NOT_FOUND);
	EXPECT(stat("/nosuchfile", &st), -E_NOT_FOUND);
	cprintf("testfile: missing file: ok\n");

	/* /lorem is one of the text files fsformat put in the image (fs/lorem). */
	if ((fd = open("/lorem", O_RDONLY)) < 0)
		panic("open /lorem: %e", fd);
	EXPECT(fstat(fd, &st), 0);
	if (strcmp(st.st_name, "lorem") != 0 || st.st_isdir || st.st_size <= 0
	    || st.st_size > TEST_LEN)
		panic("fstat /lorem: name '%s' isdir %d size %d", st.st_name, st.st_isdir,
		      st.st_size);
	EXPECT(readn(fd, rbuf, sizeof(rbuf)), st.st_size);
	EXPECT(read(fd, rbuf, 1), 0);		/* the end */
	uint32_t sum = 0;
	for (int i = 0; i < st.st_size; i++)
		sum = sum * 31 + (uint8_t) rbuf[i];
	EXPECT(write(fd, "x", 1), -E_PERM);	/* opened read-only */
	EXPECT(close(fd), 0);
	cprintf("testfile: /lorem: %d bytes, checksum %08x\n", st.st_size, sum);
}

static void
test_create(void)
{
	struct Stat st;
	int fd, fd2;

	remove(TEST_FILE);		/* left over from an interrupted run? */
	if ((fd = open(TEST_FILE, O_RDWR | O_CREAT | O_EXCL)) < 0)
		panic("create %s: %e", TEST_FILE, fd);
	EXPECT(open(TEST_FILE, O_RDWR | O_CREAT | O_EXCL), -E_FILE_EXISTS);
	for (int i = 0; i < TEST_LEN; i++)
		wbuf[i] = 'a' + (i * 7 + i / 4096) % 26;
	EXPECT(write(fd, wbuf, TEST_LEN), TEST_LEN);
	EXPECT(fstat(fd, &st), 0);
	EXPECT(st.st_size, TEST_LEN);
	EXPECT(seek(fd, 0), 0);
	memset(rbuf, 0, sizeof(rbuf));
	EXPECT(readn(fd, rbuf, TEST_LEN), TEST_LEN);
	if (memcmp(rbuf, wbuf, TEST_LEN) != 0)
		panic("read back differs from what was written");
	cprintf("testfile: create, write, read back: ok\n");

	/* A second, independent open of the same file has its own offset. */
	if ((fd2 = open(TEST_FILE, O_RDONLY)) < 0)
		panic("reopen: %e", fd2);
	EXPECT(seek(fd, 4096), 0);
	EXPECT(readn(fd2, rbuf, 10), 10);
	if (memcmp(rbuf, wbuf, 10) != 0)
		panic("second open does not start at offset 0");
	EXPECT(close(fd2), 0);

	EXPECT(ftruncate(fd, TRUNC_LEN), 0);
	EXPECT(fstat(fd, &st), 0);
	EXPECT(st.st_size, TRUNC_LEN);
	EXPECT(seek(fd, TRUNC_LEN - 10), 0);
	EXPECT(read(fd, rbuf, 100), 10);
	if (memcmp(rbuf, wbuf + TRUNC_LEN - 10, 10) != 0)
		panic("truncated file lost its kept bytes");
	EXPECT(close(fd), 0);
	EXPECT(stat(TEST_FILE, &st), 0);
	EXPECT(st.st_size, TRUNC_LEN);
	cprintf("testfile: ftruncate, stat: ok\n");

	/* O_TRUNC empties it. */
	if ((fd = open(TEST_FILE, O_WRONLY | O_TRUNC)) < 0)
		panic("open O_TRUNC: %e", fd);
	EXPECT(read(fd, rbuf, 1), -E_PERM);	/* opened write-only */
	EXPECT(close(fd), 0);
	EXPECT(stat(TEST_FILE, &st), 0);
	EXPECT(st.st_size, 0);

	EXPECT(remove(TEST_FILE), 0);
	EXPECT(stat(TEST_FILE, &st), -E_NOT_FOUND);
	EXPECT(remove(TEST_FILE), -E_NOT_FOUND);
	EXPECT(sync(), 0);
	cprintf("testfile: O_TRUNC, remove, sync: ok\n");
}

static void
test_dirs(void)
{
	struct Stat st;
	int fd;

	remove(TEST_DIR "/inner");
	remove(TEST_DIR);
	if ((fd = open(TEST_DIR, O_RDONLY | O_CREAT | O_MKDIR | O_EXCL)) < 0)
		panic("mkdir %s: %e", TEST_DIR, fd);
	EXPECT(close(fd), 0);
	EXPECT(open(TEST_DIR, O_RDWR), -E_PERM);	/* no writing to a directory */
	if ((fd = open(TEST_DIR "/inner", O_WRONLY | O_CREAT)) < 0)
		panic("create %s/inner: %e", TEST_DIR, fd);
	EXPECT(write(fd, "inside", 6), 6);
	EXPECT(close(fd), 0);
	EXPECT(stat(TEST_DIR, &st), 0);
	if (!st.st_isdir || st.st_size != sizeof(struct Dirent))
		panic("stat %s: isdir %d size %d", TEST_DIR, st.st_isdir, st.st_size);
	EXPECT(stat(TEST_DIR "/inner", &st), 0);
	EXPECT(st.st_size, 6);
	EXPECT(remove(TEST_DIR), -E_NOT_SUPP);		/* not empty */
	EXPECT(remove(TEST_DIR "/inner"), 0);
	EXPECT(remove(TEST_DIR), 0);
	EXPECT(stat(TEST_DIR, &st), -E_NOT_FOUND);
	cprintf("testfile: directories: ok\n");
}

#define BIG_FILE	"/testfile.big"
#define BIG_SIZE	(4 * 1024 * 1024)
#define CHUNK		PGSIZE

static uint32_t bigbuf[CHUNK / 4];

/* The pattern: a different word at every offset. */
static uint32_t
word_at(uint32_t off)
{
	return (off / 4) * 2654435761U ^ 0x5eed1e55;
}

/* A 4 MB file written and read back intact.  4 MB is also the block cache's default cap, so
 * the server evicts while it works. */
static void
test_big(void)
{
	struct Stat st;
	int fd, r;
	unsigned t0 = sys_time_msec();

	remove(BIG_FILE);
	if ((fd = open(BIG_FILE, O_RDWR | O_CREAT | O_EXCL)) < 0)
		panic("create %s: %e", BIG_FILE, fd);
	for (uint32_t off = 0; off < BIG_SIZE; off += CHUNK) {
		for (uint32_t i = 0; i < CHUNK / 4; i++)
			bigbuf[i] = word_at(off + 4 * i);
		if ((r = write(fd, bigbuf, CHUNK)) != CHUNK)
			panic("write at %u: %e", off, r < 0 ? r : -E_NO_DISK);
	}
	if ((r = close(fd)) < 0)
		panic("close: %e", r);
	if ((r = stat(BIG_FILE, &st)) < 0 || st.st_size != BIG_SIZE)
		panic("stat: %e, size %d", r, st.st_size);

	if ((fd = open(BIG_FILE, O_RDONLY)) < 0)
		panic("reopen: %e", fd);
	for (uint32_t off = 0; off < BIG_SIZE; off += CHUNK) {
		if ((r = readn(fd, bigbuf, CHUNK)) != CHUNK)
			panic("read at %u: %e", off, r < 0 ? r : -E_EOF);
		for (uint32_t i = 0; i < CHUNK / 4; i++)
			if (bigbuf[i] != word_at(off + 4 * i))
				panic("word at offset %u is %08x, expected %08x", off + 4 * i,
				      bigbuf[i], word_at(off + 4 * i));
	}
	if ((r = read(fd, bigbuf, 1)) != 0)
		panic("read past the end gave %d", r);
	close(fd);

	if ((r = remove(BIG_FILE)) < 0)
		panic("remove: %e", r);
	cprintf("testfile: a file of %d bytes, written and read back: ok (%u ms)\n", BIG_SIZE,
		sys_time_msec() - t0);
}

void
umain(int argc, char **argv)
{
	binaryname = "testfile";
	test_existing();
	test_create();
	test_dirs();
	test_big();
	cprintf("testfile: ok\n");
}
