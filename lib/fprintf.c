/* printf and fprintf: formatted output to a file descriptor, in buffered writes. */

#include <inc/lib.h>

struct fprintbuf {
	int fd;
	int idx;		/* bytes in buf */
	ssize_t result;		/* bytes written so far, or the first error */
	char buf[256];
};

static void
fprintbuf_flush(struct fprintbuf *b)
{
	if (b->idx > 0 && b->result >= 0) {
		ssize_t r = write(b->fd, b->buf, b->idx);
		if (r < 0)
			b->result = r;
		else if (r < b->idx)
			b->result = -E_NO_DISK;	/* a short write: the device is full */
		else
			b->result += r;
	}
	b->idx = 0;
}

static void
fprintbuf_putch(int ch, void *p)
{
	struct fprintbuf *b = p;

	b->buf[b->idx++] = ch;
	if (b->idx == (int) sizeof(b->buf))
		fprintbuf_flush(b);
}

/* Returns the bytes written, or the first write error. */
int
vfprintf(int fd, const char *fmt, va_list ap)
{
	struct fprintbuf b;

	b.fd = fd;
	b.idx = 0;
	b.result = 0;
	vprintfmt(fprintbuf_putch, &b, fmt, ap);
	fprintbuf_flush(&b);
	return b.result;
}

int
fprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfprintf(fd, fmt, ap);
	va_end(ap);
	return r;
}

int
printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfprintf(1, fmt, ap);
	va_end(ap);
	return r;
}
