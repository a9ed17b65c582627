/* testkbd: read lines from the console and echo them back, to show that typed input (keyboard
 * or serial line) reaches a user program. */

#include <inc/lib.h>

void
umain(int argc, char **argv)
{
	int r;

	binaryname = "testkbd";
	/* Started by the kernel directly, we have no descriptors yet. */
	if (!iscons(0)) {
		close(0);
		if ((r = opencons()) < 0)
			panic("opencons: %e", r);
		if (r != 0)
			panic("opencons gave descriptor %d, not 0", r);
	}
	if (!iscons(1) && (r = dup(0, 1)) < 0)
		panic("dup: %e", r);

	for (;;) {
		char *line = readline("Type a line: ");
		if (line == NULL)
			break;
		printf("testkbd: got '%s'\n", line);
	}
	/* Control-D is not echoed: end the prompt's line first. */
	printf("\ntestkbd: end of input\n");
}
