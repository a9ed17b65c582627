/* select (lib/select.c): the descriptor sets and the timeout, shaped as POSIX has them. */
#ifndef INC_SELECT_H
#define INC_SELECT_H

#include <inc/types.h>

/* A set holds every descriptor a program can have (MAXFD, inc/fd.h): nfds beyond it is
 * refused. */
#define FD_SETSIZE	32

typedef struct {
	uint32_t fds_bits[(FD_SETSIZE + 31) / 32];
} fd_set;

#define FD_ZERO(set)		memset((set), 0, sizeof(fd_set))
#define FD_SET(fd, set)		((set)->fds_bits[(fd) / 32] |= 1u << ((fd) % 32))
#define FD_CLR(fd, set)		((set)->fds_bits[(fd) / 32] &= ~(1u << ((fd) % 32)))
#define FD_ISSET(fd, set)	(((set)->fds_bits[(fd) / 32] >> ((fd) % 32)) & 1)

struct timeval {
	int32_t tv_sec;
	int32_t tv_usec;
};

#endif /* !INC_SELECT_H */
