/* The file system server's main loop: mount the disk, run the self-tests, then answer client
 * requests (protocol: inc/fs.h) forever, keeping the table of open files. */

#include <inc/x86.h>
#include <inc/fd.h>

#include "fs.h"

/* Open files: slot i's Fd page lives at FS_OPENFILE_VA + i * PGSIZE in the server.  Requests
 * arrive at FS_REQ_VA, just below the disk map (both: inc/memlayout.h). */
#define FS_MAXOPEN	1024
/* A client has this long to be waiting for its reply (we yield between tries).  Clients of
 * lib/file.c wait at once, but on two CPUs a client preempted between its send and its receive
 * may stay off its CPU for a few time slices while we try on the other: a count of tries (1000
 * yields, a couple of milliseconds there) lost such answers, and the client waited forever.
 * One that sends and never waits stalls the others this long at most. */
#define FS_REPLY_MSEC	500

static_assert(FS_OPENFILE_VA + FS_MAXOPEN * PGSIZE <= FS_OPENFILE_LIM,
	      "the open-file pages fit their region");

/*
 * An open file.  The slot is in use while some client maps its Fd page, that is, while the
 * page has more than the server's own reference; then o_key is the key the client was given.
 * o_ino is 0 if the file was removed while open: requests then fail with -E_NOT_FOUND.
 */
struct OpenFile {
	uint32_t o_ino;
	uint32_t o_key;
	int o_omode;			/* the mode it was opened with: the server's own copy */
	char o_name[MAXNAMELEN];	/* the last component of the path it was opened by */
};

static struct OpenFile opentab[FS_MAXOPEN];
static int fs_mount_error;		/* 0 if the disk is mounted */
static uint32_t key_state;		/* xorshift state for keys */

static struct Fd *
openfile_fd(uint32_t id)
{
	return (struct Fd *) (FS_OPENFILE_VA + id * PGSIZE);
}

static bool
openfile_in_use(uint32_t id)
{
	return pageref(openfile_fd(id)) > 1;
}

/* A key that a client cannot predict from the file id or from other keys it has seen: a
 * xorshift generator stirred with the time stamp counter at every draw.  (Not cryptographic:
 * enough to tell "was given this file" from "made up a file id".) */
static uint32_t
openfile_new_key(void)
{
	key_state ^= (uint32_t) read_tsc();
	key_state ^= key_state << 13;
	key_state ^= key_state >> 17;
	key_state ^= key_state << 5;
	return key_state ? key_state : 1;
}

/* Read a field of the request page once: the client may change the page while we work, so
 * every field is copied before it is checked, and only the copy is used. */
#define REQ_READ(field)	(*(volatile typeof(field) *) &(field))

/* The open file a request names, if the sender may use it. */
static int
openfile_get(const struct Fsreq_file *f, struct OpenFile **o_store, uint32_t *id_store)
{
	uint32_t id = REQ_READ(f->req_fileid), key = REQ_READ(f->req_key);

	if (id >= FS_MAXOPEN || !openfile_in_use(id))
		return -E_INVAL;
	if (key != opentab[id].o_key)
		return -E_PERM;
	if (opentab[id].o_ino == 0)
		return -E_NOT_FOUND;
	*o_store = &opentab[id];
	*id_store = id;
	return 0;
}

/* Copy a path out of the request page and check that it ends within MAXPATHLEN. */
static int
req_copy_path(char *dst, const char *src)
{
	memmove(dst, src, MAXPATHLEN);
	if (strnlen(dst, MAXPATHLEN) >= MAXPATHLEN)
		return -E_BAD_PATH;
	return 0;
}

/* The last component of path ("/" for the root). */
static void
path_last(const char *path, char *name)
{
	const char *end = path + strlen(path);

	while (end > path && end[-1] == '/')
		end--;
	const char *start = end;
	while (start > path && start[-1] != '/')
		start--;
	if (start == end)
		strlcpy(name, "/", MAXNAMELEN);
	else
		strlcpy(name, start, MIN((size_t) (end - start + 1), (size_t) MAXNAMELEN));
}

