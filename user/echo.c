/* echo [-n] [WORD...]: print the words separated by spaces, then a newline (not with -n).
 * The line goes out in one write when it fits ECHO_BUF: written piece by piece, a reader at the
 * other end of a pipe could pass on "hi" and "\n" separately, and a kernel message printed in
 * between (echo's own exit, from another CPU) would split the line on the console. */

#include <inc/lib.h>

#define ECHO_BUF	512

static char out[ECHO_BUF];
static size_t nout;

static void
echo_put(const char *s, size_t n)
{
	while (n > 0) {
		if (nout == sizeof(out)) {
			write(1, out, nout);
			nout = 0;
		}
		size_t take = MIN(n, sizeof(out) - nout);
		memmove(out + nout, s, take);
		nout += take;
		s += take;
		n -= take;
	}
}

void
umain(int argc, char **argv)
{
	bool newline = true;
	int i = 1;

	if (argc > 1 && strcmp(argv[1], "-n") == 0) {
		newline = false;
		i++;
	}
	for (int first = i; i < argc; i++) {
		if (i > first)
			echo_put(" ", 1);
		echo_put(argv[i], strlen(argv[i]));
	}
	if (newline)
		echo_put("\n", 1);
	if (nout > 0)
		write(1, out, nout);
}
