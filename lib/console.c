/* The console: the `cons` device (reads with sys_cgetc, writes with sys_cputs), opencons, and
 * cputchar/getchar/iscons for programs. */

#include <inc/lib.h>

/* Control-D at the start of a read is the end of input, as on a Unix terminal. */
#define CONS_EOF	('D' & 0x1F)

/* Write one character straight to the console, whatever descriptor 1 is (panic messages and
 * readline's echo rely on it). */
void
cputchar(int ch)
{
	char c = ch;

	sys_cputs(&c, 1);
}

/* The next character from descriptor 0; -E_EOF at its end, or the read error. */
int
getchar(void)
{
	unsigned char c;
	int r = read(0, &c, 1);

	if (r < 0)
		return r;
	if (r == 0)
		return -E_EOF;
	return c;
}

int
iscons(int fdnum)
{
	struct Fd *fd;

	return fd_lookup(fdnum, &fd) == 0 && fd->fd_dev_id == DEV_ID_CONS;
}

/* A new descriptor on the console.  Returns it, or -E_MAX_OPEN / -E_NO_MEM. */
int
opencons(void)
{
	struct Fd *fd;
	int r;

	if ((r = fd_alloc(&fd)) < 0)
		return r;
	if ((r = sys_page_alloc(0, fd, PTE_P | PTE_U | PTE_W | PTE_SHARE)) < 0)
		return r;
	fd->fd_dev_id = DEV_ID_CONS;
	fd->fd_omode = O_RDWR;
	return fd2num(fd);
}

/* One character per read: sys_cgetc blocks until one arrives.  The serial line sends a
 * carriage return for the Enter key; programs see a newline. */
static ssize_t
devcons_read(struct Fd *fd, void *buf, size_t n)
{
	int c;

	if (n == 0)
		return 0;
	/* Our kernel's sys_cgetc blocks until a character arrives; the loop also copes with one
	 * that answers 0 for "nothing yet". */
	while ((c = sys_cgetc()) == 0)
		sys_yield();
	if (c < 0)
		return c;
	if (c == CONS_EOF)
		return 0;
	if (c == '\r')
		c = '\n';
	*(char *) buf = c;
	return 1;
}

static ssize_t
devcons_write(struct Fd *fd, const void *buf, size_t n)
{
	sys_cputs(buf, n);
	return n;
}

/* select's question (inc/fd.h: dev_poll): writing never blocks; whether a character waits to
 * be read only the kernel knows, so that is always left to sys_wait_any's console item. */
static int
devcons_poll(struct Fd *fd, int events, struct wait_item *wi, volatile uint32_t **waiting)
{
	if (events & FD_POLL_IN)
		wi->wi_kind = WAIT_CONS;
	return events & FD_POLL_OUT;
}

static int
devcons_stat(struct Fd *fd, struct Stat *st)
{
	strlcpy(st->st_name, "<cons>", sizeof(st->st_name));
	return 0;
}

struct Dev devcons = {
	.dev_id = DEV_ID_CONS,
	.dev_name = "cons",
	.dev_read = devcons_read,
	.dev_write = devcons_write,
	.dev_stat = devcons_stat,
	.dev_poll = devcons_poll,
};
