/* Boot-time self-test of lib/string.c's block functions: memset, memcpy and memmove against
 * byte-at-a-time references, at every source and destination alignment, every length up to
 * 70 (words and the n % 4 bytes after them), and overlaps in both directions. */

#include <inc/string.h>
#include <inc/selftest.h>

#define BUF	256
static unsigned char a[BUF], b[BUF], c[BUF];

static void
fill(unsigned char *p, unsigned seed)
{
	for (int i = 0; i < BUF; i++)
		p[i] = (unsigned char) (seed * 131 + i * 7 + 1);
}

/* a must equal b everywhere, or the self-test fails naming the case. */
static void
same(const char *what, int len, int so, int dof)
{
	for (int i = 0; i < BUF; i++)
		if (a[i] != b[i])
			selftest_fail("string", "%s: length %d, offsets %d/%d: byte %d is %02x, "
				      "want %02x", what, len, so, dof, i, a[i], b[i]);
}

void
check_string(void)
{
	for (int len = 0; len <= 70; len++)
		for (int so = 0; so < 8; so++)
			for (int dof = 0; dof < 8; dof++) {
				int s = 64 + so, d = 160 + dof;

				/* memcpy from another buffer, c; b is the reference. */
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
