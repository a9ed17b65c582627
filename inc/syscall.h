/* System call numbers: the one list.  kern/syscall.c dispatches on them and lib/syscall.c has
 * one stub each.  The calling convention: number in eax, arguments in edx, ecx, ebx, edi, esi;
 * the result (>= 0, or a negative E_* code) in eax. */
#ifndef INC_SYSCALL_H
#define INC_SYSCALL_H

enum {
	SYS_cputs = 0,
	SYS_cgetc,
	SYS_getenvid,
	SYS_env_destroy,
	SYS_page_alloc,
	SYS_page_map,
	SYS_page_unmap,
	SYS_exofork,
	SYS_env_set_status,
	SYS_env_set_trapframe,
	SYS_env_set_pgfault_upcall,
	SYS_yield,
	SYS_ipc_try_send,
	SYS_ipc_recv,
	SYS_mem_stat,
	SYS_time_msec,
	SYS_sleep_until,
	SYS_net_send,
	SYS_net_recv,
	SYS_net_info,
	SYS_env_wait,
	SYS_page_wait,
	SYS_page_wake,
	NSYSCALLS
};

#endif /* !INC_SYSCALL_H */
