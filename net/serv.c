/* The network server (obj/net/ns, started by the kernel as ENV_TYPE_NS): starts the input,
 * output and timer helpers, brings up lwIP and the interface, and dispatches every IPC it
 * receives -- frames, timer ticks, client requests -- from one dispatcher thread. */

#include <inc/lib.h>
#include <inc/ns.h>
#include <net/serv.h>
#include <net/thread.h>
#include <net/nethelpers.h>

#include <lwip/opt.h>
#include <lwip/init.h>
#include <lwip/netif.h>
#include <lwip/tcpip.h>
#include <lwip/stats.h>
#include <lwip/sys.h>
#include <lwip/timeouts.h>

/*
 * Threads of the server (net/thread.h gives the scheduling rules):
 *   main        starts everything, then waits for the dispatcher (forever);
 *   dispatch    the only thread that blocks the environment: it runs every ready thread, wakes
 *               expired waits, then waits in ipc_recv for the next message and handles it --
 *               a frame goes into lwIP right there (core locking: the whole input path runs in
 *               this thread, never blocking); a client request gets a thread of its own;
 *   tcpip       lwIP's thread: its timers (TCP retransmission, ARP ageing, ...);
 *   req         one per client request, which may block (accept, recv, a full send buffer,
 *               connect) without stalling anyone else, and ends after answering;
 *   reaper      now and then, closes the sockets whose environments have all exited.
 * The timer helper ticks us when the earliest of our deadlines comes (timer_deadline): lwIP's
 * next timer, a thread's timed wait, an answer to send again, the reaper's turn.
 */
#define NS_TIMER_MAX_MSEC	1000	/* a tick at least this often, deadlines or not */
/* A deadline brought forward by less than this does not wake the timer helper: the tick may
 * come that much late, but a deadline that jitters by a millisecond from turn to turn (lwIP's
 * relative sleep time against our clock reading) costs no switch on every frame. */
#define NS_TIMER_SLACK_MSEC	10
#define NS_REPLY_RETRY_MSEC	10	/* an answer waiting for its client is tried this often */
#define NS_REAP_MSEC		1000
/* Answers a client was not yet waiting for: kept at most this long, this many at once. */
#define NS_REPLY_MSEC		5000
#define NS_REPLY_QUEUE		256
#define NS_THREAD_STACK		(4 * PGSIZE)
/* Requests one environment may have in service at once.  A well-behaved client waits for each
 * answer, so it has one; the limit keeps a client that sends without waiting (say, many
 * blocking accepts) from taking every thread and page slot of the server. */
#define NS_CLIENT_INFLIGHT	4

struct ns_stats ns_stats;
envid_t ns_output_envid;
static volatile struct ns_shared *shared;	/* with the helpers (net/nethelpers.h) */
static envid_t input_envid, timer_envid;
static struct netif ns_netif;

/* ---- Page slots (net/serv.h) ---------------------------------------------------------------------- */

/* Which slots are free (a bit each), so that the dispatcher can offer a run of consecutive
 * ones to a request that brings data pages (IPC_PAGES_MAX at most). */
static uint32_t page_busy[NS_PAGE_SLOTS / 32];
static uint32_t page_nfree, page_cursor;
/* Holds on each slot (ns_page_hold), and whether its owner released it: while held, the last
 * unhold then unmaps it; once unheld, until page_unmap_flush unmaps it.  A released slot may
 * not be held anew, released again or recycled (asserted). */
static uint16_t page_holds[NS_PAGE_SLOTS];
static bool page_released[NS_PAGE_SLOTS];
/* Slots whose pages are to be unmapped, by one sys_page_unmap_pages at the next allocation of
 * slots (page_unmap_flush): that comes at the latest before the dispatcher waits, once a turn.
 * A download gives back about a page a segment, each a trap of its own if unmapped at once.
 * Until then a slot stays busy, so it cannot be offered while its old page is there. */
static uintptr_t unmap_pending[PAGE_UNMAP_MAX];
static uint32_t unmap_npending;

static_assert(NS_PAGE_BASE + NS_PAGE_SLOTS * PGSIZE <= NS_PAGE_LIM,
	      "the page slots fit their region (inc/memlayout.h)");
static_assert(NS_PAGE_SLOTS % 32 == 0, "whole words of slot bits");

static bool
page_is_busy(uint32_t i)
{
	return page_busy[i / 32] & (1u << (i % 32));
}

static void
page_set_busy(uint32_t i, bool busy)
{
	if (busy) {
		page_busy[i / 32] |= 1u << (i % 32);
		page_nfree--;
	} else {
		page_busy[i / 32] &= ~(1u << (i % 32));
		page_nfree++;
	}
}

