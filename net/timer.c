/* The timer helper: a tick to the network server at a fixed interval (contract in
 * net/nethelpers.h). */

#include <inc/lib.h>
#include <inc/ns.h>

#include "nethelpers.h"

void
timer(envid_t ns_envid, uint32_t interval_msec)
{
	unsigned next = sys_time_msec() + interval_msec;

	binaryname = "ns-timer";
	for (;;) {
		int r = sys_sleep_until(next);
		if (r < 0)
			panic("sys_sleep_until: %e", r);
		ipc_send(ns_envid, NSREQ_TIMER, NULL, 0);
		/* Ticks keep their phase; if the server kept us waiting past the next one, skip
		 * the missed ticks instead of sending a burst of them. */
		next += interval_msec;
		unsigned now = sys_time_msec();
		if ((int) (now - next) >= 0)
			next = now + interval_msec;
	}
}
