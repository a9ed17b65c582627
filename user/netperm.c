/* netperm: an ordinary environment (no network right) is refused every network call with
 * -E_PERM, even with arguments that would otherwise be fine, and nothing is sent.  The calls
 * that would block go last, so that a kernel that lets them through is caught by the calls
 * before them (each result is printed as it comes). */

#include <inc/lib.h>
#include <inc/ns.h>

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
	/* The batch calls with arguments that would be fine, and a mapped page to recycle. */
	static struct net_rx_frame rx[1];
	static struct net_tx_frame tx[1];
	tx[0].nf_nfrags = 1;
	tx[0].nf_frags[0].nt_va = (uintptr_t) UTEMP;
	tx[0].nf_frags[0].nt_len = 60;
	netperm_report("sys_net_recv_batch", sys_net_recv_batch(rx, 1, UTEMP + PGSIZE, 0));
	netperm_report("sys_net_send_batch", sys_net_send_batch(tx, 1, 0));
	netperm_report("sys_net_recycle", sys_net_recycle(UTEMP));
	cprintf("netperm: done, %d failed\n", failed);
}