static void
page_init(void)
{
	page_nfree = NS_PAGE_SLOTS;
}

/* A run of up to want consecutive free slots, now taken: the first's address, and the run's
 * length in *got; NULL if no slot is free.  The first run of want from the cursor on, else
 * the longest met. */
static void page_unmap_flush(void);

static void *
page_alloc_run(uint32_t want, uint32_t *got)
{
	page_unmap_flush();
	uint32_t best = 0, best_len = 0;

	if (page_nfree == 0)
		return NULL;
	for (uint32_t scanned = 0; scanned < NS_PAGE_SLOTS && best_len < want; ) {
		uint32_t i = (page_cursor + scanned) % NS_PAGE_SLOTS, len = 0;
		while (len < want && i + len < NS_PAGE_SLOTS && !page_is_busy(i + len))
			len++;
		if (len > best_len) {
			best = i;
			best_len = len;
		}
		scanned += len + 1;
	}
	for (uint32_t k = 0; k < best_len; k++)
		page_set_busy(best + k, true);
	page_cursor = (best + best_len) % NS_PAGE_SLOTS;
	*got = best_len;
	return (void *) (NS_PAGE_BASE + best * PGSIZE);
}

void *
ns_page_alloc(void)
{
	uint32_t got;

	return page_alloc_run(1, &got);
}

int
ns_page_slot(const void *va)
{
	uintptr_t a = (uintptr_t) va;

	assert(a >= NS_PAGE_BASE && a < NS_PAGE_BASE + NS_PAGE_SLOTS * PGSIZE
	       && a % PGSIZE == 0);
	return (a - NS_PAGE_BASE) / PGSIZE;
}

/* Return a slot that received no page (nothing to unmap). */
static void
page_unused(void *va)
{
	uint32_t i = ns_page_slot(va);

	assert(page_is_busy(i));
	page_set_busy(i, false);
}

bool
ns_page_in_slots(const void *va)
{
	return (uintptr_t) va >= NS_PAGE_BASE && (uintptr_t) va < NS_PAGE_BASE + NS_PAGE_SLOTS * PGSIZE;
}

bool
ns_page_held(const void *va)
{
	return page_holds[ns_page_slot(ROUNDDOWN(va, PGSIZE))] > 0;
}

void
ns_page_hold(const void *va)
{
	uint32_t i = ns_page_slot(ROUNDDOWN(va, PGSIZE));

	/* Only a mapped page: its owner has not released it, or others hold it still. */
	assert(page_is_busy(i) && (!page_released[i] || page_holds[i] > 0) && page_holds[i] < 0xFFFF);
	page_holds[i]++;
}

/* Unmap the pending slots' pages and free the slots. */
static void
page_unmap_flush(void)
{
	int r;

	if (unmap_npending == 0)
		return;
	if ((r = sys_page_unmap_pages(0, unmap_pending, unmap_npending)) < 0)
		panic("ns: unmapping %u page slots: %e", unmap_npending, r);
	for (uint32_t k = 0; k < unmap_npending; k++) {
		page_released[ns_page_slot((void *) unmap_pending[k])] = false;
		page_unused((void *) unmap_pending[k]);
	}
	unmap_npending = 0;
}

/* Unmap slot i's page and free the slot: soon (page_unmap_flush). */
static void
page_unmap(uint32_t i)
{
	if (unmap_npending == PAGE_UNMAP_MAX)
		page_unmap_flush();
	page_released[i] = true;		/* until the flush: nobody may use it */
	unmap_pending[unmap_npending++] = NS_PAGE_BASE + i * PGSIZE;
}

void
ns_page_unhold(const void *va)
{
	uint32_t i = ns_page_slot(ROUNDDOWN(va, PGSIZE));

	assert(page_holds[i] > 0);
	if (--page_holds[i] == 0 && page_released[i]) {
		page_released[i] = false;
		page_unmap(i);
	}
}

void
ns_page_recycle(void *va)
{
	/* Back to the card's ring if it is a received page only we hold; else just unmapped. */
	assert(!page_released[ns_page_slot(va)]);
	if (page_holds[ns_page_slot(va)] == 0 && sys_net_recycle(va) == 0)
		page_unused(va);
	else
		ns_page_release(va);
}

void
ns_page_release(void *va)
{
	uint32_t i = ns_page_slot(va);

	assert(!page_released[i]);		/* released twice */
	if (page_holds[i] > 0)
		page_released[i] = true;	/* the last unhold unmaps it */
	else
		page_unmap(i);
}

