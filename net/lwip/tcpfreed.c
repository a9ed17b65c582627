/* A netconn whose connection lwIP 2.1.3 frees without telling it is told at once. */

#include <inc/lib.h>
#include <net/serv.h>

#include <lwip/opt.h>
#include <lwip/api.h>
#include <lwip/tcp.h>
#include <lwip/tcpip.h>

/*
 * Why.  A netconn holds a pointer to its pcb until it closes, and lwIP promises to call the
 * pcb's error callback whenever it frees a pcb an application still holds (the callback drops
 * the pointer).  lwIP 2.1.3 breaks that promise in two places our sockets reach:
 *   - a pcb in TIME-WAIT, freed when 2 MSL have passed, when lwIP reclaims the oldest one for a
 *     new connection (tcp_kill_timewait: any burst of connects), or by tcp_abort
 *     (net/lwip/tcpsyn.c).  httpd shuts down its side and reads on for the client's last
 *     bytes, and the client's FIN puts the pcb in TIME-WAIT with the netconn still attached;
 *   - a pcb in LAST-ACK once the peer acknowledges our FIN, if its receive side was shut: the
 *     netconn shuts it by itself when it reads the peer's FIN (netconn_recv_data_tcp), and
 *     does not let go of the pcb in LAST-ACK as it does in FIN-WAIT.  A client that sends its
 *     request and FIN together, answered and shut down by httpd, takes this path whenever
 *     httpd reads the EOF before our FIN is acknowledged: under load, most of the time.
 * Either way the netconn keeps a freed pcb, and its close frees it again or acts on whatever
 * connection got the memory: a burst of 200 connects to httpd left a pcb linked to itself in
 * lwIP's lists, and the server either spun in the loop for good or died on lwIP's assertion.
 *
 * lwIP calls a "destroyed" callback for every pcb it frees (LWIP_TCP_PCB_NUM_EXT_ARGS), and a
 * listener's "passive open" callback for each connection it accepts, which hands the callbacks
 * on.  When the freed pcb is still its netconn's (the error callback is set, and the netconn
 * points to it), we call the error callback there and then, with ERR_ABRT.  Where lwIP frees a
 * pcb and tells the netconn itself, it either told it before the free (the netconn no longer
 * points to the pcb, so we do nothing) or tells it right after (tcp_abandon, tcp_slowtmr); the
 * netconn's error callback (err_tcp) then runs twice in a row, which only posts a second error
 * marker to mailboxes that were closed by the first.  Nothing is lost in the two broken cases:
 * both ends have sent and acknowledged everything, and the netconn's mailbox already ends
 * with the peer's EOF, before the ERR_ABRT.
 *
 * The data of our ext arg is the pcb itself (the callback is given only the data).  A
 * listener's is NULL, and so is a pcb's while it becomes one: tcp_listen frees the pcb it
 * replaces while the netconn still holds it (see ns_tcp_untrack).
 */
static u8_t freed_id;

static void freed(u8_t id, void *data);
static err_t accepted(u8_t id, struct tcp_pcb_listen *lpcb, struct tcp_pcb *cpcb);

static const struct tcp_ext_arg_callbacks freed_callbacks = {
	.destroy = freed,
	.passive_open = accepted,
};

void
ns_tcp_freed_init(void)
{
	LOCK_TCPIP_CORE();
	freed_id = tcp_ext_arg_alloc_id();
	UNLOCK_TCPIP_CORE();
}

static void
track(struct netconn *conn, bool on)
{
	struct tcp_pcb *pcb = conn->pcb.tcp;

	if (NETCONNTYPE_GROUP(netconn_type(conn)) != NETCONN_TCP || !pcb)
		return;
	LOCK_TCPIP_CORE();
	tcp_ext_arg_set_callbacks(pcb, freed_id, &freed_callbacks);
	tcp_ext_arg_set(pcb, freed_id, on && pcb->state != LISTEN ? pcb : NULL);
	UNLOCK_TCPIP_CORE();
}

void
ns_tcp_track(struct netconn *conn)
{
	track(conn, true);
}

void
ns_tcp_untrack(struct netconn *conn)
{
	track(conn, false);
}

static err_t
accepted(u8_t id, struct tcp_pcb_listen *lpcb, struct tcp_pcb *cpcb)
{
	(void) lpcb;
	tcp_ext_arg_set_callbacks(cpcb, id, &freed_callbacks);
	tcp_ext_arg_set(cpcb, id, cpcb);
	return ERR_OK;
}

static void
freed(u8_t id, void *data)
{
	struct tcp_pcb *pcb = data;

	(void) id;
	if (!pcb)
		return;
	ns_send_hold_freed(pcb);	/* the pages lwIP was sending from in place */
	if (!pcb->errf)
		return;
	struct netconn *conn = pcb->callback_arg;
	if (!conn || conn->pcb.tcp != pcb)
		return;			/* lwIP told the netconn already */
	ns_stats.tcp_freed_held++;
	pcb->errf(conn, ERR_ABRT);
}
