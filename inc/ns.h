/* The network server's shared definitions: the packet page that carries one Ethernet frame
 * between the kernel's NIC calls, the input/output/timer helpers and the server, the IPC
 * request codes of the helpers, and the socket requests of client environments (lib/nsipc.c
 * to net/nssock.c) with their request/response page. */
#ifndef INC_NS_H
#define INC_NS_H

#include <inc/types.h>
#include <inc/mmu.h>
#include <inc/socket.h>
#include <inc/netconf.h>	/* NET_FRAME_MAX, the largest frame, and the network's addresses */

/*
 * Transmit checksum offload: what a packet page asks the card to compute as it sends the frame
 * (sys_net_send with NET_TX_OFFLOAD, given the page's np_data).  Offsets count from the frame's
 * first byte (np_data[0]); the names are the card's (8254x manual, 3.3.5).  With NET_OFFLOAD_IP
 * the card sums bytes ipcss..ipcse (inclusive) and stores the checksum at ipcso (the field must
 * hold 0); with NET_OFFLOAD_L4 it sums from tucss to the frame's end and stores it at tucso
 * (the field must hold the pseudo-header's sum, not complemented: the card adds none).  The
 * kernel refuses (-E_INVAL) a field or range outside the frame or a checksum field outside
 * its range, and unknown flags; no_flags 0 sends the frame as it is.  The other fields of a
 * checksum not asked for are ignored.
 */
struct net_tx_offload {
	uint16_t no_flags;		/* NET_OFFLOAD_* */
	uint16_t no_ipcse;		/* IP checksum: the last byte summed (the header's) */
	uint8_t no_ipcss;		/* IP checksum: the first byte summed */
	uint8_t no_ipcso;		/* IP checksum: where it goes */
	uint8_t no_tucss;		/* TCP/UDP checksum: the first byte summed */
	uint8_t no_tucso;		/* TCP/UDP checksum: where it goes */
};
#define NET_OFFLOAD_IP		0x1	/* insert the IPv4 header checksum */
#define NET_OFFLOAD_L4		0x2	/* insert the TCP or UDP checksum */
#define NET_OFFLOAD_ALL		(NET_OFFLOAD_IP | NET_OFFLOAD_L4)
#define NET_OFFLOAD_TSO		0x4	/* TCP segmentation (sys_net_send_batch only) */

/*
 * Batched, scatter-gather transmit (sys_net_send_batch): an array of frames, each described by
 * a struct net_tx_frame in the caller's memory (the kernel copies it before looking at it).  A
 * frame is up to NET_TX_FRAGS_MAX fragments, each inside one user page below UTOP, mapped
 * PTE_U|PTE_P, sent in order as one frame; every fragment's page is pinned until the card is
 * done (kern/e1000.h, rules T1-T4), so the sender may unmap it at once.  nf_offload asks for
 * checksums as a packet page's np_offload does, offsets counted from the frame's first byte.
 *
 * TCP segmentation (NET_OFFLOAD_TSO, with NET_OFFLOAD_ALL): the frame is one IPv4 header and
 * one TCP header (nf_hdrlen bytes from the frame's start, through the TCP options) followed by
 * up to NET_TSO_PAYLOAD_MAX bytes of payload, which the card sends as segments of nf_mss bytes
 * (the last one shorter), each with the headers repeated and fixed up: IP total length and
 * identification (+1 a segment), TCP sequence number, PSH and FIN only on the last, both
 * checksums.  The TCP checksum field holds the pseudo-header's sum WITHOUT the length (the card
 * adds each segment's), the IP checksum field zero.  Each segment, headers included, is at most
 * NET_FRAME_MAX bytes.
 */
#define NET_TX_FRAGS_MAX	17	/* 64 KB of payload from offset 0 of whole pages, + 1 */
#define NET_TX_BATCH_MAX	64	/* frames one call queues at most */
#define NET_TSO_PAYLOAD_MAX	(64 * 1024)
struct net_tx_frag {
	uint32_t nt_va;			/* user address of the fragment's first byte */
	uint16_t nt_len;		/* its length (> 0, not crossing its page's end) */
	uint16_t nt_pad;
};
struct net_tx_frame {
	struct net_tx_offload nf_offload;
	uint16_t nf_mss;		/* NET_OFFLOAD_TSO: payload bytes a segment */
	uint8_t nf_hdrlen;		/* NET_OFFLOAD_TSO: header bytes repeated in each segment */
	uint8_t nf_nfrags;		/* 1 .. NET_TX_FRAGS_MAX */
	struct net_tx_frag nf_frags[NET_TX_FRAGS_MAX];
};

