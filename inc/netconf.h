/* The facts of the network the guest lives on -- QEMU's user network ("slirp") -- and of its
 * Ethernet: one definition each, for the network server, the test programs of net/, the kernel's
 * frame checks, the build (the card's default MAC) and the grader, which reads them from here. */
#ifndef INC_NETCONF_H
#define INC_NETCONF_H

/*
 * Plain constants only, with no #include and no cast: net/lwip/lwipopts.h includes this file
 * into every lwIP source, and grade-lab6 (c_define) evaluates the numbers itself.
 *
 * QEMU's user network has fixed addresses: the guest is 10.0.2.15 (what its DHCP server hands
 * out; we configure it statically unless the boot asks for DHCP, net/nsaddr.c), the host side is
 * the gateway 10.0.2.2 (it answers ARP and ping itself, and every forwarded host connection
 * comes from it), and 10.0.2.3 answers DNS (the static configuration's name server; with
 * restrict=on QEMU forwards no query).  Addresses are in host byte order.
 */
#define NET_GUEST_IP	0x0A00020F	/* 10.0.2.15 */
#define NET_GATEWAY_IP	0x0A000202	/* 10.0.2.2 */
#define NET_DNS_IP	0x0A000203	/* 10.0.2.3 */
#define NET_NETMASK	0xFFFFFF00	/* 255.255.255.0: the /24 of 10.0.2.0 */

/* Print an address of the above: cprintf("at " NET_IP_FMT "\n", NET_IP_ARGS(NET_GUEST_IP)). */
#define NET_IP_FMT	"%u.%u.%u.%u"
#define NET_IP_ARGS(ip)	((ip) >> 24) & 0xff, ((ip) >> 16) & 0xff, ((ip) >> 8) & 0xff, (ip) & 0xff

/* The card's MAC address when the build is not told another (GNUmakefile: MACADDR): QEMU's
 * own default.  The driver never assumes it: it reads the address from the card's EEPROM. */
#define NET_DEFAULT_MAC	"52:54:00:12:34:56"

/* The second guest of a two-guest link (`make qemu-pair-b`, the grader's `pair` test): the
 * first keeps the defaults above, the second takes this MAC address and this static address
 * (NETADDR, net/nsaddr.c), so that the two differ on the one wire. */
#define NET_PAIR_MAC	"52:54:00:12:34:57"
#define NET_PAIR_ADDR	"10.0.2.16"

/* Ethernet: the header (two addresses and the type), the payload of one frame (the MTU), and
 * the largest frame we send or receive, without the CRC (the card strips it on receive and
 * appends it on transmit), with room for a VLAN tag. */
#define NET_ETH_HLEN	14
#define NET_MTU		1500
#define NET_VLAN_HLEN	4
#define NET_FRAME_MAX	(NET_ETH_HLEN + NET_MTU + NET_VLAN_HLEN)	/* 1518 */

#endif /* !INC_NETCONF_H */