/* ---- Answers ------------------------------------------------------------------------------------------ */

/*
 * An answer whose client is not receiving yet (it sent its request and will soon wait, or it
 * is slow, or hostile) waits here, in order, and is sent again at every turn of the dispatcher
 * (at the latest NS_REPLY_RETRY_MSEC later: timer_deadline) until the client takes it or
 * NS_REPLY_MSEC pass (then it is lost: replies_lost).  The server never waits for a client.
 * One client has at most NS_CLIENT_INFLIGHT answers here, so it takes NS_REPLY_QUEUE /
 * NS_CLIENT_INFLIGHT (64) clients that never receive to fill the queue for the others.
 */
struct ns_pending_reply {
	envid_t client;
	int32_t value;
	uint32_t deadline;
};
static struct ns_pending_reply pending[NS_REPLY_QUEUE];
static uint32_t npending;

static uint32_t
pending_count(envid_t client)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < npending; i++)
		n += pending[i].client == client;
	return n;
}

/* An answer went out this dispatcher turn (dispatch: the client may come back at once). */
static bool replied_this_turn;

void
ns_reply(envid_t client, int32_t value)
{
	int r = -E_IPC_NOT_RECV;

	/* Behind an answer already waiting for the same client, to keep their order. */
	if (pending_count(client) == 0)
		r = sys_ipc_try_send(client, value, (void *) UTOP, 0);
	if (r == 0) {
		replied_this_turn = true;
		return;
	}
	if (r == -E_IPC_NOT_RECV && npending < NS_REPLY_QUEUE
	    && pending_count(client) < NS_CLIENT_INFLIGHT) {
		pending[npending++] = (struct ns_pending_reply) {
			client, value, sys_time_msec() + NS_REPLY_MSEC
		};
		ns_stats.replies_queued++;
		return;
	}
	ns_stats.replies_lost++;
}

/* Send the waiting answers whose clients now receive; drop those past their deadline. */
static void
replies_retry(uint32_t now)
{
	uint32_t kept = 0;

	for (uint32_t i = 0; i < npending; i++) {
		struct ns_pending_reply *pr = &pending[i];
		int r = -E_IPC_NOT_RECV;
		/* Only a client's first answer may go: the next waits for the next turn. */
		bool first = true;
		for (uint32_t j = 0; j < kept; j++)
			first &= pending[j].client != pr->client;
		if (first)
			r = sys_ipc_try_send(pr->client, pr->value, (void *) UTOP, 0);
		if (r == -E_IPC_NOT_RECV && (int32_t) (now - pr->deadline) < 0)
			pending[kept++] = *pr;
		else if (r < 0)
			ns_stats.replies_lost++;
	}
	npending = kept;
}

/* ---- Statistics ------------------------------------------------------------------------------------- */

void
ns_stats_fill(struct ns_stats *st)
{
	struct thread_stats ts;

	*st = ns_stats;
	st->sockets_open = nssock_open_count();
	thread_get_stats(&ts);
	st->threads_live = ts.live;
	st->threads_max = ts.live_max;
	st->thread_create_failed = ts.create_failed;
	st->rx_ring_full = shared->rx_input_waits;
	st->tx_batches = ns_netif_tx_ring()->batches;
	struct net_info ni;
	if (sys_net_info(&ni) == 0) {
		st->nic_intrs = ni.intrs;
		st->nic_doorbells = ni.tx_doorbells;
		st->nic_rx_calls = ni.rx_calls;
		st->nic_rx_zeroed = ni.rx_zeroed;
		st->nic_rx_recycled = ni.rx_recycled;
		st->nic_rx_stashed = ni.rx_stashed;
	}
	st->lwip_mem_err = lwip_stats.mem.err;
	st->tx_held = ns_netif_tx_held();
	LOCK_TCPIP_CORE();
	ns_send_hold_check();
	st->send_holds = ns_send_hold_count();
	UNLOCK_TCPIP_CORE();
	st->heap_used = lwip_stats.mem.used;
	st->heap_pressure = nssock_heap_pressure();
	st->lwip_memp_err = 0;
	for (int i = 0; i < MEMP_MAX; i++)
		st->lwip_memp_err += lwip_stats.memp[i]->err;
}