/*
 * A packet page: one page, holding np_len, the transmit offload request, then the frame.
 * sys_net_recv maps such a page straight from the NIC's receive ring (the card wrote the frame
 * at np_data; np_offload is zero there); the input helper passes that page to the server by
 * IPC; the server's outgoing frames travel the same way to the output helper, which hands
 * np_data to sys_net_send, with the server's np_offload.  Nobody copies the frame.
 */
struct net_pkt {
	int32_t np_len;			/* frame length in bytes */
	struct net_tx_offload np_offload; /* what the card computes on transmit */
	uint8_t np_data[];		/* the frame, from the destination MAC on */
};

#define NET_PKT_DATA_OFFSET	((int) offsetof(struct net_pkt, np_data))
static_assert(NET_PKT_DATA_OFFSET + 2048 <= PGSIZE,
	      "a 2048-byte NIC receive buffer fits in a packet page after the header");
static_assert(NET_FRAME_MAX <= 2048, "a frame fits in one receive buffer");

/*
 * Batched receive (sys_net_recv_batch): up to n ready frames in one call, in arrival order, into
 * an array of struct net_rx_frame in the caller's memory.  A frame of at most NET_RX_INLINE_MAX
 * bytes (an ACK, an ARP reply) is copied into its entry's nf_data and its page stays in the
 * card's ring, so the frames a bulk sender gets back cost no page at all; a longer frame's
 * packet page is mapped at pageva + i * PGSIZE (i its index in the array) exactly as
 * sys_net_recv maps it, nf_where saying which.  Blocks while no frame is ready (unless
 * NET_NONBLOCK: -E_AGAIN); returns the number delivered, at least 1.
 */
#define NET_RX_INLINE_MAX	124
#define NET_RX_BATCH_MAX	64	/* frames one call delivers at most */
enum { NET_RX_INLINE = 1, NET_RX_MAPPED = 2 };
struct net_rx_frame {
	uint16_t nf_len;		/* frame length in bytes */
	uint16_t nf_where;		/* NET_RX_INLINE: in nf_data; NET_RX_MAPPED: its page */
	uint8_t nf_data[NET_RX_INLINE_MAX];
};
static_assert(sizeof(struct net_rx_frame) == 128, "frame entries pack a page evenly");

/* IPC values between the network server and its helpers (the page, if any, is a packet page
 * mapped at the receiver's chosen address).  The server's dispatcher takes those sent to it from
 * one table (net/serv.c: helper_requests), which says which helper each must come from. */
enum {
	NSREQ_INPUT = 1,	/* input -> server: a received frame (with page) */
	NSREQ_OUTPUT,		/* server -> output: a frame to send (with page) */
	NSREQ_TIMER,		/* timer -> server: a tick (no page) */
	NSREQ_OUTPUT_READY,	/* output -> server: receiving again, send the queued frames */
	NSREQ_HELPER_MAX,	/* client socket requests are numbered from here */
};

/*
 * Socket requests of client environments.
 *
 * A client sends the request code as the IPC value with its request page (union nsipc), mapped
 * writable (PTE_P | PTE_U | PTE_W), and then waits for the answer: an IPC from the server
 * whose value is the result (>= 0) or a negative E_* code, and which carries no page.  Results
 * with data (accept's and getsockname's address, received bytes, statistics) are written by the
 * server into the request page, which both share until the answer: the client must not touch
 * it before.  The server reads each request field once, checks it (socket ids the client may
 * use, lengths within the page, codes), and answers every malformed request with an error.
 *
 * Sockets are small integers chosen by the server.  A socket may be used by the environment
 * that created (or accepted) it and by that environment's children and their children, as they
 * first use it while their parent can (fork and spawn share the socket's file descriptor); a
 * socket whose environments have all exited is closed by the server.
 *
 * The requests are this one list: a line is the code, the server's handler (net/nssock.c,
 * int32_t handler(envid_t client, uint32_t code, volatile union nsipc *req)), and, in the
 * comment, the member of union nsipc that carries the arguments and what the answer is.  It
 * makes the codes (numbered from NSREQ_HELPER_MAX, below) and the server's dispatch table, so a
 * line without its handler does not compile; the client's function is in lib/nsipc.c.  The
 * grader's tables test checks that every code has both.
 */
