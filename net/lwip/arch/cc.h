/* lwIP's compiler and platform header for exo386: integer types, byte order, packing, and the
 * diagnostic and assertion hooks, all on our own headers and libc (no host headers). */
#ifndef NET_LWIP_ARCH_CC_H
#define NET_LWIP_ARCH_CC_H

#include <inc/types.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/assert.h>

/* We compile with -nostdinc: lwIP must not look for the C library's headers.  Everything they
 * would give is defined here from inc/types.h. */
#define LWIP_NO_STDDEF_H	1
#define LWIP_NO_STDINT_H	1
#define LWIP_NO_INTTYPES_H	1
#define LWIP_NO_LIMITS_H	1
#define LWIP_NO_CTYPE_H		1	/* lwIP then uses its own isdigit & co. */
#define LWIP_NO_UNISTD_H	1	/* ssize_t comes from inc/types.h ... */
#define SSIZE_MAX		0x7fffffff	/* ... and this tells lwIP it exists */

typedef uint8_t		u8_t;
typedef int8_t		s8_t;
typedef uint16_t	u16_t;
typedef int16_t		s16_t;
typedef uint32_t	u32_t;
typedef int32_t		s32_t;
typedef uint64_t	u64_t;
typedef int64_t		s64_t;
typedef uintptr_t	mem_ptr_t;
#define LWIP_HAVE_INT64	1
typedef int32_t		ptrdiff_t;	/* LWIP_CONST_CAST goes through it */

/* printf formats of the types above, for lwIP's debug messages (our printfmt knows no 'h'
 * modifier, and on i386 every one of these is promoted to a 32-bit int). */
#define X8_F	"02x"
#define U16_F	"u"
#define S16_F	"d"
#define X16_F	"x"
#define U32_F	"u"
#define S32_F	"d"
#define X32_F	"x"
#define SZT_F	"u"

/* i386 is little-endian; the byte swaps compile to xchg/bswap. */
#define BYTE_ORDER	LITTLE_ENDIAN
#define lwip_htons(x)	((u16_t) __builtin_bswap16((u16_t) (x)))
#define lwip_htonl(x)	((u32_t) __builtin_bswap32((u32_t) (x)))

/* Packed protocol headers: lwIP's GCC defaults (__attribute__((packed))) are right for us. */

/* Diagnostics go to the console through cprintf; a failed lwIP assertion is a bug in lwIP's use
 * or in our port, and stops the server with the message and where it was raised. */
#define LWIP_PLATFORM_DIAG(x)	do { cprintf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x)	panic("lwIP assertion \"%s\"", (x))

/* Randomness for lwIP's initial local ports (net/lwip/sys_arch.c: a xorshift generator seeded
 * from the clock and the environment id: unpredictable enough for port choice, not a secret). */
u32_t	lwip_port_rand(void);
#define LWIP_RAND()	lwip_port_rand()

#endif /* !NET_LWIP_ARCH_CC_H */
