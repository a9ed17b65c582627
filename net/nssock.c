/* The network server's sockets: the table of sockets with the environments that may use each,
 * and one function per client request (inc/ns.h: NSREQ_CLIENT_LIST), on lwIP's netconn API;
 * the datagram requests are net/nsdgram.c's (net/nssock.h: what the two share). */

#include <inc/lib.h>
#include <inc/ns.h>
#include <inc/socket.h>
#include <net/serv.h>
#include <net/thread.h>
#include <net/nssock.h>

#include <lwip/opt.h>
#include <lwip/api.h>
#include <lwip/tcp.h>
#include <lwip/ip.h>
#include <lwip/tcpip.h>
#include <lwip/stats.h>

/*
 * A socket.  Invariants:
 *   - used: the slot holds a socket; its id is slot + NS_SOCK_MAX * generation, so an id that
 *     was closed never names a later socket;
 *   - closing: close was requested (or its environments all exited): requests naming it fail,
 *     lwIP has been told (netconn_prepare_delete, which wakes threads blocked on it), and the
 *     netconn is deleted by whichever request leaves it last (busy drops to 0);
 *   - busy: requests being served on it; a request takes it with sock_get and leaves with
 *     sock_put, so a blocked accept or recv keeps the netconn alive until it returns;
 *   - envs: the environments that may use it (0 = empty entry), see sock_allowed;
 *   - rx: TCP data received from lwIP but not yet given to a client, from byte rx_off on; it
 *     holds the received packet pages until given out (no copy until then);
 *   - rx_eof: the peer closed its side; recv answers 0 from now on;
 *   - told: lwIP has been told of the close (netconn_prepare_delete).  A close requested while
 *     lwIP cannot take it (sock_close_lwip) is told later, by the request that leaves last;
 *   - opts: the options set (NS_OPT_*), kept so that a listener passes them on to every
 *     connection it accepts: lwIP's listen pcb is a smaller struct without the TCP flags, so
 *     TCP_NODELAY cannot be set on it, and lwIP itself inherits only SO_REUSEADDR and
 *     SO_KEEPALIVE from it;
 *   - wake: the client's wake page (inc/ns.h: struct ns_wake, NSREQ_WATCH), held in a page
 *     slot until the socket is freed; NULL until a client watches the socket.  While it is
 *     set, the netconn's callback is sock_event, which bumps the page at every event;
 *   - connecting: a connect was started and has not been seen to finish, so an error that
 *     comes now is the connect's (a reset is a refusal: sock_err).
 */
#define NS_OPT_NODELAY		0x1
#define NS_OPT_KEEPALIVE	0x2
#define NS_OPT_REUSEADDR	0x4
#define NS_OPT_BROADCAST	0x8	/* datagram sockets: SOF_BROADCAST (net/nsdgram.c) */

struct ns_sock {
	bool used;
	bool closing;
	bool rx_eof;
	bool told;
	uint8_t opts;
	int32_t id;
	uint32_t busy;
	struct netconn *conn;
	envid_t envs[NS_SOCK_ENVS];
	struct pbuf *rx;
	uint16_t rx_off;
	volatile struct ns_wake *wake;
	bool connecting;
};

static struct ns_sock socks[NS_SOCK_MAX];

/* How many ancestors of a client are looked at for the right to use a socket. */
#define NS_SOCK_ANCESTRY	4

/*
 * lwIP's errors as ours: the one table.  The second column is for a connection that was still
 * being set up (a connect in progress), where a reset is the peer refusing it.  lwIP reports a
 * connection that ran out of retransmissions (SYN or data) as aborted (ERR_ABRT, from its slow
 * timer); the other aborts our sockets meet are our own close mid-connect, which sock_err
 * reports as E_CONN_ABORTED, and lwIP reclaiming a pcb for a new connection when the pool is
 * short (not for our sockets' pcbs, which the pool is sized for: net/lwip/lwipopts.h).
 */
static const struct ns_errmap {
	err_t err;
	int8_t code;		/* on a connection set up, or no connection */
	int8_t connecting;	/* while a connect is in progress */
} ns_errmap[] = {
	{ ERR_OK,		0,		0 },
	{ ERR_MEM,		E_NO_MEM,	E_NO_MEM },
	{ ERR_BUF,		E_NO_MEM,	E_NO_MEM },
	{ ERR_TIMEOUT,		E_TIMEOUT,	E_TIMEOUT },	/* SO_RCVTIMEO */
	{ ERR_RTE,		E_UNREACH,	E_UNREACH },	/* no route */
	{ ERR_INPROGRESS,	E_IN_PROGRESS,	E_IN_PROGRESS },
	{ ERR_VAL,		E_INVAL,	E_INVAL },
	{ ERR_WOULDBLOCK,	E_AGAIN,	E_AGAIN },
	{ ERR_USE,		E_BUSY,		E_BUSY },	/* the address is in use */
	{ ERR_ALREADY,		E_BUSY,		E_BUSY },	/* a connect is in progress */
	{ ERR_ISCONN,		E_INVAL,	E_INVAL },
	{ ERR_CONN,		E_NOT_CONN,	E_NOT_CONN },
	{ ERR_IF,		E_NET,		E_NET },
	{ ERR_ABRT,		E_CONN_TIMEOUT,	E_CONN_TIMEOUT },
	{ ERR_RST,		E_CONN_RESET,	E_CONN_REFUSED },
	{ ERR_CLSD,		E_NOT_CONN,	E_CONN_REFUSED },
	{ ERR_ARG,		E_INVAL,	E_INVAL },
};

static int
ns_err_map(err_t err, bool connecting)
{
	for (size_t i = 0; i < ARRAY_SIZE(ns_errmap); i++)
		if (ns_errmap[i].err == err)
			return -(connecting ? ns_errmap[i].connecting : ns_errmap[i].code);
	return -E_NET;
}

/* lwIP's error for a request that involves no connection set-up. */
int
ns_err(err_t err)
{
	return ns_err_map(err, false);
}

void
nssock_init(void)
{
	for (int i = 0; i < NS_SOCK_MAX; i++)
		socks[i].id = i;
}

