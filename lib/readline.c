/* readline: one line of console input with echo, backspace and a bounded buffer. */

#include <inc/stdio.h>
#include <inc/error.h>

static char buf[READLINE_MAX];

char *
readline(const char *prompt)
{
	int i = 0;
	int echoing;

	if (prompt != NULL) {
#ifdef JOS_KERNEL
		cprintf("%s", prompt);
#else
		fprintf(1, "%s", prompt);
#endif
	}

	echoing = iscons(0);
	for (;;) {
		int c = getchar();
		if (c < 0) {
			/* End of input with a partial line returns the line; otherwise NULL. */
			if (c != -E_EOF)
				cprintf("read error: %e\n", c);
			if (c == -E_EOF && i > 0)
				break;
			return NULL;
		} else if ((c == '\b' || c == '\x7f') && i > 0) {
			if (echoing) {
				cputchar('\b');
				cputchar(' ');
				cputchar('\b');
			}
			i--;
		} else if (c >= ' ' && c != '\x7f' && i < READLINE_MAX - 1) {
			if (echoing)
				cputchar(c);
			buf[i++] = c;
		} else if (c == '\n' || c == '\r') {
			if (echoing)
				cputchar('\n');
			break;
		}
		/* Other control characters, and characters beyond the buffer, are ignored. */
	}
	buf[i] = '\0';
	return buf;
}
