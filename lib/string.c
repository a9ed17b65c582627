/* String and memory functions for the kernel and user programs (no libc underneath). */

#include <inc/string.h>

int
strlen(const char *s)
{
	int n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

int
strnlen(const char *s, size_t size)
{
	size_t n = 0;

	while (n < size && s[n] != '\0')
		n++;
	return n;
}

char *
strcpy(char *dst, const char *src)
{
	char *ret = dst;

	while ((*dst++ = *src++) != '\0')
		;
	return ret;
}

char *
strcat(char *dst, const char *src)
{
	strcpy(dst + strlen(dst), src);
	return dst;
}

/* Copies at most size bytes; pads with NULs, and leaves dst unterminated if src is too long. */
char *
strncpy(char *dst, const char *src, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		dst[i] = *src;
		if (*src != '\0')
			src++;
	}
	return dst;
}

/* Copies src into dst of `size` bytes, always NUL-terminating (if size > 0); returns the
 * length of src, so a result >= size means truncation. */
size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

int
strcmp(const char *p, const char *q)
{
	while (*p && *p == *q)
		p++, q++;
	return (int) ((unsigned char) *p - (unsigned char) *q);
}

int
strncmp(const char *p, const char *q, size_t n)
{
	while (n > 0 && *p && *p == *q)
		n--, p++, q++;
	if (n == 0)
		return 0;
	return (int) ((unsigned char) *p - (unsigned char) *q);
}

/* strncmp with ASCII letters compared regardless of case (HTTP's header names, say). */
int
strncasecmp(const char *p, const char *q, size_t n)
{
	for (; n > 0; n--, p++, q++) {
		int a = (unsigned char) *p, b = (unsigned char) *q;
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return a - b;
		if (a == 0)
			return 0;
	}
	return 0;
}

/* The first c in s, or NULL. */
char *
strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char) c)
			return (char *) s;
	return c == 0 ? (char *) s : NULL;
}

/* The first c in s, or the terminating NUL. */
char *
strfind(const char *s, char c)
{
	for (; *s; s++)
		if (*s == c)
			break;
	return (char *) s;
}

char *
strstr(const char *haystack, const char *needle)
{
	int n = strlen(needle);

	for (; *haystack; haystack++)
		if (strncmp(haystack, needle, n) == 0)
			return (char *) haystack;
	return n == 0 ? (char *) haystack : NULL;
}

/* The block functions use string instructions on whole words, whatever the alignment (x86
 * reads and writes unaligned words; under software emulation each iteration of a string
 * instruction costs about the same for a byte and a word), and bytes only for the n % 4 left
 * over: they are on the hot paths of fork, the file system and the network server, whose
 * frames (1514 bytes, at offset 4 of a page) are rarely whole words long.  The operands are
 * named (%k3, %1) rather than spelled %ecx-style so that the same code also assembles for the
 * 64-bit host unit tests (check/string_test.c); on i386 the instructions are the same. */
void *
memset(void *v, int c, size_t n)
{
	void *d = v;
	uint32_t w = c & 0xFF;
	size_t words = n / 4, rest = n % 4;

	w = (w << 24) | (w << 16) | (w << 8) | w;
	asm volatile("cld; rep stosl; movl %k3, %%ecx; rep stosb"
		     : "+D" (d), "+c" (words) : "a" (w), "r" (rest) : "cc", "memory");
	return v;
}

/* Eight words from p and to p, unaligned allowed (x86), as plain moves the compiler may not
 * turn back into a call to memcpy (-fno-builtin, and the accesses are volatile-free but
 * through a may_alias type). */
typedef uint32_t __attribute__((may_alias, aligned(1))) memword_t;

static inline void
memcpy_word_load(const char *p, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3,
		 uint32_t *w4, uint32_t *w5, uint32_t *w6, uint32_t *w7)
{
	const memword_t *q = (const memword_t *) p;

	*w0 = q[0]; *w1 = q[1]; *w2 = q[2]; *w3 = q[3];
	*w4 = q[4]; *w5 = q[5]; *w6 = q[6]; *w7 = q[7];
}