uint32_t
nssock_open_count(void)
{
	uint32_t n = 0;

	for (int i = 0; i < NS_SOCK_MAX; i++)
		n += socks[i].used;
	return n;
}

/* lwIP's TCP states (enum tcp_state, lwip/tcpbase.h), by value. */
static const char *const tcp_state_names[] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
	"CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

/* One console line per open socket, two for a TCP connection (its pcb's send and receive
 * state), each after prefix: with thread_print, where a stuck request waits and why.  The
 * mailbox addresses are those a blocked thread's wait queue points into. */
void
nssock_print(const char *prefix)
{
	LOCK_TCPIP_CORE();
	for (int i = 0; i < NS_SOCK_MAX; i++) {
		const struct ns_sock *s = &socks[i];
		if (!s->used)
			continue;
		const struct netconn *c = s->conn;
		cprintf("%ssock %d: env %08x busy %u%s%s%s, netconn state %d flags %x, recvmbox %p "
			"(%u), rx %u bytes\n", prefix, s->id, s->envs[0], s->busy,
			s->closing ? " closing" : "", s->rx_eof ? " eof" : "", s->told ? " told" : "",
			c->state, c->flags, &c->recvmbox,
			sys_mbox_valid((sys_mbox_t *) &c->recvmbox) ? c->recvmbox.count : 0,
			s->rx ? s->rx->tot_len - s->rx_off : 0);
		if (NETCONNTYPE_GROUP(netconn_type(c)) != NETCONN_TCP || c->pcb.tcp == NULL)
			continue;
		const struct tcp_pcb *p = c->pcb.tcp;
		if (p->state == LISTEN) {
			cprintf("%s  listening on port %u\n", prefix, p->local_port);
			continue;
		}
		cprintf("%s  %s %u->%u: snd unacked %u wnd %u buf %u queue %u%s%s rtx %u persist %u; "
			"rcv wnd %u%s\n", prefix,
			p->state < ARRAY_SIZE(tcp_state_names) ? tcp_state_names[p->state] : "?",
			p->local_port, p->remote_port, p->snd_nxt - p->lastack, p->snd_wnd, p->snd_buf,
			p->snd_queuelen, p->unsent ? " unsent" : "", p->unacked ? " unacked" : "",
			p->nrtx, p->persist_backoff, p->rcv_wnd, p->refused_data ? " refused data" : "");
	}
	UNLOCK_TCPIP_CORE();
}

envid_t
nssock_conn_owner(const struct netconn *conn)
{
	for (int i = 0; i < NS_SOCK_MAX; i++) {
		struct ns_sock *s = &socks[i];
		if (!s->used || s->conn != conn)
			continue;
		for (int j = 0; j < NS_SOCK_ENVS; j++)
			if (s->envs[j])
				return s->envs[j];
	}
	return 0;
}

/* ---- Who may use a socket ----------------------------------------------------------------------- */

static bool
sock_has_env(struct ns_sock *s, envid_t e)
{
	if (e <= 0)		/* 0 marks a free entry (and is no environment's id) */
		return false;
	for (int i = 0; i < NS_SOCK_ENVS; i++)
		if (s->envs[i] == e)
			return true;
	return false;
}

/* Forget the environments that exited.  Returns whether any is left. */
static bool
sock_prune(struct ns_sock *s)
{
	bool any = false;

	for (int i = 0; i < NS_SOCK_ENVS; i++) {
		if (s->envs[i] && !envid_alive(s->envs[i]))
			s->envs[i] = 0;
		any |= s->envs[i] != 0;
	}
	return any;
}

/*
 * May client use s?  Yes if it is one of s's environments, or if one of its living ancestors
 * (up to NS_SOCK_ANCESTRY generations) is: a child inherits its parent's sockets through fork
 * or spawn.  Such a child is then added to s's environments (when there is room), so that it
 * keeps the right once its parent exits.  The parent chain is read from envs[], and followed
 * only through environments that are still alive, so a reused environment slot never passes
 * a right on.
 */
static bool
sock_allowed(struct ns_sock *s, envid_t client)
{
	envid_t e = client;

	if (sock_has_env(s, client))
		return true;
	sock_prune(s);
	for (int depth = 0; depth < NS_SOCK_ANCESTRY; depth++) {
		if (!envid_alive(e))
			return false;
		if ((e = envs[ENVX(e)].env_parent_id) == 0)	/* created by the kernel */
			return false;
		if (sock_has_env(s, e)) {
			for (int i = 0; i < NS_SOCK_ENVS; i++)
				if (s->envs[i] == 0) {
					s->envs[i] = client;
					break;
				}
			return true;
		}
	}
	return false;
}

/* ---- The table ------------------------------------------------------------------------------------- */

/* Take the socket id for a request of client.  Returns 0 and *s_store, or -E_INVAL (no such
 * socket, closing, or not the client's). */
int
sock_get(envid_t client, int32_t id, struct ns_sock **s_store)
{
	struct ns_sock *s;

	if (id < 0)
		return -E_INVAL;
	s = &socks[id % NS_SOCK_MAX];
	if (!s->used || s->id != id || s->closing || !sock_allowed(s, client))
		return -E_INVAL;
	s->busy++;
	*s_store = s;
	return 0;
}

/* A new socket for conn, owned by client, taken (busy) by the caller.  NULL if the table is
 * full. */
static struct ns_sock *
sock_alloc(envid_t client, struct netconn *conn)
{
	for (int i = 0; i < NS_SOCK_MAX; i++) {
		struct ns_sock *s = &socks[i];
		if (s->used)
			continue;
		int32_t id = s->id;
		memset(s, 0, sizeof(*s));
		s->id = id;
		s->used = true;
		s->busy = 1;
		s->conn = conn;
		s->envs[0] = client;
		if (++ns_stats.sockets_open > ns_stats.sockets_max)
			ns_stats.sockets_max = ns_stats.sockets_open;
		return s;
	}
	return NULL;
}

static void sock_close_lwip(struct ns_sock *s);

