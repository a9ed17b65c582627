/* sh: the shell.  Commands with arguments, "double quotes", # comments, < and > redirection,
 * | pipelines and ; sequences.  `sh [-x] [SCRIPT]` reads SCRIPT, or descriptor 0; it prompts
 * with "$ " only when descriptor 0 is the console.  -x prints each command line before it
 * runs. */

#include <inc/lib.h>

#define SH_MAXARGS	32		/* words in one command */
#define SH_MAXCMDS	16		/* commands in one pipeline */

struct sh_cmd {
	const char *argv[SH_MAXARGS + 1];	/* NULL-terminated */
	int argc;
	const char *in, *out;			/* < and > files, or NULL */
};

struct sh_pipeline {
	struct sh_cmd cmds[SH_MAXCMDS];
	int ncmds;
};

/* ---- Parsing ------------------------------------------------------------------------------ */

enum { TOK_END = 0, TOK_WORD = 'w', TOK_ERROR = -1 };

/* The next token of *line.  A word is copied, quotes removed, to *out (which advances past its
 * NUL) and returned through *word.  Returns TOK_WORD, one of '<' '>' '|' ';', TOK_END at the
 * end of the line or a comment, or TOK_ERROR for an unterminated quote. */
static int
sh_token(const char **line, char **out, const char **word)
{
	const char *s = *line;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (*s == '\0' || *s == '#') {
		*line = s;
		return TOK_END;
	}
	if (strchr("<>|;", *s)) {
		*line = s + 1;
		return *s;
	}
	*word = *out;
	while (*s && !strchr(" \t\r\n<>|;#", *s)) {
		if (*s == '"') {
			for (s++; *s && *s != '"'; s++)
				*(*out)++ = *s;
			if (*s != '"')
				return TOK_ERROR;
			s++;
		} else {
			*(*out)++ = *s++;
		}
	}
	*(*out)++ = '\0';
	*line = s;
	return TOK_WORD;
}

/* Parse one pipeline from *line (up to ';' or the end) into pl, words into the buffer at
 * *out.  Returns 1 if a pipeline was parsed, 0 at the end of the line, or -1 (after saying
 * why) for a syntax error. */
static int
sh_parse(const char **line, char **out, struct sh_pipeline *pl)
{
	struct sh_cmd *c;
	const char *word;
	int t;

	memset(pl, 0, sizeof(*pl));
	pl->ncmds = 1;
	c = &pl->cmds[0];
	for (;;) {
		switch ((t = sh_token(line, out, &word))) {
		case TOK_WORD:
			if (c->argc == SH_MAXARGS) {
				cprintf("sh: more than %d words in a command\n", SH_MAXARGS);
				return -1;
			}
			c->argv[c->argc++] = word;
			break;
		case '<':
		case '>':
			if (sh_token(line, out, &word) != TOK_WORD) {
				cprintf("sh: syntax error: %c needs a file name\n", t);
				return -1;
			}
			*(t == '<' ? &c->in : &c->out) = word;
			break;
		case '|':
			if (c->argc == 0) {
				cprintf("sh: syntax error: | needs a command on each side\n");
				return -1;
			}
			if (pl->ncmds == SH_MAXCMDS) {
				cprintf("sh: more than %d commands in a pipeline\n", SH_MAXCMDS);
				return -1;
			}
			c = &pl->cmds[pl->ncmds++];
			break;
		case TOK_ERROR:
			cprintf("sh: syntax error: unterminated quote\n");
			return -1;
		case ';':
		case TOK_END:
			if (c->argc == 0 && (pl->ncmds > 1 || c->in || c->out)) {
				cprintf("sh: syntax error: missing command\n");
				return -1;
			}
			if (c->argc == 0 && t == TOK_END)
				return 0;
			if (c->argc == 0)
				continue;	/* an empty command before ';' */
			return 1;
		}
	}
}

/* ---- Running ------------------------------------------------------------------------------ */