#define NSREQ_CLIENT_LIST(X)							\
	X(NSREQ_SOCKET,		req_socket)	/* socket: -> socket id */	\
	X(NSREQ_BIND,		req_bind_connect) /* bind: -> 0 */		\
	X(NSREQ_LISTEN,		req_listen)	/* listen: -> 0 */		\
	X(NSREQ_ACCEPT,		req_accept)	/* sock: -> new socket id,	\
						 * accepted.addr filled */	\
	X(NSREQ_CONNECT,	req_bind_connect) /* connect: -> 0 */		\
	X(NSREQ_RECV,		req_recv)	/* data: -> bytes written to	\
						 * data.data (0: end of stream) */ \
	X(NSREQ_SEND,		req_send)	/* data: -> bytes taken from	\
						 * data.data, or from the data	\
						 * pages that came with it */	\
	X(NSREQ_CLOSE,		req_close)	/* sock: -> 0 */		\
	X(NSREQ_SHUTDOWN,	req_shutdown)	/* shutdown: -> 0 */		\
	X(NSREQ_GETSOCKNAME,	req_getname)	/* sock: -> 0, accepted.addr	\
						 * filled with the local address */ \
	X(NSREQ_GETPEERNAME,	req_getname)	/* sock: -> 0, accepted.addr	\
						 * filled with the peer's */	\
	X(NSREQ_SETSOCKOPT,	req_setsockopt)	/* setsockopt: -> 0 */		\
	X(NSREQ_STATS,		req_stats)	/* stats_req: -> 0, stats filled \
						 * (and printed unless quiet) */ \
	X(NSREQ_SENDTO,		req_sendto)	/* dgram: -> bytes sent (one	\
						 * datagram, net/nsdgram.c) */	\
	X(NSREQ_RECVFROM,	req_recvfrom)	/* dgram: -> bytes in dgram.data \
						 * (MSG_TRUNC: the datagram's), \
						 * dgram.addr the sender */	\
	X(NSREQ_GETHOSTBYNAME,	nsdns_lookup)	/* gethostbyname: -> 0,	\
						 * gethostbyname.addr filled	\
						 * (net/nsdns.c) */	\
	X(NSREQ_WATCH,		req_watch)	/* sock: -> 0; the request page	\
						 * itself stays with the server as	\
						 * the socket's wake page (struct	\
						 * ns_wake) */				\
	X(NSREQ_POLL,		req_poll)	/* poll: -> the NS_POLL_* events \
						 * of poll.events ready now */	\
	X(NSREQ_GETSOCKOPT,	req_getsockopt)	/* sockopt: -> 0, sockopt.value	\
						 * filled */

enum {
	NSREQ_CLIENT_BEFORE = NSREQ_HELPER_MAX - 1,	/* so the first is NSREQ_HELPER_MAX */
#define NSREQ_ENUM(code, handler) code,
	NSREQ_CLIENT_LIST(NSREQ_ENUM)
#undef NSREQ_ENUM
	NSREQ_CLIENT_MAX		/* one past the last client request */
};

/* Name lookups (NSREQ_GETHOSTBYNAME, net/nsdns.c): a host name is at most NS_HOSTNAME_MAX
 * characters (RFC 1035's 255-byte wire form, less its length bytes), labels of 1 to 63 letters,
 * digits and inner hyphens separated by dots, a trailing dot allowed; it travels in a field of
 * NS_HOSTNAME_FIELD bytes that must hold its NUL.  The server waits for the name server
 * timeout_msec, NS_DNS_WAIT_DEFAULT_MSEC if 0, NS_DNS_WAIT_MAX_MSEC at most. */
#define NS_HOSTNAME_MAX		253
#define NS_HOSTNAME_FIELD	256
#define NS_DNS_WAIT_DEFAULT_MSEC 5000
#define NS_DNS_WAIT_MAX_MSEC	10000

