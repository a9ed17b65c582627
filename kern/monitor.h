/* The kernel monitor: an interactive command line on the console, entered at boot (when no user
 * program is started), on a kernel panic, and on a user breakpoint.
 *
 * Commands live next to the code they belong to: a file declares one with MONITOR_COMMAND and
 * the linker gathers them (kern/kernel.ld, section .moncmds); monitor.c never needs editing. */
#ifndef KERN_MONITOR_H
#define KERN_MONITOR_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

struct Trapframe;

/* A command gets its arguments (argv[0] is the command name) and the trap frame that entered
 * the monitor (NULL if none).  It returns 0 to stay in the monitor, or a negative value to leave
 * it (for example `continue`, which resumes the interrupted environment). */
typedef int (*mon_func_t)(int argc, char **argv, struct Trapframe *tf);

struct mon_command {
	const char *name;
	const char *usage;	/* arguments, e.g. "START END"; "" if none */
	const char *desc;	/* one line for `help` */
	mon_func_t func;
};

#define MONITOR_COMMAND(fn, cmdname, cmdusage, cmddesc)				\
	static int fn(int argc, char **argv, struct Trapframe *tf);		\
	static const struct mon_command mon_cmd_##fn				\
	__attribute__((used, section(".moncmds"), aligned(4))) =		\
		{ cmdname, cmdusage, cmddesc, fn }

/* Run the monitor on the console until a command leaves it. */
void monitor(struct Trapframe *tf);

/* Print usage for the command and return 0 (commands call it on bad arguments). */
int mon_usage(char **argv);

/* Parse a number (decimal, 0x hex, 0 octal) that must use the whole argument. */
bool mon_parse_uint(const char *s, uint32_t *out);

#endif /* !KERN_MONITOR_H */
