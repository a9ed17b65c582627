/* cat [FILE...]: copy the files (or descriptor 0) to descriptor 1. */

#include <inc/lib.h>

static char buf[8192];

/* Copy fd to descriptor 1; name is for messages.  0, or -1 after saying what failed. */
static int
cat(int fd, const char *name)
{
	ssize_t n, w;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if ((w = write(1, buf, n)) != n) {
			cprintf("cat: writing %s: %e\n", name, w < 0 ? w : -E_NO_DISK);
			return -1;
		}
	if (n < 0) {
		cprintf("cat: reading %s: %e\n", name, n);
		return -1;
	}
	return 0;
}

void
umain(int argc, char **argv)
{
	binaryname = "cat";
	if (argc == 1) {
		cat(0, "<stdin>");
		return;
	}
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			cprintf("cat: %s: %e\n", argv[i], fd);
			continue;
		}
		cat(fd, argv[i]);
		close(fd);
	}
}
