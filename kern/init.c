/* The kernel's C entry points on the boot CPU (kern_boot, called by kern/entry.S, and kern_init
 * on CPU 0's guarded stack), and panic. */

#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/assert.h>

#include <kern/console.h>
#include <kern/monitor.h>
#include <inc/selftest.h>
#include <kern/pmap.h>
#include <kern/env.h>
#include <kern/trap.h>
#include <kern/sched.h>
#include <kern/cpu.h>
#include <kern/spinlock.h>
#include <kern/picirq.h>
#include <kern/irq.h>
#include <kern/pci.h>
#include <kern/e1000.h>
#include <kern/kstack.h>
#include <kern/fwcfg.h>
#include <kern/time.h>
#ifdef TEST_FWCFG
# include <kern/fwprog.h>
#endif

/* The most arguments (with the name) and bytes the first program gets from the host. */
#define INIT_ARGV_MAX	16
#define INIT_ARGV_BYTES	256

void kern_boot(void) __attribute__((noreturn));
void kern_init(void) __attribute__((noreturn));

#if defined(TEST) || defined(TEST_FWCFG)
/* The first program's arguments: `make run-NAME ARGS="..."` hands "NAME ARGS..." to the guest
 * through QEMU's fw_cfg (GNUmakefile), so that every kernel, the grader's prebuilt ones too,
 * takes them at boot.  NULL when there are none. */
static const char *const *
init_argv(void)
{
	static char text[INIT_ARGV_BYTES];
	static const char *argv[INIT_ARGV_MAX + 1];
	int argc = 0, len = fwcfg_read("opt/exo386/argv", text, sizeof(text));

	if (len < 0)
		return NULL;
	if (len >= (int) sizeof(text))
		panic("the program's arguments are %d bytes: at most %d", len,
		      (int) sizeof(text) - 1);
	for (char *p = text; *p; ) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		if (argc == INIT_ARGV_MAX)
			panic("the program has more than %d arguments", INIT_ARGV_MAX - 1);
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	argv[argc] = NULL;
	return argc ? argv : NULL;
}
#endif

/* A server's arguments: { name, WORD, NULL }, WORD the fw_cfg item `item` that make hands the
 * guest (GNUmakefile).  The kernel passes the word on as the server's argv[1] without judging
 * it: the server refuses what it does not know.  A word too long for any of its modes is
 * refused here, not cut to something the server might take.  NULL (no arguments) without the
 * item.  (Unused in the kernels that start no server: make prep-monitor, TEST_NOFS.) */
#define SERVER_ARG_BYTES	16

struct server_args {
	char word[SERVER_ARG_BYTES];
	const char *argv[3];
};

static __attribute__((unused)) const char *const *
server_argv(struct server_args *a, const char *name, const char *item)
{
	int len = fwcfg_read(item, a->word, sizeof(a->word));

	if (len <= 0)
		return NULL;
	if (len >= (int) sizeof(a->word)) {
		cprintf("kern: %s is %d bytes, at most %d: ignored\n", item, len,
			(int) sizeof(a->word) - 1);
		return NULL;
	}
	a->argv[0] = name;
	a->argv[1] = a->word;
	a->argv[2] = NULL;
	return a->argv;
}

/* The network server's: `make ... DHCP=1` hands "dhcp" (`NETADDR=A.B.C.D`: that address) as
 * opt/exo386/net, and the server takes its address from DHCP (or that one) instead of the
 * static 10.0.2.15 (net/nsaddr.c).  The longest word is an address, 15 bytes. */
static __attribute__((unused)) const char *const *
ns_argv(void)
{
	static struct server_args a;

	return server_argv(&a, "ns", "opt/exo386/net");
}

/* The file system server's: `make ... FSSELFTEST=0` hands "noselftest" as opt/exo386/fs, and
 * the server skips its self-tests at start (fs/test.c; the grader's runs but the fs test's). */
static __attribute__((unused)) const char *const *
fs_argv(void)
{
	static struct server_args a;

	return server_argv(&a, "fs", "opt/exo386/fs");
}

