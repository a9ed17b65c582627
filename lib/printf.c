/* cprintf for user programs: printfmt into a buffer, written with sys_cputs when full and at
 * the end, so that one cprintf is one console write (lines from concurrent environments do not
 * interleave mid-line). */

#include <inc/lib.h>

struct printbuf {
	int idx;		/* bytes in buf */
	int cnt;		/* bytes printed in all */
	char buf[256];
};

static void
putch(int ch, void *p)
{
	struct printbuf *b = p;

	b->buf[b->idx++] = ch;
	if (b->idx == (int) sizeof(b->buf)) {
		sys_cputs(b->buf, b->idx);
		b->idx = 0;
	}
	b->cnt++;
}

int
vcprintf(const char *fmt, va_list ap)
{
	struct printbuf b;

	b.idx = 0;
	b.cnt = 0;
	vprintfmt(putch, &b, fmt, ap);
	sys_cputs(b.buf, b.idx);
	return b.cnt;
}

int
cprintf(const char *fmt, ...)
{
	va_list ap;
	int cnt;

	va_start(ap, fmt);
	cnt = vcprintf(fmt, ap);
	va_end(ap);
	return cnt;
}