/*
 * Waiting for sockets (select, lib/select.c).  A socket's readiness is asked with NSREQ_POLL,
 * which answers at once; to wait for it to change, a client gives the server a page of its
 * own with NSREQ_WATCH (lib/sockpoll.c: the descriptor's data page, fd2data), which the
 * server keeps until the socket is freed.  From then on the server adds one to nw_seq at
 * every event of the connection (data or a connection arrived, send room, an error, the
 * socket closed), and wakes the page (sys_page_wake) if a client waits for that kind of event:
 * nw_waiting[NS_WAIT_IN] counts those waiting to read, [NS_WAIT_OUT] to write, [NS_WAIT_ANY]
 * for both or for errors (an error and the close wake all three).  So a reader is not woken
 * by every acknowledgement of what it sent.  A client counts itself in its counter (an atomic
 * add), reads nw_seq, polls, and if nothing is ready waits in sys_wait_any for nw_seq to move
 * (inc/wait.h); then it counts itself out.  The server's add comes before its look at the
 * counters (a barrier between), the client's count before its read of nw_seq, so either the
 * server sees the waiter or the waiter sees the new nw_seq: no event is lost.  The server
 * reads nothing else from the page, and the counters only to decide whether to wake it: a
 * client that scribbles on it only confuses its own waits, and one destroyed while counted in
 * leaves its counter above zero for good (the server then wakes the page at each such event:
 * a system call that wakes nobody, no harm).  A socket has at most one wake page (a second
 * NSREQ_WATCH: -E_BUSY); how many sockets may have one: NS_WATCH_SLOTS.
 */
#define NS_POLL_IN	0x1	/* recv (or accept) would not block: data, a connection, the end
				 * of the stream, or an error it would report */
#define NS_POLL_OUT	0x2	/* send would not block: room, or an error it would report; a
				 * connect in progress has finished */
#define NS_POLL_ERR	0x4	/* an error is pending (getsockopt SO_ERROR) */
enum { NS_WAIT_IN, NS_WAIT_OUT, NS_WAIT_ANY, NS_WAIT_KINDS };
struct ns_wake {
	volatile uint32_t nw_seq;	/* the server's event count */
	/* clients about to wait, or waiting, on nw_seq, by what they wait for (NS_WAIT_*) */
	volatile uint32_t nw_waiting[NS_WAIT_KINDS];
};

/* The bytes a send or recv request carries: the page less the data header. */
#define NSIPC_DATA_MAX	(PGSIZE - 16)
/* The bytes a sendto or recvfrom request carries: the page less its header. */
#define NSIPC_DGRAM_MAX	(PGSIZE - 32)

/* The largest datagrams (the server neither fragments nor reassembles): a UDP payload, and an
 * ICMP message (its header included) on a raw socket, each filling one NET_MTU packet. */
#define NS_UDP_PAYLOAD_MAX	(NET_MTU - 20 - 8)	/* 1472 */
#define NS_ICMP_MAX		(NET_MTU - 20)		/* 1480 */

/*
 * Page slots (net/serv.h): every page the server receives -- a frame, a client's request --
 * holds one of NS_PAGE_SLOTS slots while it is in use.  TCP data kept in the frame's page
 * until a client reads it is bounded in slots: a connection's data may hold NS_RX_CONN_SLOTS,
 * all connections of one client (with those waiting to be accepted on its listeners)
 * NS_RX_CLIENT_SLOTS, all TCP data together NS_RX_TCP_SLOTS; the rest is kept for requests
 * and frames in passing.  Data past a share is dropped on arrival (the peer sends it again
 * once the client has read), and small frames are copied and never hold a slot.  Sockets'
 * wake pages (NSREQ_WATCH) hold at most NS_WATCH_SLOTS of the rest, NS_WATCH_CLIENT_SLOTS
 * for the sockets of one client (as many as its descriptors); past either, -E_NO_MEM.
 */
#define NS_PAGE_SLOTS		1024
#define NS_RX_CONN_SLOTS	32
#define NS_RX_CLIENT_SLOTS	128
#define NS_RX_TCP_SLOTS		(NS_PAGE_SLOTS - 384)
/* At most 32 wake pages: with NS_SEND_HOLD_SLOTS, 192 of the 384 slots kept for requests and
 * frames in passing, so that 192 remain for them (a receive takes a run of IPC_PAGES_MAX, a
 * poll of the card one of NET_RX_BATCH_MAX) however many sockets are watched. */
#define NS_WATCH_SLOTS		32
#define NS_WATCH_CLIENT_SLOTS	32
/* File pages lwIP sends in place hold their slots until acknowledged (net/lwip/sendhold.c):
 * NS_SEND_HOLD_SLOTS of them at most, taken from what is kept for requests, so that clients
 * whose peers never acknowledge cannot take every slot; past it, sends are copied (lwIP's heap
 * bounds those).  A download holds a 256 KB send and what lwIP still has of the one before. */
