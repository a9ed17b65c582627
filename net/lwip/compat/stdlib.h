/* <stdlib.h> for lwIP's sources: only atoi is used (netif_find parses "en0"-style names). */
#ifndef NET_LWIP_COMPAT_STDLIB_H
#define NET_LWIP_COMPAT_STDLIB_H
#include <inc/string.h>

static inline int
atoi(const char *s)
{
	return (int) strtol(s, NULL, 10);
}
#endif
