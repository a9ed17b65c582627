/* Host unit test of lib/printfmt.c, the printf engine of the kernel and user programs: every
 * format whose meaning it shares with C is compared with the host's snprintf (output and return
 * value, and truncation at every buffer size), and the project's own (%e, %p, the refusals of
 * vsnprintf) with what lib/printfmt.c's comments promise. */

#include <inc/stdio.h>
#include <inc/error.h>
#include <inc/string.h>
#include "harness.h"

/* Some cases are formats whose flags C defines as ignored ("%-05d", "%08.3d"), which gcc's
 * format check warns about; those are the point of the cases. */
#pragma GCC diagnostic ignored "-Wformat"

#define BUFSZ 256

/* Format with ours and the host's; one case, named by the format and its arguments. */
#define SAME(fmt, ...)	same(fmt ", " #__VA_ARGS__,					\
			     exo_snprintf(ours, BUFSZ, fmt, ##__VA_ARGS__),		\
			     ref_snprintf(host, BUFSZ, fmt, ##__VA_ARGS__))

static char ours[BUFSZ], host[BUFSZ];

static void
same(const char *what, int rours, int rhost)
{
	check_case(rours == rhost && exo_strcmp(ours, host) == 0, what,
		   "ours \"%s\" (returned %d), the host's \"%s\" (returned %d)",
		   ours, rours, host, rhost);
}

static void
test_integers(void)
{
	SAME("%d", 0);
	SAME("%d", 42);
	SAME("%d", -42);
	SAME("%d", 2147483647);
	SAME("%d", (int) -2147483648LL);	/* INT_MIN: its negation overflows an int */
	SAME("%i", -7);
	SAME("%u", 4294967295u);
	SAME("%x", 0xdeadbeefu);
	SAME("%X", 0xdeadbeefu);
	SAME("%o", 8u);
	SAME("%o", 0u);
	SAME("%5d", 42);
	SAME("%-5d|", 42);
	SAME("%05d", 42);
	SAME("%05d", -42);
	SAME("%-05d|", -42);		/* '-' wins over '0' */
	SAME("%.3d", 7);
	SAME("%.3d", -7);
	SAME("%8.3d", -7);
	SAME("%-8.3d|", -7);
	SAME("%08.3d", -7);		/* a precision turns off '0' */
	SAME("%2d", 12345);		/* a width never truncates */
	SAME("%*d", 6, 42);
	SAME("%*d|", -6, 42);		/* a negative '*' width means '-' */
	SAME("%.*d", 4, 42);
	SAME("%.*d", -1, 42);		/* a negative '*' precision: C takes it as none */
	SAME("%08x", 0xbeefu);
	SAME("%lld", 9223372036854775807LL);
	SAME("%lld", (long long) (-9223372036854775807LL - 1));	/* LLONG_MIN */
	SAME("%llu", 18446744073709551615ULL);
	SAME("%llx", 0x123456789abcdef0ULL);
	SAME("%llo", 18446744073709551615ULL);	/* 22 octal digits: the longest number */
	SAME("%ld", -123456789L);
	SAME("%lu", 123456789UL);
	SAME("%lx", 0xabcdefUL);
	SAME("%d %u %x", -1, 1u, 255u);
}

static void
test_zero_precision(void)
{
	/* C prints no digits for a zero value with precision 0. */
	SAME("%.0d|", 0);
	SAME("%.0x|", 0u);
	SAME("%5.0u|", 0u);
	SAME("%.0d|", 1);
}

static void
test_strings_chars(void)
{
	SAME("%s", "hello");
	SAME("%s", "");
	SAME("%10s|", "hi");
	SAME("%-10s|", "hi");
	SAME("%.3s", "abcdef");
	SAME("%.0s|", "abcdef");
	SAME("%10.3s|", "abcdef");
	SAME("%-10.3s|", "abcdef");
	SAME("%.10s", "abc");
	SAME("%*s|", -4, "ab");
	SAME("%c", 'x');
	SAME("%3c|", 'x');
	SAME("%-3c|", 'x');
	SAME("%c%c%c", 'a', 'b', 'c');
	SAME("%%");
	SAME("100%% %s", "sure");

	exo_snprintf(ours, BUFSZ, "%s", (const char *) NULL);
	check_str("%s of NULL", ours, "(null)");
	/* A string without a NUL within the precision is never read past it. */
	static const char nonul[3] = { 'a', 'b', 'c' };
	exo_snprintf(ours, BUFSZ, "%.3s|", nonul);
	check_str("%.3s of 3 bytes without a NUL", ours, "abc|");
}

static void
test_pointers(void)
{
	int x;

	SAME("%p", (void *) &x);
	SAME("%p", (void *) 0x1000);
	exo_snprintf(ours, BUFSZ, "%p", (void *) 0);
	check_str("%p of NULL", ours, "0x0");
	/* Ours, unlike C's, counts a %p's width in digits, after the "0x" (kern/check_printf.c). */
	exo_snprintf(ours, BUFSZ, "%08p", (void *) 1);
	check_str("%08p of 1: 8 digits", ours, "0x00000001");
}

static void
test_errors(void)
{
	char want[BUFSZ];

	exo_snprintf(ours, BUFSZ, "%e", -E_INVAL);
	check_str("%e, -E_INVAL", ours, "invalid parameter");
	exo_snprintf(ours, BUFSZ, "%e", E_NO_MEM);
	check_str("%e, E_NO_MEM (positive)", ours, "out of memory");
	exo_snprintf(ours, BUFSZ, "%20e|", -E_EOF);
	ref_snprintf(want, BUFSZ, "%20s|", "unexpected end of file");
	check_str("%20e|, -E_EOF", ours, want);
	exo_snprintf(ours, BUFSZ, "%-20e|", -E_EOF);
	ref_snprintf(want, BUFSZ, "%-20s|", "unexpected end of file");
	check_str("%-20e|, -E_EOF", ours, want);
	exo_snprintf(ours, BUFSZ, "%e", -MAXERROR);
	ref_snprintf(want, BUFSZ, "error %d", -MAXERROR);
	check_str("%e, -MAXERROR (not ours)", ours, want);
	exo_snprintf(ours, BUFSZ, "%e", 0);
	check_str("%e, 0", ours, "error 0");
	exo_snprintf(ours, BUFSZ, "%e", (int) -2147483648LL);
	check_str("%e, INT_MIN", ours, "error -2147483648");
	check_case(exo_error_string(-E_NET) != NULL && exo_error_string(-MAXERROR) == NULL
		   && exo_error_string((int) -2147483648LL) == NULL,
		   "error_string: -E_NET known, -MAXERROR and INT_MIN not", "wrong");

	/* Every code in the list has its message. */
	int missing = 0;
#define E_HAS(name, num, msg) missing += exo_strcmp(exo_error_string(-name) ?: "", msg) != 0;
	E_CODES(E_HAS)
#undef E_HAS
	check_case(missing == 0, "error_string: every E_CODES entry", "%d messages wrong", missing);
}

static void
test_unknown(void)
{
	/* An unknown conversion is printed as written, its flags and width included. */
	exo_snprintf(ours, BUFSZ, "a%-5qb", 1);
	check_str("unknown %-5q", ours, "a%-5qb");
	exo_snprintf(ours, BUFSZ, "end%");
	check_str("a lone % at the end", ours, "end%");
	exo_snprintf(ours, BUFSZ, "end%5");
	check_str("%5 at the end", ours, "end%5");
}

/* vsnprintf writes at most size bytes, NUL included, and returns the full length. */
static void
test_truncation(void)
{
	static const char *const fmt = "%s=%d (%x) %5s|";
	char full[BUFSZ];
	int len = ref_snprintf(full, BUFSZ, fmt, "key", -123, 0xabcu, "v");
	int bad = 0;

	for (int size = 1; size <= len + 2; size++) {
		char a[BUFSZ], b[BUFSZ];

		ref_memset(a, '#', BUFSZ);
		ref_memset(b, '#', BUFSZ);
		int ra = exo_snprintf(a, size, fmt, "key", -123, 0xabcu, "v");
		int rb = ref_snprintf(b, size, fmt, "key", -123, 0xabcu, "v");
		if (ra != rb || ref_memcmp(a, b, BUFSZ) != 0) {
			check_note("  size %d: ours \"%.*s\" returned %d, the host's \"%.*s\" returned %d",
				   size, size, a, ra, size, b, rb);
			bad++;
		}
	}
	check_case(bad == 0, "truncation at every size 1..len+2, nothing written past it",
		   "%d sizes differ", bad);

	char one[2] = { '#', '#' };
	int r = exo_snprintf(one, 0, "abc");
	check_case(r == -E_INVAL && one[0] == '#', "size 0: -E_INVAL, nothing written",
		   "returned %d, byte 0 '%c'", r, one[0]);
	r = exo_snprintf(NULL, 10, "abc");
	check_case(r == -E_INVAL, "NULL buffer: -E_INVAL", "returned %d", r);
	r = exo_snprintf(one, -1, "abc");
	check_case(r == -E_INVAL && one[0] == '#', "negative size: -E_INVAL, nothing written",
		   "returned %d, byte 0 '%c'", r, one[0]);
}

int
main(void)
{
	test_integers();
	test_zero_precision();
	test_strings_chars();
	test_pointers();
	test_errors();
	test_unknown();
	test_truncation();
	return check_done("printfmt");
}
