/* The two cascaded 8259A programmable interrupt controllers of the PC: IRQs 0-7 on the master,
 * 8-15 on the slave (wired to the master's IRQ 2), delivered as vectors IRQ_OFFSET + irq to the
 * boot CPU (through its local APIC's LINT0 in virtual-wire mode: kern/lapic.c).
 * Reference: Intel 8259A datasheet (ICW1-4, OCW1-3). */

#include <inc/types.h>
#include <inc/assert.h>
#include <inc/trap.h>
#include <inc/x86.h>

#include <kern/cpu.h>
#include <kern/picirq.h>

/* I/O ports: the command port takes ICW1, OCW2 and OCW3, the data port ICW2-4 and OCW1. */
#define PIC_MASTER_CMD		0x20
#define PIC_MASTER_DATA		0x21
#define PIC_SLAVE_CMD		0xA0
#define PIC_SLAVE_DATA		0xA1

#define PIC_NIRQS		8	/* IRQ inputs per 8259A */
#define PIC_NIRQS_TOTAL		(2 * PIC_NIRQS)
#define PIC_IRQ_CASCADE		2	/* the master input the slave is wired to */

/* ICW1 (to the command port): starts initialization. */
#define PIC_ICW1_INIT		0x10	/* this is ICW1 */
#define PIC_ICW1_IC4		0x01	/* an ICW4 follows */
/* Edge triggered (no LTIM), cascaded (no SNGL): the remaining bits stay 0. */

/* ICW3: on the master, a bit for each input with a slave; on the slave, its input number. */
#define PIC_ICW3_MASTER		(1 << PIC_IRQ_CASCADE)
#define PIC_ICW3_SLAVE		PIC_IRQ_CASCADE

/* ICW4: 8086 mode, normal (not automatic) end of interrupt, not buffered, not special fully
 * nested: the kernel handles one interrupt at a time with interrupts off, and acknowledges it
 * with irq_eoi after its handler ran. */
#define PIC_ICW4_8086		0x01

/* OCW2: end of interrupt. */
#define PIC_OCW2_EOI		0x20	/* non-specific: the highest-priority IRQ in service */

/* OCW3: select which register a read of the command port returns. */
#define PIC_OCW3		0x08	/* this is OCW3 */
#define PIC_OCW3_READ_IRR	(PIC_OCW3 | 0x02)
#define PIC_OCW3_READ_ISR	(PIC_OCW3 | 0x03)

/* The IRQs of the slave (IRQs 8-15) are bits 15:8. */
static uint16_t irq_mask = 0xFFFF & ~(1 << PIC_IRQ_CASCADE);
static bool pic_ready;

static void
pic_write_mask(void)
{
	outb(PIC_MASTER_DATA, irq_mask & 0xFF);
	outb(PIC_SLAVE_DATA, irq_mask >> 8);
}

/* Initialize one 8259A: its vectors start at vector_base. */
static void
pic_init_one(int cmd, int data, uint8_t vector_base, uint8_t icw3)
{
	outb(cmd, PIC_ICW1_INIT | PIC_ICW1_IC4);
	outb(data, vector_base);		/* ICW2 */
	outb(data, icw3);			/* ICW3 */
	outb(data, PIC_ICW4_8086);		/* ICW4 */
}

void
pic_init(void)
{
	/* Mask everything while the controllers are reprogrammed: the BIOS left them sending
	 * vectors 8-15, which are CPU exceptions. */
	outb(PIC_MASTER_DATA, 0xFF);
	outb(PIC_SLAVE_DATA, 0xFF);

	pic_init_one(PIC_MASTER_CMD, PIC_MASTER_DATA, IRQ_OFFSET, PIC_ICW3_MASTER);
	pic_init_one(PIC_SLAVE_CMD, PIC_SLAVE_DATA, IRQ_OFFSET + PIC_NIRQS, PIC_ICW3_SLAVE);

	/* A read of the command port returns the in-service register from now on
	 * (irq_is_spurious). */
	outb(PIC_MASTER_CMD, PIC_OCW3_READ_ISR);
	outb(PIC_SLAVE_CMD, PIC_OCW3_READ_ISR);

	pic_ready = true;
	pic_write_mask();
}

void
irq_enable(int irq)
{
	assert(irq >= 0 && irq < PIC_NIRQS_TOTAL);
	irq_mask &= ~(1 << irq);
	if (pic_ready)
		pic_write_mask();
}

bool
irq_is_spurious(int irq)
{
	if (irq == PIC_NIRQS - 1)
		return !(inb(PIC_MASTER_CMD) & (1 << (PIC_NIRQS - 1)));
	if (irq == PIC_NIRQS_TOTAL - 1)
		return !(inb(PIC_SLAVE_CMD) & (1 << (PIC_NIRQS - 1)));
	return false;
}

void
irq_eoi(int irq)
{
	assert(irq >= 0 && irq < NIRQS);

	/* Vectors past the 8259's come from the local APIC (IRQ_ERROR). */
	if (irq >= PIC_NIRQS_TOTAL) {
		lapic_eoi();
		return;
	}
	/* A slave IRQ is in service on the slave and, as IRQ 2, on the master: both need the
	 * EOI, slave first.  A spurious IRQ 15 is in service only on the master; the slave's
	 * non-specific EOI then finds nothing in service and does nothing. */
	if (irq >= PIC_NIRQS)
		outb(PIC_SLAVE_CMD, PIC_OCW2_EOI);
	outb(PIC_MASTER_CMD, PIC_OCW2_EOI);
}
