/* BSD-style socket types and constants, shared by user programs (lib/sockets.c) and the network
 * server (net/nssock.c): addresses, families, options, byte order. */
#ifndef INC_SOCKET_H
#define INC_SOCKET_H

#include <inc/types.h>

typedef uint32_t in_addr_t;	/* an IPv4 address, network byte order */
typedef uint16_t in_port_t;	/* a port, network byte order */
typedef uint8_t sa_family_t;
typedef uint32_t socklen_t;

struct in_addr {
	in_addr_t s_addr;
};

/* The BSD layout (with a length byte), 16 bytes. */
struct sockaddr {
	uint8_t sa_len;
	sa_family_t sa_family;
	char sa_data[14];
};

struct sockaddr_in {
	uint8_t sin_len;		/* sizeof(struct sockaddr_in); not checked */
	sa_family_t sin_family;		/* AF_INET */
	in_port_t sin_port;		/* network byte order */
	struct in_addr sin_addr;	/* network byte order */
	char sin_zero[8];
};
static_assert(sizeof(struct sockaddr_in) == 16, "sockaddr_in is 16 bytes");
static_assert(sizeof(struct sockaddr) == sizeof(struct sockaddr_in), "sockaddr fits sockaddr_in");

#define AF_INET		2
#define PF_INET		AF_INET

#define SOCK_STREAM	1		/* TCP */
#define SOCK_DGRAM	2		/* UDP */
#define SOCK_RAW	3		/* raw IPv4: IPPROTO_ICMP only (net/nsdgram.c) */

#define IPPROTO_IP	0
#define IPPROTO_ICMP	1
#define IPPROTO_TCP	6
#define IPPROTO_UDP	17

/* In host byte order, as BSD defines them: htonl(INADDR_ANY) for a sockaddr_in. */
#define INADDR_ANY	((in_addr_t) 0x00000000)
#define INADDR_LOOPBACK	((in_addr_t) 0x7f000001)
#define INADDR_NONE	((in_addr_t) 0xffffffff)
#define INADDR_BROADCAST ((in_addr_t) 0xffffffff)

/* shutdown */
#define SHUT_RD		0
#define SHUT_WR		1
#define SHUT_RDWR	2

/* setsockopt/getsockopt levels and options.  Every option value is one int32_t: a boolean, for
 * SO_RCVTIMEO and SO_SNDTIMEO a time in milliseconds (0: wait forever; a call that waits
 * longer returns -E_TIMEOUT), for SO_TYPE the SOCK_* type; SO_ERROR (getsockopt only) is the
 * socket's pending error as a negative E_* code (0: none), cleared by reading it. */
#define SOL_SOCKET	0xfff
#define SO_REUSEADDR	0x0004
#define SO_KEEPALIVE	0x0008
#define SO_BROADCAST	0x0020		/* datagram sockets: may send to a broadcast address */
#define SO_SNDTIMEO	0x1005
#define SO_RCVTIMEO	0x1006
#define SO_ERROR	0x1007
#define SO_TYPE		0x1008
#define TCP_NODELAY	0x01		/* level IPPROTO_TCP */

/* send/recv flags */
#define MSG_TRUNC	0x20		/* recv, recvfrom on a datagram socket: return the
					 * datagram's whole length, even past the buffer */
#define MSG_DONTWAIT	0x40		/* return -E_AGAIN rather than block (connect:
					 * -E_IN_PROGRESS); what O_NONBLOCK makes every call do */

/* Byte order: the network's is big-endian, i386's little-endian. */
static inline uint16_t
htons(uint16_t x)
{
	return __builtin_bswap16(x);
}

static inline uint32_t
htonl(uint32_t x)
{
	return __builtin_bswap32(x);
}

static inline uint16_t
ntohs(uint16_t x)
{
	return __builtin_bswap16(x);
}

static inline uint32_t
ntohl(uint32_t x)
{
	return __builtin_bswap32(x);
}

/* The IPv4 socket address of host (host byte order: INADDR_ANY, INADDR_LOOPBACK, ...) and port,
 * the rest zero: what bind, connect and sendto take. */
static inline struct sockaddr_in
sockaddr_in_of(in_addr_t host, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(host);
	return a;
}

/* lib/inet.c */
int	inet_aton(const char *cp, struct in_addr *addr);
in_addr_t inet_addr(const char *cp);
char *	inet_ntoa(struct in_addr addr);

#endif /* !INC_SOCKET_H */
