/* System call numbers.  The one list is inc/syscalls.tab: conf/mksyscalls.pl makes the
 * numbers (obj/gen/syscall_nums.h, included here), the kernel's dispatch table and the user
 * stubs from it.  The calling convention: number in eax, arguments in edx, ecx, ebx, edi, esi;
 * the result (>= 0, or a negative E_* code) in eax. */
#ifndef INC_SYSCALL_H
#define INC_SYSCALL_H

/* Where user/syscallfuzz.c may make a call (the table's fuzz column), and which arguments are
 * environment ids (the table's envid_t arguments): SYSCALL_FUZZ_TABLE's flags. */
#define SYSCALL_FUZZ_PARENT	0x01	/* by the fuzzer: neither destroys nor blocks it */
#define SYSCALL_FUZZ_CHILD	0x02	/* by a short-lived child */
#define SYSCALL_FUZZ_ENV_A1	0x10	/* argument i (1-5) is an envid_t: 0x10 << (i - 1) */
#define SYSCALL_FUZZ_ENV_A2	0x20
#define SYSCALL_FUZZ_ENV_A3	0x40
#define SYSCALL_FUZZ_ENV_A4	0x80
#define SYSCALL_FUZZ_ENV_A5	0x100

#include <gen/syscall_nums.h>

#endif /* !INC_SYSCALL_H */
