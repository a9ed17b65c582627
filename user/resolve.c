/* resolve: look host names up through the network server's resolver and print each address or
 * error with the time it took; `resolve -bad` sends it malformed lookups instead. */

#include <inc/lib.h>
#include <inc/ns.h>
#include <inc/netdb.h>

/*
 * Usage: resolve [-t MSEC] NAME...
 *   prints, for each name, one of
 *     resolve: NAME is A.B.C.D (N ms)
 *     resolve: NAME: ERROR (N ms)
 *   with ERROR the message of the E_* code (inc/netdb.h lists them); -t is the time to wait for
 *   the name server (default 0: the server's, 5 s).
 * resolve -bad: one line "resolve: bad: CASE: RESULT" per malformed request sent straight to
 * the server (a name without its NUL, too long, with a bad label; a negative timeout; a
 * read-only page), RESULT the error's message (or "0"), then "resolve: bad: done".
 */

static void
usage(void)
{
	cprintf("usage: resolve [-t MSEC] NAME... | resolve -bad\n");
	exit();
}

static void
lookup(const char *name, int timeout)
{
	struct in_addr a;
	uint32_t start = sys_time_msec();
	int r = nsipc_gethostbyname(name, &a, timeout);
	uint32_t took = sys_time_msec() - start;

	if (r == 0)
		cprintf("resolve: %s is %s (%u ms)\n", name, inet_ntoa(a), took);
	else
		cprintf("resolve: %s: %e (%u ms)\n", name, r, took);
}

/* ---- Malformed requests ------------------------------------------------------------------- */

static union nsipc bad_req;

static void
bad_case(const char *what, int timeout, const char *name, size_t len, int perm)
{
	static envid_t ns;
	int r = -E_BAD_ENV;

	memset(&bad_req, 0, sizeof(bad_req));
	bad_req.gethostbyname.timeout_msec = timeout;
	memcpy(bad_req.gethostbyname.name, name, len);
	if (ipc_server(ENV_TYPE_NS, &ns))
		r = ipc_call(ns, NSREQ_GETHOSTBYNAME, &bad_req, perm, NULL, NULL);
	if (r == 0)
		cprintf("resolve: bad: %s: 0\n", what);
	else
		cprintf("resolve: bad: %s: %e\n", what, r);
}

/* n characters of labels of up to 63 letters, dot-separated, NUL-terminated, in buf. */
static size_t
long_name(char *buf, size_t n, size_t label_max)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (i % (label_max + 1) == label_max) ? '.' : 'a' + i % 26;
	if (n > 0 && buf[n - 1] == '.')
		buf[n - 1] = 'z';
	buf[n] = '\0';
	return n + 1;
}

static void
bad_requests(void)
{
	static char name[PGSIZE];
	const int rw = PTE_P | PTE_U | PTE_W;

	memset(name, 'a', NS_HOSTNAME_FIELD);
	bad_case("name without its NUL", 0, name, NS_HOSTNAME_FIELD, rw);
	bad_case("name of 254 characters", 0, name, long_name(name, NS_HOSTNAME_MAX + 1, 63), rw);
	bad_case("name of 253 characters", 0, name, long_name(name, NS_HOSTNAME_MAX, 63), rw);
	bad_case("label of 64 characters", 0, name, long_name(name, 70, 64), rw);
	bad_case("empty name", 0, "", 1, rw);
	bad_case("empty label", 0, "a..exo.test", 12, rw);
	bad_case("leading hyphen", 0, "-a.exo.test", 12, rw);
	bad_case("trailing hyphen", 0, "a-.exo.test", 12, rw);
	bad_case("not a name's character", 0, "a_b!.exo.test", 14, rw);
	bad_case("negative timeout", -1, "www.exo.test", 13, rw);
	bad_case("read-only page", 0, "www.exo.test", 13, PTE_P | PTE_U);
	cprintf("resolve: bad: done\n");
}

void
umain(int argc, char **argv)
{
	int timeout = 0, i = 1;

	binaryname = "resolve";
	if (argc == 2 && strcmp(argv[1], "-bad") == 0) {
		bad_requests();
		return;
	}
	if (i + 1 < argc && strcmp(argv[i], "-t") == 0) {
		char *end;
		timeout = strtol(argv[i + 1], &end, 10);
		if (*end != '\0' || end == argv[i + 1])
			usage();
		i += 2;
	}
	if (i >= argc)
		usage();
	for (; i < argc; i++)
		lookup(argv[i], timeout);
}