/* Which waiters an event concerns (sock_wake): bits (1 << NS_WAIT_*). */
#define SOCK_WAKE_IN	((1u << NS_WAIT_IN) | (1u << NS_WAIT_ANY))
#define SOCK_WAKE_OUT	((1u << NS_WAIT_OUT) | (1u << NS_WAIT_ANY))
#define SOCK_WAKE_ALL	((1u << NS_WAIT_KINDS) - 1)
static void sock_wake(struct ns_sock *s, uint32_t kinds);
static void sock_unwatch(struct ns_sock *s);
static void sock_event_room(struct netconn *conn, enum netconn_evt evt, u16_t len);
/* Writers waiting for room in lwIP's heap (sock_write_tcp). */
static struct thread_queue send_room_waiters;

struct netconn *
sock_conn(const struct ns_sock *s)
{
	return s->conn;
}

/* Stop using s; the last user of a closing socket deletes its netconn and frees the slot. */
void
sock_put(struct ns_sock *s)
{
	assert(s->used && s->busy > 0);
	if (s->closing && !s->told)
		sock_close_lwip(s);
	if (--s->busy > 0 || !s->closing)
		return;
	if (s->rx)
		pbuf_free(s->rx);
	sock_unwatch(s);
	netconn_delete(s->conn);
	s->used = false;
	s->id += NS_SOCK_MAX;
	if (s->id < 0)
		s->id = s - socks;
	ns_stats.sockets_open--;
}

/*
 * Tell lwIP to close s's connection, if it can take it now.  lwIP 2.1.3 cannot close a netconn
 * whose blocking connect is in progress: with LWIP_NETCONN_FULLDUPLEX, lwip_netconn_do_delconn
 * wakes the connecting thread but then asserts "blocking connect in progress" on the state it
 * read before.  So a connect in progress is aborted first (tcp_abort: lwIP's error callback
 * wakes the connecting thread with ERR_ABRT and leaves the netconn without a pcb, in state
 * NONE), which is what closing a socket mid-connect means anyway.  A close (shutdown) waiting
 * for memory has the netconn's one operation slot, which delconn would assert on too: that
 * close is told when the shutdown returns (sock_put).
 */
static void
sock_close_lwip(struct ns_sock *s)
{
	struct netconn *conn = s->conn;

	LOCK_TCPIP_CORE();
	if (conn->state == NETCONN_CONNECT && conn->pcb.tcp)
		tcp_abort(conn->pcb.tcp);
	bool busy = conn->state == NETCONN_CONNECT || conn->state == NETCONN_CLOSE;
	UNLOCK_TCPIP_CORE();
	if (busy)
		return;
	s->told = true;
	netconn_prepare_delete(conn);
}

/* Start closing s (taken by the caller): lwIP closes the connection (a FIN for TCP) and wakes
 * the threads blocked on it, which then leave it; sock_put by the last one deletes it. */
static void
sock_close(struct ns_sock *s)
{
	if (s->closing)
		return;
	s->closing = true;
	sock_close_lwip(s);
	sock_wake(s, SOCK_WAKE_ALL);	/* a select on it looks again, and finds it gone */
	thread_wake_all(&send_room_waiters);	/* a writer waiting for room on it ends */
}

void
nssock_reap(void)
{
	for (int i = 0; i < NS_SOCK_MAX; i++) {
		struct ns_sock *s = &socks[i];
		if (!s->used || s->closing || sock_prune(s))
			continue;
		s->busy++;
		sock_close(s);
		sock_put(s);
		ns_stats.sockets_reaped++;
	}
}

/* ---- Requests ---------------------------------------------------------------------------------------- */

/* The IPv4 address and port of a client's sockaddr_in (addrlen bytes long, the client says),
 * after checking it: -E_INVAL unless it is a whole sockaddr_in of AF_INET. */
int
ns_addr_in(const volatile struct sockaddr_in *addr, uint32_t addrlen, ip_addr_t *ip, u16_t *port)
{
	struct sockaddr_in sin;

	memcpy(&sin, (const void *) addr, sizeof(sin));
	if (addrlen < sizeof(struct sockaddr_in) || sin.sin_family != AF_INET)
		return -E_INVAL;
	ip_addr_set_ip4_u32(ip, sin.sin_addr.s_addr);
	*port = ntohs(sin.sin_port);
	return 0;
}

