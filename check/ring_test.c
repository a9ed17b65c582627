/* Host unit test of kern/ring.h, the E1000 driver's ring index arithmetic: ring_next wraps,
 * ring_used counts the slots from clean to tail at every position, and a producer that keeps
 * one slot free (kern/e1000.h: "full at N - 1") never makes a full ring look empty. */

#include <kern/ring.h>
#include "harness.h"

static void
test_next(void)
{
	int bad = 0;

	for (uint32_t n = 1; n <= 300; n++)
		for (uint32_t i = 0; i < n; i++)
			bad += ring_next(i, n) != (i + 1 == n ? 0 : i + 1);
	check_case(bad == 0, "ring_next: every slot of rings of 1..300", "%d wrong", bad);
}

static void
test_used(void)
{
	static const uint32_t sizes[] = { 1, 2, 3, 7, 64, 128, 256 };
	int bad = 0;

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		uint32_t n = sizes[s];
		for (uint32_t clean = 0; clean < n; clean++) {
			uint32_t tail = clean;
			for (uint32_t k = 0; k < n; k++, tail = ring_next(tail, n))
				bad += ring_used(clean, tail, n) != k;
		}
	}
	check_case(bad == 0, "ring_used: k slots after every clean, rings of 1..256", "%d wrong",
		   bad);

	/* The bound the header states: n up to 2^31. */
	uint32_t n = 1u << 31;
	check_case(ring_used(n - 1, 0, n) == 1 && ring_used(0, n - 1, n) == n - 1
		   && ring_used(5, 5, n) == 0, "ring_used: a ring of 2^31, wrapped and not", "wrong");
}

/* The transmit path's discipline, modelled: send while room (n - 1 - used) > 0, reclaim the
 * oldest; in flight must always be what was sent and not reclaimed. */
static void
test_producer_consumer(void)
{
	static const uint32_t sizes[] = { 2, 64, 128 };
	int bad = 0;
	uint32_t x = 12345;

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		uint32_t n = sizes[s], clean = 0, tail = 0, count = 0, full = 0;
		for (int step = 0; step < 200000; step++) {
			x = x * 1103515245 + 12345;
			uint32_t room = n - 1 - ring_used(clean, tail, n);
			if ((x >> 16) % 3 != 0) {	/* send, twice as often as reclaim */
				if (room == 0) {
					full++;
				} else {
					tail = ring_next(tail, n);
					count++;
				}
			} else if (clean != tail) {
				clean = ring_next(clean, n);
				count--;
			}
			bad += ring_used(clean, tail, n) != count || count > n - 1
			       || (count > 0 && clean == tail);
		}
		bad += full == 0;	/* the model must have reached a full ring */
	}
	check_case(bad == 0, "send while room, reclaim the oldest: rings of 2, 64, 128, 200000 steps",
		   "%d wrong", bad);
}

int
main(void)
{
	test_next();
	test_used();
	test_producer_consumer();
	return check_done("ring");
}