#define NS_SEND_HOLD_SLOTS	160

/* The server's counters (NSREQ_STATS): where packets went, and every copy made. */
struct ns_stats {
	/* frames from the input helper; pages kept as lwIP buffers (no copy) */
	uint32_t rx_frames, rx_bytes, rx_dropped, rx_pages_held, rx_pages_held_max;
	/* frames to the output helper: bytes copied (headers, bytes from outside lwIP's heap)
	 * and bytes named where lwIP built them (net/lwip/netif.c); TCP segments merged into the
	 * frame before them, frames the card segments */
	uint32_t tx_frames, tx_bytes, tx_copy_bytes, tx_ref_bytes, tx_chained, tx_dropped,
		tx_merged, tx_tso_frames;
	/* of tx_copy_bytes, those past the headers: a frame's bytes outside lwIP's heap (a
	 * datagram sent from a request page, a reply built in a received page) */
	uint32_t tx_body_copy_bytes;
	/* Clients' payload by kind: the bytes lwIP took or gave, and the CPU copies of them the
	 * server made (nsstat divides one by the other).  TCP: send() and write() from the request
	 * page (send_*), pages lent by nsipc_send_pages or sendfile (lend_*), recv() and read()
	 * into the request page (recv_*).  Datagrams: sent (dgram_send_bytes, whose copy the frame
	 * makes: tx_body_copy_bytes) and received (dgram_recv_*). */
	uint32_t send_bytes, send_copy_bytes, lend_bytes, lend_copy_bytes, recv_bytes,
		recv_copy_bytes, dgram_send_bytes, dgram_recv_bytes, dgram_recv_copy_bytes;
	/* client sends whose pages lwIP sends from in place, held until acknowledged
	 * (net/lwip/sendhold.c): the most at once */
	uint32_t send_holds_max;
	/* client requests, those refused as malformed, answers the client did not wait for */
	uint32_t requests, requests_bad, replies_lost;
	uint32_t sockets_open, sockets_max, sockets_reaped;
	uint32_t threads_live, threads_max, thread_create_failed;
	uint32_t timer_ticks;
	uint32_t lwip_mem_err, lwip_memp_err;	/* lwIP allocation failures */
	/* small frames copied out of their page on arrival (bytes); TCP segments dropped because
	 * their connection or client held its share of page slots */
	uint32_t rx_copy_bytes, rx_share_dropped;
	/* answers and frames that had to wait (their receiver was not receiving yet) */
	uint32_t replies_queued, tx_queued;
	/* connections in TIME-WAIT reopened by a new SYN from the same peer (net/lwip/tcpsyn.c) */
	uint32_t tcp_tw_reopened;
	/* SYNs refused with a reset: the listener had no room (net/lwip/tcpsyn.c) */
	uint32_t tcp_syn_refused;
	/* connections lwIP freed while a socket still held them, the socket told
	 * (net/lwip/tcpfreed.c) */
	uint32_t tcp_freed_held;
	/* dispatcher turns that took frames from the receive ring: rx_frames / rx_drains frames
	 * a wake-up */
	uint32_t rx_drains;
	/* the input helper's waits for room in the receive ring; the output helper's
	 * sys_net_send_batch calls (tx_frames / tx_batches frames a call) */
	uint32_t rx_ring_full, tx_batches;
	/* the card's counters (sys_net_info), for one look at the whole path: interrupts, TDT
	 * writes, receive calls that delivered frames, ring refills that took a zeroed page and
	 * pages handed back */
	uint32_t nic_intrs, nic_doorbells, nic_rx_calls, nic_rx_zeroed, nic_rx_recycled,
		nic_rx_stashed;
	/* frames whose bytes the card may still read (posted, or waiting for room, and not yet
	 * known done: net/lwip/netif.c), and lwIP's heap in use, in bytes: both back to their
	 * idle values once the traffic stops */
	uint32_t tx_held, heap_used;
	/* client sends whose pages lwIP still sends from (back to 0 once all is acknowledged) */
	uint32_t send_holds;
	/* the heap use past which copied sends are held to a small queue per connection, and the
	 * times a send waited for room there (net/nssock.c: send memory under pressure) */
	uint32_t heap_pressure, send_room_waits;
	/* pure ACKs skipped because the next frame acknowledged more (net/lwip/ackthin.c) */
	uint32_t rx_acks_thinned;
	/* the server's own sys_net_send_batch calls, made while the output helper had nothing
	 * queued (net/lwip/netif.c: tx_send_direct) */
	uint32_t tx_direct_batches;
	/* receive calls the server made itself after sending, that took frames (net/serv.c) */
	uint32_t rx_polls;
};