void
ns_addr_out(volatile struct sockaddr_in *addr, const ip_addr_t *ip, u16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_len = sizeof(sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = ip4_addr_get_u32(ip_2_ip4(ip));
	memcpy((void *) addr, &sin, sizeof(sin));
}

static bool
sock_is_tcp(struct ns_sock *s)
{
	return NETCONNTYPE_GROUP(netconn_type(s->conn)) == NETCONN_TCP;
}

/* sock_get for a request that only TCP sockets take: also -E_NOT_SUPP (not taken) for UDP. */
static int
sock_get_tcp(envid_t client, int32_t id, struct ns_sock **s_store)
{
	int r = sock_get(client, id, s_store);

	if (r == 0 && !sock_is_tcp(*s_store)) {
		sock_put(*s_store);
		return -E_NOT_SUPP;
	}
	return r;
}

/* lwIP's error err for a request on s (see ns_errmap): a connect's while one is in progress,
 * and an abort while s is closing is our own close's.  A fatal error ends the connect. */
static int
sock_err(struct ns_sock *s, err_t err)
{
	int r = err == ERR_ABRT && s->closing ? -E_CONN_ABORTED : ns_err_map(err, s->connecting);

	if (err == ERR_ABRT || err == ERR_RST || err == ERR_CLSD || err == ERR_RTE
	    || err == ERR_CONN)
		s->connecting = false;
	return r;
}

/*
 * Apply the options in opts to conn's pcb; core lock held.  Returns 0, or -E_NET when lwIP has
 * already freed the connection (refused, reset, timed out: the netconn has no pcb any more).
 * A listen pcb (state LISTEN) is a struct tcp_pcb_listen, which has the IP options but not
 * the TCP flags: TCP_NODELAY is only remembered for it (the caller keeps opts), and applied to
 * each connection it accepts.
 */
static int
opts_apply(struct netconn *conn, uint8_t opts)
{
	struct ip_pcb *ip = conn->pcb.ip;

	if (!ip)
		return -E_NET;
	if (opts & NS_OPT_REUSEADDR)
		ip_set_option(ip, SOF_REUSEADDR);
	else
		ip_reset_option(ip, SOF_REUSEADDR);
	if (opts & NS_OPT_KEEPALIVE)
		ip_set_option(ip, SOF_KEEPALIVE);
	else
		ip_reset_option(ip, SOF_KEEPALIVE);
	if (opts & NS_OPT_BROADCAST)
		ip_set_option(ip, SOF_BROADCAST);
	else
		ip_reset_option(ip, SOF_BROADCAST);
	if (NETCONNTYPE_GROUP(netconn_type(conn)) == NETCONN_TCP
	    && conn->pcb.tcp->state != LISTEN) {
		if (opts & NS_OPT_NODELAY)
			tcp_nagle_disable(conn->pcb.tcp);
		else
			tcp_nagle_enable(conn->pcb.tcp);
	}
	return 0;
}

/* The option a setsockopt request names, as an NS_OPT_* bit; 0 if it is none of those. */
static uint8_t
opt_bit(struct ns_sock *s, int32_t level, int32_t name)
{
	if (level == SOL_SOCKET && name == SO_REUSEADDR)
		return NS_OPT_REUSEADDR;
	if (level == SOL_SOCKET && name == SO_KEEPALIVE)
		return NS_OPT_KEEPALIVE;
	if (level == SOL_SOCKET && name == SO_BROADCAST && !sock_is_tcp(s))
		return NS_OPT_BROADCAST;
	if (level == IPPROTO_TCP && name == TCP_NODELAY && sock_is_tcp(s))
		return NS_OPT_NODELAY;
	return 0;
}

static int32_t
req_socket(envid_t client, uint32_t code, volatile union nsipc *req)
{
	int32_t domain = req->socket.domain, type = req->socket.type;
	int32_t protocol = req->socket.protocol;
	enum netconn_type nctype;
	struct netconn *conn;
	struct ns_sock *s;

	if (domain != AF_INET)
		return -E_NOT_SUPP;
	if (type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP))
		nctype = NETCONN_TCP;
	else if (type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP))
		nctype = NETCONN_UDP;
	else if (type == SOCK_RAW && protocol == IPPROTO_ICMP)
		nctype = NETCONN_RAW;	/* ping's (net/nsdgram.c) */
	else
		return -E_NOT_SUPP;
	if (nssock_open_count() == NS_SOCK_MAX)
		return -E_MAX_OPEN;
	if (!(conn = netconn_new_with_proto_and_callback(nctype,
			nctype == NETCONN_RAW ? IP_PROTO_ICMP : 0, sock_event_room)))
		return -E_NO_MEM;
	s = sock_alloc(client, conn);
	assert(s);		/* there was a free slot, and netconn_new does not switch */
	ns_tcp_track(conn);
	int32_t id = s->id;
	sock_put(s);
	return id;
}

/*
 * Connect s to ip:port, waiting for TCP's handshake unless dontwait: then -E_IN_PROGRESS, and
 * the handshake goes on; a select for writing wakes when it is done, and getsockopt's
 * SO_ERROR (or a connect again) tells how.  A connect while one is still going:
 * -E_IN_PROGRESS.  A refused one: -E_CONN_REFUSED (sock_err).
 *
 * lwIP decides between waiting and not from the netconn's non-blocking flag, which is the
 * socket's, not this request's: it is set around the call only.  Nothing else runs meanwhile
 * (threads switch only when one blocks, and a non-blocking connect does not), so no other
 * request on the socket sees it.
 */
static int
sock_connect(struct ns_sock *s, const ip_addr_t *ip, u16_t port, bool dontwait)
{
	struct netconn *conn = s->conn;
	err_t err;

	if (s->connecting && conn->state == NETCONN_CONNECT)
		return -E_IN_PROGRESS;
	if (s->connecting) {
		/* A non-blocking connect finished: its outcome, as SO_ERROR reports it. */
		if ((err = netconn_err(conn)) != ERR_OK)
			return sock_err(s, err);
		s->connecting = false;
		return 0;
	}
	s->connecting = sock_is_tcp(s);
	if (dontwait)
		netconn_set_nonblocking(conn, 1);
	err = netconn_connect(conn, ip, port);
	if (dontwait)
		netconn_set_nonblocking(conn, 0);
	if (err == ERR_INPROGRESS)
		return -E_IN_PROGRESS;
	int r = sock_err(s, err);
	s->connecting = false;
	return r;
}

static int32_t
req_bind_connect(envid_t client, uint32_t code, volatile union nsipc *req)
{
	struct ns_sock *s;
	ip_addr_t ip;
	u16_t port;
	int32_t flags = req->connect.flags;
	int r;

	if ((r = ns_addr_in(&req->bind.addr, req->bind.addrlen, &ip, &port)) < 0)
		return r;
	if ((r = sock_get(client, req->bind.sock, &s)) < 0)
		return r;
	if (code == NSREQ_BIND)
		r = ns_err(netconn_bind(s->conn, &ip, port));
	else
		r = sock_connect(s, &ip, port, flags & MSG_DONTWAIT);
	sock_put(s);
	return r;
}

static int32_t
req_listen(envid_t client, uint32_t code, volatile union nsipc *req)
{
	int32_t backlog = req->listen.backlog;
	struct ns_sock *s;
	int r;

	if ((r = sock_get(client, req->listen.sock, &s)) < 0)
		return r;
	if (!sock_is_tcp(s))
		r = -E_NOT_SUPP;
	else {
		ns_tcp_untrack(s->conn);
		r = ns_err(netconn_listen_with_backlog(s->conn,
			MAX(1, MIN(backlog, TCP_DEFAULT_LISTEN_BACKLOG))));
		ns_tcp_track(s->conn);
	}
	sock_put(s);
	return r;
}

