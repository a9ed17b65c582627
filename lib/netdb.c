/* The client side of name lookups (inc/netdb.h): a request page of its own, so that a program
 * that never looks a name up does not carry it. */

#include <inc/lib.h>
#include <inc/ns.h>
#include <inc/netdb.h>

static union nsipc netdb_req;
static envid_t netdb_ns;

int
nsipc_gethostbyname(const char *name, struct in_addr *out, int timeout_msec)
{
	size_t len = strnlen(name, NS_HOSTNAME_FIELD);
	int r;

	if (inet_aton(name, out))
		return 0;
	/* The server checks the name too; a name it cannot take needs no IPC. */
	if (len == 0 || len > NS_HOSTNAME_MAX)
		return -E_BAD_NAME;
	if (!ipc_server(ENV_TYPE_NS, &netdb_ns))
		return -E_BAD_ENV;
	memset(netdb_req.gethostbyname.name, 0, sizeof(netdb_req.gethostbyname.name));
	memcpy(netdb_req.gethostbyname.name, name, len);
	netdb_req.gethostbyname.timeout_msec = timeout_msec;
	r = ipc_call(netdb_ns, NSREQ_GETHOSTBYNAME, &netdb_req, PTE_P | PTE_U | PTE_W, NULL, NULL);
	if (r == 0)
		*out = netdb_req.gethostbyname.addr;
	return r;
}
