/* testfdsharing: after fork, parent and child share an open file's offset (one Fd page). */

#include <inc/lib.h>

static char all[4096], buf[256];

void
umain(int argc, char **argv)
{
	struct Fd *fdp;
	envid_t child;
	int fd, n, r;

	binaryname = "testfdsharing";
	if ((fd = open("/lorem", O_RDONLY)) < 0)
		panic("open /lorem: %e", fd);
	if ((n = readn(fd, all, sizeof(all))) < 300)
		panic("readn /lorem: %e (%d bytes)", n, n);
	if ((r = seek(fd, 100)) < 0)
		panic("seek: %e", r);
	if (fd_lookup(fd, &fdp) < 0)
		panic("fd_lookup");

	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0) {
		if (fdp->fd_offset != 100)
			panic("child: offset %d, expected the parent's 100", fdp->fd_offset);
		if ((r = readn(fd, buf, 50)) != 50 || memcmp(buf, all + 100, 50) != 0)
			panic("child: read at 100 gave other bytes (%d)", r);
		cprintf("testfdsharing: child read bytes 100..149: ok\n");
		exit();
	}
	wait(child);
	/* The child's read moved our offset too. */
	if (fdp->fd_offset != 150)
		panic("parent: offset %d after the child's read, expected 150", fdp->fd_offset);
	if ((r = readn(fd, buf, 50)) != 50 || memcmp(buf, all + 150, 50) != 0)
		panic("parent: read at 150 gave other bytes (%d)", r);
	cprintf("testfdsharing: parent continues at 150: ok\n");
	close(fd);
}