void
ns_stats_print(const struct ns_stats *st)
{
	cprintf("ns stats: rx %u frames %u bytes in %u wake-ups (ring full %u times) and %u polls, "
		"%u dropped, pages held %u (max %u), no copy; %u ACKs thinned\n", st->rx_frames,
		st->rx_bytes, st->rx_drains, st->rx_ring_full, st->rx_polls, st->rx_dropped,
		st->rx_pages_held, st->rx_pages_held_max, st->rx_acks_thinned);
	cprintf("ns stats: tx %u frames %u bytes, %u dropped; %u bytes copied (headers), %u named "
		"in place (%u frames from chains); %u segments merged into %u frames the card "
		"segments; %u send calls by the output helper, %u by the server\n", st->tx_frames,
		st->tx_bytes, st->tx_dropped, st->tx_copy_bytes, st->tx_ref_bytes, st->tx_chained,
		st->tx_merged, st->tx_tso_frames, st->tx_batches, st->tx_direct_batches);
	cprintf("ns stats: payload: TCP send %u bytes, %u copied; lent pages %u bytes, %u copied; "
		"recv %u bytes, %u copied; datagrams sent %u bytes (frames copied %u bytes from "
		"outside the heap), received %u bytes, %u copied\n", st->send_bytes,
		st->send_copy_bytes, st->lend_bytes, st->lend_copy_bytes, st->recv_bytes,
		st->recv_copy_bytes, st->dgram_send_bytes, st->tx_body_copy_bytes,
		st->dgram_recv_bytes, st->dgram_recv_copy_bytes);
	cprintf("ns stats: lent pages sent in place: sends held %u (max %u); heap %u bytes used, "
		"sends waited %u times for room past %u\n", st->send_holds, st->send_holds_max,
		st->heap_used, st->send_room_waits, st->heap_pressure);
	cprintf("ns stats: requests %u (%u refused, %u answers lost); sockets %u open, %u max, "
		"%u reaped\n", st->requests, st->requests_bad, st->replies_lost, st->sockets_open,
		st->sockets_max, st->sockets_reaped);
	cprintf("ns stats: threads %u live, %u max, %u refused; %u ticks; lwIP alloc failures "
		"heap %u pools %u\n", st->threads_live, st->threads_max, st->thread_create_failed,
		st->timer_ticks, st->lwip_mem_err, st->lwip_memp_err);
	cprintf("ns stats: small frames copied %u bytes; segments past a share dropped %u; "
		"waited: answers %u, frames %u\n", st->rx_copy_bytes, st->rx_share_dropped,
		st->replies_queued, st->tx_queued);
	cprintf("ns stats: TCP: %u reopened from TIME-WAIT by a new SYN, %u SYNs refused with the "
		"listener full, %u freed by lwIP under a socket\n", st->tcp_tw_reopened,
		st->tcp_syn_refused, st->tcp_freed_held);
}

void
ns_state_print(void)
{
	LOCK_TCPIP_CORE();
	uint32_t holds = ns_send_hold_count();
	UNLOCK_TCPIP_CORE();
	cprintf("ns state: %u of %u page slots free, %u answers waiting, %u sends holding pages\n",
		page_nfree, NS_PAGE_SLOTS, npending, holds);
	nssock_print("ns state: ");
	thread_print("ns state: ");
}

/* ---- Client requests ------------------------------------------------------------------------------ */

/* A request being served: one per page slot, since each request holds its page's slot. */
struct ns_request {
	envid_t client;
	uint32_t code;
	union nsipc *page;
	uint32_t ndata;			/* data pages after it (a send's), in the next slots */
	bool keep;			/* the handler kept the request page (ns_page_keep) */
};
static struct ns_request requests[NS_PAGE_SLOTS];
static uint8_t inflight[NENV];		/* requests in service, by ENVX of the client */

static void
request_thread(void *arg)
{
	struct ns_request *rq = arg;
	int32_t r = nssock_serve(rq->client, rq->code, rq->page,
				 (const uint8_t *) rq->page + PGSIZE, rq->ndata);

	/* Unmap first: once answered, the client may reuse the pages for its next request. */
	for (uint32_t i = rq->keep ? 1 : 0; i <= rq->ndata; i++)
		ns_page_release((uint8_t *) rq->page + i * PGSIZE);
	inflight[ENVX(rq->client)]--;
	ns_reply(rq->client, r);
}

/* Start serving a client's request in a thread of its own.  page is where its request page was
 * received, NULL if none came; offered says whether we had a slot to receive one (else the
 * request is answered -E_NO_MEM: the server is short of slots, not the client wrong). */
