/* Boot-time self-test of lib/string.c's block functions: memset, memcpy and memmove against
 * byte-at-a-time references, at every source and destination alignment modulo the word (4),
 * every length up to 70 (the 32-byte blocks, words and the n % 4 bytes after them), and
 * overlaps in both directions.  Each case fills and compares the bytes it may touch and
 * MARGIN around them, not the whole buffers: under QEMU's emulation the whole-buffer version
 * took a second of every boot.  (check/string_test.c tests the same functions on the host,
 * more widely.) */
#define ALIGNS	4
#define MARGIN	32

#include <inc/string.h>
#include <inc/selftest.h>

#define BUF	256
static unsigned char a[BUF], b[BUF], c[BUF];

/* The bytes a case may touch, with MARGIN on each side: [lo, hi). */
static int lo, hi;

static void
window(int from, int to)
{
	lo = from - MARGIN < 0 ? 0 : from - MARGIN;
	hi = to + MARGIN > BUF ? BUF : to + MARGIN;
}

static void
fill(unsigned char *p, unsigned seed)
{
	for (int i = lo; i < hi; i++)
		p[i] = (unsigned char) (seed * 131 + i * 7 + 1);
}

/* a must equal b across the window, or the self-test fails naming the case. */
static void
same(const char *what, int len, int so, int dof)
{
	for (int i = lo; i < hi; i++)
		if (a[i] != b[i])
			selftest_fail("string", "%s: length %d, offsets %d/%d: byte %d is %02x, "
				      "want %02x", what, len, so, dof, i, a[i], b[i]);
}

void
check_string(void)
{
	for (int len = 0; len <= 70; len++)
		for (int so = 0; so < ALIGNS; so++)
			for (int dof = 0; dof < ALIGNS; dof++) {
				int s = 64 + so, d = 160 + dof;

				/* memcpy from another buffer, c; b is the reference. */
				window(s < d ? s : d, (s > d ? s : d) + len);
				fill(a, dof);
				fill(b, dof);
				fill(c, so + len);
				memcpy(a + d, c + s, len);
				for (int i = 0; i < len; i++)
					b[d + i] = c[s + i];
				same("memcpy", len, so, dof);

				fill(a, dof);
				fill(b, dof);
				memset(a + d, 0x5a + so, len);
				for (int i = 0; i < len; i++)
					b[d + i] = 0x5a + so;
				same("memset", len, so, dof);

				/* Overlapping, dst below, on, and above src. */
				for (int dir = -1; dir <= 1; dir++) {
					d = s + dir * dof;
					window(s < d ? s : d, (s > d ? s : d) + len);
					fill(a, len);
					fill(b, len);
					if (d <= s)
						for (int i = 0; i < len; i++)
							b[d + i] = b[s + i];
					else
						for (int i = len - 1; i >= 0; i--)
							b[d + i] = b[s + i];
					memmove(a + d, a + s, len);
					same("memmove", len, so, dir * dof);
				}
			}
	selftest_ok("string");
}
