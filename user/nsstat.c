/* nsstat: asks the network server for its counters (frames, copies, requests, sockets), which
 * it prints on the console; prints here the copies of clients' payload per byte, by kind.
 * `nsstat -s`: the server prints its state instead: each socket (its connection's send and
 * receive state) and each of its threads with what it waits on. */

#include <inc/lib.h>
#include <inc/ns.h>

/* copied / bytes as copies a byte, two decimals ("-" when no byte went that way). */
static const char *
per_byte(char *buf, size_t size, uint32_t copied, uint32_t bytes)
{
	if (bytes == 0)
		snprintf(buf, size, "-");
	else {
		uint32_t hundredths = (uint64_t) copied * 100 / bytes;	/* libgcc divides */
		snprintf(buf, size, "%u.%02u", hundredths / 100, hundredths % 100);
	}
	return buf;
}

void
umain(int argc, char **argv)
{
	struct ns_stats st;
	char a[16], b[16], c[16], d[16];
	int r;

	binaryname = "nsstat";
	if (argc == 2 && strcmp(argv[1], "-s") == 0) {
		if ((r = nsipc_state_print()) < 0)
			cprintf("nsstat: %e\n", r);
		return;
	}
	if ((r = nsipc_stats(&st)) < 0) {
		cprintf("nsstat: %e\n", r);
		return;
	}
	cprintf("nsstat: rx %u frames (%u dropped), tx %u frames (%u dropped)\n",
		st.rx_frames, st.rx_dropped, st.tx_frames, st.tx_dropped);
	cprintf("nsstat: bytes copied: tx headers %u (%u named in place); rx pages held %u\n",
		st.tx_copy_bytes - st.tx_body_copy_bytes, st.tx_ref_bytes, st.rx_pages_held);
	cprintf("nsstat: payload copies a byte in the server: TCP send %s (%u bytes), "
		"send_pages/sendfile %s (%u bytes), recv %s (%u bytes); datagrams received %s "
		"(%u bytes)\n",
		per_byte(a, sizeof(a), st.send_copy_bytes, st.send_bytes), st.send_bytes,
		per_byte(b, sizeof(b), st.lend_copy_bytes, st.lend_bytes), st.lend_bytes,
		per_byte(c, sizeof(c), st.recv_copy_bytes, st.recv_bytes), st.recv_bytes,
		per_byte(d, sizeof(d), st.dgram_recv_copy_bytes, st.dgram_recv_bytes),
		st.dgram_recv_bytes);
}