/* ---- Requests ------------------------------------------------------------------------------
 * Each handler gets the request page and may set *pg and *perm to send a page with the reply. */

typedef int (*fs_handler)(union Fsipc *req, void **pg, int *perm);

static int
serve_open(union Fsipc *req, void **pg, int *perm)
{
	static char path[MAXPATHLEN];
	int omode = REQ_READ(req->open.req_omode);
	uint32_t ino, id;
	int r;

	if ((r = req_copy_path(path, req->open.req_path)) < 0)
		return r;
	if ((omode & ~(O_ACCMODE | O_CREAT | O_TRUNC | O_EXCL | O_MKDIR))
	    || (omode & O_ACCMODE) == O_ACCMODE)
		return -E_INVAL;
	bool writable = (omode & O_ACCMODE) != O_RDONLY;

	for (id = 0; id < FS_MAXOPEN && openfile_in_use(id); id++)
		;
	if (id == FS_MAXOPEN)
		return -E_MAX_OPEN;

	if (omode & O_CREAT) {
		r = file_create(path, (omode & O_MKDIR) ? FTYPE_DIR : FTYPE_REG, &ino);
		if (r == -E_FILE_EXISTS && !(omode & O_EXCL))
			r = file_lookup(path, &ino);
	} else {
		r = file_lookup(path, &ino);
	}
	if (r < 0)
		return r;
	if (inode(ino)->i_type == FTYPE_DIR && writable)
		return -E_PERM;		/* directories change only through create and remove */
	if (omode & O_TRUNC) {
		if (!writable)
			return -E_PERM;
		if ((r = file_set_size(ino, 0)) < 0)
			return r;
	}

	/* The slot's page is unshared (pageref <= 1): reuse it, or make it. */
	struct Fd *fd = openfile_fd(id);
	if (pageref(fd) == 0 && (r = sys_page_alloc(0, fd, PTE_P | PTE_U | PTE_W)) < 0)
		return r;
	memset(fd, 0, PGSIZE);
	fd->fd_dev_id = DEV_ID_FILE;
	fd->fd_offset = 0;
	fd->fd_omode = omode & (O_ACCMODE | O_MKDIR);
	fd->fd_file.id = id;
	fd->fd_file.key = openfile_new_key();

	opentab[id].o_ino = ino;
	opentab[id].o_key = fd->fd_file.key;
	opentab[id].o_omode = omode;
	path_last(path, opentab[id].o_name);

	*pg = fd;
	*perm = PTE_P | PTE_U | PTE_W | PTE_SHARE;
	return 0;
}

static int
serve_set_size(union Fsipc *req, void **pg, int *perm)
{
	struct OpenFile *o;
	uint32_t id, size = REQ_READ(req->set_size.req_size);
	int r;

	if ((r = openfile_get(&req->set_size.req_file, &o, &id)) < 0)
		return r;
	if ((o->o_omode & O_ACCMODE) == O_RDONLY)
		return -E_PERM;
	if (size > FS_MAXFILESIZE)
		return -E_INVAL;
	return file_set_size(o->o_ino, size);
}

static int
serve_read(union Fsipc *req, void **pg, int *perm)
{
	struct OpenFile *o;
	uint32_t id, n = REQ_READ(req->read.req_n);
	int r;

	if ((r = openfile_get(&req->read.req_file, &o, &id)) < 0)
		return r;
	if ((o->o_omode & O_ACCMODE) == O_WRONLY)
		return -E_PERM;
	/* A short read is always allowed: clamp to what the page holds. */
	n = MIN(n, (uint32_t) sizeof(req->read_ret.ret_buf));
	struct Fd *fd = openfile_fd(id);
	off_t off = REQ_READ(fd->fd_offset);
	if (off < 0)
		return -E_INVAL;
	ssize_t got = file_read(o->o_ino, req->read_ret.ret_buf, n, off);
	if (got > 0)
		fd->fd_offset = off + got;
	return got;
}

