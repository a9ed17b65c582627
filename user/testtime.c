/* testtime: counts down from 5 to 0, one line a second, with sys_time_msec and sys_sleep_until.
 * The grader times the lines on the host. */

#include <inc/lib.h>

#define TESTTIME_FROM	5
#define TESTTIME_STEP	1000	/* ms between lines */

void
umain(int argc, char **argv)
{
	unsigned start = sys_time_msec();

	for (int i = TESTTIME_FROM; i >= 0; i--) {
		/* Deadlines from the start, not from each wake-up, so that lateness does not add up. */
		unsigned when = start + (TESTTIME_FROM - i) * TESTTIME_STEP;
		int r = sys_sleep_until(when);
		if (r < 0)
			panic("sys_sleep_until: %e", r);
		unsigned now = sys_time_msec();
		if ((int) (now - when) < 0)
			panic("woke at %u ms, before the deadline %u ms", now, when);
		cprintf("testtime: %d\n", i);
	}
	cprintf("testtime: done\n");
}
