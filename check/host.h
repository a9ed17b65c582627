/* Included first (gcc -include) into every file that `make check` compiles for the 64-bit host:
 * the project's sources under test and the tests themselves.
 *
 * The width types: inc/types.h defines int8_t..uint64_t, intptr_t, uintptr_t, size_t, ssize_t
 * and off_t for i386 (32-bit pointers and sizes); here they are the host's own, and
 * EXO_HOST_TYPES tells inc/types.h to leave them alone.  Everything else in inc/types.h (bool,
 * physaddr_t, the macros) is used as it is.
 *
 * The names: the project's library defines functions that the host's C library also has
 * (strlen, memmove, snprintf, ...).  Linked into one host program, ours would replace libc's
 * for libc itself and the sanitizers' runtimes, so every such name is renamed exo_NAME here,
 * in the project's sources and in the tests alike; a test calls exo_snprintf for ours and
 * reaches the host's through check/harness.h (ref_snprintf, ...). */
#ifndef CHECK_HOST_H
#define CHECK_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#undef offsetof			/* inc/types.h defines it, the same way */
#undef NULL			/* likewise */

#define EXO_HOST_TYPES 1

/* inc/string.h (lib/string.c) */
#define strlen		exo_strlen
#define strnlen		exo_strnlen
#define strcpy		exo_strcpy
#define strncpy		exo_strncpy
#define strcat		exo_strcat
#define strlcpy		exo_strlcpy
#define strcmp		exo_strcmp
#define strncmp		exo_strncmp
#define strchr		exo_strchr
#define strfind		exo_strfind
#define strstr		exo_strstr
#define memset		exo_memset
#define memcpy		exo_memcpy
#define memmove		exo_memmove
#define memcmp		exo_memcmp
#define memfind		exo_memfind
#define strtol		exo_strtol
#define strtoul		exo_strtoul

/* inc/stdio.h (lib/printfmt.c and the console functions no test links) */
#define printfmt	exo_printfmt
#define vprintfmt	exo_vprintfmt
#define snprintf	exo_snprintf
#define vsnprintf	exo_vsnprintf
#define error_string	exo_error_string
#define cputchar	exo_cputchar
#define getchar		exo_getchar
#define iscons		exo_iscons
#define cprintf		exo_cprintf
#define vcprintf	exo_vcprintf
#define printf		exo_printf
#define fprintf		exo_fprintf
#define vfprintf	exo_vfprintf
#define readline	exo_readline

/* inc/socket.h (lib/inet.c) */
#define inet_aton	exo_inet_aton
#define inet_addr	exo_inet_addr
#define inet_ntoa	exo_inet_ntoa
#define htons		exo_htons
#define htonl		exo_htonl
#define ntohs		exo_ntohs
#define ntohl		exo_ntohl

#endif /* !CHECK_HOST_H */