static int
serve_write(union Fsipc *req, void **pg, int *perm)
{
	struct OpenFile *o;
	uint32_t id, n = REQ_READ(req->write.req_n);
	int r;

	if ((r = openfile_get(&req->write.req_file, &o, &id)) < 0)
		return r;
	if ((o->o_omode & O_ACCMODE) == O_RDONLY)
		return -E_PERM;
	/* More than the page holds is a malformed request. */
	if (n > sizeof(req->write.req_buf))
		return -E_INVAL;
	struct Fd *fd = openfile_fd(id);
	off_t off = REQ_READ(fd->fd_offset);
	if (off < 0)
		return -E_INVAL;
	ssize_t put = file_write(o->o_ino, req->write.req_buf, n, off);
	if (put > 0)
		fd->fd_offset = off + put;
	return put;
}

static int
serve_stat(union Fsipc *req, void **pg, int *perm)
{
	struct OpenFile *o;
	uint32_t id;
	int r;

	if ((r = openfile_get(&req->stat.req_file, &o, &id)) < 0)
		return r;
	struct Inode *ip = inode(o->o_ino);
	memset(&req->stat_ret, 0, sizeof(req->stat_ret));
	strlcpy(req->stat_ret.ret_name, o->o_name, MAXNAMELEN);
	req->stat_ret.ret_size = ip->i_size;
	req->stat_ret.ret_isdir = ip->i_type == FTYPE_DIR;
	return 0;
}

static int
serve_flush(union Fsipc *req, void **pg, int *perm)
{
	struct OpenFile *o;
	uint32_t id;
	int r;

	if ((r = openfile_get(&req->flush.req_file, &o, &id)) < 0)
		return r;
	return file_flush(o->o_ino);
}

static int
serve_remove(union Fsipc *req, void **pg, int *perm)
{
	static char path[MAXPATHLEN];
	uint32_t ino;
	int r;

	if ((r = req_copy_path(path, req->remove.req_path)) < 0)
		return r;
	if ((r = file_remove(path, &ino)) < 0)
		return r;
	/* Its inode may be reused at once: open handles on it must not reach the new file. */
	for (uint32_t id = 0; id < FS_MAXOPEN; id++)
		if (opentab[id].o_ino == ino)
			opentab[id].o_ino = 0;
	return 0;
}

static int
serve_sync(union Fsipc *req, void **pg, int *perm)
{
	return fs_sync();
}

/* The pages an answer lends besides the request page (FSREQ_READ_PAGES), read-only. */
static uintptr_t reply_pages[FS_READ_PAGES_MAX];
static uint32_t reply_npages;

static int
serve_read_pages(union Fsipc *req, void **pg, int *perm)
{
	struct OpenFile *o;
	uint32_t id, npages = REQ_READ(req->read_pages.req_npages);
	int r;

	if ((r = openfile_get(&req->read_pages.req_file, &o, &id)) < 0)
		return r;
	if ((o->o_omode & O_ACCMODE) == O_WRONLY)
		return -E_PERM;
	struct Fd *fd = openfile_fd(id);
	off_t off = REQ_READ(fd->fd_offset);
	struct Inode *ip = inode(o->o_ino);
	uint32_t size = ip->i_size, got = 0;
	if (npages == 0 || npages > FS_READ_PAGES_MAX || off < 0)
		return -E_INVAL;
	if ((uint32_t) off >= size)
		return 0;		/* the end, wherever it is */
	if (off % BLKSIZE != 0)
		return -E_INVAL;
	/* The file's blocks for the pages asked for, up to the end or a hole (no block), which ends
	 * the answer short: the client reads it the usual way. */
	static uint32_t blocks[FS_READ_PAGES_MAX];
	uint32_t nb = 0;
	for (uint32_t at = off; nb < npages && at < size; nb++, at += BLKSIZE)
		if (file_block_number(o->o_ino, at / BLKSIZE, &blocks[nb]) < 0 || blocks[nb] == 0)
			break;
	/* Each not yet resident, with those after it that follow it on the disk, in one read. */
	for (uint32_t i = 0; i < nb; i++) {
		uint32_t run = 1;
		if (bc_is_mapped(blocks[i]))
			continue;
		while (i + run < nb && blocks[i + run] == blocks[i] + run)
			run++;
		if (bc_fetch_run(blocks[i], run) < 0) {
			nb = i;
			break;
		}
	}
	for (; reply_npages < nb; reply_npages++) {
		reply_pages[reply_npages] = (uintptr_t) diskaddr(blocks[reply_npages]);
		got += MIN((uint32_t) BLKSIZE, size - (off + got));
	}
	fd->fd_offset = off + got;
	return got;
}