static int32_t
req_accept(envid_t client, uint32_t code, volatile union nsipc *req)
{
	struct ns_sock *s, *ns;
	struct netconn *conn;
	ip_addr_t ip;
	u16_t port;
	int32_t flags = req->sock.flags;
	int r;

	if ((r = sock_get_tcp(client, req->sock.sock, &s)) < 0)
		return r;
	/* Not waiting: nothing queued, nothing to take.  Nothing runs between this look and
	 * netconn_accept's (the threads switch only when one blocks), and netconn_accept
	 * reports a closed listener itself. */
	if ((flags & MSG_DONTWAIT) && sys_mbox_valid(&s->conn->acceptmbox)
	    && s->conn->acceptmbox.count == 0) {
		sock_put(s);
		return -E_AGAIN;
	}
	r = sock_err(s, netconn_accept(s->conn, &conn));	/* blocks this thread */
	uint8_t opts = s->opts;
	sock_put(s);
	if (r < 0)
		return r;
	if (!(ns = sock_alloc(client, conn))) {
		netconn_delete(conn);			/* closes the connection */
		return -E_MAX_OPEN;
	}
	/* The listener's options, set on the connection (see opts_apply).  A connection that
	 * the peer has already reset has no pcb: its first recv or send reports that. */
	LOCK_TCPIP_CORE();
	if (opts_apply(conn, opts) == 0)
		ns->opts = opts;
	ns_tcp_initial_window(conn->pcb.tcp);	/* RFC 6928 (net/lwip/tcpiw.c) */
	UNLOCK_TCPIP_CORE();
	if (netconn_peer(conn, &ip, &port) == ERR_OK)
		ns_addr_out(&req->accepted.addr, &ip, port);
	else
		memset((void *) &req->accepted, 0, sizeof(req->accepted));
	int32_t id = ns->id;
	sock_put(ns);
	return id;
}

/* Received TCP data for a recv of up to len bytes: what is already there, then what lwIP has,
 * blocking only while nothing at all has been found (unless dontwait).  Copies from the packet
 * pages into the request page: the one copy on the way in (recv_copy_bytes). */
static int32_t
recv_tcp(struct ns_sock *s, volatile uint8_t *dst, int32_t len, bool dontwait)
{
	int32_t n = 0;

	while (n < len) {
		if (!s->rx) {
			struct pbuf *p;
			err_t err;
			if (s->rx_eof)
				break;
			err = netconn_recv_tcp_pbuf_flags(s->conn, &p,
				(n > 0 || dontwait) ? NETCONN_DONTBLOCK : 0);
			if (err == ERR_CLSD) {
				s->rx_eof = true;
				break;
			}
			if (err != ERR_OK) {
				if (n > 0)	/* report the data now, the error on the next call */
					break;
				return sock_err(s, err);
			}
			/* Another reader of this socket may have left data while we waited: ours
			 * came later, so it goes behind. */
			if (s->rx)
				pbuf_cat(s->rx, p);
			else {
				s->rx = p;
				s->rx_off = 0;
			}
		}
		uint16_t chunk = MIN((uint32_t) (len - n), (uint32_t) (s->rx->tot_len - s->rx_off));
		pbuf_copy_partial(s->rx, (void *) (dst + n), chunk, s->rx_off);
		n += chunk;
		s->rx_off += chunk;
		if (s->rx_off == s->rx->tot_len) {
			pbuf_free(s->rx);
			s->rx = NULL;
		}
	}
	ns_stats.recv_bytes += n;
	ns_stats.recv_copy_bytes += n;	/* pbuf_copy_partial above */
	return n;
}

static int32_t
req_recv(envid_t client, uint32_t code, volatile union nsipc *req)
{
	int32_t len = req->data.len, flags = req->data.flags;
	struct ns_sock *s;
	int r;

	if (len < 0)
		return -E_INVAL;
	len = MIN(len, NSIPC_DATA_MAX);
	if ((r = sock_get(client, req->data.sock, &s)) < 0)
		return r;
	if (!sock_is_tcp(s))
		r = nsdgram_recv(s, req->data.data, len, flags, NULL, NULL);
	else if (len == 0)
		r = 0;
	else
		r = recv_tcp(s, req->data.data, len, flags & MSG_DONTWAIT);
	sock_put(s);
	return r;
}

/*
 * Send memory under pressure.  lwIP's heap (MEM_SIZE, net/lwip/lwipopts.h) holds every byte a
 * send copied until the peer acknowledges it, up to a send buffer (TCP_SND_BUF, 128 KB) per
 * connection; so four peers that stop reading would fill it, and then every other connection's
 * write fails for memory (tcp_write: ERR_MEM) and waits for acknowledgements that never come:
 * one slow client would stop the server for all (sockzc's slow peers case).  So a copied write
 * looks at the heap first: below NS_HEAP_PRESSURE it goes on in pieces of NS_SEND_PIECE; above
 * it, a connection may have at most NS_SEND_PRESSURE_QUEUE bytes more queued once it has less
 * than that, else it waits for its own peer's acknowledgements (Linux's tcp_mem pressure with its
 * per-socket minimum, tcp_wmem[0], is the same idea).  So the peers that stopped reading hold at
 * most NS_HEAP_PRESSURE + NS_SEND_PIECE per writer that crossed it, plus 2 *
 * NS_SEND_PRESSURE_QUEUE each after; a connection whose peer reads always gets a share.
 * Writers wait on send_room_waiters, woken by any connection's acknowledgement (lwIP's
 * NETCONN_EVT_SENDPLUS, sock_event_room) or error, and by a close.
 */
#define NS_HEAP_PRESSURE	(MEM_SIZE / 3)
#define NS_SEND_PIECE		(16 * 1024)
#define NS_SEND_PRESSURE_QUEUE	(8 * 1024)
static_assert(NS_HEAP_PRESSURE + 4 * NS_SEND_PIECE + 24 * 2 * NS_SEND_PRESSURE_QUEUE <= MEM_SIZE,
	      "room above the pressure mark for 4 writers crossing it, then 24 stuck connections");

uint32_t
nssock_heap_pressure(void)
{
	return NS_HEAP_PRESSURE;
}

