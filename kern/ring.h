/* Index arithmetic of a descriptor ring of n slots (kern/e1000.c; the conventions are in
 * kern/e1000.h, "Index conventions"): indices run 0..n-1 and wrap, the slots [clean, tail) are
 * in flight, and clean == tail means none.  Pure arithmetic, with no kernel state, so the host
 * unit test check/ring_test.c includes it too.  n is at most 2^31 (tail + n must not wrap). */
#ifndef KERN_RING_H
#define KERN_RING_H

#include <inc/types.h>

/* The slot after i. */
static inline uint32_t
ring_next(uint32_t i, uint32_t n)
{
	return (i + 1) % n;
}

/* Slots in flight from clean to tail in a ring of n. */
static inline uint32_t
ring_used(uint32_t clean, uint32_t tail, uint32_t n)
{
	return (tail + n - clean) % n;
}

#endif /* !KERN_RING_H */
