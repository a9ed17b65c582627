/* The network server's address (net/serv.c starts it): the static one of QEMU's user network
 * (or another of its /24 the boot names), or a lease from DHCP when the boot asks for it; the
 * console line that says which, and whether the interface has an address that client requests
 * may use yet. */

#include <inc/lib.h>
#include <inc/netconf.h>
#include <inc/socket.h>
#include <net/serv.h>

#include <lwip/opt.h>
#include <lwip/netif.h>
#include <lwip/tcpip.h>
#include <lwip/etharp.h>
#include <lwip/dhcp.h>
#include <lwip/prot/dhcp.h>
#include <lwip/dns.h>
#include <lwip/timeouts.h>

/*
 * The modes, by the server's argv[1] (kern/init.c takes it from `make ... DHCP=1`):
 *   (none), "static"  10.0.2.15/24, gateway 10.0.2.2, name server 10.0.2.3 (inc/netconf.h), at
 *                     once;
 *   "dhcp"            lwIP's DHCP client: the interface is up with no address (0.0.0.0) until
 *                     a lease is bound; the lease gives the address, netmask, gateway and name
 *                     servers.  lwIP asks again after 2, 4, 8, ... up to 60 s while nobody
 *                     answers (forever), and renews the lease itself.
 *   "A.B.C.D"         static, at that address instead of 10.0.2.15 (`make ... NETADDR=10.0.2.16`:
 *                     the second guest of a two-guest link), same netmask, gateway and name
 *                     server.  The address must be a host of 10.0.2.0/24 that is neither the
 *                     gateway's nor the name server's (addr_check).
 * Anything else is refused on the console, with the reason, and the address is 10.0.2.15.
 *
 * The console says, in one line each time the address changes (tests match it):
 *   ns: A.B.C.D netmask M gateway G dns D (static), mac X
 *   ns: A.B.C.D netmask M gateway G dns D (dhcp from S, lease N s), mac X
 * and, while DHCP has no lease, "ns: dhcp: no answer after N.N s (K discovers sent), still asking"
 * (or "no acknowledgement of an offer ... requests sent") after 1.5 s, then at doubling
 * intervals up to a minute; a lease lost says so.
 *
 * Until the interface has an address, client requests that need one fail: a name lookup with
 * -E_NO_ADDR (net/nsdns.c asks ns_addr_ready), a TCP connect with -E_UNREACH (lwIP finds no
 * route from 0.0.0.0).  Listening, and everything on the loopback interface, work meanwhile.
 */
#define NS_DHCP_REPORT_FIRST_MSEC	1500
#define NS_DHCP_REPORT_MAX_MSEC		60000

static struct netif *addr_netif;
static bool addr_dhcp;
static uint32_t addr_started;		/* sys_now() when DHCP began asking */
static uint32_t report_msec;		/* the next report's delay */
/* What the console last said, so that each change is said once (lwIP calls the status
 * callback more than once for one change). */
static ip4_addr_t said_ip, said_mask, said_gw;

bool
ns_addr_ready(void)
{
	return addr_netif && !ip4_addr_isany_val(*netif_ip4_addr(addr_netif));
}

/* The dotted form of a (network byte order) into buf, which holds IP4ADDR_STRLEN_MAX. */
static const char *
addr_str(const ip4_addr_t *a, char *buf)
{
	return ip4addr_ntoa_r(a, buf, IP4ADDR_STRLEN_MAX);
}

/* Print the address line: the interface's address, netmask, gateway and first name server. */
static void
addr_say(struct netif *netif, const char *how)
{
	char ip[IP4ADDR_STRLEN_MAX], mask[IP4ADDR_STRLEN_MAX], gw[IP4ADDR_STRLEN_MAX],
		dns[IP4ADDR_STRLEN_MAX];

	cprintf("ns: %s netmask %s gateway %s dns %s (%s), mac %02x:%02x:%02x:%02x:%02x:%02x\n",
		addr_str(netif_ip4_addr(netif), ip), addr_str(netif_ip4_netmask(netif), mask),
		addr_str(netif_ip4_gw(netif), gw), addr_str(ip_2_ip4(dns_getserver(0)), dns), how,
		netif->hwaddr[0], netif->hwaddr[1], netif->hwaddr[2], netif->hwaddr[3],
		netif->hwaddr[4], netif->hwaddr[5]);
	said_ip = *netif_ip4_addr(netif);
	said_mask = *netif_ip4_netmask(netif);
	said_gw = *netif_ip4_gw(netif);
}

/* lwIP's timer, while DHCP has no lease: say what nobody answered, and look again later (a
 * lease on its way -- lwIP checking by ARP that nobody holds the address -- says nothing).
 * Core lock held. */
static void
dhcp_report(void *arg)
{
	struct netif *netif = arg;
	struct dhcp *dhcp = netif_dhcp_data(netif);
	const char *what = NULL;

	if (ns_addr_ready() || !dhcp)
		return;
	if (dhcp->state == DHCP_STATE_REQUESTING)
		what = "acknowledgement of an offer";
	else if (dhcp->state != DHCP_STATE_CHECKING)
		what = "answer";
	if (what) {
		/* tries counts the messages of the current state: discovers, or requests. */
		uint32_t tenths = (sys_now() - addr_started) / 100;
		cprintf("ns: dhcp: no %s after %u.%u s (%u %s%s sent), still asking\n", what,
			tenths / 10, tenths % 10, dhcp->tries,
			dhcp->state == DHCP_STATE_REQUESTING ? "request" : "discover",
			dhcp->tries == 1 ? "" : "s");
	}
	report_msec = MIN(2 * report_msec, NS_DHCP_REPORT_MAX_MSEC);
	sys_timeout(report_msec, dhcp_report, netif);
}