/* On bootstack, which lies in the kernel image with no guard below it: only what the kernel
 * needs to map its own stacks. */
void
kern_boot(void)
{
	extern char edata[], end[];

	/* The boot loader zeroed the bss from the ELF headers, but a loader that did not (gdb's
	 * `load`, another boot loader) would leave garbage: clear it ourselves. */
	memset(edata, 0, end - edata);

	cons_init();
	cprintf("exo386 kernel booting\n");
	check_printfmt();
	check_string();
	check_kdebug();

	mem_init();
	/* From here on CPU 0 runs on its KSTACKTOP stack, where an overflow hits the unmapped
	 * guard gap (and the double-fault report) instead of the kernel's data. */
	kstack_switch(0, kern_init);
}

void
kern_init(void)
{
	env_init();
	trap_init();

	/* Multiprocessor and interrupt hardware. */
	mp_init();
	lapic_init();
	time_init();
	pic_init();
	check_spinlock();
	irq_set_handler(IRQ_KBD, kbd_intr);
	irq_set_handler(IRQ_SERIAL, serial_intr);
	pci_init();

	/* From here on, kernel entry is exclusive. */
	lock_kernel();
	boot_aps();

#if defined(MONITOR_ONLY)
	/* make prep-monitor: no user programs; the scheduler finds none and enters the
	 * monitor (the boot and memory tests use this). */
#elif defined(TEST)
	/* make run-NAME: that program, and the file system server for it (unless the program
	 * must have the machine to itself: TEST_NOFS, see GNUmakefile).  The program comes first,
	 * so that it is the first environment (the tests of the earlier programs expect that);
	 * its file calls wait until the server answers. */
	ENV_CREATE_ARGS(TEST, TEST_TYPE, init_argv());
# if !defined(TEST_NOFS)
	ENV_CREATE_ARGS(fs_fs, ENV_TYPE_FS, fs_argv());
	/* With a card (the -net targets), the network server too, for a user program; a net/
	 * program stands in for the server itself. */
	if (e1000_present() && TEST_TYPE == ENV_TYPE_USER)
		ENV_CREATE_ARGS(net_ns, ENV_TYPE_NS, ns_argv());
# endif
#elif defined(TEST_FWCFG)
	/* The grader's kernel (kern/Makefrag, obj/kern/grade/): one kernel for every program,
	 * which the host hands it at boot (kern/fwprog.h).  The same environments, in the same
	 * order, as make run-NAME above. */
	{
		struct fwprog prog;

		fwprog_load(&prog);
		env_create(prog.binary, prog.type, init_argv());
		if (prog.with_fs) {
			ENV_CREATE_ARGS(fs_fs, ENV_TYPE_FS, fs_argv());
			if (e1000_present() && prog.type == ENV_TYPE_USER)
				ENV_CREATE_ARGS(net_ns, ENV_TYPE_NS, ns_argv());
		}
	}
#else
	/* A normal boot: the file system server, the network server if there is a card, then
	 * icode, which prints /motd and starts init from the file system; init runs the shell. */
	ENV_CREATE_ARGS(fs_fs, ENV_TYPE_FS, fs_argv());
	if (e1000_present())
		ENV_CREATE_ARGS(net_ns, ENV_TYPE_NS, ns_argv());
	ENV_CREATE(user_icode, ENV_TYPE_USER);
#endif

	sched_yield();
}

/* The message of the first panic; later panics (from another CPU, or a panic in the monitor)
 * do not overwrite it. */
const char *panicstr;

void
_panic(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (panicstr)
		goto dead;
	panicstr = fmt;

	/* Interrupts stay off from here: the monitor polls the console. */
	asm volatile("cli; cld");

	va_start(ap, fmt);
	cprintf("kernel panic at %s:%d: ", file, line);
	vcprintf(fmt, ap);
	cprintf(" (CPU %d)\n", cpunum());
	va_end(ap);

dead:
	for (;;)
		monitor(NULL);
}

void
_warn(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cprintf("kernel warning at %s:%d: ", file, line);
	vcprintf(fmt, ap);
	cprintf("\n");
	va_end(ap);
}
