/* The 8254 PIT's channel 2 as a known clock (kern/pit.h).  Mode 0: the counter counts down
 * from the value written once the gate is high, and the output goes high when it reaches 0
 * (8254 data sheet, "Mode 0: interrupt on terminal count"). */

#include <inc/assert.h>
#include <inc/x86.h>

#include <kern/pit.h>

#define PIT_CH2			0x42	/* channel 2 counter */
#define PIT_MODE		0x43	/* mode/command register */
#define PIT_SEL_CH2		0x80	/* command: select channel 2 */
#define PIT_RW_LATCH		0x00	/* command: latch the count for reading */
#define PIT_RW_LOHI		0x30	/* command: write count low byte, then high byte */
#define PIT_MODE0		0x00	/* command: interrupt on terminal count (out goes high) */
#define PIT_PORTB		0x61	/* system control port B */
#define PIT_PORTB_GATE2		0x01	/* R/W	channel 2 gate */
#define PIT_PORTB_SPEAKER	0x02	/* R/W	speaker data enable */
#define PIT_PORTB_OUT2		0x20	/* R	channel 2 output */

/* Polls of port B before deciding the PIT never counts down: at least 40 times more than
 * its longest count (55 ms) needs even at 100 ns a poll.  Only broken hardware hits it. */
#define PIT_MAX_POLLS		(1 << 24)

void
pit_start(uint32_t count)
{
	uint8_t b = inb(PIT_PORTB) & ~(PIT_PORTB_GATE2 | PIT_PORTB_SPEAKER);

	assert(count <= PIT_MAX_COUNT);
	outb(PIT_PORTB, b);			/* gate low: hold the counter */
	outb(PIT_MODE, PIT_SEL_CH2 | PIT_RW_LOHI | PIT_MODE0);
	outb(PIT_CH2, count & 0xFF);
	outb(PIT_CH2, (count >> 8) & 0xFF);
	outb(PIT_PORTB, b | PIT_PORTB_GATE2);	/* gate high: count */
}

bool
pit_wait(void)
{
	for (uint32_t i = 0; i < PIT_MAX_POLLS; i++)
		if (inb(PIT_PORTB) & PIT_PORTB_OUT2)
			return true;
	return false;
}

uint16_t
pit_count(void)
{
	outb(PIT_MODE, PIT_SEL_CH2 | PIT_RW_LATCH);
	uint8_t lo = inb(PIT_CH2);
	return lo | (inb(PIT_CH2) << 8);
}

void
pit_delay_us(uint32_t us)
{
	pit_start((uint64_t) us * PIT_HZ / 1000000 + 1);
	if (!pit_wait())
		warn("pit: the PIT does not count; delays are too short");
}
