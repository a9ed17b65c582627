/* testpipe: pipes between a parent and a forked child: a message, a large transfer with the end
 * of file after it, and writing to a pipe whose reader has gone. */

#include <inc/lib.h>

#define BIG	100000		/* bytes of the large transfer: many times the ring */

static const char msg[] = "the message through the pipe";
static char buf[4096];

static uint8_t
byte_at(uint32_t i)
{
	return (uint8_t) (i * 131 + i / 251);
}

static void
test_message(void)
{
	int p[2], r;
	envid_t child;

	if ((r = pipe(p)) < 0)
		panic("pipe: %e", r);
	if (pipeisclosed(p[0]) != 0 || pipeisclosed(p[1]) != 0)
		panic("a new pipe looks closed");
	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0) {
		close(p[1]);
		r = readn(p[0], buf, sizeof(msg));
		if (r != sizeof(msg) || memcmp(buf, msg, sizeof(msg)) != 0)
			panic("child read %d bytes: '%.40s'", r, buf);
		if ((r = read(p[0], buf, 1)) != 0)
			panic("child: read after the writer closed gave %d, not the end", r);
		exit();
	}
	close(p[0]);
	if ((r = write(p[1], msg, sizeof(msg))) != sizeof(msg))
		panic("write: %d", r);
	close(p[1]);
	wait(child);
	cprintf("testpipe: message: ok\n");
}

static void
test_bulk(void)
{
	int p[2], r;
	envid_t child;
	uint32_t total = 0;

	if ((r = pipe(p)) < 0)
		panic("pipe: %e", r);
	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0) {
		close(p[0]);
		/* Chunks of odd sizes, so that writes straddle the ring's wrap-around. */
		for (uint32_t off = 0, len = 1; off < BIG; off += len, len = len * 3 % 2039 + 1) {
			len = MIN(len, (uint32_t) BIG - off);
			for (uint32_t i = 0; i < len; i++)
				buf[i] = byte_at(off + i);
			if ((r = write(p[1], buf, len)) != (int) len)
				panic("child: write gave %d", r);
		}
		exit();		/* closes the write end */
	}
	close(p[1]);
	while ((r = read(p[0], buf, 1000)) > 0) {
		for (int i = 0; i < r; i++)
			if ((uint8_t) buf[i] != byte_at(total + i))
				panic("byte %u is %02x, expected %02x", total + i, (uint8_t) buf[i],
				      byte_at(total + i));
		total += r;
	}
	if (r < 0)
		panic("read: %e", r);
	if (total != BIG)
		panic("read %u bytes before the end, expected %u", total, BIG);
	close(p[0]);
	wait(child);
	cprintf("testpipe: %u bytes in order, then the end: ok\n", total);
}

static void
test_reader_gone(void)
{
	int p[2], r;

	if ((r = pipe(p)) < 0)
		panic("pipe: %e", r);
	close(p[0]);
	if (pipeisclosed(p[1]) != 1)
		panic("the reader closed, but the write end does not see it");
	/* More than the ring holds: the write stops when it fills, returning what fitted. */
	memset(buf, 'x', sizeof(buf));
	r = write(p[1], buf, sizeof(buf));
	if (r < 0 || r >= (int) sizeof(buf))
		panic("write to a pipe without reader gave %d", r);
	close(p[1]);
	cprintf("testpipe: writer sees the reader gone: ok\n");
}

void
umain(int argc, char **argv)
{
	binaryname = "testpipe";
	test_message();
	test_bulk();
	test_reader_gone();
	cprintf("testpipe: ok\n");
}