/* A send with data pages (nsipc_send_pages): in nsreq_data.flags, the pages are a file's, lent by
 * the file server read-only (sendfile), which the server may send in place until they are
 * acknowledged (net/nssock.c, req_send_pages, says who may write them). */
#define NS_SEND_FILE_PAGES	0x10000

union nsipc {
	struct nsreq_socket {
		int32_t domain;		/* AF_INET */
		int32_t type;		/* SOCK_STREAM or SOCK_DGRAM */
		int32_t protocol;	/* 0 or the type's IPPROTO_* */
	} socket;
	struct nsreq_addr {		/* bind, connect */
		int32_t sock;
		struct sockaddr_in addr;
		uint32_t addrlen;	/* at least sizeof(struct sockaddr_in) */
		int32_t flags;		/* connect: MSG_DONTWAIT (-E_IN_PROGRESS, not waiting) */
	} bind, connect;
	struct nsreq_listen {
		int32_t sock;
		int32_t backlog;
	} listen;
	struct nsreq_sock {		/* accept, close, getsockname, getpeername, watch */
		int32_t sock;
		int32_t flags;		/* accept: MSG_DONTWAIT (-E_AGAIN, not waiting) */
	} sock;
	struct nsret_addr {		/* the answer of accept, getsockname, getpeername */
		struct sockaddr_in addr;
	} accepted;
	struct nsreq_shutdown {
		int32_t sock;
		int32_t how;		/* SHUT_RD, SHUT_WR, SHUT_RDWR */
	} shutdown;
	struct nsreq_setsockopt {	/* setsockopt; getsockopt answers in value */
		int32_t sock;
		int32_t level;
		int32_t name;
		int32_t value;
	} setsockopt, sockopt;
	struct nsreq_poll {
		int32_t sock;
		int32_t events;		/* NS_POLL_* asked for */
	} poll;
	struct nsreq_data {		/* send, recv */
		int32_t sock;
		int32_t len;		/* bytes to send, or room for received ones */
		int32_t flags;		/* MSG_* */
		uint32_t off;		/* a send with data pages: where its bytes start in the
					 * first (nsipc_send_pages) */
		uint8_t data[NSIPC_DATA_MAX];
	} data;
	struct nsreq_dgram {		/* sendto, recvfrom (net/nsdgram.c) */
		int32_t sock;
		int32_t len;		/* sendto: bytes in data; recvfrom: room in data */
		int32_t flags;		/* MSG_* */
		uint32_t addrlen;	/* sendto: addr's length as the caller gave it */
		struct sockaddr_in addr; /* sendto: where to; recvfrom's answer: from where */
		uint8_t data[NSIPC_DGRAM_MAX];
	} dgram;
	struct nsreq_stats {		/* stats: read before the answer overwrites it */
		int32_t quiet;		/* nonzero: do not print the counters */
		int32_t state;		/* nonzero: print every socket and thread (ns_state_print) */
	} stats_req;
	struct ns_stats stats;
	struct nsreq_gethostbyname {	/* a name's IPv4 address (net/nsdns.c) */
		int32_t timeout_msec;	/* 0: NS_DNS_WAIT_DEFAULT_MSEC; at most
					 * NS_DNS_WAIT_MAX_MSEC (longer waits are cut to it) */
		struct in_addr addr;	/* the answer, network byte order */
		char name[NS_HOSTNAME_FIELD];	/* NUL-terminated, NS_HOSTNAME_MAX at most */
	} gethostbyname;
	uint8_t page[PGSIZE];
} __attribute__((aligned(PGSIZE)));

static_assert(sizeof(union nsipc) == PGSIZE, "a request is one page");
static_assert(offsetof(struct nsreq_data, data) + NSIPC_DATA_MAX == PGSIZE,
	      "send/recv data fills the rest of the page");
static_assert(offsetof(struct nsreq_dgram, data) + NSIPC_DGRAM_MAX == PGSIZE,
	      "sendto/recvfrom data fills the rest of the page");
static_assert(NS_ICMP_MAX + 20 <= NSIPC_DGRAM_MAX, "a received packet fits a request");

#endif /* !INC_NS_H */
