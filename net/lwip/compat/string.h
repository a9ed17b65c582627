/* <string.h> for lwIP's sources, which include the C library's name: ours is inc/string.h. */
#ifndef NET_LWIP_COMPAT_STRING_H
#define NET_LWIP_COMPAT_STRING_H
#include <inc/string.h>
#endif