static void
request_start(envid_t client, uint32_t code, void *page, int perm, bool offered,
	      uint32_t npages)
{
	/* A send with data pages may come read-only (they may be lent file pages): its answer
	 * is the IPC value alone.  Every other request page must be writable. */
	const int need = npages > 1 ? PTE_P | PTE_U : PTE_P | PTE_U | PTE_W;
	struct ns_request *rq;

	/* From here on, releasing the request releases its data pages too. */
#define RQ_RELEASE(page)	do {						\
		for (uint32_t i_ = 0; i_ < npages; i_++)				\
			ns_page_release((uint8_t *) (page) + i_ * PGSIZE);		\
	} while (0)

	if (code < NSREQ_HELPER_MAX || code >= NSREQ_CLIENT_MAX || !page
	    || (perm & need) != need) {
		if (page)
			RQ_RELEASE(page);
		if (offered)
			ns_stats.requests_bad++;
		ns_reply(client, offered ? -E_INVAL : -E_NO_MEM);
		return;
	}
	if (inflight[ENVX(client)] >= NS_CLIENT_INFLIGHT) {
		RQ_RELEASE(page);
		ns_stats.requests_bad++;
		ns_reply(client, -E_BUSY);
		return;
	}
	rq = &requests[ns_page_slot(page)];
	rq->client = client;
	rq->code = code;
	rq->page = page;
	rq->ndata = npages - 1;
	rq->keep = false;
	ns_stats.requests++;
	if (thread_create("req", request_thread, rq, NS_THREAD_STACK, THREAD_F_DETACHED) < 0) {
		RQ_RELEASE(page);
		ns_reply(client, -E_NO_MEM);
		return;
	}
	inflight[ENVX(client)]++;
#undef RQ_RELEASE
}

void
ns_page_keep(void *page)
{
	requests[ns_page_slot(page)].keep = true;
}

/* ---- The dispatcher ------------------------------------------------------------------------------- */

static bool reaper_running;

static void
reaper_thread(void *arg)
{
	(void) arg;
	nssock_reap();
	reaper_running = false;
}

static uint32_t last_reap;

static void
timer_tick(void)
{
	uint32_t now = sys_time_msec();

	ns_stats.timer_ticks++;

	/* lwIP's timers (TCP's 250 ms timer, ARP, ...).  The tcpip thread runs them too, when the
	 * earliest was due as it went to sleep; but a timer added since (the TCP timer starts with
	 * the first connection) would wait for that thread's next wake-up, up to a second.  The
	 * tick comes when the earliest is due (timer_deadline).  Timer handlers never block (core
	 * locking). */
	LOCK_TCPIP_CORE();
	sys_check_timeouts();
	UNLOCK_TCPIP_CORE();

	if (!reaper_running && (int32_t) (now - last_reap) >= NS_REAP_MSEC) {
		last_reap = now;
		if (thread_create("reaper", reaper_thread, NULL, NS_THREAD_STACK,
				  THREAD_F_DETACHED) >= 0)
			reaper_running = true;
	}
}

/* Tell the timer helper when to tick us next: the earliest of lwIP's next timer, the threads'
 * timed waits, the next try of an answer waiting for its client, and the reaper's turn, at
 * most NS_TIMER_MAX_MSEC away.  Waking the helper costs a switch, so only a deadline brought
 * forward does; one put back just earns a tick that finds nothing to do.  Idle, that is about
 * one tick a second (lwIP's ARP timer, the reaper), four with connections open or in
 * TIME-WAIT (TCP's 250 ms timer), instead of a tick every 100 ms. */
static bool
earlier(uint32_t a, uint32_t b)
{
	return (int32_t) (a - b) < 0;
}

/* now: the dispatcher's clock reading of this turn, a little old by the time we get here, which
 * only brings a deadline a little forward. */
static void
timer_deadline(uint32_t now)
{
	uint32_t d = now + NS_TIMER_MAX_MSEC, t;

	LOCK_TCPIP_CORE();
	u32_t lwip = sys_timeouts_sleeptime();
	UNLOCK_TCPIP_CORE();
	if (lwip != SYS_TIMEOUTS_SLEEPTIME_INFINITE && lwip < NS_TIMER_MAX_MSEC)
		d = now + lwip;
	if (thread_next_deadline(&t) && earlier(t, d))
		d = t;
	if (npending > 0 && earlier(now + NS_REPLY_RETRY_MSEC, d))
		d = now + NS_REPLY_RETRY_MSEC;
	if (earlier(last_reap + NS_REAP_MSEC, d))
		d = last_reap + NS_REAP_MSEC;

	uint32_t old = shared->timer_deadline;
	if (d == old)
		return;
	shared->timer_deadline = d;
	if (earlier(d + NS_TIMER_SLACK_MSEC, old))
		sys_page_wake(&shared->timer_deadline);
}

