/* The 8254 programmable interval timer's channel 2 (kern/pit.c), used only as a clock whose
 * rate is known: to calibrate the local APIC timer and the TSC, and for the delays of the AP
 * start-up sequence.  Channel 2's gate and output are in system control port B and its output
 * reaches no interrupt, so using it disturbs nothing.  Boot CPU only, before other CPUs run. */
#ifndef KERN_PIT_H
#define KERN_PIT_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/types.h>

#define PIT_HZ		1193182		/* input clock of the 8254 */
#define PIT_MAX_COUNT	0xFFFF

void	pit_start(uint32_t count);	/* count down from count (<= PIT_MAX_COUNT), once */
bool	pit_wait(void);			/* until it runs out; false if it never does */
uint16_t pit_count(void);		/* the count now (latched, so both bytes agree) */
void	pit_delay_us(uint32_t us);	/* busy-wait at least us microseconds, at most 54 ms */

#endif /* !KERN_PIT_H */
