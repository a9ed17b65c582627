/* Host unit test of lib/string.c: the word-at-a-time block functions (memset, memmove, memcpy)
 * at every alignment and every length 0..64, overlapping moves both ways, and the string and
 * number functions, compared with the host's C library where they mean the same.  The block
 * functions are inline asm, which the sanitizers do not see: each case compares the whole
 * buffer around the destination, so a byte written outside it fails the case. */

#include <inc/string.h>
#include "harness.h"

#define MAXLEN	64
#define MAXOFF	8
#define BUFLEN	(MAXLEN + 2 * MAXOFF + 16)

/* A pattern no length or offset repeats within a buffer. */
static void
fill(uint8_t *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t) (seed * 131 + i * 7 + (i >> 3));
}

static void
test_memset(void)
{
	static const int values[] = { 0, 0xa5, 0xff, 0x17f, -1 };
	int bad = 0, cases = 0;

	for (size_t v = 0; v < sizeof values / sizeof values[0]; v++)
		for (size_t off = 0; off < MAXOFF; off++)
			for (size_t len = 0; len <= MAXLEN; len++) {
				uint8_t ours[BUFLEN], want[BUFLEN];

				fill(ours, BUFLEN, off + len);
				fill(want, BUFLEN, off + len);
				void *r = exo_memset(ours + off, values[v], len);
				ref_memset(want + off, values[v], len);
				cases++;
				if (r != ours + off || ref_memcmp(ours, want, BUFLEN) != 0) {
					if (bad++ < 5)
						check_note("  memset(+%zu, %#x, %zu) wrong", off,
							   values[v], len);
				}
			}
	check_case(bad == 0, "memset: 5 values x offsets 0..7 x lengths 0..64",
		   "%d of %d wrong", bad, cases);
}

/* Separate buffers: every source and destination alignment, every length. */
static void
test_memcpy(void)
{
	int bad = 0, cases = 0;

	for (int fn = 0; fn < 2; fn++)
		for (size_t so = 0; so < MAXOFF; so++)
			for (size_t dof = 0; dof < MAXOFF; dof++)
				for (size_t len = 0; len <= MAXLEN; len++) {
					uint8_t src[BUFLEN], ours[BUFLEN], want[BUFLEN];

					fill(src, BUFLEN, 1000 + len);
					fill(ours, BUFLEN, len);
					fill(want, BUFLEN, len);
					void *r = fn ? exo_memmove(ours + dof, src + so, len)
						     : exo_memcpy(ours + dof, src + so, len);
					ref_memmove(want + dof, src + so, len);
					cases++;
					if (r != ours + dof || ref_memcmp(ours, want, BUFLEN) != 0) {
						if (bad++ < 5)
							check_note("  %s(+%zu, +%zu, %zu) wrong",
								   fn ? "memmove" : "memcpy", dof, so, len);
					}
				}
	check_case(bad == 0, "memcpy, memmove: separate buffers, offsets 0..7 x 0..7, lengths 0..64",
		   "%d of %d wrong", bad, cases);
}

/* One buffer: every distance between source and destination up to 40 bytes, both ways (the
 * backward copy when dst lies above src), every length. */
static void
test_overlap(void)
{
	int bad = 0, cases = 0;

	for (size_t so = 0; so <= 40; so++)
		for (size_t dof = 0; dof <= 40; dof++)
			for (size_t len = 0; len <= MAXLEN; len++) {
				uint8_t ours[40 + MAXLEN + 16], want[sizeof ours];

				fill(ours, sizeof ours, so * 41 + dof);
				fill(want, sizeof want, so * 41 + dof);
				void *r = exo_memmove(ours + dof, ours + so, len);
				ref_memmove(want + dof, want + so, len);
				cases++;
				if (r != ours + dof || ref_memcmp(ours, want, sizeof ours) != 0) {
					if (bad++ < 5)
						check_note("  memmove(+%zu, +%zu, %zu) in one buffer wrong",
							   dof, so, len);
				}
			}
	check_case(bad == 0, "memmove: overlapping, source and destination 0..40 apart both ways, lengths 0..64",
		   "%d of %d wrong", bad, cases);
}

static int
sign(int x)
{
	return (x > 0) - (x < 0);
}

