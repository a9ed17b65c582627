/* testinput: stands in for the network server (ENV_TYPE_NS).  Runs the input and output
 * helpers, asks the gateway (10.0.2.2) for its MAC address with an ARP request sent through
 * output, prints the reply, then prints every frame input hands it as a hex dump. */

#include <inc/lib.h>
#include <inc/ns.h>

#include "nethelpers.h"
#include "netutil.h"

#define TX_VA	((struct net_pkt *) UTEMP)
#define RX_VA	((struct net_pkt *) (UTEMP + PGSIZE))

/* "input: OFFS   hhhh hhhh ...  ascii", 16 bytes a line. */
static void
testinput_hexdump(const uint8_t *p, int len)
{
	for (int off = 0; off < len; off += 16) {
		char line[100];
		int n = snprintf(line, sizeof(line), "input: %04x  ", off);
		for (int i = off; i < off + 16; i++) {
			if (i % 2 == 0)
				line[n++] = ' ';
			if (i < len)
				n += snprintf(line + n, sizeof(line) - n, "%02x", p[i]);
			else
				n += snprintf(line + n, sizeof(line) - n, "  ");
		}
		line[n++] = ' ';
		line[n++] = ' ';
		for (int i = off; i < off + 16 && i < len; i++)
			line[n++] = (p[i] >= ' ' && p[i] < 0x7F) ? p[i] : '.';
		line[n] = 0;
		cprintf("%s\n", line);
	}
}

static envid_t
testinput_fork(void (*helper)(envid_t), envid_t ns)
{
	envid_t e = fork();

	if (e < 0)
		panic("fork: %e", e);
	if (e == 0)
		helper(ns);
	return e;
}

static void
output_alone(envid_t ns)
{
	output(ns, NULL);	/* this test queues no frames */
}

void
umain(int argc, char **argv)
{
	struct net_info ni;
	envid_t ns = sys_getenvid(), from;
	int perm, r;
	bool have_reply = false;

	binaryname = "testinput";
	if ((r = sys_net_info(&ni)) < 0)
		panic("sys_net_info: %e", r);
	envid_t out = testinput_fork(output_alone, ns);
	envid_t in = testinput_fork(input, ns);

	if ((r = sys_page_alloc(0, TX_VA, PTE_P | PTE_U | PTE_W)) < 0)
		panic("sys_page_alloc: %e", r);
	TX_VA->np_len = net_arp_request(TX_VA->np_data, ni.mac, NET_GUEST_IP, NET_GATEWAY_IP);
	ipc_send(out, NSREQ_OUTPUT, TX_VA, PTE_P | PTE_U);
	if ((r = sys_page_unmap(0, TX_VA)) < 0)
		panic("sys_page_unmap: %e", r);
	cprintf("testinput: sent an ARP request for " NET_IP_FMT " from "
		"%02x:%02x:%02x:%02x:%02x:%02x\n", NET_IP_ARGS(NET_GATEWAY_IP),
		ni.mac[0], ni.mac[1], ni.mac[2], ni.mac[3], ni.mac[4], ni.mac[5]);

	for (uint32_t nframes = 0;; nframes++) {
		int32_t req = ipc_recv(&from, RX_VA, &perm);
		if (from != in || req != NSREQ_INPUT || (perm & (PTE_P | PTE_U)) != (PTE_P | PTE_U)
		    || RX_VA->np_len <= 0 || RX_VA->np_len > NET_FRAME_MAX) {
			cprintf("testinput: refused request %d from %08x (perm %x)\n", req, from,
				perm);
			continue;
		}
		const struct arp_pkt *arp = net_arp_reply_from(RX_VA->np_data, RX_VA->np_len,
							       NET_GATEWAY_IP);
		if (arp && !have_reply) {
			have_reply = true;
			cprintf("testinput: ARP reply: " NET_IP_FMT " is at "
				"%02x:%02x:%02x:%02x:%02x:%02x\n", NET_IP_ARGS(NET_GATEWAY_IP),
				arp->sha[0], arp->sha[1], arp->sha[2], arp->sha[3], arp->sha[4],
				arp->sha[5]);
		}
		cprintf("testinput: frame %u: %d bytes\n", nframes, RX_VA->np_len);
		testinput_hexdump(RX_VA->np_data, RX_VA->np_len);
		if (have_reply && nframes == 0)
			cprintf("testinput: waiting for frames\n");
	}
}
