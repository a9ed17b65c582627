/* The host unit tests' harness (see harness.h): plain host C, without check/host.h, so the names
 * here are the host C library's. */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static int ncases, nfailed;
/* The first failed cases' names, repeated at the end where a reader of the last lines sees them. */
static char failed[10][120];

void
check_case(int cond, const char *what, const char *whyfmt, ...)
{
	va_list ap;

	ncases++;
	if (cond) {
		printf("  %s: ok\n", what);
		return;
	}
	if (nfailed < 10)
		snprintf(failed[nfailed], sizeof failed[0], "%s", what);
	nfailed++;
	printf("  %s: FAILED: ", what);
	va_start(ap, whyfmt);
	vprintf(whyfmt, ap);
	va_end(ap);
	printf("\n");
}

void
check_str(const char *what, const char *got, const char *want)
{
	check_case(strcmp(got, want) == 0, what, "got \"%s\", expected \"%s\"", got, want);
}

void
check_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int
check_done(const char *name)
{
	if (nfailed) {
		for (int i = 0; i < nfailed && i < 10; i++)
			printf("  failed: %s\n", failed[i]);
		printf("%s: FAILED (%d of %d cases)\n", name, nfailed, ncases);
		return 1;
	}
	printf("%s: ok\n", name);
	return 0;
}

int
ref_snprintf(char *str, size_t size, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(str, size, fmt, ap);
	va_end(ap);
	return r;
}

void *
ref_memmove(void *dst, const void *src, size_t n)
{
	return memmove(dst, src, n);
}

void *
ref_memset(void *dst, int c, size_t n)
{
	return memset(dst, c, n);
}

int
ref_memcmp(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n);
}

long
ref_strtol(const char *s, char **endptr, int base)
{
	return strtol(s, endptr, base);
}

unsigned long
ref_strtoul(const char *s, char **endptr, int base)
{
	return strtoul(s, endptr, base);
}

int
ref_inet_aton(const char *cp, unsigned int *addr_net)
{
	struct in_addr a;
	int r = inet_aton(cp, &a);

	if (r)
		*addr_net = a.s_addr;
	return r;
}
