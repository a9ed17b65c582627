/* ping: ICMP echo requests to an IPv4 address through a raw ICMP socket (net/nsdgram.c), one
 * line per reply (its size, sequence number, TTL and round trip) and ping's summary at the end:
 *
 *     ping [-c count] [-i interval_ms] [-s size] [-W timeout_ms] ADDR
 *
 * count requests (default 4), one every interval_ms (default 1000), each with size bytes of
 * data after the 8-byte ICMP header (default 56, at most 1472: one full packet); a reply counts
 * if it comes within timeout_ms (default 1000) of its request.  Round trips are timed with the
 * TSC, calibrated against the kernel's clock (10 ms ticks) for 100 ms at start. */

#include <inc/lib.h>
#include <inc/ns.h>
#include <inc/x86.h>

#define ICMP_ECHOREPLY	0
#define ICMP_ECHO	8
#define ICMP_HLEN	8	/* type, code, checksum, identifier, sequence number */
#define IP_HLEN_MIN	20
#define PING_COUNT_MAX	1000	/* requests one run may send: the table of their times */
#define PING_CALIB_MSEC	100

struct ping_opts {
	int count, interval_ms, size, timeout_ms;
	struct in_addr to;
};

/* Send and reply times in microseconds since the clock's start; 0: no reply (yet). */
static uint64_t sent_us[PING_COUNT_MAX + 1], rtt_us[PING_COUNT_MAX + 1];
static bool replied[PING_COUNT_MAX + 1];
static int answered;		/* how many are true in replied */
static uint8_t pkt[NS_ICMP_MAX + IP_HLEN_MIN + 64];

/* ---- The clock --------------------------------------------------------------------------------
 * The kernel's clock counts 10 ms ticks, too coarse for a round trip on a local wire; the TSC
 * is fine-grained but of unknown rate.  The rate is measured once, between two tick edges
 * PING_CALIB_MSEC apart (a sleep ends just after a tick). */
static uint64_t tsc_start, tsc_per_ms;

static void
clock_init(void)
{
	uint32_t ms0, ms1;

	sys_sleep_until(sys_time_msec() + 1);	/* to a tick edge */
	tsc_start = read_tsc();
	ms0 = sys_time_msec();
	sys_sleep_until(ms0 + PING_CALIB_MSEC);
	ms1 = sys_time_msec();
	tsc_per_ms = (read_tsc() - tsc_start) / (ms1 - ms0);
	if (tsc_per_ms == 0)
		panic("the TSC does not advance");
}

static uint64_t
clock_us(void)
{
	return (read_tsc() - tsc_start) * 1000 / tsc_per_ms;
}

/* ---- Packets ---------------------------------------------------------------------------------- */

/* The Internet checksum (RFC 1071) of n bytes at p. */
static uint16_t
inet_sum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (n & 1)
		sum += p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* The data of request seq: its bytes depend on seq, so a reply to another one is told apart. */
static uint8_t
data_byte(int seq, int i)
{
	return (uint8_t) (seq + i);
}

static int
echo_send(int s, const struct ping_opts *o, uint16_t ident, int seq)
{
	struct sockaddr_in to;
	size_t len = ICMP_HLEN + o->size;
	uint16_t sum;

	pkt[0] = ICMP_ECHO;
	pkt[1] = 0;
	pkt[2] = pkt[3] = 0;
	pkt[4] = ident >> 8;
	pkt[5] = ident & 0xff;
	pkt[6] = seq >> 8;
	pkt[7] = seq & 0xff;
	for (int i = 0; i < o->size; i++)
		pkt[ICMP_HLEN + i] = data_byte(seq, i);
	sum = inet_sum(pkt, len);
	pkt[2] = sum >> 8;
	pkt[3] = sum & 0xff;
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr = o->to;
	return sendto(s, pkt, len, 0, (struct sockaddr *) &to, sizeof(to));
}

/* A packet of n bytes from the raw socket (its IPv4 header first): if it is the intact reply
 * to one of our requests not yet answered, its sequence number and TTL; else 0. */
static int
echo_reply(const uint8_t *p, int n, const struct ping_opts *o, uint16_t ident, int sent,
	   int *ttl)
{
	int hlen, seq;
	const uint8_t *icmp;
	uint32_t src;

	if (n < IP_HLEN_MIN || (p[0] >> 4) != 4 || (hlen = (p[0] & 0xf) * 4) < IP_HLEN_MIN
	    || n < hlen + ICMP_HLEN)
		return 0;
	memcpy(&src, p + 12, sizeof(src));
	icmp = p + hlen;
	if (src != o->to.s_addr || icmp[0] != ICMP_ECHOREPLY || icmp[1] != 0
	    || ((icmp[4] << 8) | icmp[5]) != ident || inet_sum(icmp, n - hlen) != 0)
		return 0;
	seq = (icmp[6] << 8) | icmp[7];
	if (seq < 1 || seq > sent || replied[seq] || n - hlen != ICMP_HLEN + o->size)
		return 0;
	for (int i = 0; i < o->size; i++)
		if (icmp[ICMP_HLEN + i] != data_byte(seq, i))
			return 0;
	*ttl = p[8];
	return seq;
}

/* ---- The run ---------------------------------------------------------------------------------- */