/* How many more bytes s may queue by copy now (0: wait); core lock held. */
static uint32_t
send_room(struct ns_sock *s)
{
	const struct tcp_pcb *pcb = s->conn->pcb.tcp;

	if (pcb == NULL || lwip_stats.mem.used < NS_HEAP_PRESSURE)
		return NS_SEND_PIECE;		/* no pcb: lwIP reports the error */
	/* snd_buf itself: tcp_sndbuf() caps it at 16 bits. */
	return TCP_SND_BUF - pcb->snd_buf < NS_SEND_PRESSURE_QUEUE ? NS_SEND_PRESSURE_QUEUE : 0;
}

/* Acknowledged bytes or an error anywhere: the heap may have room, or a waiter's connection
 * may have ended.  Every netconn's callback calls this (sock_event_room, sock_event). */
static void
send_room_event(enum netconn_evt evt)
{
	if ((evt == NETCONN_EVT_SENDPLUS || evt == NETCONN_EVT_ERROR)
	    && !thread_queue_empty(&send_room_waiters))
		thread_wake_all(&send_room_waiters);
}

/* The callback of every netconn that is not watched (sock_event is, see req_watch). */
static void
sock_event_room(struct netconn *conn, enum netconn_evt evt, u16_t len)
{
	(void) conn;
	(void) len;
	send_room_event(evt);
}

/* Write len bytes at data to TCP socket s: how many lwIP took, or an error; *bytes and *copied
 * (the counters of the request's kind, inc/ns.h) count them.  NETCONN_COPY: lwIP copies the
 * bytes into its segments, since the page they are in goes back to the client with the answer,
 * long before the data is acknowledged.  Blocks while the send buffer is full, unless dontwait
 * (then -E_AGAIN if nothing fits); with SO_SNDTIMEO, until the timeout (then -E_TIMEOUT if
 * nothing was taken: lwIP says "would block"). */
static int32_t
sock_write_tcp(struct ns_sock *s, const void *data, int32_t len, bool dontwait, uint32_t *bytes,
	       uint32_t *copied)
{
	int32_t done = 0;
	int r = 0;
	u32_t timeout = 0;
	uint32_t deadline = 0;	/* SO_SNDTIMEO's, from the first wait for room on */

	while (done < len && r == 0) {
		LOCK_TCPIP_CORE();
		uint32_t room = send_room(s);
		UNLOCK_TCPIP_CORE();
		if (room == 0) {
			/* Nothing switches between the look and the wait: no wake-up is lost. */
			ns_stats.send_room_waits += !dontwait;
			if (!dontwait && deadline == 0) {
				timeout = netconn_get_sendtimeout(s->conn);
				deadline = sys_time_msec() + timeout;
			}
			if (dontwait)
				r = -E_AGAIN;
			else if (thread_wait(&send_room_waiters, timeout > 0, deadline) < 0)
				r = -E_TIMEOUT;
			else if (s->closing)
				r = -E_NOT_CONN;
			continue;
		}
		size_t written = 0;
		err_t err = netconn_write_partly(s->conn, (const uint8_t *) data + done,
			MIN((uint32_t) (len - done), room),
			NETCONN_COPY | (dontwait ? NETCONN_DONTBLOCK : 0), &written);
		r = sock_err(s, err);
		if (err == ERR_WOULDBLOCK && !dontwait)
			r = -E_TIMEOUT;
		done += written;
		*bytes += written;
		*copied += written;
	}
	/* Bytes taken are reported now, an error with them on the next call. */
	return done > 0 ? done : r;
}

static int32_t
req_send(envid_t client, uint32_t code, volatile union nsipc *req)
{
	int32_t len = req->data.len, flags = req->data.flags;
	struct ns_sock *s;
	int r;

	if (len < 0 || len > NSIPC_DATA_MAX)
		return -E_INVAL;
	if ((r = sock_get(client, req->data.sock, &s)) < 0)
		return r;
	if (!sock_is_tcp(s))
		r = nsdgram_send(s, req->data.data, len, NULL, 0);	/* to its peer */
	else if (len == 0)
		r = 0;
	else
		r = sock_write_tcp(s, (const void *) req->data.data, len, flags & MSG_DONTWAIT,
				   &ns_stats.send_bytes, &ns_stats.send_copy_bytes);
	sock_put(s);
	return r;
}

/* The shortest send of file pages sent in place: a small file's bytes cost less to copy than
 * the holds, and than a segment of two buffers (headers, bytes) that lwIP frees at the ACK. */
#define NS_SEND_IN_PLACE_MIN	PGSIZE

/* A send whose bytes came in data pages (ndata of them at data, consecutive): len bytes from
 * offset off of the first.  TCP only (a datagram fits a request page).
 *
 * Pages the client says are a file's (NS_SEND_FILE_PAGES, as sendfile lends them) are sent in
 * place (NETCONN_NOCOPY): lwIP's segments point into the page slots, which stay held until the
 * peer has acknowledged their bytes (net/lwip/sendhold.c), though the client has its answer at
 * once.  Who may write them meanwhile: no one.  They are the file server's block-cache pages,
 * read-only in every environment but the file server, which writes a copy of a block whose
 * page anyone else maps (bc_unshare, fs/bc.c): a write to the file while its pages are on
 * their way changes the file, not what is sent.  A client that sets the flag on pages it can
 * write changes at most its own connection's bytes (lwIP never reads the payload: the card
 * computes the checksums).  Any other pages, file pages when no hold is free, and sends shorter
 * than NS_SEND_IN_PLACE_MIN are copied into lwIP's send buffer, and go back with the answer. */
