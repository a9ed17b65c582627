/* What the network server's socket files share: net/nssock.c owns the socket table (taking a
 * socket for a request, its netconn) and the stream requests; net/nsdgram.c the datagram ones
 * (UDP and raw ICMP).  Only those two include this header. */
#ifndef NET_NSSOCK_H
#define NET_NSSOCK_H

#include <inc/types.h>
#include <inc/socket.h>
#include <inc/ns.h>

#include <lwip/api.h>

/* A socket of the table (defined in net/nssock.c, opaque here). */
struct ns_sock;

/* net/nssock.c.  sock_get takes socket id for client's request (0, or -E_INVAL: no such
 * socket, closing, or not the client's), sock_put leaves it; between the two, sock_conn is its
 * netconn, which lwIP keeps however long the request blocks. */
int	sock_get(envid_t client, int32_t id, struct ns_sock **s_store);
void	sock_put(struct ns_sock *s);
struct netconn *sock_conn(const struct ns_sock *s);
/* lwIP's err_t as a negative E_* code (0 for ERR_OK). */
int	ns_err(err_t err);
/* A client's sockaddr_in of addrlen bytes as lwIP's address and port (-E_INVAL unless a whole
 * AF_INET one), and back into a request page. */
int	ns_addr_in(const volatile struct sockaddr_in *addr, uint32_t addrlen, ip_addr_t *ip,
		   u16_t *port);
void	ns_addr_out(volatile struct sockaddr_in *addr, const ip_addr_t *ip, u16_t port);

/* net/nsdgram.c: one datagram from a UDP or raw socket s (taken), to ip:port, or to its peer
 * when ip is NULL; one datagram into dst (see the file's head for the codes and MSG_TRUNC),
 * its sender into *ip, *port when they are not NULL. */
int32_t	nsdgram_send(struct ns_sock *s, const volatile uint8_t *data, int32_t len,
		     const ip_addr_t *ip, u16_t port);
int32_t	nsdgram_recv(struct ns_sock *s, volatile uint8_t *dst, int32_t len, int32_t flags,
		     ip_addr_t *ip, u16_t *port);

/* Their requests (inc/ns.h: NSREQ_CLIENT_LIST; the table is net/nssock.c's). */
int32_t	req_sendto(envid_t client, uint32_t code, volatile union nsipc *req);
int32_t	req_recvfrom(envid_t client, uint32_t code, volatile union nsipc *req);

#endif /* !NET_NSSOCK_H */