/* The helpers' messages to us (inc/ns.h).  A handler takes the message's page, NULL if none
 * came, and answers nothing. */
/* ---- The receive ring (net/nethelpers.h) ---------------------------------------------------------- */

static struct net_rx_frame *rx_ring;	/* NS_RX_RING_VA */

/* A short frame, copied into its entry, to lwIP, unless the entry after it, next (NULL: none),
 * is an ACK that stands for it (net/lwip/ackthin.c). */
static void
rx_inline(const struct net_rx_frame *f, const struct net_rx_frame *next)
{
	if (f->nf_len <= NET_RX_INLINE_MAX && !(next && ns_netif_ack_superseded(f, next)))
		ns_netif_input_copy(&ns_netif, f->nf_data, f->nf_len);
}

/* Take every frame the input helper has published, in order, into lwIP; give the entries
 * back, and wake the helper if it waits for them. */
static void
rx_drain(void)
{
	uint32_t head = shared->rx_head, tail = shared->rx_tail;

	if (head == tail)
		return;
	ns_barrier();			/* the entries are read after the head that published them */
	ns_stats.rx_drains++;
	for (; tail != head; tail++) {
		uint32_t at = tail % NS_RX_RING_SLOTS;
		const struct net_rx_frame *f = &rx_ring[at];
		void *page;

		if (f->nf_where == NET_RX_INLINE && f->nf_len <= NET_RX_INLINE_MAX) {
			rx_inline(f, tail + 1 != head ? &rx_ring[(tail + 1) % NS_RX_RING_SLOTS] : NULL);
		} else if (f->nf_where == NET_RX_MAPPED && (page = ns_page_alloc()) != NULL) {
			void *win = (void *) (INPUT_WIN_VA + at * PGSIZE);
			int r = sys_page_map(input_envid, win, 0, page, PTE_P | PTE_U | PTE_W);
			if (r < 0) {
				page_unused(page);
				ns_stats.rx_dropped++;
			} else {
				/* Ours alone, so that it can go back to the card when lwIP is done
				 * with it (ns_page_recycle). */
				sys_page_unmap(input_envid, win);
				ns_netif_input(&ns_netif, page);
			}
		} else
			ns_stats.rx_dropped++;	/* no page slot free (or a broken entry) */
	}
	shared->rx_tail = tail;
	ns_ring_wake(&shared->rx_tail, &shared->rx_input_waiting);
}

/*
 * Polling the card ourselves.  QEMU's card delivers its peer's answers to a burst (a 64 KB
 * burst draws 45 ACKs) before the doorbell write that sent it returns, so after a turn in
 * which we sent frames ourselves (ns_netif_flush) the answers are usually in already.  We take
 * them at once, with NET_RX_ORDERED so that none overtakes a frame the input helper took
 * first (kern/netsys.h), the long ones' pages mapped straight into a run of our page slots,
 * and run another turn: the stream goes on without a switch to the input helper and back,
 * each of which empties QEMU's soft TLB.  The kernel puts the helper, woken by the card's
 * interrupt, back to sleep when we empty the ring before it runs.  At most NS_RX_POLL_TURNS
 * turns in a row, so that clients' requests (which wait for us to receive) are not starved,
 * and none after a turn that answered a client: it may come back at once with more (httpd's
 * next 256 KB of a file, fetched while lwIP still has the last one's end to send; polling on
 * left the card idle for 0.7 ms at every 256 KB of a download, until lwIP's queue ran dry).
 */
#define NS_RX_POLL_TURNS	16

static struct net_rx_frame rx_polled[NET_RX_BATCH_MAX];
/* The run of page slots a poll offers the card for long frames: kept from one poll to the next
 * while they bring only short ones (ACKs, copied into the entries), given back by rx_poll_end. */
static uint8_t *rx_poll_run;
static uint32_t rx_poll_n;

static void
rx_poll_end(void)
{
	for (uint32_t i = 0; rx_poll_run && i < rx_poll_n; i++)
		page_unused(rx_poll_run + i * PGSIZE);
	rx_poll_run = NULL;
}

