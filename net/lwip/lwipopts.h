/* lwIP's configuration for the exo386 network server (net/serv.c): which protocols and APIs
 * are compiled in, and how big its memory pools are, with the reason for each size. */
#ifndef NET_LWIP_LWIPOPTS_H
#define NET_LWIP_LWIPOPTS_H

/* The sizes below derive from the network's facts and the server's own sizes. */
#include <inc/netconf.h>
#include <inc/memlayout.h>
#include <net/nsconf.h>

/* ---- Threads and APIs ---------------------------------------------------------------------------
 * The server runs lwIP with an operating system (NO_SYS=0) made of the cooperative threads of
 * net/thread.h: one lwIP "tcpip" thread for timers, and one server thread per client request,
 * which calls the netconn API (a blocking accept or recv blocks only its own thread).
 *
 * Core locking: API calls and received frames run lwIP's core directly in the calling thread
 * under the core mutex, instead of being posted to the tcpip thread and waited for: one context
 * switch less per call and per frame.  Under cooperative threads the mutex is never contended
 * (lwIP releases it before every wait), and sys_arch asserts that.
 *
 * Full duplex: one socket may be read by one thread while another writes or closes it (a client
 * blocked in recv while its child sends; closing a socket on which an accept waits).  It needs a
 * semaphore per thread, which sys_arch provides. */
#define NO_SYS				0
#define LWIP_TIMERS			1
#define SYS_LIGHTWEIGHT_PROT		1
#define LWIP_TCPIP_CORE_LOCKING		1
#define LWIP_TCPIP_CORE_LOCKING_INPUT	1
#define LWIP_NETCONN			1
#define LWIP_SOCKET			0	/* our own socket layer is net/nssock.c */
#define LWIP_NETIF_API			0
#define LWIP_NETCONN_SEM_PER_THREAD	1
#define LWIP_NETCONN_FULLDUPLEX		1
#define LWIP_SO_RCVTIMEO		1	/* setsockopt(SO_RCVTIMEO): httpd bounds header reads */
#define LWIP_SO_SNDTIMEO		1	/* setsockopt(SO_SNDTIMEO) */
#define SO_REUSE			1	/* setsockopt(SO_REUSEADDR) */
#define LWIP_COMPAT_MUTEX		0
void sys_arch_assert_core_locked(void);	/* net/lwip/sys_arch.c */
#define LWIP_ASSERT_CORE_LOCKED()	sys_arch_assert_core_locked()

/* Thread stacks (bytes).  The tcpip thread runs timers, which may send (the whole output path
 * down to net/lwip/netif.c); server threads run the same paths from an API call. */
#define TCPIP_THREAD_STACKSIZE		(4 * 4096)
#define DEFAULT_THREAD_STACKSIZE	(4 * 4096)
#define TCPIP_THREAD_PRIO		1	/* ignored: cooperative threads have no priorities */

/* ---- Protocols --------------------------------------------------------------------------------
 * IPv4 over Ethernet with ARP; ICMP so that the guest answers ping; UDP and TCP; raw IPv4 for
 * the raw ICMP sockets of ping (net/nsdgram.c), which see each ICMP packet beside lwIP's ICMP.
 * The address is static (10.0.2.15, what QEMU's user network would give) unless the boot asks
 * for DHCP (net/nsaddr.c); the DNS client resolves names for clients (net/nsdns.c).  No IPv6, no IP
 * fragmentation (the QEMU network never fragments and we never send more than the MTU).
 * The loopback interface (127.0.0.1) and loopback of the own address let a guest program talk
 * to a guest server. */
#define LWIP_IPV4			1
#define LWIP_IPV6			0
#define LWIP_ARP			1
#define LWIP_ETHERNET			1
#define LWIP_ICMP			1
#define LWIP_UDP			1
#define LWIP_TCP			1
#define LWIP_RAW			1
#define LWIP_DHCP			1
#define LWIP_AUTOIP			0
#define LWIP_IGMP			0
#define LWIP_DNS			1
#define IP_REASSEMBLY			0
#define IP_FRAG				0
#define LWIP_HAVE_LOOPIF		1
#define LWIP_NETIF_LOOPBACK		1
#define LWIP_LOOPBACK_MAX_PBUFS		32
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1
/* A datagram to a broadcast address leaves only from a socket with SO_BROADCAST (the server
 * answers -E_PERM first, net/nsdgram.c; this is lwIP's own check behind it); receiving
 * broadcasts needs no option, as in BSD. */
