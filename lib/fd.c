/* File descriptors: the table at FDTABLE (layout and ordering rules: inc/fd.h) and the calls
 * that work on any device (read, write, seek, dup, close, stat). */

#include <inc/lib.h>

static struct Dev *devtab[] = { &devfile, &devpipe, &devcons, &devsock };

/* Is the page at va mapped? */
static bool
va_is_mapped(uintptr_t va)
{
	return (uvpd[PDX(va)] & PTE_P) && (uvpt[PGNUM(va)] & PTE_P);
}

int
fd2num(struct Fd *fd)
{
	return ((uintptr_t) fd - FDTABLE) / PGSIZE;
}

static struct Fd *
num2fd(int fdnum)
{
	return (struct Fd *) (FDTABLE + fdnum * PGSIZE);
}

char *
fd2data(struct Fd *fd)
{
	return (char *) (FDDATA + fd2num(fd) * PGSIZE);
}

int
fd_alloc(struct Fd **fd_store)
{
	for (int i = 0; i < MAXFD; i++)
		if (!va_is_mapped((uintptr_t) num2fd(i))) {
			*fd_store = num2fd(i);
			return 0;
		}
	*fd_store = NULL;
	return -E_MAX_OPEN;
}

int
fd_lookup(int fdnum, struct Fd **fd_store)
{
	if (fdnum < 0 || fdnum >= MAXFD || !va_is_mapped((uintptr_t) num2fd(fdnum)))
		return -E_INVAL;
	*fd_store = num2fd(fdnum);
	return 0;
}

int
dev_lookup(int dev_id, struct Dev **dev_store)
{
	for (size_t i = 0; i < ARRAY_SIZE(devtab); i++)
		if (devtab[i]->dev_id == dev_id) {
			*dev_store = devtab[i];
			return 0;
		}
	*dev_store = NULL;
	return -E_INVAL;
}

int
fd_close(struct Fd *fd)
{
	struct Dev *dev;
	int r = 0;

	if (dev_lookup(fd->fd_dev_id, &dev) == 0 && dev->dev_close)
		r = dev->dev_close(fd);
	/* The Fd page before its data page (inc/fd.h). */
	sys_page_unmap(0, fd);
	sys_page_unmap(0, fd2data(fd));
	return r;
}

int
close(int fdnum)
{
	struct Fd *fd;
	int r;

	if ((r = fd_lookup(fdnum, &fd)) < 0)
		return r;
	return fd_close(fd);
}

void
close_all(void)
{
	for (int i = 0; i < MAXFD; i++)
		close(i);
}

/* Make newfdnum a copy of oldfdnum: the same Fd page (so the same open file and offset), and
 * the same data page.  Returns newfdnum. */
int
dup(int oldfdnum, int newfdnum)
{
	struct Fd *oldfd, *newfd;
	int r;

	if ((r = fd_lookup(oldfdnum, &oldfd)) < 0)
		return r;
	if (newfdnum < 0 || newfdnum >= MAXFD)
		return -E_INVAL;
	if (newfdnum == oldfdnum)
		return newfdnum;
	close(newfdnum);
	newfd = num2fd(newfdnum);

	/* The data page before the Fd page (inc/fd.h). */
	char *odata = fd2data(oldfd), *ndata = fd2data(newfd);
	if (va_is_mapped((uintptr_t) odata)
	    && (r = sys_page_map(0, odata, 0, ndata, uvpt[PGNUM(odata)] & PTE_SYSCALL)) < 0)
		goto fail;
	if ((r = sys_page_map(0, oldfd, 0, newfd, uvpt[PGNUM(oldfd)] & PTE_SYSCALL)) < 0)
		goto fail;
	return newfdnum;

fail:
	sys_page_unmap(0, newfd);
	sys_page_unmap(0, ndata);
	return r;
}

/* The descriptor and its device, for the calls below. */
static int
fd_dev(int fdnum, struct Fd **fd_store, struct Dev **dev_store)
{
	int r;

	if ((r = fd_lookup(fdnum, fd_store)) < 0)
		return r;
	return dev_lookup((*fd_store)->fd_dev_id, dev_store);
}

ssize_t
read(int fdnum, void *buf, size_t n)
{
	struct Fd *fd;
	struct Dev *dev;
	int r;

	if ((r = fd_dev(fdnum, &fd, &dev)) < 0)
		return r;
	if ((fd->fd_omode & O_ACCMODE) == O_WRONLY)
		return -E_PERM;
	if (!dev->dev_read)
		return -E_NOT_SUPP;
	return dev->dev_read(fd, buf, n);
}

/* Read exactly n bytes unless the end of the file comes first. */
ssize_t
readn(int fdnum, void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t m = read(fdnum, (char *) buf + done, n - done);
		if (m < 0)
			return m;
		if (m == 0)
			break;
		done += m;
	}
	return done;
}

ssize_t
write(int fdnum, const void *buf, size_t n)
{
	struct Fd *fd;
	struct Dev *dev;
	int r;

	if ((r = fd_dev(fdnum, &fd, &dev)) < 0)
		return r;
	if ((fd->fd_omode & O_ACCMODE) == O_RDONLY)
		return -E_PERM;
	if (!dev->dev_write)
		return -E_NOT_SUPP;
	return dev->dev_write(fd, buf, n);
}

int
seek(int fdnum, off_t offset)
{
	struct Fd *fd;
	int r;

	if ((r = fd_lookup(fdnum, &fd)) < 0)
		return r;
	if (offset < 0)
		return -E_INVAL;
	fd->fd_offset = offset;
	return 0;
}

int
ftruncate(int fdnum, off_t size)
{
	struct Fd *fd;
	struct Dev *dev;
	int r;

	if ((r = fd_dev(fdnum, &fd, &dev)) < 0)
		return r;
	if ((fd->fd_omode & O_ACCMODE) == O_RDONLY)
		return -E_PERM;
	if (!dev->dev_trunc)
		return -E_NOT_SUPP;
	return dev->dev_trunc(fd, size);
}

int
fstat(int fdnum, struct Stat *stat)
{
	struct Fd *fd;
	struct Dev *dev;
	int r;

	if ((r = fd_dev(fdnum, &fd, &dev)) < 0)
		return r;
	memset(stat, 0, sizeof(*stat));
	stat->st_dev = dev;
	if (!dev->dev_stat)
		return -E_NOT_SUPP;
	return dev->dev_stat(fd, stat);
}

int
stat(const char *path, struct Stat *stat)
{
	int fd, r;

	if ((fd = open(path, O_RDONLY)) < 0)
		return fd;
	r = fstat(fd, stat);
	close(fd);
	return r;
}

/* The descriptor's flags: F_GETFL answers fd_omode; F_SETFL changes O_NONBLOCK, the only flag
 * that may change, on the devices that honour it (inc/fd.h).  The Fd page is shared by every
 * environment holding the descriptor, so they all see the change, as POSIX's open file
 * description flags are. */
int
fcntl(int fdnum, int cmd, int arg)
{
	struct Fd *fd;
	int r;

	if ((r = fd_lookup(fdnum, &fd)) < 0)
		return r;
	if (cmd == F_GETFL)
		return fd->fd_omode;
	if (cmd != F_SETFL || (arg & ~(O_ACCMODE | O_NONBLOCK)) != 0)
		return -E_INVAL;
	if (fd->fd_dev_id != DEV_ID_SOCK && fd->fd_dev_id != DEV_ID_PIPE)
		return -E_NOT_SUPP;
	fd->fd_omode = (fd->fd_omode & ~O_NONBLOCK) | (arg & O_NONBLOCK);
	return 0;
}
