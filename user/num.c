/* num [FILE...]: copy the files (or descriptor 0) to descriptor 1 with each line numbered;
 * the numbering runs on across files. */

#include <inc/lib.h>

static int line = 0;

static void
num(int fd, const char *name)
{
	static char buf[512];
	static bool at_start = true;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n;) {
			if (at_start) {
				printf("%5d ", ++line);
				at_start = false;
			}
			/* Up to and including the next newline. */
			char *nl = memfind(buf + i, '\n', n - i);
			ssize_t len = (nl < buf + n ? nl + 1 : buf + n) - (buf + i);
			if (write(1, buf + i, len) != len) {
				cprintf("num: write error\n");
				exit();
			}
			i += len;
			if (buf[i - 1] == '\n')
				at_start = true;
		}
	}
	if (n < 0)
		cprintf("num: reading %s: %e\n", name, n);
}

void
umain(int argc, char **argv)
{
	binaryname = "num";
	if (argc == 1) {
		num(0, "<stdin>");
		return;
	}
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			cprintf("num: %s: %e\n", argv[i], fd);
			exit();
		}
		num(fd, argv[i]);
		close(fd);
	}
}
