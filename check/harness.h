/* The host unit tests' harness (check/harness.c, compiled without check/host.h): reporting, and
 * the host C library's functions to compare the project's with, as ref_NAME.
 *
 * A test calls check_case for each case (one line: the case and "ok", or what it got and what
 * it expected), and check_done at the end, which prints "NAME: ok" and returns 0 if every case
 * passed, else 1: a test's main returns check_done("NAME"). */
#ifndef CHECK_HARNESS_H
#define CHECK_HARNESS_H

#include <stddef.h>

/* Report one case: ok if cond, else print why (a printf format, the host's). */
void	check_case(int cond, const char *what, const char *whyfmt, ...)
	__attribute__((format(__printf__, 3, 4)));
/* Report a case that compares two strings. */
void	check_str(const char *what, const char *got, const char *want);
int	check_done(const char *name);
/* Print a line (a note, not a case). */
void	check_note(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));

/* The host C library's functions. */
int	ref_snprintf(char *str, size_t size, const char *fmt, ...)
	__attribute__((format(__printf__, 3, 4)));
void *	ref_memmove(void *dst, const void *src, size_t n);
void *	ref_memset(void *dst, int c, size_t n);
int	ref_memcmp(const void *a, const void *b, size_t n);
long	ref_strtol(const char *s, char **endptr, int base);
unsigned long ref_strtoul(const char *s, char **endptr, int base);
int	ref_inet_aton(const char *cp, unsigned int *addr_net);

#endif /* !CHECK_HARNESS_H */