#define IP_SOF_BROADCAST		1
#define IP_SOF_BROADCAST_RECV		0
#define ETHARP_SUPPORT_STATIC_ENTRIES	0
/* net/nsaddr.c learns of the address DHCP binds from the interface's status callback. */
#define LWIP_NETIF_STATUS_CALLBACK	1
#define LWIP_NETIF_LINK_CALLBACK	0

/* DNS (net/nsdns.c).  A lookup of lwIP's ends with its callback: an answer, an error answer, or
 * lwIP giving up after DNS_MAX_RETRIES queries (sent 0, 1, 2, 4, 7 and 11 s after the first: it
 * gives up 15 to 16 s after it, per server).  The server waits for a client at most
 * NS_DNS_WAIT_MAX_MSEC (10 s), so a callback without an address that comes while a client still
 * waits is always an answer's, never lwIP's own timeout (net/nsdns.c asserts it).  Eight lookups
 * at once, each with its own UDP port (lwIP's default: random source ports and ids). */
#define DNS_MAX_RETRIES			6
#define DNS_TABLE_SIZE			8
#define DNS_MAX_SERVERS			2

/* Received frames are custom pbufs that point into the packet page the input helper passed
 * (net/lwip/netif.c): no copy on the way in. */
#define LWIP_SUPPORT_CUSTOM_PBUF	1
/* A segment may be a chain: its headers in a heap buffer, then the bytes of the pages a client
 * lent, where they are (NETCONN_NOCOPY, net/lwip/sendhold.c; lwIP would copy them into one
 * buffer otherwise). */
#define LWIP_NETIF_TX_SINGLE_PBUF	0
/* The frame starts 12 bytes into the packet page (after np_len and np_offload), so the IP
 * header is not 4-byte aligned; i386 reads unaligned words, and lwIP's protocol structs are
 * packed anyway. */
#define ETH_PAD_SIZE			0

/* ---- TCP ---------------------------------------------------------------------------------------- */
#define TCP_MSS				(NET_MTU - 20 - 20)	/* 1460: MTU - IP - TCP headers */
/* A window of NS_TCP_WND_SEGS (16) segments: about what QEMU's user network delivers back to
 * back, so a bulk receive (wget) is not throttled by our window; each segment in flight holds
 * one packet page. */
#define TCP_WND				(NS_TCP_WND_SEGS * TCP_MSS)
/* Sending (httpd streaming a large file): NS_TCP_SND_SEGS (90, 128 KB) queued, two of the
 * largest unscaled windows, so that a client's next 64 KB send is taken whole while the last
 * one is still in flight: each turn then fills the peer's window, and no send is cut in two at
 * the window's edge (65535 bytes are 44 segments and 1295 bytes: the 45th waited a round trip,
 * alone).  The more lwIP may send in one turn, the longer the frames the card segments
 * (net/lwip/netif.c).  A send buffer past 64 KB needs lwIP's 32-bit windows (LWIP_WND_SCALE);
 * we scale our own receive window by nothing (TCP_RCV_SCALE 0), so the option changes no
 * segment on the wire.  A writer blocked on a full buffer resumes once a quarter of it is free
 * (TCP_SNDLOWAT; lwIP's default, half, does not fit its 16-bit check). */
#define TCP_SND_BUF			(NS_TCP_SND_SEGS * TCP_MSS)
#define LWIP_WND_SCALE			1
#define TCP_RCV_SCALE			0
#define TCP_SNDLOWAT			(TCP_SND_BUF / 4)
#define TCP_SND_QUEUELEN		(4 * TCP_SND_BUF / TCP_MSS)
#define TCP_QUEUE_OOSEQ			1
/* Out-of-order frames kept per connection: a window's worth. */
#define TCP_OOSEQ_MAX_PBUFS		NS_TCP_WND_SEGS
#define TCP_LISTEN_BACKLOG		1
/* One ext arg per pcb: net/lwip/tcpfreed.c tells a netconn when lwIP frees its pcb silently. */
#define LWIP_TCP_PCB_NUM_EXT_ARGS	1
#define TCP_DEFAULT_LISTEN_BACKLOG	NS_ACCEPT_QUEUE
/* Our hook on every TCP segment that reaches a connection (net/lwip/netif.c): the page slot
 * shares of inc/ns.h. */
