/* The user library (lib/): what every user program can call.  Include this one header. */
#ifndef INC_LIB_H
#define INC_LIB_H 1

#include <inc/types.h>
#include <inc/stdio.h>
#include <inc/stdarg.h>
#include <inc/string.h>
#include <inc/error.h>
#include <inc/assert.h>
#include <inc/env.h>
#include <inc/memlayout.h>
#include <inc/syscall.h>
#include <inc/trap.h>
#include <inc/sysinfo.h>
#include <inc/fd.h>
#include <inc/socket.h>
#include <inc/select.h>

#define USED(x)		(void)(x)

/* A per-environment variable: sfork (lib/fork.c) shares every page of the parent with the
 * child except the stack and the pages of these variables (user/user.ld), which the child gets
 * copy-on-write. */
#define PERENV		__attribute__((section(".perenv")))

/* PTE bits the library gives meaning to (the kernel passes them through untouched). */
#define PTE_COW		0x800	/* copy-on-write (lib/fork.c) */
#define PTE_SHARE	0x400	/* shared with children by fork and spawn, not copied */

/* lib/libmain.c and user/<program>.c */
extern const char *binaryname;			/* for panic messages */
/* The arguments umain got, for code outside it (a server's self-tests read their switch here:
 * fs/test.c); prog_argv[prog_argc] is NULL. */
extern int prog_argc;
extern char **prog_argv;
extern const volatile struct Env *thisenv;	/* this environment's entry in envs[] (PERENV) */
extern const volatile struct Env envs[NENV];	/* UENVS */
extern const volatile struct PageInfo pages[];	/* UPAGES */
void	umain(int argc, char **argv);		/* each program's main */
void	libmain(int argc, char **argv);

/* lib/exit.c: close every file descriptor, then destroy this environment. */
void	exit(void) __attribute__((noreturn));

/* lib/pgfault.c: run handler on the user exception stack for every page fault of this
 * environment (allocates the exception stack on first use). */
void	set_pgfault_handler(void (*handler)(struct UTrapframe *utf));

/* lib/syscall.c: one stub per call of inc/syscall.h.  They return what the kernel returns:
 * >= 0 on success, a negative E_* code on failure. */
/* The system call stubs (lib/syscall.c), one per line of inc/syscalls.tab. */
struct net_rx_frame;			/* inc/ns.h: sys_net_recv_batch */
struct net_tx_frame;			/* inc/ns.h: sys_net_send_batch */
#include <gen/syscall_user.h>
static envid_t sys_exofork(void);
/* sys_time_msec is not a stub: it reads the clock from UCLOCK (lib/syscall.c), trapping only
 * when the kernel has no TSC clock.  A network server turn reads it once, lwIP's timers more:
 * about 170 traps a 1 MiB download saved. */
unsigned sys_time_msec(void);

/* sys_exofork is inline: the child starts with the parent's registers at the `int`, and must
 * not depend on a stack frame of a stub that the parent may since have changed. */
static inline envid_t __attribute__((always_inline))
sys_exofork(void)
{
	envid_t ret;
	asm volatile("int %2"
		     : "=a" (ret)
		     : "a" (SYS_exofork), "i" (T_SYSCALL)
		     : "memory", "cc");
	return ret;
}

/* lib/ipc.c */
void	ipc_send(envid_t to_env, uint32_t value, void *pg, int perm);
int32_t	ipc_recv(envid_t *from_env_store, void *pg, int *perm_store);
int32_t	ipc_call(envid_t to_env, uint32_t value, void *pg, int perm, void *dstva,
		 int *perm_store);
int32_t	ipc_recv_pages(envid_t *from_env_store, void *pg, uint32_t maxpages, int *perm_store,
		       uint32_t *npages_store);
int32_t	ipc_call_pages(envid_t to_env, uint32_t value, const uintptr_t *srcvas, uint32_t n,
		       int perm, void *dstva, uint32_t maxpages, int *perm_store,
		       uint32_t *npages_store);
envid_t	ipc_find_env(enum EnvType type);
envid_t	ipc_server(enum EnvType type, envid_t *cache);
bool	envid_alive(envid_t envid);

