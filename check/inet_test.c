/* Host unit test of lib/inet.c: inet_aton, inet_addr and inet_ntoa, with the addresses a user
 * types and the hostile text a user (or a peer) may give instead. */

#include <inc/socket.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include "harness.h"

/* a.b.c.d in network byte order. */
static in_addr_t
quad(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return exo_htonl(a << 24 | b << 16 | c << 8 | d);
}

/* text with its control characters as \\xNN, for a case's one-line name. */
static const char *
shown(const char *text)
{
	static char buf[128];
	size_t n = 0;

	for (; *text && n + 5 < sizeof buf; text++) {
		if ((unsigned char) *text < ' ')
			n += exo_snprintf(buf + n, sizeof buf - n, "\\x%02x", *text);
		else
			buf[n++] = *text;
	}
	buf[n] = '\0';
	return buf;
}

static void
good(const char *text, in_addr_t want)
{
	struct in_addr a = { 0x5a5a5a5a };
	int r = exo_inet_aton(text, &a);
	char what[128];

	exo_snprintf(what, sizeof what, "inet_aton(\"%s\")", text);
	check_case(r == 1 && a.s_addr == want, what, "returned %d, address %08x, expected 1, %08x",
		   r, (unsigned) a.s_addr, (unsigned) want);
}

/* Refused: returns 0, leaves *addr as it was, and inet_addr says INADDR_NONE. */
static void
bad(const char *text)
{
	struct in_addr a = { 0x5a5a5a5a };
	int r = exo_inet_aton(text, &a);
	in_addr_t v = exo_inet_addr(text);
	char what[128];

	exo_snprintf(what, sizeof what, "inet_aton(\"%s\") refused", shown(text));
	check_case(r == 0 && a.s_addr == 0x5a5a5a5a && v == exo_htonl(INADDR_NONE), what,
		   "returned %d, address %08x, inet_addr %08x", r, (unsigned) a.s_addr,
		   (unsigned) v);
}

static void
test_aton(void)
{
	good("10.0.2.15", quad(10, 0, 2, 15));
	good("0.0.0.0", quad(0, 0, 0, 0));
	good("255.255.255.255", quad(255, 255, 255, 255));
	good("1.2.3.4", quad(1, 2, 3, 4));
	good("127.0.0.1", quad(127, 0, 0, 1));
	good("010.000.002.015", quad(10, 0, 2, 15));	/* decimal, whatever the zeros */

	/* Where both accept, the host's inet_aton agrees. */
	static const char *const both[] = { "10.0.2.15", "0.0.0.0", "255.255.255.255",
					    "192.168.100.200", "8.8.4.4" };
	for (size_t i = 0; i < sizeof both / sizeof both[0]; i++) {
		struct in_addr a;
		unsigned int h = 0;
		char what[64];
		int r = exo_inet_aton(both[i], &a);

		exo_snprintf(what, sizeof what, "\"%s\" as the host's inet_aton", both[i]);
		check_case(r == 1 && ref_inet_aton(both[i], &h) == 1 && h == a.s_addr, what,
			   "ours %08x, the host's %08x", (unsigned) a.s_addr, h);
	}

	check_case(exo_inet_aton("1.2.3.4", NULL) == 1, "inet_aton with a NULL address", "refused");

	bad("");
	bad(".");
	bad("...");
	bad("1.2.3");
	bad("10.15");			/* BSD's short forms are not accepted */
	bad("167772687");
	bad("1.2.3.4.5");
	bad("1.2.3.4.");
	bad(".1.2.3.4");
	bad("1..2.3");
	bad("256.1.1.1");
	bad("1.2.3.256");
	bad("1.2.3.999");
	bad("1.2.3.1000");
	bad("0001.2.3.4");
	bad("4294967295.0.0.0");
	bad(" 1.2.3.4");
	bad("1.2.3.4 ");
	bad("1.2.3.4\n");
	bad("x1.2.3.4");
	bad("1.2.3.4x");
	bad("+1.2.3.4");
	bad("1.-2.3.4");
	bad("0x1.2.3.4");
	bad("1.2.3.0x4");
	bad("1,2,3,4");
	bad("1.2.3.");
}

static void
test_ntoa(void)
{
	struct in_addr a;

	a.s_addr = quad(10, 0, 2, 15);
	check_str("inet_ntoa(10.0.2.15)", exo_inet_ntoa(a), "10.0.2.15");
	a.s_addr = quad(255, 255, 255, 255);
	check_str("inet_ntoa(255.255.255.255): the longest", exo_inet_ntoa(a), "255.255.255.255");
	a.s_addr = quad(0, 0, 0, 0);
	check_str("inet_ntoa(0.0.0.0)", exo_inet_ntoa(a), "0.0.0.0");

	/* Every address of a pseudo-random walk prints as the host prints it and parses back. */
	uint32_t x = 0x12345678;
	int bad = 0;
	for (int i = 0; i < 100000; i++) {
		char want[32];
		struct in_addr back;

		x = x * 1664525 + 1013904223;
		a.s_addr = exo_htonl(x);
		ref_snprintf(want, sizeof want, "%u.%u.%u.%u", x >> 24, (x >> 16) & 0xff,
			     (x >> 8) & 0xff, x & 0xff);
		const char *got = exo_inet_ntoa(a);
		if (exo_strcmp(got, want) != 0 || exo_inet_aton(got, &back) != 1
		    || back.s_addr != a.s_addr) {
			if (bad++ < 5)
				check_note("  %08x: \"%s\", expected \"%s\"", (unsigned) x, got, want);
		}
	}
	check_case(bad == 0, "100000 addresses: inet_ntoa as the host's, inet_aton back",
		   "%d wrong", bad);
}

int
main(void)
{
	test_aton();
	test_ntoa();
	return check_done("inet");
}
