/* The kernel clock (kern/time.c): milliseconds since boot, read from the TSC (calibrated at
 * boot against the PIT; counted from the boot CPU's timer interrupts if there is none), and
 * environments sleeping until a time, woken by the boot CPU's timer interrupt. */
#ifndef KERN_TIME_H
#define KERN_TIME_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/types.h>
#include <inc/mmu.h>
#include <inc/sysinfo.h>

/* The clock page that every environment reads at UCLOCK (kern/pmap.c maps it). */
struct uclock_page {
	struct uclock clock;
	uint8_t pad[PGSIZE - sizeof(struct uclock)];
} __attribute__((aligned(PGSIZE)));
extern struct uclock_page time_uclock;

/* Timer interrupts per second on each CPU (kern/lapic.c programs the local APIC timer). */
#define TIMER_HZ	100

void	time_init(void);		/* boot CPU, once, before interrupts: measure the TSC */
uint32_t time_msec(void);		/* milliseconds since boot; wraps after 49 days */
/* Whether now is at or past when; times compare by their difference, so the clock may wrap. */
bool	time_reached(uint32_t now, uint32_t when);
/* Someone will sleep until msec: the clock wakes it then (see env_sleep_until). */
void	time_sleeper_add(uint32_t msec);

/* Tickless idle: the only CPU, about to halt with nothing to run, stops its tick until the
 * next sleeper's time (at most TIME_IDLE_MAX_TICKS), if nothing else needs the tick; woken
 * (trap(), kernel lock held, timer_irq: by its timer), it counts the ticks that passed and
 * ticks again.  With several CPUs, every CPU keeps ticking (kern/time.c says why). */
void	time_idle_enter(void);
void	time_idle_exit(bool timer_irq);

/* System calls. */
int	sys_time_msec(void);
int	sys_sleep_until(uint32_t msec);	/* block until time_msec() >= msec; returns 0 */

#endif /* !KERN_TIME_H */
