/* The network server's datagram sockets: UDP and raw ICMP (SOCK_RAW, IPPROTO_ICMP: ping's),
 * sending and receiving one whole datagram a request, addressed or to the connected peer.
 *
 * What a client sees (lib/sockets.c: sendto, recvfrom, send, recv on such a socket):
 *   - A send is one datagram: 0 to NS_UDP_PAYLOAD_MAX (1472) bytes of UDP payload, or one ICMP
 *     message of 8 (its header) to NS_ICMP_MAX (1480) bytes that the client built, checksum
 *     included (lwIP adds the IPv4 header only).  The server neither fragments nor reassembles,
 *     so a longer one is refused (-E_INVAL), not cut.  Without a destination (send, write) the
 *     socket must be connected (-E_INVAL otherwise: there is nowhere to send it).  A broadcast
 *     destination (255.255.255.255, or the network's 10.0.2.255) needs SO_BROADCAST first:
 *     -E_PERM.  A UDP destination port 0 is -E_INVAL.
 *   - A receive is one datagram, whatever the buffer: the bytes that fit are copied and the
 *     rest of that datagram is dropped, so the next receive starts at the next datagram
 *     (boundaries kept).  Truncation is reported as Linux does with MSG_TRUNC: with the flag, the
 *     result is the datagram's whole length (larger than the buffer when it was cut), without
 *     it the bytes copied.  A raw socket's datagram is the whole IPv4 packet, header first (its
 *     TTL at byte 8), as BSD's raw sockets give it; its sender's port is 0.
 *   - connect on a UDP socket filters: lwIP then hands it only datagrams from that address and
 *     port (net/nssock.c's req_bind_connect); a datagram nobody takes gets lwIP's port
 *     unreachable.  Binding is to any port (0: one lwIP picks); a port in use is -E_BUSY.
 *   - A raw ICMP socket receives a copy of every ICMP packet that reaches the server (lwIP's
 *     raw input does not eat them: its own ICMP still answers pings), up to
 *     DEFAULT_RAW_RECVMBOX_SIZE waiting; past that they are dropped for this socket only.
 *     The copies are in lwIP's heap: MEMP_NUM_RAW_PCB (4) sockets of at most 8 packets of
 *     1500 bytes, 48 KB.
 * Blocking receives honour SO_RCVTIMEO (-E_TIMEOUT) and MSG_DONTWAIT (-E_AGAIN).
 */

#include <inc/lib.h>
#include <inc/ns.h>
#include <inc/socket.h>
#include <net/serv.h>
#include <net/nssock.h>

#include <lwip/opt.h>
#include <lwip/api.h>
#include <lwip/ip.h>
#include <lwip/udp.h>
#include <lwip/raw.h>
#include <lwip/netif.h>
#include <lwip/tcpip.h>

/* The ICMP header: type, code, checksum, 4 bytes that depend on the type. */
#define NS_ICMP_HLEN	8

static bool
conn_is_raw(struct netconn *conn)
{
	return NETCONNTYPE_GROUP(netconn_type(conn)) == NETCONN_RAW;
}

static bool
conn_is_dgram(struct netconn *conn)
{
	return conn_is_raw(conn) || NETCONNTYPE_GROUP(netconn_type(conn)) == NETCONN_UDP;
}

/* Is ip one of the broadcast addresses, all ones or the card's network's? */
static bool
addr_is_broadcast(const ip_addr_t *ip)
{
	u32_t a = ip4_addr_get_u32(ip_2_ip4(ip));

	if (a == IPADDR_BROADCAST)
		return true;
	return netif_default && ip4_addr_isbroadcast_u32(a, netif_default);
}

