/* The pages a client lent for a send, held while lwIP sends from them in place. */

#include <inc/lib.h>
#include <net/serv.h>

#include <lwip/opt.h>
#include <lwip/tcp.h>
#include <lwip/priv/tcp_priv.h>

/*
 * A send of a file's pages (NS_SEND_FILE_PAGES: sendfile's, inc/ns.h) is written into lwIP
 * without a copy (NETCONN_NOCOPY, net/nssock.c): lwIP's segments point into the page slots the
 * pages came to, and may be sent again from there until the peer acknowledges them.  So the
 * pages outlive the request: each send's pages are held (ns_page_hold) from the write until
 * the connection's acknowledged sequence (pcb->lastack) has reached the end of its bytes, or
 * until lwIP frees the connection (ns_send_hold_freed, from net/lwip/tcpfreed.c, which sees
 * every connection's pcb freed).  The frames naming those bytes hold the pages too, until the
 * card is done (net/lwip/netif.c), so the card never reads an unmapped or reused slot.
 *
 * Who may write a held page: no one.  The file server lent it read-only, maps it nowhere
 * writable but in its own cache, and writes a copy of a block whose page anyone else maps
 * (bc_unshare, fs/bc.c): a write to the file while its pages are held changes the file, and
 * what is sent stays the file as it was when the pages were borrowed.  The client that lent
 * them holds a read-only mapping at most, and may drop it at once (sendfile does).
 *
 * The hold is taken before the write (ns_send_hold_begin), which may block and let other sends
 * run, and given its end after (ns_send_hold_end), whatever the write returned: a write cut
 * short by a close reports no count, yet lwIP may have queued segments of the pages, which the
 * connection goes on sending.  Until then the hold waits for nothing but the connection's end.
 * A send that finds the table full, or NS_SEND_HOLD_SLOTS pages held (inc/ns.h), is copied
 * instead.  Everything here runs under lwIP's core lock.
 */
#define NS_SEND_HOLDS	256

static struct send_hold {
	const struct tcp_pcb *pcb;
	uint32_t token;			/* which send (ns_send_hold_begin's answer) */
	bool written;			/* end is known */
	uint32_t end;			/* the sequence number after the send's last byte */
	const uint8_t *pages;		/* the first page, and how many after it */
	uint32_t npages;
} holds[NS_SEND_HOLDS];
static uint32_t nholds;			/* entries in use: the first nholds */
static uint32_t held_slots;		/* their pages, at most NS_SEND_HOLD_SLOTS */
static uint32_t next_token = 1;

uint32_t
ns_send_hold_begin(const struct tcp_pcb *pcb, const void *pages, uint32_t npages)
{
	if (nholds == NS_SEND_HOLDS || pcb == NULL || held_slots + npages > NS_SEND_HOLD_SLOTS)
		return 0;
	held_slots += npages;
	for (uint32_t i = 0; i < npages; i++)
		ns_page_hold((const uint8_t *) pages + i * PGSIZE);
	uint32_t token = next_token++;
	if (next_token == 0)
		next_token = 1;
	holds[nholds++] = (struct send_hold) { pcb, token, false, 0, pages, npages };
	if (nholds > ns_stats.send_holds_max)
		ns_stats.send_holds_max = nholds;
	return token;
}

/* The entry of token, or NULL if it is gone (its connection was freed). */
static struct send_hold *
hold_find(uint32_t token)
{
	for (uint32_t i = 0; i < nholds; i++)
		if (holds[i].token == token)
			return &holds[i];
	return NULL;
}

void
ns_send_hold_end(uint32_t token)
{
	struct send_hold *h = hold_find(token);

	/* Gone: its connection was freed, segments and all.  Else the pcb is alive (we would have
	 * been told), even if its netconn let go of it meanwhile (a close), and our bytes end
	 * where its buffered bytes end: lwIP takes one write at a time on a connection. */
	if (h) {
		h->end = h->pcb->snd_lbb;
		h->written = true;
	}
}

/* Let go of entry i's pages; the last entry takes its place. */
static void
hold_drop(uint32_t i)
{
	for (uint32_t k = 0; k < holds[i].npages; k++)
		ns_page_unhold(holds[i].pages + k * PGSIZE);
	held_slots -= holds[i].npages;
	holds[i] = holds[--nholds];
}

void
ns_send_hold_check(void)
{
	for (uint32_t i = 0; i < nholds; )
		if (holds[i].written && TCP_SEQ_GEQ(holds[i].pcb->lastack, holds[i].end))
			hold_drop(i);
		else
			i++;
}

void
ns_send_hold_freed(const struct tcp_pcb *pcb)
{
	for (uint32_t i = 0; i < nholds; )
		if (holds[i].pcb == pcb)
			hold_drop(i);
		else
			i++;
}

uint32_t
ns_send_hold_count(void)
{
	return nholds;
}