/* Take the frames ready in the card into lwIP: whether any came. */
static bool
rx_poll(void)
{
	if (!rx_poll_run && !(rx_poll_run = page_alloc_run(NET_RX_BATCH_MAX, &rx_poll_n)))
		return false;
	uint8_t *run = rx_poll_run;
	int r = sys_net_recv_batch(rx_polled, rx_poll_n, run, NET_NONBLOCK | NET_RX_ORDERED);
	bool mapped = false;
	for (int i = 0; i < r; i++)
		mapped |= rx_polled[i].nf_where == NET_RX_MAPPED;
	if (mapped) {
		/* Those slots hold frames now: the rest go back, and the next poll takes a new run. */
		for (int i = 0; i < (int) rx_poll_n; i++)
			if (i >= r || rx_polled[i].nf_where != NET_RX_MAPPED)
				page_unused(run + i * PGSIZE);
		rx_poll_run = NULL;
	}
	if (r <= 0)
		return false;	/* -E_AGAIN: none; -E_BUSY: the helper took some first */
	ns_stats.rx_polls++;
	/* Whatever the helper took before our call it has published (it publishes before it calls
	 * again, and NET_RX_ORDERED let us in): those first. */
	rx_drain();
	for (int i = 0; i < r; i++) {
		const struct net_rx_frame *f = &rx_polled[i];
		if (f->nf_where == NET_RX_MAPPED)
			ns_netif_input(&ns_netif, run + i * PGSIZE);
		else
			rx_inline(f, i + 1 < r ? &rx_polled[i + 1] : NULL);
	}
	return true;
}

/* About to wait for IPC: ask the input helper for a poke, unless frames came meanwhile (then
 * false: drain them first). */
static bool
rx_idle(void)
{
	shared->rx_ns_idle = 1;
	ns_barrier();
	if (shared->rx_head == shared->rx_tail)
		return true;
	shared->rx_ns_idle = 0;		/* only we write it */
	return false;
}

static void
helper_input(void *page)
{
	/* The poke carries no page: the frames are in the ring, drained every turn. */
	if (page)
		ns_page_release(page);
}

static void
helper_timer(void *page)
{
	if (page)
		ns_page_release(page);
	timer_tick();
}

/* The output helper receives again: the dispatcher's next turn sends the queued frames
 * (ns_netif_flush), nothing more to do. */
static void
helper_output_ready(void *page)
{
	if (page)
		ns_page_release(page);
}

/* By code: the helper each message must come from, and its handler.  Anything else a helper
 * sends us is out of turn, and dropped. */
static const struct helper_request {
	envid_t *from;
	void (*handle)(void *page);
} helper_requests[NSREQ_HELPER_MAX] = {
	[NSREQ_INPUT] =		{ &input_envid, helper_input },
	[NSREQ_TIMER] =		{ &timer_envid, helper_timer },
	[NSREQ_OUTPUT_READY] =	{ &ns_output_envid, helper_output_ready },
};

static void
dispatch(void *arg)
{
	uint32_t polls = 0;

	(void) arg;
	for (;;) {
		envid_t from;
		int perm;

		/* One clock reading a turn: the turn runs for every frame and request. */
		uint32_t now = sys_time_msec();
		rx_drain();
		thread_wake_expired(now);
		thread_run_ready();
		replies_retry(now);
		if (ns_send_hold_count() > 0) {
			LOCK_TCPIP_CORE();
			ns_send_hold_check();
			UNLOCK_TCPIP_CORE();
		}
		bool replied = replied_this_turn;
		replied_this_turn = false;
		if (ns_netif_flush() > 0 && !replied && polls < NS_RX_POLL_TURNS && rx_poll()) {
			polls++;
			continue;
		}
		rx_poll_end();
		polls = 0;
		if (!rx_idle())
			continue;

		/* A run of slots: a request page and the data pages a send may bring. */
		uint32_t offered_n = 0, got = 0;
		void *page = page_alloc_run(IPC_PAGES_MAX, &offered_n);
		bool offered = page != NULL;
		timer_deadline(now);
		int32_t value = ipc_recv_pages(&from, page, offered_n, &perm, &got);
		shared->rx_ns_idle = 0;
		for (uint32_t i = got; i < offered_n; i++)	/* the slots no page came to */
			page_unused((uint8_t *) page + i * PGSIZE);
		if (got == 0)
			page = NULL;
		if (from == 0)			/* sys_ipc_recv failed: cannot happen for our va */
			continue;

		const struct helper_request *hr = (uint32_t) value < NSREQ_HELPER_MAX
			? &helper_requests[value] : NULL;
		bool helper = from == input_envid || from == timer_envid || from == ns_output_envid;
		if (got > 1 && (helper || (uint32_t) value != NSREQ_SEND)) {
			/* Data pages come only with a client's send: a malformed request. */
			for (uint32_t i = 0; i < got; i++)
				ns_page_release((uint8_t *) page + i * PGSIZE);
			if (!helper) {
				ns_stats.requests_bad++;
				ns_reply(from, -E_INVAL);
			}
			continue;
		}
		if (hr && hr->handle && from == *hr->from) {
			hr->handle(page);
		} else if (helper) {
			/* A helper speaking out of turn: nothing to answer. */
			if (page)
				ns_page_release(page);
		} else
			request_start(from, (uint32_t) value, page, perm, offered, got);
	}
}

