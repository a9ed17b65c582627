/* The network server's sizes that lwIP's configuration (net/lwip/lwipopts.h) derives its pools
 * from.  Plain constants with no #include: lwipopts.h includes this file into every lwIP source. */
#ifndef NET_NSCONF_H
#define NET_NSCONF_H

/* Sockets open at once, all clients together (net/nssock.c): each is one lwIP netconn and, for
 * TCP, one pcb. */
#define NS_SOCK_MAX		128

/* Connections a listener holds that no client has accepted yet, half-open ones included (lwIP's
 * listen backlog and accept mailbox): a burst of 128 connects is taken whole; a SYN past it is
 * refused with a reset (net/lwip/tcpsyn.c). */
#define NS_ACCEPT_QUEUE		128

/* The TCP windows, in full segments, both ways: about what QEMU's user network delivers back to
 * back, so that a bulk receive (wget) or send (httpd streaming a large file) is not throttled
 * by the window.  Each received segment in flight holds one page slot (inc/ns.h). */
#define NS_TCP_WND_SEGS		16
/* The send buffer, in full segments: two unscaled windows (net/lwip/lwipopts.h says why). */
#define NS_TCP_SND_SEGS		90

#endif /* !NET_NSCONF_H */