int32_t
nsdgram_send(struct ns_sock *s, const volatile uint8_t *data, int32_t len, const ip_addr_t *ip,
	     u16_t port)
{
	struct netconn *conn = sock_conn(s);
	bool raw = conn_is_raw(conn), connected, may_broadcast;
	ip_addr_t to;
	struct netbuf nb;
	int r;

	if (len < (raw ? NS_ICMP_HLEN : 0) || len > (raw ? NS_ICMP_MAX : NS_UDP_PAYLOAD_MAX))
		return -E_INVAL;
	if (ip && !raw && port == 0)
		return -E_INVAL;
	/* The pcb's state, read under the core lock as lwIP's own API does. */
	LOCK_TCPIP_CORE();
	if (raw)
		connected = conn->pcb.raw->flags & RAW_FLAGS_CONNECTED;
	else
		connected = conn->pcb.udp->flags & UDP_FLAGS_CONNECTED;
	may_broadcast = ip_get_option(conn->pcb.ip, SOF_BROADCAST);
	ip_addr_copy(to, ip ? *ip : conn->pcb.ip->remote_ip);
	UNLOCK_TCPIP_CORE();
	if (!ip && !connected)
		return -E_INVAL;
	if (addr_is_broadcast(&to) && !may_broadcast)
		return -E_PERM;

	/* The datagram leaves (or waits for ARP in a copy lwIP makes) before netconn_send
	 * returns, and the card's frame copies bytes from outside lwIP's heap
	 * (net/lwip/netif.c): lwIP may point at the request page, no copy here.  The netbuf is
	 * ours, on the stack, not one of lwIP's pool, which datagrams waiting to be received
	 * may all hold. */
	memset(&nb, 0, sizeof(nb));
	r = ns_err(netbuf_ref(&nb, (const void *) data, len));
	if (r == 0)
		r = ns_err(ip ? netconn_sendto(conn, &nb, ip, port) : netconn_send(conn, &nb));
	netbuf_free(&nb);
	if (r < 0)
		return r;
	ns_stats.dgram_send_bytes += len;
	return len;
}

int32_t
nsdgram_recv(struct ns_sock *s, volatile uint8_t *dst, int32_t len, int32_t flags, ip_addr_t *ip,
	     u16_t *port)
{
	struct netconn *conn = sock_conn(s);
	struct netbuf *nb;
	err_t err;

	err = netconn_recv_udp_raw_netbuf_flags(conn, &nb,
		(flags & MSG_DONTWAIT) ? NETCONN_DONTBLOCK : 0);
	if (err != ERR_OK)
		return ns_err(err);
	u16_t whole = netbuf_len(nb);
	int32_t n = netbuf_copy(nb, (void *) dst, (u16_t) MIN(len, (int32_t) whole));
	if (ip) {
		ip_addr_copy(*ip, *netbuf_fromaddr(nb));
		*port = conn_is_raw(conn) ? 0 : netbuf_fromport(nb);
	}
	netbuf_delete(nb);
	ns_stats.dgram_recv_bytes += n;
	ns_stats.dgram_recv_copy_bytes += n;
	return (flags & MSG_TRUNC) ? whole : n;
}

/* Take socket id for a datagram request: -E_NOT_SUPP (not taken) for a TCP socket. */
static int
dgram_get(envid_t client, int32_t id, struct ns_sock **s_store)
{
	int r = sock_get(client, id, s_store);

	if (r == 0 && !conn_is_dgram(sock_conn(*s_store))) {
		sock_put(*s_store);
		return -E_NOT_SUPP;
	}
	return r;
}

int32_t
req_sendto(envid_t client, uint32_t code, volatile union nsipc *req)
{
	int32_t len = req->dgram.len;
	struct ns_sock *s;
	ip_addr_t ip;
	u16_t port;
	int r;

	if (len < 0 || len > NSIPC_DGRAM_MAX)
		return -E_INVAL;
	if ((r = ns_addr_in(&req->dgram.addr, req->dgram.addrlen, &ip, &port)) < 0)
		return r;
	if ((r = dgram_get(client, req->dgram.sock, &s)) < 0)
		return r;
	r = nsdgram_send(s, req->dgram.data, len, &ip, port);
	sock_put(s);
	return r;
}

int32_t
req_recvfrom(envid_t client, uint32_t code, volatile union nsipc *req)
{
	int32_t len = req->dgram.len, flags = req->dgram.flags;
	struct ns_sock *s;
	ip_addr_t ip;
	u16_t port;
	int r;

	if (len < 0)
		return -E_INVAL;
	if ((r = dgram_get(client, req->dgram.sock, &s)) < 0)
		return r;
	r = nsdgram_recv(s, req->dgram.data, MIN(len, NSIPC_DGRAM_MAX), flags, &ip, &port);
	if (r >= 0)
		ns_addr_out(&req->dgram.addr, &ip, port);
	sock_put(s);
	return r;
}