/* ---- Start ---------------------------------------------------------------------------------------- */

/* Make every copy-on-write page of our data and bss ours now, once the helpers are forked
 * (each fork made them copy-on-write): a page first written later -- the pcb pool's last pages
 * in the first burst of connections, say -- would be copied then, and the free page count of an
 * idle server would depend on the highest load it has seen. */
static void
own_memory(void)
{
	extern char etext[], end[];

	for (uintptr_t va = ROUNDDOWN((uintptr_t) etext, PGSIZE); va < (uintptr_t) end;
	     va += PGSIZE)
		if ((uvpd[PDX(va)] & PTE_P) && (uvpt[PGNUM(va)] & PTE_COW)) {
			volatile char *p = (volatile char *) va;
			*p = *p;		/* the fault handler copies the page */
		}
}

/* Fork a helper that runs fn and never returns to us. */
static envid_t
helper_start(const char *what, void (*fn)(envid_t, uint32_t), envid_t ns, uint32_t arg)
{
	envid_t e = fork();

	if (e < 0)
		panic("ns: fork for the %s helper: %e", what, e);
	if (e == 0) {
		binaryname = what;
		fn(ns, arg);
		exit();
	}
	return e;
}

static void
run_input(envid_t ns, uint32_t arg)
{
	(void) arg;
	input(ns, shared, rx_ring);
}

static void
run_output(envid_t ns, uint32_t arg)
{
	(void) arg;
	output(ns, ns_netif_tx_ring());
}

static void
run_timer(envid_t ns, uint32_t arg)
{
	(void) arg;
	timer(ns, &shared->timer_deadline);
}

static void
tcpip_ready(void *arg)
{
	sys_sem_signal((sys_sem_t *) arg);
}

void
umain(int argc, char **argv)
{
	envid_t ns = sys_getenvid();
	sys_sem_t ready;
	thread_id_t d;

	binaryname = "ns";

	/* The helpers first: fork copies our address space, smallest before lwIP and the
	 * threads exist.  The output and timer helpers share a page with us (fork keeps PTE_SHARE
	 * pages shared): the word saying we wait for the output helper, and our next deadline
	 * (struct ns_shared, net/nethelpers.h). */
	int r = sys_page_alloc(0, (void *) NS_SHARED_VA, PTE_P | PTE_U | PTE_W | PTE_SHARE);
	if (r < 0)
		panic("ns: the page shared with the helpers: %e", r);
	shared = (volatile struct ns_shared *) NS_SHARED_VA;
	last_reap = sys_time_msec();
	shared->timer_deadline = last_reap + NS_REAP_MSEC;
	/* The receive ring, shared with the input helper the same way. */
	for (int i = 0; i < NS_RX_RING_PAGES; i++)
		if ((r = sys_page_alloc(0, (void *) (NS_RX_RING_VA + i * PGSIZE),
					PTE_P | PTE_U | PTE_W | PTE_SHARE)) < 0)
			panic("ns: the receive ring: %e", r);
	rx_ring = (struct net_rx_frame *) NS_RX_RING_VA;
	/* The transmit ring, shared with the output helper the same way. */
	ns_netif_tx_init();
	ns_output_envid = helper_start("ns-output", run_output, ns, 0);
	input_envid = helper_start("ns-input", run_input, ns, 0);
	timer_envid = helper_start("ns-timer", run_timer, ns, 0);
	own_memory();
	ns_netif_tx_region_init();

	thread_init();
	thread_check();
	page_init();
	nssock_init();

	sys_sem_new(&ready, 0);
	tcpip_init(tcpip_ready, &ready);
	sys_sem_wait(&ready);
	sys_sem_free(&ready);
	ns_tcp_freed_init();
	ns_ack_thin_check();

	/* The address: static, or from DHCP (net/nsaddr.c), which prints it. */
	if (!ns_addr_start(&ns_netif, argc, argv))
		cprintf("ns: no network interface: loopback only\n");

	if ((d = thread_create("dispatch", dispatch, NULL, NS_THREAD_STACK, THREAD_F_NOBLOCK)) < 0)
		panic("ns: no dispatcher thread: %e", d);
	cprintf("ns: serving\n");
	thread_join(d, NULL);
	panic("ns: the dispatcher returned");
}
