/* printfmt: the formatted-output engine shared by the kernel and user programs.  It knows
 * %d %i %u %x %X %o %p %c %s %% and %e (a project error code), the flags '-' and '0', a width
 * and a precision (each may be '*'), and the length modifiers l and ll.  It never touches
 * global state, so it is safe in any context that can call putch. */

#include <inc/types.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/stdarg.h>
#include <inc/error.h>

static const char *const error_table[MAXERROR] = {
#define E_STR(name, num, msg) [num] = msg,
	E_CODES(E_STR)
#undef E_STR
};

const char *
error_string(int err)
{
	/* Range first: -INT_MIN is not an int. */
	if (err <= -MAXERROR || err >= MAXERROR)
		return NULL;
	return error_table[err < 0 ? -err : err];
}

/* The state of one conversion. */
struct spec {
	int width;		/* minimum field width, -1 if none */
	int precision;		/* -1 if none */
	char pad;		/* ' ' or '0' */
	bool left;		/* '-': pad on the right */
	int lflag;		/* count of 'l' modifiers */
};

/* Emit n pad characters. */
static void
emit_pad(void (*putch)(int, void *), void *putdat, int ch, int n)
{
	while (n-- > 0)
		putch(ch, putdat);
}

/* Print an unsigned number in base 2..16 with the spec's width, precision and flags; `neg`
 * prints a minus sign before it. */
static void
print_number(void (*putch)(int, void *), void *putdat, unsigned long long num,
	     unsigned base, bool neg, bool upper, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];		/* 64 bits in octal need 22 digits */
	int n = 0;

	/* As in C, a zero with precision 0 has no digits (a width still pads). */
	if (num != 0 || sp->precision != 0) {
		do {
			buf[n++] = digits[num % base];
			num /= base;
		} while (num != 0);
	}

	/* A precision is the minimum number of digits and turns off zero padding. */
	int zeros = sp->precision > n ? sp->precision - n : 0;
	int len = n + zeros + (neg ? 1 : 0);
	int padlen = sp->width > len ? sp->width - len : 0;
	char pad = sp->precision >= 0 ? ' ' : sp->pad;

	if (!sp->left && pad == ' ')
		emit_pad(putch, putdat, ' ', padlen);
	if (neg)
		putch('-', putdat);
	if (!sp->left && pad == '0')
		emit_pad(putch, putdat, '0', padlen);
	emit_pad(putch, putdat, '0', zeros);
	while (n > 0)
		putch(buf[--n], putdat);
	if (sp->left)
		emit_pad(putch, putdat, ' ', padlen);
}

static void
print_string(void (*putch)(int, void *), void *putdat, const char *s,
	     const struct spec *sp)
{
	int len = sp->precision >= 0 ? strnlen(s, sp->precision) : strlen(s);
	int padlen = sp->width > len ? sp->width - len : 0;

	if (!sp->left)
		emit_pad(putch, putdat, ' ', padlen);
	for (int i = 0; i < len; i++)
		putch(s[i], putdat);
	if (sp->left)
		emit_pad(putch, putdat, ' ', padlen);
}