/* lib/fork.c */
envid_t	fork(void);
envid_t	sfork(void);

/* lib/fd.c */
int	close(int fd);
ssize_t	read(int fd, void *buf, size_t nbytes);
ssize_t	write(int fd, const void *buf, size_t nbytes);
int	seek(int fd, off_t offset);
void	close_all(void);
ssize_t	readn(int fd, void *buf, size_t nbytes);
int	dup(int oldfd, int newfd);
int	fstat(int fd, struct Stat *statbuf);
int	stat(const char *path, struct Stat *statbuf);

/* lib/file.c */
int	open(const char *path, int mode);
/* Borrow the next bytes of an open file, from its offset (a multiple of BLKSIZE) on: up to
 * npages (1..FS_READ_PAGES_MAX) of the file server's block pages mapped read-only at dstva,
 * dstva + PGSIZE, ...; returns the bytes they hold (0 at the end, short before a hole) and
 * moves the offset past them.  No copy: the pages stay as they were even if the file is
 * written later (inc/fs.h).  -E_NOT_SUPP for a descriptor that is not a file. */
ssize_t	read_pages(int fd, void *dstva, uint32_t npages);
int	ftruncate(int fd, off_t size);
int	remove(const char *path);
int	sync(void);

/* lib/spawn.c */
envid_t	spawn(const char *program, const char **argv);
envid_t	spawnl(const char *program, const char *arg0, ...);

/* lib/testreport.c: a test program's line for a call's result: "PROG: WHAT: N", or the
 * error's text if r < 0. */
void	test_report(const char *prog, const char *what, int r);

/* lib/console.c */
void	cputchar(int c);
int	getchar(void);
int	iscons(int fd);
int	opencons(void);

/* lib/pipe.c */
int	pipe(int pipefds[2]);
int	pipeisclosed(int pipefd);

/* lib/wait.c */
void	wait(envid_t env);

/* lib/nsipc.c: the network server's socket requests (inc/ns.h), by the server's socket id.
 * Each returns what the server answers: >= 0, or a negative E_* code (-E_BAD_ENV: no server). */
struct ns_stats;
int	nsipc_socket(int domain, int type, int protocol);
int	nsipc_bind(int s, const struct sockaddr *addr, socklen_t addrlen);
int	nsipc_listen(int s, int backlog);
int	nsipc_accept(int s, struct sockaddr *addr, socklen_t *addrlen);
int	nsipc_connect(int s, const struct sockaddr *addr, socklen_t addrlen);
ssize_t	nsipc_recv(int s, void *buf, size_t len, int flags);
ssize_t	nsipc_send(int s, const void *buf, size_t len, int flags);
ssize_t	nsipc_sendto(int s, const void *buf, size_t len, int flags, const struct sockaddr *addr,
		     socklen_t addrlen);
ssize_t	nsipc_recvfrom(int s, void *buf, size_t len, int flags, struct sockaddr *addr,
		       socklen_t *addrlen);
/* Send len bytes from offset off (< PGSIZE) of the pages at pages (page-aligned; up to
 * IPC_PAGES_MAX - 1 pages, read-only is enough) by lending the pages, not copying them: one
 * request however many.  Returns the bytes the server took (fewer when its send buffer
 * filled), or a negative E_* code. */
ssize_t	nsipc_send_pages(int s, const void *pages, uint32_t off, size_t len);
/* The same with flags for the server (NS_SEND_FILE_PAGES, inc/ns.h). */
ssize_t	nsipc_send_pages_flags(int s, const void *pages, uint32_t off, size_t len, int flags);
int	nsipc_close(int s);
int	nsipc_shutdown(int s, int how);
int	nsipc_getsockname(int s, struct sockaddr *addr, socklen_t *addrlen);
int	nsipc_getpeername(int s, struct sockaddr *addr, socklen_t *addrlen);
int	nsipc_setsockopt(int s, int level, int name, int value);
int	nsipc_stats(struct ns_stats *st);
int	nsipc_stats_quiet(struct ns_stats *st);
int	nsipc_state_print(void);
/* flags MSG_DONTWAIT: accept -E_AGAIN with no connection waiting; connect -E_IN_PROGRESS. */
int	nsipc_accept_flags(int s, struct sockaddr *addr, socklen_t *addrlen, int flags);
int	nsipc_connect_flags(int s, const struct sockaddr *addr, socklen_t addrlen, int flags);
int	nsipc_watch(int s, void *page);
int	nsipc_poll(int s, int events);
int	nsipc_getsockopt(int s, int level, int name, int *value);