static int32_t
req_send_pages(envid_t client, volatile union nsipc *req, const uint8_t *data, uint32_t ndata)
{
	int32_t len = req->data.len;
	uint32_t off = req->data.off;
	bool file_pages = req->data.flags & NS_SEND_FILE_PAGES;
	struct ns_sock *s;
	int r;

	if (len <= 0 || off >= PGSIZE || off + (uint32_t) len > ndata * PGSIZE)
		return -E_INVAL;
	if ((r = sock_get_tcp(client, req->data.sock, &s)) < 0)
		return r;
	uint32_t hold = 0;
	if (file_pages && len >= NS_SEND_IN_PLACE_MIN) {
		LOCK_TCPIP_CORE();
		hold = ns_send_hold_begin(s->conn->pcb.tcp, data, ndata);
		UNLOCK_TCPIP_CORE();
	}
	if (!hold) {
		r = sock_write_tcp(s, data + off, len, false, &ns_stats.lend_bytes,
				   &ns_stats.lend_copy_bytes);	/* the pages go back with the answer */
		sock_put(s);
		return r;
	}
	size_t written = 0;
	r = sock_err(s, netconn_write_partly(s->conn, data + off, len, NETCONN_NOCOPY, &written));
	/* Even when the write failed: lwIP reports no count then (a close while we waited), but
	 * may have queued segments of our pages on a connection that lives on to send them. */
	LOCK_TCPIP_CORE();
	ns_send_hold_end(hold);
	UNLOCK_TCPIP_CORE();
	ns_stats.lend_bytes += written;
	sock_put(s);
	return r < 0 ? r : (int32_t) written;
}

static int32_t
req_close(envid_t client, uint32_t code, volatile union nsipc *req)
{
	struct ns_sock *s;
	int r;

	if ((r = sock_get(client, req->sock.sock, &s)) < 0)
		return r;
	sock_close(s);
	sock_put(s);
	return 0;
}

static int32_t
req_shutdown(envid_t client, uint32_t code, volatile union nsipc *req)
{
	int32_t how = req->shutdown.how;
	struct ns_sock *s;
	int r;

	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -E_INVAL;
	if ((r = sock_get_tcp(client, req->shutdown.sock, &s)) < 0)
		return r;
	r = ns_err(netconn_shutdown(s->conn, how != SHUT_WR, how != SHUT_RD));
	if (r == 0 && how != SHUT_WR) {
		if (s->rx)
			pbuf_free(s->rx);
		s->rx = NULL;
		s->rx_eof = true;
	}
	sock_put(s);
	return r;
}

static int32_t
req_getname(envid_t client, uint32_t code, volatile union nsipc *req)
{
	struct ns_sock *s;
	ip_addr_t ip;
	u16_t port;
	int r;

	if ((r = sock_get(client, req->sock.sock, &s)) < 0)
		return r;
	r = ns_err(netconn_getaddr(s->conn, &ip, &port, code == NSREQ_GETSOCKNAME));
	if (r == 0)
		ns_addr_out(&req->accepted.addr, &ip, port);
	sock_put(s);
	return r;
}

/* Options that are one field of lwIP's pcb are set under the core lock, like lwIP's own socket
 * layer does.  Returns 0, -E_NET (the connection is gone), -E_INVAL, -E_NOT_SUPP. */
static int32_t
req_setsockopt(envid_t client, uint32_t code, volatile union nsipc *req)
{
	int32_t level = req->setsockopt.level, name = req->setsockopt.name;
	int32_t value = req->setsockopt.value;
	struct ns_sock *s;
	uint8_t bit;
	int r;

	if ((r = sock_get(client, req->setsockopt.sock, &s)) < 0)
		return r;
	r = 0;
	LOCK_TCPIP_CORE();
	if ((bit = opt_bit(s, level, name)) != 0) {
		uint8_t opts = value ? (s->opts | bit) : (s->opts & ~bit);
		if ((r = opts_apply(s->conn, opts)) == 0)
			s->opts = opts;
	} else if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
		if (value < 0)
			r = -E_INVAL;
		else if (name == SO_RCVTIMEO)
			netconn_set_recvtimeout(s->conn, value);
		else
			netconn_set_sendtimeout(s->conn, value);
	} else
		r = -E_NOT_SUPP;
	UNLOCK_TCPIP_CORE();
	sock_put(s);
	return r;
}

/* ---- Waiting for sockets, and their options read back (inc/ns.h: struct ns_wake) ---------------- */

/* Tell s's watchers that something happened: bump the event count, and wake the page if a
 * client waits for one of kinds (the bump before the look at the counters: inc/ns.h). */
static void
sock_wake(struct ns_sock *s, uint32_t kinds)
{
	bool waited = false;

	if (!s->wake)
		return;
	s->wake->nw_seq++;
	__sync_synchronize();
	for (int k = 0; k < NS_WAIT_KINDS; k++)
		waited |= (kinds & (1u << k)) && s->wake->nw_waiting[k] != 0;
	if (waited)
		sys_page_wake((const void *) s->wake);
}

/* s is being freed: give its wake page back (the unmapping wakes whoever still waits on it). */
static void
sock_unwatch(struct ns_sock *s)
{
	if (!s->wake)
		return;
	sock_wake(s, SOCK_WAKE_ALL);
	ns_page_release((void *) s->wake);
	s->wake = NULL;
}

/* lwIP's netconn callback, set on watched sockets (and so inherited by the connections their
 * listeners accept).  The events that can make a socket ready bump its wake page; a netconn
 * that is no watched socket's (an accepted one no client has yet) is ignored. */
static void
sock_event(struct netconn *conn, enum netconn_evt evt, u16_t len)
{
	uint32_t kinds = evt == NETCONN_EVT_RCVPLUS ? SOCK_WAKE_IN
		: evt == NETCONN_EVT_SENDPLUS ? SOCK_WAKE_OUT
		: evt == NETCONN_EVT_ERROR ? SOCK_WAKE_ALL : 0;

	(void) len;
	send_room_event(evt);
	if (kinds == 0)
		return;
	for (int i = 0; i < NS_SOCK_MAX; i++)
		if (socks[i].used && socks[i].conn == conn) {
			sock_wake(&socks[i], kinds);
			return;
		}
}

static int32_t
req_watch(envid_t client, uint32_t code, volatile union nsipc *req)
{
	struct ns_sock *s;
	uint32_t all = 0, mine = 0;
	int r;

	if ((r = sock_get(client, req->sock.sock, &s)) < 0)
		return r;
	for (int i = 0; i < NS_SOCK_MAX; i++)
		if (socks[i].used && socks[i].wake) {
			all++;
			mine += sock_has_env(&socks[i], client);
		}
	if (s->wake)
		r = -E_BUSY;
	else if (all >= NS_WATCH_SLOTS || mine >= NS_WATCH_CLIENT_SLOTS)
		r = -E_NO_MEM;		/* the page slots they would hold (inc/ns.h) */
	else {
		/* The request page is the client's wake page from now on: ours until s is
		 * freed (sock_unwatch), not the request's. */
		ns_page_keep((void *) req);
		s->wake = (volatile struct ns_wake *) req;
		s->wake->nw_seq = 0;
		for (int k = 0; k < NS_WAIT_KINDS; k++)
			s->wake->nw_waiting[k] = 0;
		LOCK_TCPIP_CORE();
		s->conn->callback = sock_event;
		UNLOCK_TCPIP_CORE();
	}
	sock_put(s);
	return r;
}