#define LWIP_HOOK_FILENAME		"ns_hooks.h"
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) \
	ns_tcp_inpacket((pcb), (p))
/* Every IPv4 packet, before lwIP: one looped back to our own address gets the checksums the card
 * would have computed (net/lwip/netif.c, ns_ip4_input); a new SYN reopens a connection in
 * TIME-WAIT, as in BSD and Linux (RFC 1122 4.2.2.13: host clients reuse ports that the guest
 * still remembers), or is refused with a reset when its listener is full (net/lwip/tcpsyn.c
 * says why). */
#define LWIP_HOOK_IP4_INPUT(p, inp)	ns_ip4_input((p), (inp))
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) \
	ns_tcp_isn((local_ip), (local_port), (remote_ip), (remote_port))

/* ---- Memory -------------------------------------------------------------------------------------
 * Sized for the httpd demo and its tests: 50 connections opened at once (httpdbad), each
 * answered with a small page, plus one bulk transfer of a 1 MB file at a time; and for a few
 * client programs (wget, echosrv) besides.  Everything is static (in the server's bss) but the
 * heap.
 *
 * The heap holds the copies of data sent (tcp_write copies the client's request page into
 * PBUF_RAM segments) until acknowledged, the loopback's copies of what it delivers until a
 * client reads them, ARP/ICMP replies, and the mailboxes' slot arrays.  A full send buffer is
 * TCP_SND_BUF (128 KB) plus headers; past a third of the heap, copied sends are held to a small
 * queue per connection (net/nssock.c, NS_HEAP_PRESSURE), so that peers that stop reading cannot
 * take it all: 768 KB then leaves room for 24 such connections past the first ones.  When it
 * runs out all the same, tcp_write fails with ERR_MEM and the netconn write waits for
 * acknowledgements (lwIP's poll timer retries it every second). */
#define MEM_ALIGNMENT			4
#define MEM_SIZE			(768 * 1024)
/* Not in the bss (fork would copy it into every helper): in the transmit region, whose pages
 * frames name in place (net/lwip/netif.c), set up before lwIP starts
 * (ns_netif_tx_region_init). */
#define LWIP_RAM_HEAP_POINTER		((void *) NS_TX_HEAP_VA)
#define MEMP_NUM_PBUF			(2 * TCP_SND_QUEUELEN)	/* PBUF_REF/ROM headers: the segments of
						 * lent pages (net/lwip/sendhold.c), UDP sends, loopback */
/* 16 for sockets, one per DNS lookup in flight (DNS_TABLE_SIZE), one for DHCP. */
#define MEMP_NUM_UDP_PCB		(16 + DNS_TABLE_SIZE + 1)
#define MEMP_NUM_RAW_PCB		4	/* raw ICMP sockets: pings at once */
/* lwIP's own timers, and net/nsaddr.c's report of a DHCP that gets no answer. */
#define MEMP_NUM_SYS_TIMEOUT		(LWIP_NUM_SYS_TIMEOUT_INTERNAL + 1)
/* One per socket (NS_SOCK_MAX = 128 in net/nsconf.h: e.g. 50 connections between two guest
 * programs over loopback, both ends), one per connection a listener holds unaccepted
 * (NS_ACCEPT_QUEUE), plus 32 for connections in TIME_WAIT.  When the pool runs out lwIP reclaims
 * the oldest TIME_WAIT (then closing) one, so closed connections do not exhaust it. */
#define MEMP_NUM_TCP_PCB		(NS_SOCK_MAX + NS_ACCEPT_QUEUE + 32)
#define MEMP_NUM_TCP_PCB_LISTEN		16
/* Segments queued for sending or retransmission: TCP_SND_QUEUELEN per busy connection (a full
 * send buffer in segments of a quarter of the MSS); four times that lets four connections have
 * full queues while the others send small answers. */
