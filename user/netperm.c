/* netperm: an ordinary environment (no network right) is refused every network call with
 * -E_PERM, even with arguments that would otherwise be fine, and nothing is sent.  The calls
 * that would block go last, so that a kernel that lets them through is caught by the calls
 * before them (each result is printed as it comes). */

#include <inc/lib.h>

static int failed;

static void
netperm_report(const char *what, int r)
{
	cprintf("netperm: %s: %e\n", what, r);
	if (r != -E_PERM)
		failed++;
}

void
umain(int argc, char **argv)
{
	struct net_info ni;
	int r;

	if ((r = sys_page_alloc(0, UTEMP, PTE_P | PTE_U | PTE_W)) < 0)
		panic("sys_page_alloc: %e", r);
	memset(UTEMP, 0xFF, 60);

	netperm_report("sys_net_info", sys_net_info(&ni));
	netperm_report("sys_net_send(NET_NONBLOCK)", sys_net_send(UTEMP, 60, NET_NONBLOCK));
	netperm_report("sys_net_recv(NET_NONBLOCK)", sys_net_recv(UTEMP, NET_NONBLOCK));
	netperm_report("sys_net_send", sys_net_send(UTEMP, 60, 0));
	netperm_report("sys_net_recv", sys_net_recv(UTEMP, 0));
	cprintf("netperm: done, %d failed\n", failed);
}