/* Fetch the next integer argument at the spec's length. */
static unsigned long long
get_unsigned(va_list *ap, int lflag)
{
	if (lflag >= 2)
		return va_arg(*ap, unsigned long long);
	if (lflag == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static long long
get_signed(va_list *ap, int lflag)
{
	if (lflag >= 2)
		return va_arg(*ap, long long);
	if (lflag == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

/* Parse a decimal number or '*' at *fmt; returns -1 if there is none. */
static int
parse_count(const char **fmt, va_list *ap)
{
	if (**fmt == '*') {
		(*fmt)++;
		return va_arg(*ap, int);
	}
	if (**fmt < '0' || **fmt > '9')
		return -1;
	int n = 0;
	while (**fmt >= '0' && **fmt <= '9')
		n = n * 10 + (*(*fmt)++ - '0');
	return n;
}

void
vprintfmt(void (*putch)(int, void *), void *putdat, const char *fmt, va_list ap0)
{
	va_list ap;

	va_copy(ap, ap0);
	while (*fmt) {
		if (*fmt != '%') {
			putch(*fmt++, putdat);
			continue;
		}
		const char *start = fmt++;
		struct spec sp = { .width = -1, .precision = -1, .pad = ' ' };

		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.pad = '0';
			else
				break;
		}
		sp.width = parse_count(&fmt, &ap);
		if (sp.width < -1) {		/* '*' with a negative value means '-' */
			sp.left = true;
			sp.width = -sp.width;
		}
		if (*fmt == '.') {
			fmt++;
			sp.precision = parse_count(&fmt, &ap);
			if (sp.precision < 0)
				sp.precision = 0;
		}
		while (*fmt == 'l') {
			sp.lflag++;
			fmt++;
		}

		switch (*fmt++) {
		case 'c':
			emit_pad(putch, putdat, ' ', sp.left ? 0 : sp.width - 1);
			putch(va_arg(ap, int), putdat);
			emit_pad(putch, putdat, ' ', sp.left ? sp.width - 1 : 0);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			print_string(putch, putdat, s ? s : "(null)", &sp);
			break;
		}
		case 'e': {
			int err = va_arg(ap, int);
			const char *msg = error_string(err);
			if (msg) {
				print_string(putch, putdat, msg, &sp);
			} else {
				/* Not one of ours: show the number (width and flags ignored). */
				static const struct spec plain = { .width = -1, .precision = -1, .pad = ' ' };
				print_string(putch, putdat, "error ", &plain);
				print_number(putch, putdat, err < 0 ? -(long long) err : err, 10,
					     err < 0, false, &plain);
			}
			break;
		}
		case 'd':
		case 'i': {
			long long num = get_signed(&ap, sp.lflag);
			print_number(putch, putdat,
				     num < 0 ? -(unsigned long long) num : (unsigned long long) num,
				     10, num < 0, false, &sp);
			break;
		}
		case 'u':
			print_number(putch, putdat, get_unsigned(&ap, sp.lflag), 10, false, false, &sp);
			break;
		case 'o':
			print_number(putch, putdat, get_unsigned(&ap, sp.lflag), 8, false, false, &sp);
			break;
		case 'x':
		case 'X':
			print_number(putch, putdat, get_unsigned(&ap, sp.lflag), 16, false,
				     fmt[-1] == 'X', &sp);
			break;
		case 'p':
			putch('0', putdat);
			putch('x', putdat);
			print_number(putch, putdat, (uintptr_t) va_arg(ap, void *), 16, false, false, &sp);
			break;
		case '%':
			putch('%', putdat);
			break;
		default:
			/* Unknown conversion: print it as it was written. */
			if (fmt[-1] == '\0')
				fmt--;
			for (; start < fmt; start++)
				putch(*start, putdat);
			break;
		}
	}
	va_end(ap);
}

void
printfmt(void (*putch)(int, void *), void *putdat, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintfmt(putch, putdat, fmt, ap);
	va_end(ap);
}

struct sprintbuf {
	char *buf;
	char *ebuf;		/* one past the last byte we may write */
	int cnt;		/* characters the full output would have */
};

static void
sprintputch(int ch, void *p)
{
	struct sprintbuf *b = p;

	b->cnt++;
	if (b->buf < b->ebuf)
		*b->buf++ = ch;
}

/* Format into str, writing at most size bytes including the terminating NUL.  Returns the
 * length of the full output (as C99 does), or -E_INVAL if str is NULL or size < 1. */
int
vsnprintf(char *str, int size, const char *fmt, va_list ap)
{
	struct sprintbuf b = { str, str + size - 1, 0 };

	if (str == NULL || size < 1)
		return -E_INVAL;
	vprintfmt(sprintputch, &b, fmt, ap);
	*b.buf = '\0';
	return b.cnt;
}

int
snprintf(char *str, int size, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vsnprintf(str, size, fmt, ap);
	va_end(ap);
	return rc;
}
