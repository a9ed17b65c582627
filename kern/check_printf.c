/* Boot-time self-test of lib/printfmt.c: every conversion, flag and modifier that kernel and
 * user code rely on, compared against the exact text it must produce. */

#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/error.h>
#include <inc/selftest.h>

static void
expect(const char *want, const char *fmt, ...)
{
	char buf[128];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (strcmp(buf, want) != 0 || n != strlen(want))
		selftest_fail("printf", "format \"%s\" gave \"%s\" (%d chars), want \"%s\"",
			      fmt, buf, n, want);
}

void
check_printfmt(void)
{
	expect("6828 decimal is 15254 octal!", "%d decimal is %o octal!", 6828, 6828);
	expect("-1 -2147483648 2147483647", "%d %i %d", -1, (int) 0x80000000, 0x7fffffff);
	expect("4294967295 ffffffff FFFFFFFF", "%u %x %X", -1, -1, -1);
	expect("0 0 0", "%d %x %o", 0, 0, 0);
	expect("17777777777 37777777777", "%o %o", 0x7fffffff, 0xffffffff);
	expect("[   42] [42   ] [00042] [-0042]", "[%5d] [%-5d] [%05d] [%05d]", 42, 42, 42, -42);
	expect("[  -42] [-42  ]", "[%5d] [%-5d]", -42, -42);
	expect("[ 00042] [  abc] [ab]", "[%6.5d] [%5s] [%.2s]", 42, "abc", "abc");
	expect("[] [   ] [-]", "[%.0d] [%3.0x] [%-.0u-]", 0, 0, 0);
	expect("[abc  ] [ *]", "[%-5s] [%*c]", "abc", 2, '*');
	expect("12345678901 -9223372036854775808", "%lld %lld", 12345678901LL, (long long) 1 << 63);
	expect("18446744073709551615 ffffffffffffffff", "%llu %llx", ~0ULL, ~0ULL);
	expect("123456 -7", "%ld %li", 123456L, -7L);
	expect("0xf0100000 0x00000001", "%p %08p", (void *) 0xf0100000, (void *) 1);
	expect("(null) 100% x", "%s 100%% %c", (char *) NULL, 'x');
	expect("invalid parameter / out of memory", "%e / %e", -E_INVAL, E_NO_MEM);
	expect("error -999", "%e", -999);
	expect("%y", "%y");

	/* Truncation: at most size-1 characters, NUL-terminated, full length returned. */
	char small[5];
	int n = snprintf(small, sizeof small, "%s", "abcdefgh");
	if (n != 8 || strcmp(small, "abcd") != 0)
		selftest_fail("printf", "snprintf truncation gave \"%s\" (%d)", small, n);
	if (snprintf(small, 0, "x") != -E_INVAL)
		selftest_fail("printf", "snprintf with size 0 must fail");
	selftest_ok("printf");
}
