/* ls [-dFl] [PATH...]: list directories (default "/").  -d lists a directory itself, not its
 * entries; -F marks directories with a trailing '/'; -l shows the type and size too. */

#include <inc/lib.h>

static bool flag_d, flag_F, flag_l;

static void
ls_print(const char *name, bool isdir, off_t size)
{
	if (flag_l)
		printf("%c %8d ", isdir ? 'd' : '-', size);
	printf("%s%s\n", name, flag_F && isdir ? "/" : "");
}

static void
ls_dir(const char *path)
{
	static char child[MAXPATHLEN];
	struct Dirent d;
	struct Stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0) {
		cprintf("ls: %s: %e\n", path, fd);
		return;
	}
	while ((n = readn(fd, &d, sizeof(d))) == sizeof(d)) {
		if (d.d_ino == 0)
			continue;
		d.d_name[MAXNAMELEN - 1] = '\0';	/* whatever the disk holds */
		if (flag_l || flag_F) {
			snprintf(child, sizeof(child), "%s/%s", path, d.d_name);
			int r = stat(child, &st);
			if (r < 0) {
				cprintf("ls: %s: %e\n", child, r);
				continue;
			}
			ls_print(d.d_name, st.st_isdir, st.st_size);
		} else {
			ls_print(d.d_name, false, 0);
		}
	}
	if (n < 0)
		cprintf("ls: reading %s: %e\n", path, n);
	else if (n > 0)
		cprintf("ls: %s: a partial directory entry at the end\n", path);
	close(fd);
}

static void
ls(const char *path)
{
	struct Stat st;
	int r;

	if ((r = stat(path, &st)) < 0) {
		cprintf("ls: %s: %e\n", path, r);
		return;
	}
	if (st.st_isdir && !flag_d)
		ls_dir(path);
	else
		ls_print(path, st.st_isdir, st.st_size);
}

void
umain(int argc, char **argv)
{
	int i;

	binaryname = "ls";
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		for (const char *f = argv[i] + 1; *f; f++) {
			if (*f == 'd')
				flag_d = true;
			else if (*f == 'F')
				flag_F = true;
			else if (*f == 'l')
				flag_l = true;
			else {
				cprintf("usage: ls [-dFl] [PATH...]\n");
				return;
			}
		}
	}
	if (i == argc)
		ls("/");
	for (; i < argc; i++)
		ls(argv[i]);
}