#define MEMP_NUM_TCP_SEG		(4 * TCP_SND_QUEUELEN)
/* Datagrams waiting to be received (UDP, and the raw sockets' ICMP copies; a send's netbuf is
 * on the server's stack, net/nsdgram.c): lwIP drops an arrival it has no netbuf for. */
#define MEMP_NUM_NETBUF			32
/* Netconns: our socket table (NS_SOCK_MAX = 128) plus connections accepted by lwIP but not yet
 * by a client (up to the accept mailbox's NS_ACCEPT_QUEUE = 128). */
#define MEMP_NUM_NETCONN		(NS_SOCK_MAX + NS_ACCEPT_QUEUE)
#define MEMP_NUM_TCPIP_MSG_API		32	/* tcpip_callback (loopback, deletes) */
#define MEMP_NUM_TCPIP_MSG_INPKT	8	/* unused with core locking input */
/* Every packet waiting for an ARP reply is kept, up to MEMP_NUM_ARP_QUEUE (lwIP's default keeps
 * only the newest per address: a burst of SYNs before the gateway's address was known lost all
 * SYN-ACKs but the last). */
#define ARP_QUEUEING			1
#define MEMP_NUM_ARP_QUEUE		32	/* packets waiting for an ARP reply */
#define ARP_TABLE_SIZE			16
/* lwIP's own pool of receive buffers: none.  Received frames are custom pbufs on packet pages,
 * and none of the lwIP files we build allocates from the pool. */
#define PBUF_POOL_SIZE			0

/* Mailboxes (message counts).  The accept mailbox holds connections that completed the
 * handshake before the server accepted them: NS_ACCEPT_QUEUE (128).  A TCP receive mailbox holds received segments (pbufs) for one connection: twice the
 * 16 segments of a window, so a full window never finds it full. */
#define TCPIP_MBOX_SIZE			64
#define DEFAULT_TCP_RECVMBOX_SIZE	(2 * NS_TCP_WND_SEGS)
#define DEFAULT_UDP_RECVMBOX_SIZE	16
/* ICMP packets a raw socket holds unread: each is a copy in the heap (lwIP's raw input clones
 * what it does not eat), so at most 8 of 1500 bytes a socket, 48 KB for all of them: enough
 * for a ping, which reads as they come. */
#define DEFAULT_RAW_RECVMBOX_SIZE	8
#define DEFAULT_ACCEPTMBOX_SIZE		NS_ACCEPT_QUEUE

/* ---- Checks and statistics ----------------------------------------------------------------------
 * Checksums: received ones are all checked in software (QEMU's card checks none).  Outgoing
 * ones are generated per interface (LWIP_CHECKSUM_CTRL_PER_NETIF): on the card's interface the
 * E1000 computes the IP, TCP and UDP checksums as it sends (net/lwip/netif.c turns lwIP's off
 * there), while the loopback interface, which no card carries, keeps lwIP's; ICMP is lwIP's
 * everywhere.  Statistics on, for the server's counters (memory pool failures); no debug
 * output. */
#define LWIP_CHECKSUM_CTRL_PER_NETIF	1
#define CHECKSUM_GEN_IP			1
#define CHECKSUM_GEN_TCP		1
#define CHECKSUM_GEN_UDP		1
#define CHECKSUM_GEN_ICMP		1
#define CHECKSUM_CHECK_IP		1
#define CHECKSUM_CHECK_TCP		1
#define CHECKSUM_CHECK_UDP		1
#define CHECKSUM_CHECK_ICMP		1
/* lwIP's checksum loop summing 32-bit words (algorithm 3) instead of 16-bit ones (its default,
 * 2): half the iterations on every segment sent and received. */
#define LWIP_CHKSUM_ALGORITHM		3
#define LWIP_STATS			1
#define LWIP_STATS_DISPLAY		0
#define MEM_STATS			1
#define MEMP_STATS			1
#define TCP_STATS			1

#endif /* !NET_LWIP_LWIPOPTS_H */