static bool
mbox_pending(sys_mbox_t *mbox)
{
	return sys_mbox_valid(mbox) && mbox->count > 0;
}

/* The NS_POLL_* events of s now; core lock held.  An error pending, or a connection lwIP has
 * already freed (no pcb), makes every call return at once: ready both ways. */
static int32_t
sock_poll_events(struct ns_sock *s)
{
	struct netconn *conn = s->conn;
	int32_t ev = 0;

	if (conn->pending_err != ERR_OK)
		ev |= NS_POLL_ERR | NS_POLL_IN | NS_POLL_OUT;
	if (mbox_pending(&conn->recvmbox) || (conn->flags & NETCONN_FLAG_MBOXCLOSED))
		ev |= NS_POLL_IN;
	if (!sock_is_tcp(s))
		return ev | NS_POLL_OUT;

	struct tcp_pcb *pcb = conn->pcb.tcp;
	if (s->rx || s->rx_eof || mbox_pending(&conn->acceptmbox))
		ev |= NS_POLL_IN;
	if (!pcb)
		return ev | NS_POLL_IN | NS_POLL_OUT;
	/* A listen pcb has no send buffer: its state is read first.  Writable by lwIP's own
	 * measure, the one its send-room event (NETCONN_EVT_SENDPLUS) is sent at, so that a
	 * socket found not writable is woken when it becomes so. */
	if (conn->state != NETCONN_CONNECT
	    && (pcb->state == ESTABLISHED || pcb->state == CLOSE_WAIT)
	    && tcp_sndbuf(pcb) > TCP_SNDLOWAT && tcp_sndqueuelen(pcb) < TCP_SNDQUEUELOWAT)
		ev |= NS_POLL_OUT;
	return ev;
}

static int32_t
req_poll(envid_t client, uint32_t code, volatile union nsipc *req)
{
	int32_t events = req->poll.events;
	struct ns_sock *s;
	int r;

	if (events & ~(NS_POLL_IN | NS_POLL_OUT | NS_POLL_ERR))
		return -E_INVAL;
	if ((r = sock_get(client, req->poll.sock, &s)) < 0)
		return r;
	LOCK_TCPIP_CORE();
	r = sock_poll_events(s) & events;
	UNLOCK_TCPIP_CORE();
	sock_put(s);
	return r;
}

/* Read an option back.  Returns 0 with sockopt.value set, -E_NOT_SUPP for an option we do not
 * keep, -E_INVAL for a bad socket. */
static int32_t
req_getsockopt(envid_t client, uint32_t code, volatile union nsipc *req)
{
	int32_t level = req->sockopt.level, name = req->sockopt.name, value = 0;
	struct ns_sock *s;
	uint8_t bit;
	int r;

	if ((r = sock_get(client, req->sockopt.sock, &s)) < 0)
		return r;
	LOCK_TCPIP_CORE();
	if ((bit = opt_bit(s, level, name)) != 0)
		value = (s->opts & bit) != 0;
	else if (level == SOL_SOCKET && name == SO_ERROR) {
		err_t err = netconn_err(s->conn);	/* and cleared */
		if (err != ERR_OK)
			value = sock_err(s, err);
		else if (s->connecting && s->conn->state != NETCONN_CONNECT)
			s->connecting = false;		/* a non-blocking connect went through */
	} else if (level == SOL_SOCKET && name == SO_TYPE) {
		enum netconn_type t = NETCONNTYPE_GROUP(netconn_type(s->conn));
		value = t == NETCONN_TCP ? SOCK_STREAM : t == NETCONN_UDP ? SOCK_DGRAM : SOCK_RAW;
	} else if (level == SOL_SOCKET && name == SO_RCVTIMEO)
		value = netconn_get_recvtimeout(s->conn);
	else if (level == SOL_SOCKET && name == SO_SNDTIMEO)
		value = netconn_get_sendtimeout(s->conn);
	else
		r = -E_NOT_SUPP;
	UNLOCK_TCPIP_CORE();
	if (r == 0)
		req->sockopt.value = value;
	sock_put(s);
	return r;
}

static int32_t
req_stats(envid_t client, uint32_t code, volatile union nsipc *req)
{
	struct ns_stats st;
	bool quiet = req->stats_req.quiet;

	ns_stats_fill(&st);
	if (!quiet)
		ns_stats_print(&st);
	if (req->stats_req.state)
		ns_state_print();
	memcpy((void *) &req->stats, &st, sizeof(st));
	return 0;
}

/* The handlers of the client requests, one per line of NSREQ_CLIENT_LIST (inc/ns.h), indexed by
 * code.  A handler that serves one code only ignores code. */
typedef int32_t (*nsreq_handler)(envid_t client, uint32_t code, volatile union nsipc *req);

static const nsreq_handler handlers[NSREQ_CLIENT_MAX] = {
#define NSREQ_HANDLER(code, handler) [code] = handler,
	NSREQ_CLIENT_LIST(NSREQ_HANDLER)
#undef NSREQ_HANDLER
};

int32_t
nssock_serve(envid_t client, uint32_t code, union nsipc *page, const uint8_t *data,
	     uint32_t ndata)
{
	/* The page is shared with the client: every field is read once (volatile), checked, and
	 * never trusted again after that. */
	volatile union nsipc *req = page;

	if (code < NSREQ_HELPER_MAX || code >= NSREQ_CLIENT_MAX)
		return -E_INVAL;
	if (ndata > 0)
		return code == NSREQ_SEND ? req_send_pages(client, req, data, ndata) : -E_INVAL;
	return handlers[code](client, code, req);
}
