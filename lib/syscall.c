/* The user side of the system calls: one trap instruction, one stub per call of
 * inc/syscall.h.  Each stub returns what the kernel returns (>= 0, or a negative E_* code),
 * except the few calls that cannot fail (see `check` below). */

#include <inc/syscall.h>
#include <inc/lib.h>

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

void
sys_cputs(const char *s, size_t len)
{
	/* A bad pointer destroys the caller; there is no error to return. */
	syscall(SYS_cputs, CHECK, (uint32_t) s, len, 0, 0, 0);
}

int
sys_cgetc(void)
{
	return syscall(SYS_cgetc, NOCHECK, 0, 0, 0, 0, 0);
}

envid_t
sys_getenvid(void)
{
	return syscall(SYS_getenvid, CHECK, 0, 0, 0, 0, 0);
}

int
sys_env_destroy(envid_t envid)
{
	return syscall(SYS_env_destroy, NOCHECK, envid, 0, 0, 0, 0);
}

int
sys_env_wait(envid_t envid)
{
	return syscall(SYS_env_wait, NOCHECK, envid, 0, 0, 0, 0);
}

int
sys_page_wait(const volatile void *va, uint32_t val, uint32_t ref)
{
	return syscall(SYS_page_wait, NOCHECK, (uint32_t) va, val, ref, 0, 0);
}

int
sys_page_wake(const volatile void *va)
{
	return syscall(SYS_page_wake, NOCHECK, (uint32_t) va, 0, 0, 0, 0);
}

void
sys_yield(void)
{
	syscall(SYS_yield, CHECK, 0, 0, 0, 0, 0);
}

int
sys_env_set_status(envid_t envid, int status)
{
	return syscall(SYS_env_set_status, NOCHECK, envid, status, 0, 0, 0);
}

int
sys_env_set_trapframe(envid_t envid, struct Trapframe *tf)
{
	return syscall(SYS_env_set_trapframe, NOCHECK, envid, (uint32_t) tf, 0, 0, 0);
}

int
sys_env_set_pgfault_upcall(envid_t envid, void *upcall)
{
	return syscall(SYS_env_set_pgfault_upcall, NOCHECK, envid, (uint32_t) upcall, 0, 0, 0);
}

int
sys_page_alloc(envid_t envid, void *va, int perm)
{
	return syscall(SYS_page_alloc, NOCHECK, envid, (uint32_t) va, perm, 0, 0);
}

int
sys_page_map(envid_t srcenv, void *srcva, envid_t dstenv, void *dstva, int perm)
{
	return syscall(SYS_page_map, NOCHECK, srcenv, (uint32_t) srcva, dstenv, (uint32_t) dstva,
		       perm);
}

int
sys_page_unmap(envid_t envid, void *va)
{
	return syscall(SYS_page_unmap, NOCHECK, envid, (uint32_t) va, 0, 0, 0);
}

int
sys_ipc_try_send(envid_t envid, uint32_t value, void *srcva, int perm)
{
	return syscall(SYS_ipc_try_send, NOCHECK, envid, value, (uint32_t) srcva, perm, 0);
}

int
sys_ipc_recv(void *dstva)
{
	return syscall(SYS_ipc_recv, NOCHECK, (uint32_t) dstva, 0, 0, 0, 0);
}

int
sys_mem_stat(struct mem_stat *st)
{
	return syscall(SYS_mem_stat, NOCHECK, (uint32_t) st, 0, 0, 0, 0);
}

unsigned
sys_time_msec(void)
{
	/* Milliseconds since boot: a 32-bit count that goes "negative" after 24 days, so a
	 * negative result is not an error here. */
	return (unsigned) syscall(SYS_time_msec, NOCHECK, 0, 0, 0, 0, 0);
}

int
sys_sleep_until(unsigned msec)
{
	return syscall(SYS_sleep_until, NOCHECK, msec, 0, 0, 0, 0);
}

int
sys_net_send(const void *buf, size_t len, int flags)
{
	return syscall(SYS_net_send, NOCHECK, (uint32_t) buf, len, flags, 0, 0);
}

int
sys_net_recv(void *dstva, int flags)
{
	return syscall(SYS_net_recv, NOCHECK, (uint32_t) dstva, flags, 0, 0, 0);
}

int
sys_net_info(struct net_info *info)
{
	return syscall(SYS_net_info, NOCHECK, (uint32_t) info, 0, 0, 0, 0);
}
