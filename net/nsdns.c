/* Name lookups for clients (NSREQ_GETHOSTBYNAME) through lwIP's DNS resolver: the checks of
 * the name, the wait with a deadline, and the errors a client can tell apart. */

#include <inc/lib.h>
#include <inc/ns.h>
#include <net/serv.h>
#include <net/thread.h>

#include <lwip/opt.h>
#include <lwip/dns.h>
#include <lwip/ip.h>
#include <lwip/prot/ip4.h>
#include <lwip/prot/udp.h>
#include <lwip/prot/dns.h>
#include <lwip/tcpip.h>

/*
 * A lookup is a request thread waiting on a slot of lookups[] until lwIP's callback fills it or
 * the client's deadline passes.  lwIP cannot cancel a query, so a lookup whose client stopped
 * waiting leaves its query with lwIP, whose callback comes later: each callback carries its
 * slot's tag (slot + NS_DNS_LOOKUPS * generation), and one whose tag is no longer the slot's
 * finds nobody and does nothing.
 *
 * The errors (inc/error.h):
 *   -E_BAD_NAME     the name is empty, longer than NS_HOSTNAME_MAX, not NUL-terminated within
 *                   its field, or not labels of letters, digits and inner hyphens (1 to 63
 *                   each) separated by dots: refused before any query;
 *   -E_NO_ADDR      the interface has no address yet (DHCP), or no name server is known;
 *   -E_NO_HOST      the name server says the name does not exist (NXDOMAIN);
 *   -E_NAME_SERVER  it answered without an IPv4 address (another error code, or no A record);
 *   -E_TIMEOUT      no answer within the client's time;
 *   -E_BUSY         NS_DNS_LOOKUPS lookups are waiting already, or lwIP's table is full;
 *   -E_INVAL        a negative timeout.
 *
 * lwIP's callback says only "no address" for the last three kinds of failure, so the answer
 * code comes from the reply itself: nsdns_input_peek sees every IPv4 packet just before lwIP
 * takes it in, and keeps the code of a name server's reply.  lwIP's callback for a reply runs
 * while that packet is taken in; its callback for its own give-up runs from its timer, which
 * comes later than any client waits (lwipopts.h: DNS_MAX_RETRIES; asserted below), so a
 * callback without an address before the deadline is always a reply's.
 */
#define NS_DNS_LOOKUPS		DNS_TABLE_SIZE
#define DNS_RCODE_NXDOMAIN	3

/* lwIP gives up after 1 + 1 + 2 + ... + (DNS_MAX_RETRIES - 1) timer ticks, the first of which
 * may come at once: later than any client waits. */
static_assert(NS_DNS_WAIT_MAX_MSEC
	      < DNS_MAX_RETRIES * (DNS_MAX_RETRIES - 1) / 2 * DNS_TMR_INTERVAL,
	      "lwIP's own DNS timeout comes after every client's deadline");
static_assert(NS_HOSTNAME_MAX < DNS_MAX_NAME_LENGTH, "lwIP takes every name we pass");

struct ns_lookup {
	uint32_t tag;			/* the callback's argument; 0: free */
	bool done;			/* the callback came: result and addr hold */
	int32_t result;			/* 0 or a negative E_* code */
	ip4_addr_t addr;
	struct thread_queue waiter;	/* the request thread, while it waits */
};
static struct ns_lookup lookups[NS_DNS_LOOKUPS];
static uint32_t lookup_gen;

/* The answer code of the packet lwIP is taking in now, if it is a name server's reply; -1 if
 * it is not one. */
static int peek_rcode = -1;

void
nsdns_input_peek(const struct pbuf *p)
{
	const struct ip_hdr *ip = p->payload;
	struct udp_hdr udp;
	struct dns_hdr dns;

	/* Every packet passes here: a TCP segment costs two tests. */
	peek_rcode = -1;
	if (p->len < IP_HLEN || IPH_PROTO(ip) != IP_PROTO_UDP)
		return;
	u16_t hl = IPH_HL_BYTES(ip);
	if (pbuf_copy_partial(p, &udp, sizeof(udp), hl) != sizeof(udp)
	    || udp.src != PP_HTONS(DNS_SERVER_PORT)
	    || pbuf_copy_partial(p, &dns, sizeof(dns), hl + sizeof(udp)) != sizeof(dns)
	    || !(dns.flags1 & DNS_FLAG1_RESPONSE))
		return;
	peek_rcode = dns.flags2 & DNS_FLAG2_ERR_MASK;
}

