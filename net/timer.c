/* The timer helper: a tick to the network server when its next deadline comes (contract in
 * net/nethelpers.h). */

#include <inc/lib.h>
#include <inc/ns.h>

#include "nethelpers.h"

void
timer(envid_t ns_envid, volatile uint32_t *deadline)
{
	uint32_t not_before = 0;

	binaryname = "ns-timer";
	for (;;) {
		/* Until the deadline, or until ns changes it (and wakes us if it is earlier);
		 * never sooner than TIMER_MIN_MSEC after the last tick, should ns leave a deadline
		 * that has passed. */
		uint32_t d = *deadline, until = d;
		if ((int32_t) (until - not_before) < 0)
			until = not_before;
		int r = sys_page_wait_until(deadline, d, pageref((const void *) deadline), until);
		if (r != 0 && r != -E_TIMEOUT)
			panic("sys_page_wait_until: %e", r);
		/* Moved (or a spurious wake-up), or moved later while we slept (ns wakes us only
		 * for an earlier one): look again. */
		if (r == 0 || *deadline != d)
			continue;
		ipc_send(ns_envid, NSREQ_TIMER, NULL, 0);
		not_before = sys_time_msec() + TIMER_MIN_MSEC;
	}
}
