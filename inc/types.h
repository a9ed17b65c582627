/* Fixed-width integer types and the small helpers every file uses (no libc here). */
#ifndef INC_TYPES_H
#define INC_TYPES_H

#ifndef NULL
#define NULL ((void *) 0)
#endif

typedef _Bool bool;
enum { false, true };

/* The host unit tests (check/, `make check`) compile pure-logic files for the 64-bit host:
 * check/host.h, included first, gives these names the host's own widths and defines
 * EXO_HOST_TYPES.  Nothing in the kernel or user build defines it. */
#ifndef EXO_HOST_TYPES
typedef __signed char int8_t;
typedef unsigned char uint8_t;
typedef short int16_t;
typedef unsigned short uint16_t;
typedef int int32_t;
typedef unsigned int uint32_t;
typedef long long int64_t;
typedef unsigned long long uint64_t;

/* Pointers and addresses are 32 bits on i386. */
typedef int32_t intptr_t;
typedef uint32_t uintptr_t;

typedef uint32_t size_t;
typedef int32_t ssize_t;
typedef int32_t off_t;
#endif /* !EXO_HOST_TYPES */

typedef uint32_t physaddr_t;	/* a physical address: never dereference it directly */

/* Page numbers are 32 bits. */
typedef uint32_t ppn_t;

#define static_assert(cond, msg) _Static_assert(cond, msg)

#define MIN(_a, _b)						\
({								\
	typeof(_a) __a = (_a);					\
	typeof(_b) __b = (_b);					\
	__a <= __b ? __a : __b;					\
})
#define MAX(_a, _b)						\
({								\
	typeof(_a) __a = (_a);					\
	typeof(_b) __b = (_b);					\
	__a >= __b ? __a : __b;					\
})

/* Round down / up to a multiple of n (n need not be a power of two). */
#define ROUNDDOWN(a, n)						\
({								\
	uint32_t __a = (uint32_t) (a);				\
	(typeof(a)) (__a - __a % (n));				\
})
#define ROUNDUP(a, n)						\
({								\
	uint32_t __n = (uint32_t) (n);				\
	(typeof(a)) (ROUNDDOWN((uint32_t) (a) + __n - 1, __n));	\
})

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof(a[0]))

#define offsetof(type, member)  __builtin_offsetof(type, member)

#endif /* !INC_TYPES_H */
