/* IPv4 address text conversions for user programs: inet_aton, inet_addr, inet_ntoa. */

#include <inc/socket.h>
#include <inc/stdio.h>

/* Parse the dotted quad cp ("10.0.2.15": four decimal parts, each 0-255, nothing after) into
 * *addr (network byte order).  Returns 1 on success, 0 if cp is not such an address.  (BSD's
 * shorter forms, "10.15" and hexadecimal parts, are not accepted.) */
int
inet_aton(const char *cp, struct in_addr *addr)
{
	uint32_t a = 0;

	for (int part = 0; part < 4; part++) {
		uint32_t v = 0;
		int digits = 0;
		while (*cp >= '0' && *cp <= '9' && digits < 3) {
			v = v * 10 + (*cp++ - '0');
			digits++;
		}
		if (digits == 0 || v > 255)
			return 0;
		a = (a << 8) | v;
		if (part < 3 && *cp++ != '.')
			return 0;
	}
	if (*cp != '\0')
		return 0;
	if (addr)
		addr->s_addr = htonl(a);
	return 1;
}

/* The address in cp, network byte order, or INADDR_NONE if cp is not a dotted quad. */
in_addr_t
inet_addr(const char *cp)
{
	struct in_addr a;

	return inet_aton(cp, &a) ? a.s_addr : htonl(INADDR_NONE);
}

/* The dotted quad of addr, in a static buffer that the next call overwrites. */
char *
inet_ntoa(struct in_addr addr)
{
	static char buf[sizeof("255.255.255.255")];
	uint32_t a = ntohl(addr.s_addr);

	snprintf(buf, sizeof(buf), "%u.%u.%u.%u",
		 (a >> 24) & 0xff, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}
