/* longputs: one sys_cputs of a string much longer than the kernel prints per entry
 * (CPUTS_CHUNK in kern/syscall.c), which restarts the call on the rest after each chunk: every
 * line must come out whole and in order, and the call must return 0 once. */
#include <inc/lib.h>

#define NLINES	60
#define LINELEN	100	/* with the newline */

static char text[NLINES * LINELEN];

void
umain(int argc, char **argv)
{
	for (int i = 0; i < NLINES; i++) {
		char *l = &text[i * LINELEN];
		snprintf(l, LINELEN, "longputs: line %02d ", i);
		for (int j = strlen(l); j < LINELEN - 1; j++)
			l[j] = 'a' + (i + j) % 26;
		l[LINELEN - 1] = '\n';
	}
	sys_cputs(text, sizeof(text));
	cprintf("longputs: done\n");
}