static inline void
memcpy_word_store(char *p, uint32_t w0, uint32_t w1, uint32_t w2, uint32_t w3, uint32_t w4,
		  uint32_t w5, uint32_t w6, uint32_t w7)
{
	memword_t *q = (memword_t *) p;

	q[0] = w0; q[1] = w1; q[2] = w2; q[3] = w3;
	q[4] = w4; q[5] = w5; q[6] = w6; q[7] = w7;
}

void *
memmove(void *dst, const void *src, size_t n)
{
	const char *s = src;
	char *d = dst;
	size_t words = n / 4, rest = n % 4;

	if (s < d && s + n > d) {
		/* Overlap with dst above src: copy backwards, the last n % 4 bytes first, then the
		 * words below them from the top down.  Each word is read before it is written, and
		 * every later read lies below what was written, so no byte is read after it was
		 * overwritten. */
		const char *sp = s + n - 1;
		char *dp = d + n - 1;
		asm volatile("std; rep movsb; sub $3, %1; sub $3, %0; movl %k3, %%ecx;"
			     " rep movsl; cld"
			     : "+D" (dp), "+S" (sp), "+c" (rest) : "r" (words) : "cc", "memory");
	} else {
		/* Forwards: a word write at d + i covers bytes below s + i + 4 (d < s, or no
		 * overlap), all of them read already.  Long copies go 32 bytes an iteration in
		 * plain loads and stores first: under QEMU's software emulation each iteration of
		 * a string instruction is a trip through its dispatcher, dearer than eight moves
		 * (the network server copies every byte it sends twice).  Each block is read
		 * whole before it is written, which keeps the no-overlap-behind rule above. */
		for (; words >= 8; words -= 8, s += 32, d += 32) {
			uint32_t w0, w1, w2, w3, w4, w5, w6, w7;
			memcpy_word_load(s, &w0, &w1, &w2, &w3, &w4, &w5, &w6, &w7);
			memcpy_word_store(d, w0, w1, w2, w3, w4, w5, w6, w7);
		}
		asm volatile("cld; rep movsl; movl %k3, %%ecx; rep movsb"
			     : "+D" (d), "+S" (s), "+c" (words) : "r" (rest) : "cc", "memory");
	}
	return dst;
}

/* gcc may emit calls to memcpy for structure copies, so it must exist even with -fno-builtin. */
void *
memcpy(void *dst, const void *src, size_t n)
{
	return memmove(dst, src, n);
}

int
memcmp(const void *v1, const void *v2, size_t n)
{
	const uint8_t *s1 = v1, *s2 = v2;

	for (; n > 0; n--, s1++, s2++)
		if (*s1 != *s2)
			return (int) *s1 - (int) *s2;
	return 0;
}

/* The first byte equal to c in [s, s+n), or s+n. */
void *
memfind(const void *s, int c, size_t n)
{
	const uint8_t *p = s, *end = p + n;

	for (; p < end; p++)
		if (*p == (uint8_t) c)
			break;
	return (void *) p;
}

static int
digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* Base 0 means: 0x... hexadecimal, 0... octal, else decimal.  *endptr is set to the first
 * character not used (s itself if there were no digits). */
unsigned long
strtoul(const char *s, char **endptr, int base)
{
	const char *start = s;
	unsigned long val = 0;
	bool any = false;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '+')
		s++;
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
	    && digit_value(s[2]) < 16) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = (s[0] == '0') ? 8 : 10;
	}
	for (; digit_value(*s) < base; s++) {
		val = val * base + digit_value(*s);
		any = true;
	}
	if (endptr)
		*endptr = (char *) (any ? s : start);
	return val;
}

long
strtol(const char *s, char **endptr, int base)
{
	const char *p = s;
	char *end;
	bool neg = false;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '-') {
		neg = true;
		p++;
		/* The number follows its sign at once: "- 5" and "-+5" are none (strtoul would skip
		 * the blank or the '+'). */
		if (*p == ' ' || *p == '\t' || *p == '+') {
			if (endptr)
				*endptr = (char *) s;
			return 0;
		}
	}
	unsigned long v = strtoul(p, &end, base);
	if (endptr)
		*endptr = (end == p) ? (char *) s : end;
	return neg ? -(long) v : (long) v;
}