static const fs_handler handlers[FSREQ_MAX] = {
	[FSREQ_READ_PAGES] = serve_read_pages,
	[FSREQ_OPEN] = serve_open,
	[FSREQ_SET_SIZE] = serve_set_size,
	[FSREQ_READ] = serve_read,
	[FSREQ_WRITE] = serve_write,
	[FSREQ_STAT] = serve_stat,
	[FSREQ_FLUSH] = serve_flush,
	[FSREQ_REMOVE] = serve_remove,
	[FSREQ_SYNC] = serve_sync,
};

/* Answer to, with the page pg or the pages of reply_pages; a client that has gone, or does
 * not come to receive (or to receive that many pages), loses its answer. */
static void
serve_reply(envid_t to, int32_t value, void *pg, int perm)
{
	uint32_t deadline = 0;
	int r;

	for (;;) {
		if (reply_npages)
			r = sys_ipc_try_send_pages(to, value, reply_pages, reply_npages,
						   PTE_P | PTE_U);
		else
			r = sys_ipc_try_send(to, value, pg ? pg : (void *) UTOP, pg ? perm : 0);
		if (r != -E_IPC_NOT_RECV)
			break;
		/* Not waiting yet: the clock only now (most answers go at the first try). */
		uint32_t now = sys_time_msec();
		if (deadline == 0)
			deadline = now + FS_REPLY_MSEC;
		else if ((int32_t) (now - deadline) >= 0 || !envid_alive(to))
			break;
		sys_yield();
	}
	reply_npages = 0;
}

static void __attribute__((noreturn))
serve(void)
{
	envid_t from;
	int perm;

	for (;;) {
		uint32_t type = ipc_recv(&from, (void *) FS_REQ_VA, &perm);
		void *pg = NULL;
		int pgperm = 0, r;

		if ((perm & (PTE_P | PTE_U | PTE_W)) != (PTE_P | PTE_U | PTE_W))
			r = -E_INVAL;	/* no request page, or one we could not answer in */
		else if (type >= FSREQ_MAX || handlers[type] == NULL)
			r = -E_INVAL;
		else if (fs_mount_error)
			r = fs_mount_error;
		else
			r = handlers[type]((union Fsipc *) FS_REQ_VA, &pg, &pgperm);
		serve_reply(from, r, pg, pgperm);
		/* Do not keep the client's page. */
		sys_page_unmap(0, (void *) FS_REQ_VA);
	}
}

void
umain(int argc, char **argv)
{
	binaryname = "fs";
	key_state = (uint32_t) read_tsc() | 1;
	cprintf("fs: file system server is environment %08x\n", thisenv->env_id);

	if ((fs_mount_error = fs_mount()) < 0) {
		/* Serve anyway, so that clients get an error instead of waiting forever. */
		cprintf("fs: not mounted; every request fails with '%e'\n", fs_mount_error);
	} else {
		cprintf("fs: mounted: %u blocks, %u free, %u inodes\n", super->s_nblocks,
			fs_count_free_blocks(), super->s_ninodes);
		fs_selftest();
	}
	serve();
}
