/* File descriptors (lib/fd.c): the table of open descriptors every user program has, and the
 * devices behind them (files, pipes, the console, sockets). */
#ifndef INC_FD_H
#define INC_FD_H

#include <inc/types.h>
#include <inc/memlayout.h>
#include <inc/fs.h>

/*
 * A file descriptor is a page, struct Fd, at FDTABLE + fd * PGSIZE; descriptor fd is open iff
 * that page is mapped.  Its pages are mapped PTE_SHARE, so fork and spawn give the child the
 * same pages: parent and child share the open file and its offset, as on Unix, and dup maps
 * the same page at a second slot.  A descriptor may own one page of data at fd2data(fd),
 * FDDATA + fd * PGSIZE (a pipe's ring), also PTE_SHARE.
 *
 * FDDATA lies below FDTABLE on purpose.  fork and spawn copy mappings in address order, so a
 * child gets a descriptor's data page before its Fd page, dup maps them in that order too, and
 * close unmaps the Fd page before the data page.  Hence, at every instant, a data page has at
 * least as many references as all the Fd pages that point at it: lib/pipe.c relies on it.
 *
 * Both regions lie above DISKMAP + DISKSIZE, so the file server's disk map never meets them.
 */
#define MAXFD		32
/* FDDATA and FDTABLE: inc/memlayout.h. */
static_assert(MAXFD * PGSIZE <= FDTABLE_LIM - FDTABLE, "the fd table fits its region");

/* What a device does; every function gets a descriptor of that device.  read/write return the
 * bytes transferred (0 at end of file) or a negative E_* code.
 *
 * dev_poll(fd, events, wi, waiting) is select's question (lib/select.c): which of events
 * (FD_POLL_*) would not block now?  It returns them (> 0), or a negative E_* code; or, with
 * none ready, 0 after filling *wi with what to wait on (inc/wait.h: a word of a shared page,
 * or the console) and setting *waiting to a counter it has counted the caller in (so that the
 * other side knows to wake the page), or NULL; it leaves *wi alone (wi_kind 0, as the caller
 * sets it) when none of events can ever come (a pipe's read end asked about writing).  The
 * caller looks at a filled *wi whatever the answer (the console returns FD_POLL_OUT and leaves
 * FD_POLL_IN to the kernel's console item).  The caller counts itself out of *waiting (an
 * atomic subtract) once its wait is over.  A device without dev_poll is always ready (files).
 * Sockets and pipes honour O_NONBLOCK in fd_omode (fcntl): a call that would block returns
 * -E_AGAIN instead. */
struct Fd;
struct Stat;
struct wait_item;
#define FD_POLL_IN	0x1	/* a read (or accept) would not block */
#define FD_POLL_OUT	0x2	/* a write would not block */
#define FD_POLL_ERR	0x4	/* an error is pending (sockets) */
struct Dev {
	int dev_id;		/* the fd_dev_id of its descriptors */
	const char *dev_name;
	ssize_t (*dev_read)(struct Fd *fd, void *buf, size_t len);
	ssize_t (*dev_write)(struct Fd *fd, const void *buf, size_t len);
	int (*dev_close)(struct Fd *fd);	/* called before the Fd page is unmapped */
	int (*dev_stat)(struct Fd *fd, struct Stat *stat);
	int (*dev_trunc)(struct Fd *fd, off_t length);
	int (*dev_poll)(struct Fd *fd, int events, struct wait_item *wi,
			volatile uint32_t **waiting);
};

/* A file opened from the file system server: its id and key in the server's open-file table
 * (inc/fs.h). */
struct FdFile {
	uint32_t id;
	uint32_t key;
};

/* A socket of the network server (lib/sockets.c): its id there (inc/ns.h).  Its data page,
 * mapped when the descriptor is made, is the socket's wake page (inc/ns.h: struct ns_wake),
 * given to the server by the first select that needs it (watched then set). */
struct FdSock {
	int32_t sockid;
	uint32_t watched;
};

struct Fd {
	int fd_dev_id;		/* which struct Dev: DEV_ID_* */
	off_t fd_offset;	/* for seekable devices */
	int fd_omode;		/* O_* of inc/lib.h */
	union {
		struct FdFile fd_file;	/* dev_id == DEV_ID_FILE */
		struct FdSock fd_sock;	/* dev_id == DEV_ID_SOCK */
	};
};

#define DEV_ID_FILE	'f'
#define DEV_ID_PIPE	'p'
#define DEV_ID_CONS	'c'
#define DEV_ID_SOCK	's'

struct Stat {
	char st_name[MAXNAMELEN];
	off_t st_size;
	int st_isdir;
	struct Dev *st_dev;
};

/* The helpers lib/ devices use. */
char *	fd2data(struct Fd *fd);
int	fd2num(struct Fd *fd);
/* The lowest free descriptor slot (not yet mapped); -E_MAX_OPEN if all are taken. */
int	fd_alloc(struct Fd **fd_store);
/* The open descriptor fdnum; -E_INVAL if it is out of range or closed. */
int	fd_lookup(int fdnum, struct Fd **fd_store);
/* Close fd: the device's close, then unmap the Fd page, then its data page. */
int	fd_close(struct Fd *fd);
int	dev_lookup(int dev_id, struct Dev **dev_store);

extern struct Dev devfile;
extern struct Dev devpipe;
extern struct Dev devsock;
extern struct Dev devcons;

/* lib/sockpoll.c, for lib/sockets.c: the `sock` device's dev_poll, and MSG_DONTWAIT if
 * descriptor s is non-blocking (O_NONBLOCK), else 0. */
int	devsock_poll(struct Fd *fd, int events, struct wait_item *wi, volatile uint32_t **waiting);
int	sock_dontwait(int s);

/* lib/pageref.c: the number of mappings of the page at va (its pp_ref), 0 if not mapped. */
int	pageref(const void *va);

#endif /* !INC_FD_H */