/* lib/sockets.c: BSD-style sockets (inc/socket.h) as file descriptors, so read, write and close
 * work on them too.  Errors are negative E_* codes (not -1 and errno). */
int	socket(int domain, int type, int protocol);
int	bind(int s, const struct sockaddr *addr, socklen_t addrlen);
int	listen(int s, int backlog);
int	accept(int s, struct sockaddr *addr, socklen_t *addrlen);
int	connect(int s, const struct sockaddr *addr, socklen_t addrlen);
ssize_t	send(int s, const void *buf, size_t len, int flags);
ssize_t	recv(int s, void *buf, size_t len, int flags);
ssize_t	sendto(int s, const void *buf, size_t len, int flags, const struct sockaddr *to,
	       socklen_t tolen);
ssize_t	recvfrom(int s, void *buf, size_t len, int flags, struct sockaddr *from,
		 socklen_t *fromlen);
int	shutdown(int s, int how);
int	getsockname(int s, struct sockaddr *addr, socklen_t *addrlen);
int	getpeername(int s, struct sockaddr *addr, socklen_t *addrlen);
/* Options take an int (optlen == sizeof(int)); SO_RCVTIMEO's is in milliseconds. */
int	setsockopt(int s, int level, int optname, const void *optval, socklen_t optlen);
/* getsockopt: *optlen must be sizeof(int) (inc/socket.h lists the options). */
int	getsockopt(int s, int level, int optname, void *optval, socklen_t *optlen);

/* lib/select.c: wait until one of the descriptors is ready (inc/select.h). */
int	select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
	       struct timeval *timeout);

/* lib/fd.c: a descriptor's flags (F_GETFL: O_* of open; F_SETFL: only O_NONBLOCK changes,
 * on sockets and pipes; -E_NOT_SUPP on other devices). */
#define F_GETFL		3
#define F_SETFL		4
int	fcntl(int fd, int cmd, int arg);

/* The network server's id of socket descriptor s: -E_INVAL if s is no open descriptor,
 * -E_NOT_SUPP if it is not a socket. */
int	fd2sockid(int s);

/* lib/sendfile.c: send len bytes of the file open at fd, from offset on, to TCP socket sock,
 * without copying them: the file server's block pages are borrowed (read_pages) and lent to
 * the network server (nsipc_send_pages), 256 KB a request.  Stops at the file's end.  Returns
 * the bytes sent (fewer than asked only at the end of the file or when the connection failed
 * after some were sent), or -E_INVAL (fd or sock not open, offset < 0 or past the end),
 * -E_NOT_SUPP (fd not a file, sock not a socket or not TCP), -E_PERM (fd write-only), or the
 * network server's error.  fd's own offset is left as it was. */
ssize_t	sendfile(int sock, int fd, off_t offset, size_t len);
/* The same to the network server's socket id sockid (as the nsipc_* calls take). */
ssize_t	nsipc_sendfile(int sockid, int fd, off_t offset, size_t len);

/* File open modes */
#define	O_RDONLY	0x0000		/* open for reading only */
#define	O_WRONLY	0x0001		/* open for writing only */
#define	O_RDWR		0x0002		/* open for reading and writing */
#define	O_ACCMODE	0x0003		/* mask for above modes */

#define	O_CREAT		0x0100		/* create if nonexistent */
#define	O_TRUNC		0x0200		/* truncate to zero length */
#define	O_EXCL		0x0400		/* error if already exists */
#define O_MKDIR		0x0800		/* create directory, not regular file */
#define O_NONBLOCK	0x0004		/* fcntl: calls return -E_AGAIN rather than block
					 * (sockets, pipes) */

#endif	/* !INC_LIB_H */
