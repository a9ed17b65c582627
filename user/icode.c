/* icode: what the kernel starts at boot.  It proves the file system works by printing /motd,
 * then starts init, loaded from the file system. */

#include <inc/lib.h>

void
umain(int argc, char **argv)
{
	char buf[512];
	int fd, n;
	envid_t init;

	binaryname = "icode";
	cprintf("icode: open /motd\n");
	if ((fd = open("/motd", O_RDONLY)) < 0)
		panic("open /motd: %e", fd);
	cprintf("icode: read /motd\n");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sys_cputs(buf, n);
	if (n < 0)
		panic("read /motd: %e", n);
	close(fd);

	cprintf("icode: spawn /init\n");
	if ((init = spawnl("/init", "init", "initarg1", "initarg2", NULL)) < 0)
		panic("spawn /init: %e", init);
	cprintf("icode: exiting\n");
}
