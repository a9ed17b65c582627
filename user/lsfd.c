/* lsfd: list this program's open file descriptors (inherited from whoever started it). */

#include <inc/lib.h>

void
umain(int argc, char **argv)
{
	struct Stat st;

	binaryname = "lsfd";
	for (int i = 0; i < MAXFD; i++) {
		struct Fd *fd;
		if (fd_lookup(i, &fd) < 0)
			continue;
		int r = fstat(i, &st);
		if (r < 0) {
			printf("fd %d: fstat: %e\n", i, r);
			continue;
		}
		printf("fd %d: name %s isdir %d size %d dev %s\n", i, st.st_name, st.st_isdir,
		       st.st_size, st.st_dev->dev_name);
	}
}
