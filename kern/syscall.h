/* The system call dispatcher (kern/syscall.c); the calls are listed in inc/syscalls.tab. */
#ifndef KERN_SYSCALL_H
#define KERN_SYSCALL_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/syscall.h>

/* Length of `int $T_SYSCALL` (0xCD 0x30): a blocked call that must be restarted when its
 * environment wakes moves the saved eip back by this much. */
#define SYSCALL_INSN_LEN	2

int32_t syscall(uint32_t num, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5);

#endif /* !KERN_SYSCALL_H */
