/* External interrupt handlers (kern/trap.c) and the clock tick hook. */
#ifndef KERN_IRQ_H
#define KERN_IRQ_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

/* Call handler (with the kernel lock held, interrupts off) for every interrupt on IRQ irq, and
 * unmask the IRQ.  The dispatcher sends the end-of-interrupt after the handler. */
void	irq_set_handler(int irq, void (*handler)(void));

/* Called on every local APIC timer interrupt, on each CPU (kern/time.c). */
void	irq_timer_tick(void);

#endif /* !KERN_IRQ_H */
