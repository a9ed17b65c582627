/*
 * fsmap: borrowing a file's pages from the file server (read_pages, FSREQ_READ_PAGES).  A file
 * of FSMAP_BLOCKS blocks and a tail is lent whole, read-only, in order, and the offset moves
 * past it; bad counts, windows, offsets, descriptors and file ids are refused; a write to the
 * file while we hold its pages leaves what we hold as it was (the server writes a copy), and a
 * later read sees the write.
 */

#include <inc/lib.h>

#define WIN		((uint8_t *) UTEMP)
#define FSMAP_PATH	"/fsmap-test"
#define FSMAP_BLOCKS	3
#define FSMAP_TAIL	100
#define FSMAP_SIZE	(FSMAP_BLOCKS * PGSIZE + FSMAP_TAIL)

static int nchecks, nfailed;

static void
check(const char *what, long got, long want)
{
	nchecks++;
	if (got != want) {
		nfailed++;
		cprintf("fsmap: FAIL: %s gave %e (%ld), expected %ld\n", what, (int) got, got, want);
	}
}

static uint8_t
pattern(uint32_t i)
{
	return (i * 31 + 7) & 0xFF;
}

static bool
writable(const void *va)
{
	return (uvpd[PDX(va)] & PTE_P) && (uvpt[PGNUM(va)] & (PTE_P | PTE_W)) == (PTE_P | PTE_W);
}

void
umain(int argc, char **argv)
{
	static uint8_t buf[FSMAP_SIZE];
	int fd, r;

	for (uint32_t i = 0; i < FSMAP_SIZE; i++)
		buf[i] = pattern(i);
	if ((fd = open(FSMAP_PATH, O_RDWR | O_CREAT | O_TRUNC)) < 0)
		panic("open: %e", fd);
	if ((r = write(fd, buf, FSMAP_SIZE)) != FSMAP_SIZE)
		panic("write: %e", r);
	close(fd);

	/* The whole file, lent. */
	if ((fd = open(FSMAP_PATH, O_RDONLY)) < 0)
		panic("open: %e", fd);
	check("read_pages of the file", read_pages(fd, WIN, FS_READ_PAGES_MAX), FSMAP_SIZE);
	bool same = true, ro = true;
	for (uint32_t i = 0; i < FSMAP_SIZE; i++)
		same = same && WIN[i] == pattern(i);
	for (uint32_t p = 0; p < FSMAP_BLOCKS + 1; p++)
		ro = ro && !writable(WIN + p * PGSIZE);
	cprintf("fsmap: lent %d bytes in %d pages: %s, %s\n", FSMAP_SIZE, FSMAP_BLOCKS + 1,
		same ? "contents right" : "contents WRONG", ro ? "read-only" : "WRITABLE");
	check("read_pages at the end", read_pages(fd, WIN, 1), 0);

	/* Bad arguments: refused, the offset unmoved. */
	seek(fd, 0);
	check("0 pages", read_pages(fd, WIN, 0), -E_INVAL);
	check("too many pages", read_pages(fd, WIN, FS_READ_PAGES_MAX + 1), -E_INVAL);
	check("an unaligned window", read_pages(fd, WIN + 1, 1), -E_INVAL);
	check("a closed descriptor", read_pages(MAXFD - 1, WIN, 1), -E_INVAL);
	check("the console", read_pages(opencons(), WIN, 1), -E_NOT_SUPP);
	seek(fd, 100);
	check("an offset inside a block", read_pages(fd, WIN, 1), -E_INVAL);
	close(fd);
	if ((fd = open(FSMAP_PATH, O_WRONLY)) < 0)
		panic("open: %e", fd);
	check("a write-only file", read_pages(fd, WIN, 1), -E_PERM);
	close(fd);

	/* A forged request naming no open file. */
	static union Fsipc req __attribute__((aligned(PGSIZE)));
	uintptr_t va = (uintptr_t) &req;
	req.read_pages.req_file.req_fileid = 12345;
	req.read_pages.req_file.req_key = 0;
	req.read_pages.req_npages = 1;
	envid_t fs = ipc_find_env(ENV_TYPE_FS);
	check("a forged file id", ipc_call_pages(fs, FSREQ_READ_PAGES, &va, 1,
						 PTE_P | PTE_U | PTE_W, WIN, 1, NULL, NULL),
	      -E_INVAL);

	/* Hold the first page, write over the file's start, look again. */
	if ((fd = open(FSMAP_PATH, O_RDWR)) < 0)
		panic("open: %e", fd);
	check("read_pages of the first block", read_pages(fd, WIN, 1), PGSIZE);
	seek(fd, 0);
	check("the write over it", write(fd, "overwritten", 11), 11);
	bool kept = WIN[0] == pattern(0) && WIN[10] == pattern(10);
	char now[12] = { 0 };
	seek(fd, 0);
	check("the read after", read(fd, now, 11), 11);
	cprintf("fsmap: a write while we hold the page: ours %s, the file reads '%s'\n",
		kept ? "unchanged" : "CHANGED", now);
	close(fd);
	sys_page_unmap(0, WIN);
	remove(FSMAP_PATH);
	cprintf("fsmap: %d checks, %d failed\n", nchecks, nfailed);
}
