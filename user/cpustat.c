/* cpustat: prints the kernel's event counters (sys_cpu_stat): cr3 loads, invlpgs, traps by
 * vector, system calls by number, summed over the CPUs since boot.  Two readings around a
 * workload, subtracted, say what it cost in the events that software emulation makes slow. */

#include <inc/lib.h>
#include <inc/syscall.h>

static const char *const syscall_names[NSYSCALLS] = SYSCALL_NAME_TABLE;

void
umain(int argc, char **argv)
{
	static struct cpu_stat st;
	int r;

	(void) argc;
	(void) argv;
	binaryname = "cpustat";
	if ((r = sys_cpu_stat(&st)) < 0) {
		cprintf("cpustat: %e\n", r);
		return;
	}
	cprintf("cpustat: cr3 %u invlpg %u shootdown %u halt %u\n", st.cr3_loads, st.invlpgs,
		st.shootdowns, st.halts);
	cprintf("cpustat: traps");
	for (int i = 0; i < CPU_STAT_VECTORS; i++)
		if (st.traps[i])
			cprintf(" %d:%u", i, st.traps[i]);
	cprintf("\ncpustat: syscalls");
	for (int i = 0; i < NSYSCALLS; i++)
		if (st.syscalls[i])
			cprintf(" %s:%u", syscall_names[i], st.syscalls[i]);
	cprintf("\n");
}
