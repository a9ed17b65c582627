/* External interrupt routing (kern/picirq.c): the two 8259A PICs, cascaded, delivering to the
 * boot CPU.  IRQ n arrives at vector IRQ_OFFSET + n; all are masked until irq_enable.
 *
 * Routing: the 8259s' output reaches only the boot CPU, through its local APIC's LINT0 pin in
 * ExtINT (virtual-wire) mode, set up by the boot CPU's lapic_init (MP spec 3.6.2.2).  The other
 * CPUs never see an 8259 IRQ.  Vector IRQ_OFFSET + IRQ_TIMER is the local APIC timer, on every
 * CPU; the 8259's own IRQ 0 (the PIT) stays masked, so the vector is never shared.
 *
 * End of interrupt, in trap dispatch (interrupts are off in the kernel, so one at a time):
 *   - an 8259 IRQ (0..15, except the timer and the spurious vector below): irq_eoi(irq) after
 *     the handler.  No lapic_eoi: an ExtINT interrupt is not in service at the local APIC
 *     (SDM 3A 10.8.5 forbids an EOI write for it).
 *   - the local APIC timer (IRQ_OFFSET + IRQ_TIMER): lapic_eoi(), not irq_eoi.
 *   - the local APIC error interrupt (IRQ_OFFSET + IRQ_ERROR): read lapic_error(), then
 *     lapic_eoi() (irq_eoi(IRQ_ERROR) does the same, since IRQs past 15 are local APIC ones).
 *   - vector IRQ_OFFSET + IRQ_SPURIOUS (7): no EOI at all.  Two sources share it, and neither
 *     takes an EOI: the local APIC's spurious-interrupt vector (SDM 10.9), and the 8259's
 *     spurious IRQ 7, which the master raises when a request goes away before the CPU
 *     acknowledges it.  A real IRQ 7 (the parallel port, unused here) is told from a spurious
 *     one by irq_is_spurious(7): its bit is set in the master's in-service register.
 *   - a spurious IRQ 15 comes from the slave the same way; the master saw a real IRQ 2, so it
 *     takes irq_eoi(15) (which sends the master its EOI and the slave a harmless one).
 */
#ifndef KERN_PICIRQ_H
#define KERN_PICIRQ_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/types.h>

void	pic_init(void);
void	irq_enable(int irq);	/* unmask IRQ irq (0..15) */
void	irq_eoi(int irq);	/* end of interrupt for irq, after it has been handled */
/* Is this interrupt on IRQ irq (7 or 15) a spurious one, not in service at the 8259?  Always
 * false for the other IRQs. */
bool	irq_is_spurious(int irq);

#endif /* !KERN_PICIRQ_H */