/* Make descriptor target refer to path, opened with mode.  0 or the error, said. */
static int
sh_redirect(const char *path, int mode, int target)
{
	int fd = open(path, mode);

	if (fd < 0) {
		cprintf("sh: %s: %e\n", path, fd);
		return fd;
	}
	if (fd != target) {
		int r = dup(fd, target);
		close(fd);
		if (r < 0) {
			cprintf("sh: dup: %e\n", r);
			return r;
		}
	}
	return 0;
}

/* In a child: apply c's redirections, run its program, wait for it, and exit. */
static void __attribute__((noreturn))
sh_run_cmd(struct sh_cmd *c)
{
	envid_t prog = -1;

	if ((!c->in || sh_redirect(c->in, O_RDONLY, 0) == 0)
	    && (!c->out || sh_redirect(c->out, O_WRONLY | O_CREAT | O_TRUNC, 1) == 0)) {
		if ((prog = spawn(c->argv[0], c->argv)) < 0)
			cprintf("sh: %s: %e\n", c->argv[0], prog);
	}
	/* Drop our copies of the descriptors: the program has its own, and a pipe's reader sees
	 * the end only when every writer, us included, is gone. */
	close_all();
	if (prog >= 0)
		wait(prog);
	exit();
}

/* In the runner child: run the pipeline's commands, each in a child of its own, connected by
 * pipes, and wait for them all. */
static void
sh_run_pipeline(struct sh_pipeline *pl)
{
	envid_t kids[SH_MAXCMDS];
	int nkids = 0, prev = -1, p[2], r;

	if (pl->ncmds == 1)
		sh_run_cmd(&pl->cmds[0]);	/* nothing to connect: this child runs it */
	for (int i = 0; i < pl->ncmds; i++) {
		bool last = i == pl->ncmds - 1;
		if (!last && (r = pipe(p)) < 0) {
			cprintf("sh: pipe: %e\n", r);
			break;
		}
		if ((r = fork()) < 0) {
			cprintf("sh: fork: %e\n", r);
			if (!last) {
				close(p[0]);
				close(p[1]);
			}
			break;
		}
		if (r == 0) {
			if (prev >= 0) {
				dup(prev, 0);
				close(prev);
			}
			if (!last) {
				dup(p[1], 1);
				close(p[0]);
				close(p[1]);
			}
			sh_run_cmd(&pl->cmds[i]);
		}
		kids[nkids++] = r;
		if (prev >= 0)
			close(prev);
		if (!last) {
			close(p[1]);
			prev = p[0];
		}
	}
	if (prev >= 0)
		close(prev);
	close_all();
	for (int i = 0; i < nkids; i++)
		wait(kids[i]);
}

/* Run one line: each ';'-separated pipeline in turn, in a child, so that nothing the commands
 * do to descriptors reaches the shell. */
static void
sh_run_line(const char *line)
{
	static char words[READLINE_MAX * 2];
	static struct sh_pipeline pl;
	char *out = words;
	int r;

	while ((r = sh_parse(&line, &out, &pl)) > 0) {
		envid_t runner = fork();
		if (runner < 0) {
			cprintf("sh: fork: %e\n", runner);
			return;
		}
		if (runner == 0) {
			sh_run_pipeline(&pl);
			exit();
		}
		wait(runner);
	}
}

static void
sh_usage(void)
{
	cprintf("usage: sh [-x] [SCRIPT]\n");
	exit();
}

void
umain(int argc, char **argv)
{
	bool trace = false;
	int r;

	binaryname = "sh";
	if (argc > 1 && strcmp(argv[1], "-x") == 0) {
		trace = true;
		argc--, argv++;
	}
	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		sh_usage();
	if (argc == 2) {
		if ((r = open(argv[1], O_RDONLY)) < 0) {
			cprintf("sh: %s: %e\n", argv[1], r);
			exit();
		}
		if (r != 0) {
			close(0);
			dup(r, 0);
			close(r);
		}
	}
	bool interactive = argc == 1 && iscons(0);

	for (;;) {
		char *line = readline(interactive ? "$ " : NULL);
		if (line == NULL)
			break;
		if (trace)
			printf("+ %s\n", line);
		sh_run_line(line);
	}
}