static void
print_ms(const char *before, uint64_t us, const char *after)
{
	cprintf("%s%u.%03u%s", before, (unsigned) (us / 1000), (unsigned) (us % 1000), after);
}

static void
usage(void)
{
	cprintf("usage: ping [-c count] [-i interval_ms] [-s size] [-W timeout_ms] ADDR\n"
		"  count 1..%d, interval_ms >= 1, size 0..%d, timeout_ms >= 1\n",
		PING_COUNT_MAX, NS_ICMP_MAX - ICMP_HLEN);
	exit();
}

/* The number after option argv[*i] within lo..hi, or usage. */
static int
opt_number(int argc, char **argv, int *i, int lo, int hi)
{
	char *end;
	long v;

	if (++*i >= argc)
		usage();
	v = strtol(argv[*i], &end, 10);
	if (*end || end == argv[*i] || v < lo || v > hi)
		usage();
	return v;
}

static void
opts_parse(int argc, char **argv, struct ping_opts *o)
{
	const char *addr = NULL;

	o->count = 4;
	o->interval_ms = 1000;
	o->size = 56;
	o->timeout_ms = 1000;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0)
			o->count = opt_number(argc, argv, &i, 1, PING_COUNT_MAX);
		else if (strcmp(argv[i], "-i") == 0)
			o->interval_ms = opt_number(argc, argv, &i, 1, 3600 * 1000);
		else if (strcmp(argv[i], "-s") == 0)
			o->size = opt_number(argc, argv, &i, 0, NS_ICMP_MAX - ICMP_HLEN);
		else if (strcmp(argv[i], "-W") == 0)
			o->timeout_ms = opt_number(argc, argv, &i, 1, 3600 * 1000);
		else if (argv[i][0] == '-' || addr)
			usage();
		else
			addr = argv[i];
	}
	if (!addr)
		usage();
	if (!inet_aton(addr, &o->to)) {
		cprintf("ping: %s: not an IPv4 address\n", addr);
		exit();
	}
}

/* Wait for replies until deadline (clock_us), or until every request is sent and answered,
 * printing each; returns 0 or a negative E_* code. */
static int
replies_until(int s, const struct ping_opts *o, uint16_t ident, int sent, uint64_t deadline)
{
	for (;;) {
		uint64_t now = clock_us();
		if (now >= deadline || (sent == o->count && answered == sent))
			return 0;
		int ms = (deadline - now + 999) / 1000, ttl, seq, n, r;
		if ((r = setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &ms, sizeof(ms))) < 0)
			return r;
		n = recvfrom(s, pkt, sizeof(pkt), 0, NULL, NULL);
		now = clock_us();
		if (n == -E_TIMEOUT)
			continue;
		if (n < 0)
			return n;
		if (!(seq = echo_reply(pkt, n, o, ident, sent, &ttl)))
			continue;	/* not ours: another ping's, a request to us, an error */
		if (now - sent_us[seq] > (uint64_t) o->timeout_ms * 1000)
			continue;	/* too late: lost */
		replied[seq] = true;
		rtt_us[seq] = now - sent_us[seq];
		answered++;
		cprintf("%d bytes from %s: icmp_seq=%d ttl=%d", n - (pkt[0] & 0xf) * 4,
			inet_ntoa(o->to), seq, ttl);
		print_ms(" time=", rtt_us[seq], " ms\n");
	}
}

void
umain(int argc, char **argv)
{
	struct ping_opts o;
	uint16_t ident = sys_getenvid() & 0xffff;
	int s, sent = 0, r;
	uint64_t next, min = ~0ULL, max = 0, sum = 0;

	binaryname = "ping";
	opts_parse(argc, argv, &o);
	if ((s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)) < 0) {
		cprintf("ping: socket: %e\n", s);
		exit();
	}
	clock_init();
	cprintf("PING %s: %d data bytes\n", inet_ntoa(o.to), o.size);
	next = clock_us();
	while (sent < o.count) {
		sent_us[sent + 1] = clock_us();
		if ((r = echo_send(s, &o, ident, sent + 1)) < 0) {
			cprintf("ping: sendto %s: %e\n", inet_ntoa(o.to), r);
			break;
		}
		sent++;
		/* Until the next request is due; after the last, until its replies' time is up. */
		next += (uint64_t) o.interval_ms * 1000;
		uint64_t until = sent < o.count ? next
			: sent_us[sent] + (uint64_t) o.timeout_ms * 1000;
		if ((r = replies_until(s, &o, ident, sent, until)) < 0) {
			cprintf("ping: recvfrom: %e\n", r);
			break;
		}
	}
	close(s);

	cprintf("--- %s ping statistics ---\n", inet_ntoa(o.to));
	cprintf("%d packets transmitted, %d received, %d%% packet loss\n", sent, answered,
		sent ? (sent - answered) * 100 / sent : 0);
	if (answered == 0)
		return;
	for (int seq = 1; seq <= sent; seq++) {
		if (!replied[seq])
			continue;
		min = MIN(min, rtt_us[seq]);
		max = MAX(max, rtt_us[seq]);
		sum += rtt_us[seq];
	}
	print_ms("rtt min/avg/max = ", min, "");
	print_ms("/", sum / answered, "");
	print_ms("/", max, " ms\n");
}