static void
test_strings(void)
{
	char buf[32];

	check_case(exo_strlen("") == 0 && exo_strlen("abc") == 3, "strlen", "wrong");
	check_case(exo_strnlen("abcdef", 3) == 3 && exo_strnlen("ab", 10) == 2
		   && exo_strnlen("ab", 0) == 0, "strnlen", "wrong");
	check_str("strcpy", exo_strcpy(buf, "hello"), "hello");
	check_str("strcat", exo_strcat(buf, ", world"), "hello, world");

	ref_memset(buf, '#', sizeof buf);
	exo_strncpy(buf, "ab", 5);
	check_case(ref_memcmp(buf, "ab\0\0\0#", 6) == 0, "strncpy: pads with NULs to size",
		   "wrong");
	ref_memset(buf, '#', sizeof buf);
	exo_strncpy(buf, "abcdef", 3);
	check_case(ref_memcmp(buf, "abc#", 4) == 0, "strncpy: a long source is not terminated",
		   "wrong");

	ref_memset(buf, '#', sizeof buf);
	size_t n = exo_strlcpy(buf, "abcdef", 4);
	check_case(n == 6 && ref_memcmp(buf, "abc\0#", 5) == 0,
		   "strlcpy: truncates, terminates, returns the source's length", "returned %zu", n);
	ref_memset(buf, '#', sizeof buf);
	n = exo_strlcpy(buf, "abcdef", 0);
	check_case(n == 6 && buf[0] == '#', "strlcpy: size 0 writes nothing", "returned %zu", n);
	n = exo_strlcpy(buf, "ab", 10);
	check_case(n == 2 && exo_strcmp(buf, "ab") == 0, "strlcpy: a short source", "wrong");

	check_case(exo_strcmp("abc", "abc") == 0 && exo_strcmp("abc", "abd") < 0
		   && exo_strcmp("abd", "abc") > 0 && exo_strcmp("ab", "abc") < 0
		   && exo_strcmp("", "") == 0, "strcmp", "wrong");
	check_case(exo_strcmp("\x80", "\x01") > 0 && exo_strcmp("a\xff", "a") > 0,
		   "strcmp: bytes compare unsigned", "wrong");
	check_case(exo_strncmp("abcx", "abcy", 3) == 0 && exo_strncmp("abcx", "abcy", 4) < 0
		   && exo_strncmp("a", "b", 0) == 0 && exo_strncmp("ab", "ab", 10) == 0
		   && exo_strncmp("\xff", "a", 1) > 0, "strncmp", "wrong");

	const char *s = "hello";
	check_case(exo_strchr(s, 'l') == s + 2 && exo_strchr(s, 'z') == NULL
		   && exo_strchr(s, 0) == s + 5 && exo_strchr(s, 'h' + 256) == s,
		   "strchr (c converted to char, NUL found)", "wrong");
	check_case(exo_strfind(s, 'l') == s + 2 && exo_strfind(s, 'z') == s + 5, "strfind",
		   "wrong");
	check_case(exo_strstr(s, "ll") == s + 2 && exo_strstr(s, "lo") == s + 3
		   && exo_strstr(s, "") == s && exo_strstr(s, "hello!") == NULL
		   && exo_strstr("", "") != NULL && exo_strstr("", "a") == NULL
		   && exo_strstr("aab", "ab") != NULL, "strstr", "wrong");

	const uint8_t m1[] = { 1, 2, 3, 0x80 }, m2[] = { 1, 2, 3, 0x01 };
	check_case(exo_memcmp(m1, m2, 3) == 0 && sign(exo_memcmp(m1, m2, 4)) == 1
		   && sign(exo_memcmp(m2, m1, 4)) == -1 && exo_memcmp(m1, m2, 0) == 0,
		   "memcmp: bytes compare unsigned", "wrong");
	check_case(exo_memfind(m1, 3, 4) == m1 + 2 && exo_memfind(m1, 9, 4) == m1 + 4
		   && exo_memfind(m1, 0x180, 4) == m1 + 3 && exo_memfind(m1, 1, 0) == m1,
		   "memfind", "wrong");
}

/* strtol and strtoul as the host's: the value and where parsing stopped. */
static void
test_strtol(void)
{
	static const struct {
		const char *s;
		int base;
	} in[] = {
		{ "0", 10 }, { "42", 10 }, { "-42", 10 }, { "+42", 10 }, { "  42", 10 },
		{ "\t-7", 10 }, { "42abc", 10 }, { "abc", 10 }, { "", 10 }, { "-", 10 },
		{ "+", 10 }, { " ", 10 }, { "--5", 10 }, { "-+5", 10 }, { "+-5", 10 },
		{ "- 5", 10 }, { "+ 5", 10 }, { "-\t5", 10 },
		{ "0x1f", 16 }, { "0X1F", 16 }, { "1f", 16 }, { "0x", 16 }, { "0xg", 16 },
		{ "0x1f", 0 }, { "017", 0 }, { "08", 0 }, { "0", 0 }, { "0x", 0 }, { "-0x10", 0 },
		{ "19", 0 }, { "017", 8 }, { "018", 8 }, { "101", 2 }, { "102", 2 },
		{ "zz", 36 }, { "ZZ", 36 }, { "0x10", 10 }, { "2147483647", 10 },
		{ "-2147483648", 10 }, { "4294967295", 10 }, { "ffffffff", 16 },
	};
	char what[64];

	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		char *eo, *eh;
		long vo = exo_strtol(in[i].s, &eo, in[i].base);
		long vh = ref_strtol(in[i].s, &eh, in[i].base);

		ref_snprintf(what, sizeof what, "strtol(\"%s\", %d)", in[i].s, in[i].base);
		check_case(vo == vh && eo == eh, what, "ours %ld, stopped at +%d; the host's %ld, +%d",
			   vo, (int) (eo - in[i].s), vh, (int) (eh - in[i].s));
		if (exo_strchr(in[i].s, '-'))
			continue;	/* the host's strtoul negates; ours takes no sign but '+' */
		unsigned long uo = exo_strtoul(in[i].s, &eo, in[i].base);
		unsigned long uh = ref_strtoul(in[i].s, &eh, in[i].base);
		ref_snprintf(what, sizeof what, "strtoul(\"%s\", %d)", in[i].s, in[i].base);
		check_case(uo == uh && eo == eh, what, "ours %lu, stopped at +%d; the host's %lu, +%d",
			   uo, (int) (eo - in[i].s), uh, (int) (eh - in[i].s));
	}
	check_case(exo_strtol("12", NULL, 10) == 12, "strtol with a NULL endptr", "wrong");
}

int
main(void)
{
	test_memset();
	test_memcpy();
	test_overlap();
	test_strings();
	test_strtol();
	return check_done("string");
}
