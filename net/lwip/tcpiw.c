/* The initial congestion window of a connection the server accepts: RFC 6928's, not lwIP's. */

#include <inc/lib.h>
#include <net/serv.h>

#include <lwip/opt.h>
#include <lwip/tcp.h>

/*
 * Why.  lwIP 2.1.3 starts every connection with RFC 3390's window, at most 4380 bytes (three
 * segments of 1460), written into tcp_in.c with no option to change it.  A download from httpd
 * then spends six turns in slow start (a capture of large.bin: 1, 2, 5, 10, 20, 30 segments)
 * before a turn carries the peer's whole 64 KB window, about 6 of the 30 ms of a 1 MiB
 * download here.  RFC 6928 allows min(10 MSS, max(2 MSS, 14600 bytes)), the window Linux and
 * most stacks start with.  We raise the window to that when the server accepts the connection,
 * before it has sent anything on it (nothing unacknowledged, no retransmission); from there
 * lwIP's congestion control goes on as its own would have from that window.  Runs under lwIP's
 * core lock.
 */
void
ns_tcp_initial_window(struct tcp_pcb *pcb)
{
	if (pcb == NULL || pcb->state != ESTABLISHED || pcb->unacked != NULL || pcb->nrtx != 0)
		return;
	tcpwnd_size_t iw = LWIP_MIN(10 * pcb->mss, LWIP_MAX(2 * pcb->mss, 14600));
	if (pcb->cwnd < iw)
		pcb->cwnd = iw;
}
