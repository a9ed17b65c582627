/* testtime: counts down from 5 (or the argument, 1 to 5) to 0, one line a second, with
 * sys_time_msec and sys_sleep_until.  The grader times the lines on the host (testtime); the nmi
 * test needs only a program that sleeps a while, and counts from 2. */

#include <inc/lib.h>

#define TESTTIME_FROM	5
#define TESTTIME_STEP	1000	/* ms between lines */

void
umain(int argc, char **argv)
{
	int from = TESTTIME_FROM;

	if (argc > 1) {
		from = strtol(argv[1], NULL, 10);
		if (from < 1 || from > TESTTIME_FROM)
			panic("usage: testtime [1..%d]", TESTTIME_FROM);
	}
	unsigned start = sys_time_msec();

	for (int i = from; i >= 0; i--) {
		/* Deadlines from the start, not from each wake-up, so that lateness does not add up. */
		unsigned when = start + (from - i) * TESTTIME_STEP;
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
