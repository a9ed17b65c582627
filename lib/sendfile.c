/* sendfile: a file's bytes to a TCP socket by lending the file server's pages to the network
 * server, with no copy in this environment. */

#include <inc/lib.h>
#include <inc/ns.h>

/*
 * The pages travel: the file server maps up to FS_READ_PAGES_MAX of its block-cache pages
 * read-only at SENDFILE_WIN (read_pages, inc/fs.h), and one request lends them all on to the
 * network server (nsipc_send_pages), which gives them back with its answer.  So 256 KB costs two
 * IPC round trips and no copy here.  Who may write the pages meanwhile: nobody.  They are
 * read-only in every environment but the file server, which never writes a page it lent: a
 * write to the file goes to a copy of the block (bc_unshare, fs/bc.c), so what is sent is the
 * file as it was when its pages were borrowed, each 256 KB on its own (a write between two
 * requests shows in the later one).
 *
 * The borrowed pages are unmapped before sendfile returns: the file server's cache alone holds
 * them then, and a block it evicts goes back to the free pages.  Where the file has no block
 * (a hole) or the pages cannot be lent, the bytes go the ordinary way, read and sent through
 * the request page, SENDFILE_COPY_CHUNK at a time.
 */
#define SENDFILE_WIN_PAGES	FS_READ_PAGES_MAX
#define SENDFILE_COPY_CHUNK	1024

static_assert(SENDFILE_WIN_PAGES * PGSIZE <= PFTEMP - SENDFILE_WIN,
	      "the window holds one read_pages answer (inc/memlayout.h)");
static_assert(SENDFILE_WIN_PAGES <= IPC_PAGES_MAX - 1, "one request lends the whole window");
static_assert(SENDFILE_WIN_PAGES <= PAGE_UNMAP_MAX, "one call unmaps the whole window");

/* Send n bytes of the file at pos (in the window's first page at pos % PGSIZE on) through the
 * network server's socket id, the window's pages holding them: the bytes the server took, all
 * of them unless it failed, or its error if it took none. */
static ssize_t
sendfile_lend(int sockid, off_t pos, size_t n)
{
	size_t done = 0;

	while (done < n) {
		uint32_t at = pos % PGSIZE + done;
		ssize_t r = nsipc_send_pages_flags(sockid, (const uint8_t *) SENDFILE_WIN
						   + ROUNDDOWN(at, PGSIZE), at % PGSIZE, n - done,
						   NS_SEND_FILE_PAGES);
		if (r <= 0)
			return done ? (ssize_t) done : (r < 0 ? r : -E_INVAL);
		done += r;
	}
	return done;
}

/* The slow way, for a hole: up to SENDFILE_COPY_CHUNK bytes at pos, read and sent. */
static ssize_t
sendfile_copy(int sockid, int fd, off_t pos, size_t n)
{
	static char buf[SENDFILE_COPY_CHUNK];
	ssize_t r;

	if ((r = seek(fd, pos)) < 0 || (r = read(fd, buf, MIN(n, sizeof(buf)))) <= 0)
		return r < 0 ? r : -E_INVAL;	/* the file shrank under us */
	return nsipc_send(sockid, buf, r, 0);
}

ssize_t
sendfile(int sock, int fdnum, off_t offset, size_t len)
{
	int sockid = fd2sockid(sock);

	return sockid < 0 ? sockid : nsipc_sendfile(sockid, fdnum, offset, len);
}

ssize_t
nsipc_sendfile(int sockid, int fdnum, off_t offset, size_t len)
{
	struct Fd *fd;
	struct Stat st;
	int r;

	if ((r = fd_lookup(fdnum, &fd)) < 0)
		return r;
	if (fd->fd_dev_id != devfile.dev_id)
		return -E_NOT_SUPP;
	if ((fd->fd_omode & O_ACCMODE) == O_WRONLY)
		return -E_PERM;
	if (offset < 0)
		return -E_INVAL;

	/* The file's size is asked for (fstat, a round trip to the file server) only where the
	 * pages run out: read_pages answers short at the end of the file and at a hole, and only
	 * the size tells the two apart.  A whole chunk costs one request to each server. */
	off_t saved = fd->fd_offset;
	uint32_t mapped = 0;		/* window pages that may hold a borrowed page */
	size_t done = 0;
	ssize_t err = 0;
	while (done < len) {
		off_t pos = offset + done, base = ROUNDDOWN(pos, PGSIZE);
		uint32_t want = MIN((uint32_t) SENDFILE_WIN_PAGES,
				    (uint32_t) (ROUNDUP(pos + (len - done), PGSIZE) - base) / PGSIZE);
		ssize_t k;
		if ((err = seek(fdnum, base)) < 0)
			break;
		k = read_pages(fdnum, (void *) SENDFILE_WIN, want);
		if (k > 0)
			mapped = MAX(mapped, (uint32_t) ROUNDUP(k, PGSIZE) / PGSIZE);
		if (k > pos - base)
			k = sendfile_lend(sockid, pos, MIN((size_t) (k - (pos - base)), len - done));
		else if (k >= 0) {
			if ((err = fstat(fdnum, &st)) < 0)
				break;
			if (pos >= st.st_size) {
				/* The end: what came before it, or for an offset past it, EINVAL. */
				err = offset > st.st_size ? -E_INVAL : 0;
				break;
			}
			k = sendfile_copy(sockid, fdnum, pos, MIN(len - done,
								  (size_t) (st.st_size - pos)));
		}
		if (k <= 0) {
			err = k < 0 ? k : -E_INVAL;
			break;
		}
		done += k;
	}
	/* One call for the window, not a trap a page (64 a 256 KB chunk). */
	uintptr_t vas[SENDFILE_WIN_PAGES];
	for (uint32_t i = 0; i < mapped; i++)
		vas[i] = (uintptr_t) SENDFILE_WIN + i * PGSIZE;
	if (mapped > 0 && (r = sys_page_unmap_pages(0, vas, mapped)) < 0)
		panic("sendfile: unmapping the window: %e", r);
	fd->fd_offset = saved;
	return done > 0 || err == 0 ? (ssize_t) done : err;
}
