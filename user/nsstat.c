/* nsstat: asks the network server for its counters (frames, copies, requests, sockets), which
 * it prints on the console; prints them here too. */

#include <inc/lib.h>
#include <inc/ns.h>

void
umain(int argc, char **argv)
{
	struct ns_stats st;
	int r;

	(void) argc;
	(void) argv;
	binaryname = "nsstat";
	if ((r = nsipc_stats(&st)) < 0) {
		cprintf("nsstat: %e\n", r);
		return;
	}
	cprintf("nsstat: rx %u frames (%u dropped), tx %u frames (%u dropped)\n",
		st.rx_frames, st.rx_dropped, st.tx_frames, st.tx_dropped);
	cprintf("nsstat: bytes copied: tx headers %u (%u named in place), send %u, recv %u; "
		"rx pages held %u\n", st.tx_copy_bytes, st.tx_ref_bytes, st.send_copy_bytes,
		st.recv_copy_bytes, st.rx_pages_held);
}
