/* echo [-n] [WORD...]: print the words separated by spaces, then a newline (not with -n). */

#include <inc/lib.h>

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
			write(1, " ", 1);
		write(1, argv[i], strlen(argv[i]));
	}
	if (newline)
		write(1, "\n", 1);
}