/* lwIP's callback (core lock held): the address of name, or NULL. */
static void
lookup_found(const char *name, const ip_addr_t *ipaddr, void *arg)
{
	uint32_t tag = (uintptr_t) arg;
	struct ns_lookup *lk = &lookups[tag % NS_DNS_LOOKUPS];

	(void) name;
	if (lk->tag != tag || lk->done)
		return;			/* its client has stopped waiting */
	if (ipaddr && IP_IS_V4(ipaddr)) {
		lk->result = 0;
		ip4_addr_copy(lk->addr, *ip_2_ip4(ipaddr));
	} else if (peek_rcode == DNS_RCODE_NXDOMAIN)
		lk->result = -E_NO_HOST;
	else if (peek_rcode >= 0)
		lk->result = -E_NAME_SERVER;
	else
		lk->result = -E_TIMEOUT;	/* lwIP's own give-up (see the static_assert) */
	lk->done = true;
	thread_wake_one(&lk->waiter);
}

/* Copy the name from its field (read once), check it, and drop a trailing dot (lwIP would send
 * it as an empty label).  Returns 0 or -E_BAD_NAME. */
static int
name_take(char *name, const volatile char *field)
{
	size_t len, label = 0;

	for (size_t i = 0; i < NS_HOSTNAME_FIELD; i++)
		name[i] = field[i];
	len = strnlen(name, NS_HOSTNAME_FIELD);
	if (len == 0 || len > NS_HOSTNAME_MAX)	/* NS_HOSTNAME_FIELD: no NUL in the field */
		return -E_BAD_NAME;
	if (len > 1 && name[len - 1] == '.')
		name[--len] = '\0';
	for (size_t i = 0; i <= len; i++) {
		char c = name[i];
		bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (c == '.' || c == '\0') {
			if (label == 0 || name[i - 1] == '-')
				return -E_BAD_NAME;	/* empty label, or a trailing hyphen */
			label = 0;
		} else if (letter || (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
			if (++label > 63)
				return -E_BAD_NAME;
		} else
			return -E_BAD_NAME;		/* a leading hyphen, or not a name's char */
	}
	return 0;
}

static int
lookup_err(err_t err)
{
	switch (err) {
	case ERR_ARG:	return -E_BAD_NAME;
	case ERR_VAL:	return -E_NO_ADDR;	/* no name server */
	case ERR_MEM:	return -E_BUSY;		/* lwIP's table of queries is full */
	default:	return -E_NET;
	}
}

int32_t
nsdns_lookup(envid_t client, uint32_t code, volatile union nsipc *req)
{
	char name[NS_HOSTNAME_FIELD];
	int32_t timeout = req->gethostbyname.timeout_msec;
	ip_addr_t addr;
	int r;

	(void) client;
	(void) code;
	if ((r = name_take(name, req->gethostbyname.name)) < 0)
		return r;
	if (timeout < 0)
		return -E_INVAL;
	timeout = timeout == 0 ? NS_DNS_WAIT_DEFAULT_MSEC : MIN(timeout, NS_DNS_WAIT_MAX_MSEC);
	/* A dotted address needs no name server, nor an address of ours. */
	if (ip4addr_aton(name, ip_2_ip4(&addr))) {
		req->gethostbyname.addr.s_addr = ip4_addr_get_u32(ip_2_ip4(&addr));
		return 0;
	}
	if (!ns_addr_ready())
		return -E_NO_ADDR;

	struct ns_lookup *lk = NULL;
	for (int i = 0; i < NS_DNS_LOOKUPS && !lk; i++)
		if (lookups[i].tag == 0)
			lk = &lookups[i];
	if (!lk)
		return -E_BUSY;
	do
		lk->tag = (lk - lookups) + NS_DNS_LOOKUPS * ++lookup_gen;
	while (lk->tag == 0);
	lk->done = false;
	uint32_t deadline = sys_time_msec() + timeout;

	LOCK_TCPIP_CORE();
	err_t err = dns_gethostbyname(name, &addr, lookup_found, (void *) (uintptr_t) lk->tag);
	UNLOCK_TCPIP_CORE();
	if (err == ERR_OK) {			/* cached, or "localhost" */
		lk->done = true;
		lk->result = IP_IS_V4(&addr) ? 0 : -E_NAME_SERVER;
		ip4_addr_copy(lk->addr, *ip_2_ip4(&addr));
	} else if (err != ERR_INPROGRESS) {
		lk->done = true;
		lk->result = lookup_err(err);
	}
	/* The callback may have come already (lwIP calls it at once when it cannot send). */
	while (!lk->done && thread_wait(&lk->waiter, true, deadline) == 0)
		;
	r = lk->done ? lk->result : -E_TIMEOUT;
	if (r == 0)
		req->gethostbyname.addr.s_addr = ip4_addr_get_u32(&lk->addr);
	lk->tag = 0;				/* a later callback finds nobody */
	return r;
}
