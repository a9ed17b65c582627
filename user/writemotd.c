/* writemotd: replace /motd with the contents of /newmotd. */

#include <inc/lib.h>

static char buf[8192];

void
umain(int argc, char **argv)
{
	int rfd, wfd, n, r;

	binaryname = "writemotd";
	if ((rfd = open("/newmotd", O_RDONLY)) < 0)
		panic("open /newmotd: %e", rfd);
	if ((n = readn(rfd, buf, sizeof(buf))) < 0)
		panic("read /newmotd: %e", n);
	close(rfd);
	if ((wfd = open("/motd", O_WRONLY | O_CREAT | O_TRUNC)) < 0)
		panic("open /motd: %e", wfd);
	if ((r = write(wfd, buf, n)) != n)
		panic("write /motd: %e", r < 0 ? r : -E_NO_DISK);
	close(wfd);
	cprintf("writemotd: /motd now holds the %d bytes of /newmotd\n", n);
}
