/* testshell: run the shell on /testshell.sh with its output going into a pipe, and compare that
 * output byte by byte with /testshell.key.  On a difference, show the line where it is. */

#include <inc/lib.h>

#define SCRIPT	"/testshell.sh"
#define KEY	"/testshell.key"
#define LINEMAX	160

/* Read one line (up to LINEMAX-1 bytes, without its newline) from fd into line.  Returns its
 * length plus one if a newline ended it, its length if the input ended, or an error. */
static int
getline(int fd, char *line)
{
	int n = 0, r;
	char c;

	while ((r = read(fd, &c, 1)) == 1) {
		if (c == '\n') {
			line[n] = '\0';
			return n + 1;
		}
		if (n < LINEMAX - 1)
			line[n++] = c;
	}
	line[n] = '\0';
	return r < 0 ? r : n;
}

void
umain(int argc, char **argv)
{
	static char got[LINEMAX], want[LINEMAX];
	int p[2], script, key, r, lineno = 0;
	envid_t sh;

	binaryname = "testshell";
	if ((script = open(SCRIPT, O_RDONLY)) < 0)
		panic("open %s: %e", SCRIPT, script);
	if ((key = open(KEY, O_RDONLY)) < 0)
		panic("open %s: %e", KEY, key);
	if ((r = pipe(p)) < 0)
		panic("pipe: %e", r);

	/* The shell gets the script as descriptor 0 and the pipe as descriptor 1, and nothing
	 * else of ours. */
	if ((sh = fork()) < 0)
		panic("fork: %e", sh);
	if (sh == 0) {
		/* Park the two out of the way first: script may well be descriptor 0 itself. */
		const int parked_in = MAXFD - 2, parked_out = MAXFD - 1;
		if (dup(script, parked_in) < 0 || dup(p[1], parked_out) < 0)
			panic("dup failed");
		for (int fd = 0; fd < parked_in; fd++)
			close(fd);
		if (dup(parked_in, 0) < 0 || dup(parked_out, 1) < 0)
			panic("dup failed");
		close(parked_in);
		close(parked_out);
		if ((r = spawnl("/sh", "sh", NULL)) < 0)
			panic("spawn /sh: %e", r);
		close_all();
		wait(r);
		exit();
	}
	close(p[1]);
	close(script);

	for (;;) {
		lineno++;
		int gn = getline(p[0], got), wn = getline(key, want);
		if (gn < 0 || wn < 0)
			panic("read error: %e", gn < 0 ? gn : wn);
		if (gn != wn || strcmp(got, want) != 0) {
			cprintf("testshell: the output differs from %s at line %d:\n", KEY, lineno);
			cprintf("testshell: got      '%s'%s\n", got, gn == 0 ? " (the end)" : "");
			cprintf("testshell: expected '%s'%s\n", want, wn == 0 ? " (the end)" : "");
			break;
		}
		if (gn == 0) {
			cprintf("testshell: ok (%d lines as expected)\n", lineno - 1);
			break;
		}
	}
	close(p[0]);
	close(key);
	wait(sh);
}
