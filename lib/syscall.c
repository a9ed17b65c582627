/* The user side of the system calls: one trap instruction, and one stub per call of
 * inc/syscalls.tab, generated.  Each stub returns what the kernel returns (>= 0, or a negative
 * E_* code), except the few calls that cannot fail (see `check` below). */

#include <inc/syscall.h>
#include <inc/lib.h>
#include <inc/x86.h>

/* Whether a stub panics on a negative result.  Most calls can fail for reasons the caller must
 * handle (a child that is already gone, memory or environments running out, a receiver not yet
 * waiting), so their stubs return the error.  NOCHECK marks those.  CHECK marks the calls that
 * cannot fail when the kernel and the library agree on the call numbers (cputs, getenvid,
 * yield): a negative result there means this library runs on a kernel that does not know the
 * call, and these stubs have no way to return an error.  (_panic itself calls cputs and
 * getenvid; lib/panic.c stops that recursion.) */
enum { NOCHECK = 0, CHECK = 1 };

/* Registers: eax = number; edx, ecx, ebx, edi, esi = arguments; the result comes back in eax.
 * The kernel may write to memory the arguments point at, hence the memory clobber. */
static int32_t
syscall(int num, int check, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5)
{
	int32_t ret;

	asm volatile("int %1\n"
		     : "=a" (ret)
		     : "i" (T_SYSCALL), "a" (num), "d" (a1), "c" (a2), "b" (a3), "D" (a4), "S" (a5)
		     : "cc", "memory");
	if (check && ret < 0)
		panic("system call %d returned %e", num, ret);
	return ret;
}

/* The stubs, one per line of inc/syscalls.tab (except the inline sys_exofork, inc/lib.h, and
 * sys_time_msec, below). */
#include <gen/syscall_stubs.c>

/* The kernel's time_msec (kern/time.c), from the constants it publishes at UCLOCK. */
unsigned
sys_time_msec(void)
{
	const volatile struct uclock *c = (const volatile struct uclock *) UCLOCK;

	if (c->tsc_per_msec == 0)
		return syscall(SYS_time_msec, NOCHECK, 0, 0, 0, 0, 0);
	return (read_tsc() - c->tsc_boot) / c->tsc_per_msec;
}
