/* testinput: stands in for the network server (ENV_TYPE_NS).  Runs the input and output
 * helpers, asks the gateway (10.0.2.2) for its MAC address with an ARP request sent through
 * output, prints the reply, then prints every frame input hands it (through the receive ring,
 * as the server takes them) as a hex dump. */

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

static volatile struct ns_tx_ring *txring;

static void
output_ring(envid_t ns)
{
	output(ns, txring);
}

/* The receive ring, as the network server sets it up (net/nethelpers.h). */
static volatile struct ns_shared *shared;
static struct net_rx_frame *ring;

static void
input_ring(envid_t ns)
{
	input(ns, shared, ring);
}

static void
testinput_share(void)
{
	int r;

	if ((r = sys_page_alloc(0, (void *) NS_SHARED_VA, PTE_P | PTE_U | PTE_W | PTE_SHARE)) < 0)
		panic("sys_page_alloc: %e", r);
	for (int i = 0; i < NS_RX_RING_PAGES; i++)
		if ((r = sys_page_alloc(0, (void *) (NS_RX_RING_VA + i * PGSIZE),
					PTE_P | PTE_U | PTE_W | PTE_SHARE)) < 0)
			panic("sys_page_alloc: %e", r);
	shared = (volatile struct ns_shared *) NS_SHARED_VA;
	ring = (struct net_rx_frame *) NS_RX_RING_VA;
}

/* The next frame the input helper published, waiting for it if need be: its bytes at *frame
 * (the entry's, or the page mapped at RX_VA from the helper's window), its length returned.
 * The entry is given back at the next call. */
static int
testinput_next(envid_t in, const uint8_t **frame)
{
	static bool taken;
	int r;

	if (taken) {
		shared->rx_tail++;
		ns_barrier();
		if (shared->rx_input_waiting)
			sys_page_wake(&shared->rx_tail);
	}
	taken = false;
	while (shared->rx_head == shared->rx_tail) {
		shared->rx_ns_idle = 1;
		ns_barrier();
		if (shared->rx_head != shared->rx_tail)
			break;
		envid_t from;
		int32_t req = ipc_recv(&from, NULL, NULL);
		shared->rx_ns_idle = 0;
		if (from != in || req != NSREQ_INPUT)
			cprintf("testinput: refused request %d from %08x\n", req, from);
	}
	shared->rx_ns_idle = 0;
	ns_barrier();
	uint32_t at = shared->rx_tail % NS_RX_RING_SLOTS;
	const struct net_rx_frame *f = &ring[at];
	taken = true;
	if (f->nf_where == NET_RX_INLINE) {
		*frame = f->nf_data;
		return f->nf_len;
	}
	if ((r = sys_page_map(in, (void *) (INPUT_WIN_VA + at * PGSIZE), 0, RX_VA,
			      PTE_P | PTE_U | PTE_W)) < 0)
		panic("sys_page_map: %e", r);
	*frame = RX_VA->np_data;
	return RX_VA->np_len;
}

void
umain(int argc, char **argv)
{
	struct net_info ni;
	envid_t ns = sys_getenvid();
	int r;
	bool have_reply = false;

	binaryname = "testinput";
	if ((r = sys_net_info(&ni)) < 0)
		panic("sys_net_info: %e", r);
	testinput_share();
	txring = txring_create();
	envid_t out = testinput_fork(output_ring, ns);
	envid_t in = testinput_fork(input_ring, ns);

	if ((r = sys_page_alloc(0, TX_VA, PTE_P | PTE_U | PTE_W)) < 0)
		panic("sys_page_alloc: %e", r);
	struct net_tx_frame f = { .nf_nfrags = 1 };
	f.nf_frags[0].nt_va = (uintptr_t) TX_VA;
	f.nf_frags[0].nt_len = net_arp_request((uint8_t *) TX_VA, ni.mac, NET_GUEST_IP,
					       NET_GATEWAY_IP);
	if ((r = sys_page_map(0, TX_VA, out, TX_VA, PTE_P | PTE_U)) < 0)
		panic("sys_page_map: %e", r);
	if (!txring_post(txring, &f))
		panic("the transmit ring is full");
	txring_kick(txring);
	if ((r = sys_page_unmap(0, TX_VA)) < 0)
		panic("sys_page_unmap: %e", r);
	cprintf("testinput: sent an ARP request for " NET_IP_FMT " from "
		"%02x:%02x:%02x:%02x:%02x:%02x\n", NET_IP_ARGS(NET_GATEWAY_IP),
		ni.mac[0], ni.mac[1], ni.mac[2], ni.mac[3], ni.mac[4], ni.mac[5]);

	for (uint32_t nframes = 0;; nframes++) {
		const uint8_t *frame;
		int len = testinput_next(in, &frame);
		if (len <= 0 || len > NET_FRAME_MAX) {
			cprintf("testinput: refused a frame of %d bytes\n", len);
			continue;
		}
		const struct arp_pkt *arp = net_arp_reply_from(frame, len, NET_GATEWAY_IP);
		if (arp && !have_reply) {
			have_reply = true;
			cprintf("testinput: ARP reply: " NET_IP_FMT " is at "
				"%02x:%02x:%02x:%02x:%02x:%02x\n", NET_IP_ARGS(NET_GATEWAY_IP),
				arp->sha[0], arp->sha[1], arp->sha[2], arp->sha[3], arp->sha[4],
				arp->sha[5]);
		}
		cprintf("testinput: frame %u: %d bytes\n", nframes, len);
		testinput_hexdump(frame, len);
		if (have_reply && nframes == 0)
			cprintf("testinput: waiting for frames\n");
	}
}
