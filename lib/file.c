/* The `file` device: files of the file system server, reached by IPC (protocol: inc/fs.h); and
 * open, remove and sync. */

#include <inc/lib.h>

/* The request page.  Page-aligned, since it travels by IPC; the reply data comes back in it. */
static union Fsipc fsipcbuf __attribute__((aligned(PGSIZE)));

/* Send request type (arguments in fsipcbuf) and wait for the server's answer.  With dstva
 * (not NULL), a page that comes with the answer is mapped there; *perm_store says whether one
 * came.  Returns the server's result, or -E_BAD_ENV if there is no server (or it is gone before
 * the request reaches it). */
/* The file server, found once: every request uses this one word (a program's first request
 * writes it, so a forked child that made one has made its copy). */
static envid_t fsenv;

static int
fsipc(unsigned type, void *dstva, int *perm_store)
{
	if (!ipc_server(ENV_TYPE_FS, &fsenv))
		return -E_BAD_ENV;
	/* The caller has written the arguments, so the page is our own (not copy-on-write)
	 * and may go writable.  Only the server's answer is ours to take (ipc_call). */
	return ipc_call(fsenv, type, &fsipcbuf, PTE_P | PTE_U | PTE_W, dstva, perm_store);
}

/* Fill in the open file a descriptor names. */
static void
fsipc_file(struct Fsreq_file *f, struct Fd *fd)
{
	f->req_fileid = fd->fd_file.id;
	f->req_key = fd->fd_file.key;
}

/* Open path with mode (O_* of inc/lib.h).  Returns the descriptor, -E_BAD_PATH for a path of
 * MAXPATHLEN bytes or more, -E_MAX_OPEN, or the server's error. */
int
open(const char *path, int mode)
{
	struct Fd *fd;
	int r, perm;

	if (strnlen(path, MAXPATHLEN) >= MAXPATHLEN)
		return -E_BAD_PATH;
	if ((r = fd_alloc(&fd)) < 0)
		return r;
	strcpy(fsipcbuf.open.req_path, path);
	fsipcbuf.open.req_omode = mode;
	if ((r = fsipc(FSREQ_OPEN, fd, &perm)) < 0)
		return r;
	if (!(perm & PTE_P))
		return -E_INVAL;	/* an answer without the Fd page: not the server */
	return fd2num(fd);
}

static ssize_t
devfile_read(struct Fd *fd, void *buf, size_t n)
{
	int r;

	fsipc_file(&fsipcbuf.read.req_file, fd);
	fsipcbuf.read.req_n = MIN(n, sizeof(fsipcbuf.read_ret.ret_buf));
	if ((r = fsipc(FSREQ_READ, NULL, NULL)) < 0)
		return r;
	if ((size_t) r > n)
		return -E_INVAL;	/* more than asked for: a broken answer */
	memmove(buf, fsipcbuf.read_ret.ret_buf, r);
	return r;
}

ssize_t
read_pages(int fdnum, void *dstva, uint32_t npages)
{
	struct Fd *fd;
	uint32_t got;
	int r, perm;

	if ((r = fd_lookup(fdnum, &fd)) < 0)
		return r;
	if (fd->fd_dev_id != devfile.dev_id)
		return -E_NOT_SUPP;
	if ((uintptr_t) dstva % PGSIZE != 0 || npages == 0 || npages > FS_READ_PAGES_MAX)
		return -E_INVAL;
	if (!ipc_server(ENV_TYPE_FS, &fsenv))
		return -E_BAD_ENV;
	fsipc_file(&fsipcbuf.read_pages.req_file, fd);
	fsipcbuf.read_pages.req_npages = npages;
	uintptr_t req = (uintptr_t) &fsipcbuf;
	r = ipc_call_pages(fsenv, FSREQ_READ_PAGES, &req, 1, PTE_P | PTE_U | PTE_W, dstva, npages,
			   &perm, &got);
	if (r < 0)
		return r;
	/* The bytes must lie in the pages that came: else the answer is broken. */
	if ((uint32_t) r > got * PGSIZE || (r > 0 && (perm & (PTE_P | PTE_U)) != (PTE_P | PTE_U)))
		return -E_INVAL;
	return r;
}

/* Write everything, one page-sized request at a time; a short count only when the disk fills
 * up after some bytes were written. */
static ssize_t
devfile_write(struct Fd *fd, const void *buf, size_t n)
{
	size_t done = 0;
	int r;

	while (done < n) {
		size_t chunk = MIN(n - done, sizeof(fsipcbuf.write.req_buf));
		fsipc_file(&fsipcbuf.write.req_file, fd);
		fsipcbuf.write.req_n = chunk;
		memmove(fsipcbuf.write.req_buf, (const char *) buf + done, chunk);
		if ((r = fsipc(FSREQ_WRITE, NULL, NULL)) < 0)
			return done ? (ssize_t) done : r;
		if (r == 0 || (size_t) r > chunk)
			return done ? (ssize_t) done : -E_INVAL;
		done += r;
	}
	return done;
}

static int
devfile_stat(struct Fd *fd, struct Stat *st)
{
	int r;

	fsipc_file(&fsipcbuf.stat.req_file, fd);
	if ((r = fsipc(FSREQ_STAT, NULL, NULL)) < 0)
		return r;
	strlcpy(st->st_name, fsipcbuf.stat_ret.ret_name, MAXNAMELEN);
	st->st_size = fsipcbuf.stat_ret.ret_size;
	st->st_isdir = fsipcbuf.stat_ret.ret_isdir;
	return 0;
}

static int
devfile_trunc(struct Fd *fd, off_t size)
{
	fsipc_file(&fsipcbuf.set_size.req_file, fd);
	fsipcbuf.set_size.req_size = size;
	return fsipc(FSREQ_SET_SIZE, NULL, NULL);
}

/* Closing writes the file back; the server frees its slot once nobody maps the Fd page. */
static int
devfile_close(struct Fd *fd)
{
	fsipc_file(&fsipcbuf.flush.req_file, fd);
	return fsipc(FSREQ_FLUSH, NULL, NULL);
}

struct Dev devfile = {
	.dev_id = DEV_ID_FILE,
	.dev_name = "file",
	.dev_read = devfile_read,
	.dev_write = devfile_write,
	.dev_close = devfile_close,
	.dev_stat = devfile_stat,
	.dev_trunc = devfile_trunc,
};

int
remove(const char *path)
{
	if (strnlen(path, MAXPATHLEN) >= MAXPATHLEN)
		return -E_BAD_PATH;
	strcpy(fsipcbuf.remove.req_path, path);
	return fsipc(FSREQ_REMOVE, NULL, NULL);
}

int
sync(void)
{
	/* A write to the page, so that it is ours to send writable (see fsipc). */
	memset(&fsipcbuf, 0, sizeof(struct Fsreq_file));
	return fsipc(FSREQ_SYNC, NULL, NULL);
}