static void
dhcp_report_start(struct netif *netif)
{
	addr_started = sys_now();
	report_msec = NS_DHCP_REPORT_FIRST_MSEC;
	sys_untimeout(dhcp_report, netif);
	sys_timeout(report_msec, dhcp_report, netif);
}

/* The interface's status changed (lwIP's status callback, core lock held): a lease bound,
 * renewed to other values, or lost. */
static void
addr_status(struct netif *netif)
{
	if (!addr_dhcp)
		return;
	if (ip4_addr_cmp(netif_ip4_addr(netif), &said_ip)
	    && ip4_addr_cmp(netif_ip4_netmask(netif), &said_mask)
	    && ip4_addr_cmp(netif_ip4_gw(netif), &said_gw))
		return;
	if (!ns_addr_ready()) {
		cprintf("ns: dhcp: lease lost, asking again\n");
		ip4_addr_set_any(&said_ip);
		ip4_addr_set_any(&said_mask);
		ip4_addr_set_any(&said_gw);
		dhcp_report_start(netif);
		return;
	}
	struct dhcp *dhcp = netif_dhcp_data(netif);
	char how[64], server[IP4ADDR_STRLEN_MAX];
	snprintf(how, sizeof(how), "dhcp from %s, lease %u s",
		 addr_str(ip_2_ip4(&dhcp->server_ip_addr), server),
		 (unsigned) dhcp->offered_t0_lease);
	addr_say(netif, how);
	sys_untimeout(dhcp_report, netif);
	/* Every connection goes through the gateway: ask for its address now. */
	etharp_request(netif, netif_ip4_gw(netif));
}

/* Whether text can be the static address: a dotted quad (lib/inet.c's inet_aton: four decimal
 * parts, nothing else) naming a host of the guest's /24 other than the two the network's other
 * end plays.  Its value (host byte order) in *ip if so; if not, the reason in why (whylen
 * bytes). */
static bool
addr_check(const char *text, uint32_t *ip, char *why, size_t whylen)
{
	struct in_addr a;
	const char *reason = NULL;

	if (!inet_aton(text, &a)) {
		snprintf(why, whylen, "neither dhcp, static nor a dotted address");
		return false;
	}
	*ip = ntohl(a.s_addr);
	if ((*ip & NET_NETMASK) != (NET_GUEST_IP & NET_NETMASK)) {
		snprintf(why, whylen, "outside the network " NET_IP_FMT "/24",
			 NET_IP_ARGS(NET_GUEST_IP & NET_NETMASK));
		return false;
	}
	if ((*ip & ~NET_NETMASK) == 0)
		reason = "the network's own address";
	else if ((*ip & ~NET_NETMASK) == ~NET_NETMASK)
		reason = "the network's broadcast address";
	else if (*ip == NET_GATEWAY_IP)
		reason = "the gateway's address";
	else if (*ip == NET_DNS_IP)
		reason = "the name server's address";
	if (reason)
		snprintf(why, whylen, "%s", reason);
	return reason == NULL;
}

bool
ns_addr_start(struct netif *netif, int argc, char **argv)
{
	ip4_addr_t ip, mask, gw, dns;
	uint32_t static_ip = NET_GUEST_IP;
	bool up;

	if (argc > 1 && strcmp(argv[1], "dhcp") == 0)
		addr_dhcp = true;
	else if (argc > 1 && strcmp(argv[1], "static") != 0) {
		uint32_t named;
		char why[64];
		if (addr_check(argv[1], &named, why, sizeof(why)))
			static_ip = named;
		else
			cprintf("ns: bad address '%s' (%s): static " NET_IP_FMT "\n", argv[1], why,
				NET_IP_ARGS(NET_GUEST_IP));
	}

	if (addr_dhcp) {
		ip4_addr_set_any(&ip);
		ip4_addr_set_any(&mask);
		ip4_addr_set_any(&gw);
	} else {
		ip4_addr_set_u32(&ip, lwip_htonl(static_ip));
		ip4_addr_set_u32(&mask, lwip_htonl(NET_NETMASK));
		ip4_addr_set_u32(&gw, lwip_htonl(NET_GATEWAY_IP));
	}
	LOCK_TCPIP_CORE();
	up = netif_add(netif, &ip, &mask, &gw, NULL, ns_netif_init, tcpip_input) != NULL;
	if (up) {
		addr_netif = netif;
		netif_set_default(netif);
		netif_set_up(netif);
		if (!addr_dhcp) {
			ip4_addr_set_u32(&dns, lwip_htonl(NET_DNS_IP));
			dns_setserver(0, &dns);
			addr_say(netif, "static");
			/* Ask for the gateway's address now: every host connection comes through
			 * it, and the first ones need no ARP round trip before their SYN-ACK. */
			etharp_request(netif, &gw);
		} else {
			netif_set_status_callback(netif, addr_status);
			err_t err = dhcp_start(netif);
			if (err != ERR_OK)
				cprintf("ns: dhcp: cannot start (lwIP error %d): no address\n", err);
			else {
				cprintf("ns: dhcp: asking for an address\n");
				dhcp_report_start(netif);
			}
		}
	}
	UNLOCK_TCPIP_CORE();
	return up;
}
