/* Host names for user programs (lib/netdb.c): a name's IPv4 address, from the network server's
 * resolver (NSREQ_GETHOSTBYNAME, net/nsdns.c). */
#ifndef INC_NETDB_H
#define INC_NETDB_H

#include <inc/socket.h>

/*
 * The IPv4 address of host name (or of a dotted address, "10.0.2.2", without asking anyone),
 * waiting at most timeout_msec for the name server (0: NS_DNS_WAIT_DEFAULT_MSEC, 5 s; more than
 * NS_DNS_WAIT_MAX_MSEC, 10 s, is cut to it).  Returns 0 with *out set (network byte order), or:
 *   -E_BAD_NAME     not a host name (empty, longer than NS_HOSTNAME_MAX (253), a label
 *                   longer than 63, characters other than letters, digits, inner hyphens and
 *                   the dots between labels);
 *   -E_NO_HOST      the name server says there is no such name;
 *   -E_NAME_SERVER  it answered without an IPv4 address;
 *   -E_TIMEOUT      no answer in time;
 *   -E_NO_ADDR      the network has no address or name server yet (DHCP still asking);
 *   -E_BUSY         too many lookups at once; -E_INVAL a negative timeout;
 *   -E_BAD_ENV      no network server.
 */
int	nsipc_gethostbyname(const char *name, struct in_addr *out, int timeout_msec);

#endif /* !INC_NETDB_H */
