/* The kernel clock: a tick count kept by the boot CPU's timer interrupt, and the environments
 * that sleep until a given time (woken from the tick, never by polling). */

#include <inc/assert.h>

#include <kern/time.h>
#include <kern/irq.h>
#include <kern/env.h>
#include <kern/cpu.h>

static uint32_t ticks;		/* boot CPU timer interrupts since boot */
static uint32_t next_wakeup;	/* no sleeper wakes before this time */
static bool have_sleepers;

uint32_t
time_msec(void)
{
	return ticks * (1000 / TIMER_HZ);
}

/* Times are compared by their difference, so the clock may wrap. */
static bool
time_reached(uint32_t now, uint32_t when)
{
	return (int32_t) (now - when) >= 0;
}

/* Wake every sleeper whose time has come; remember the earliest of the others. */
static void
time_wake_sleepers(uint32_t now)
{
	bool more = false;
	uint32_t earliest = now;

	for (uint32_t i = 0; i < env_slots_used; i++) {
		struct Env *e = &envs[i];
		if (!env_waiting_on(e, ENV_WAIT_TIME))
			continue;
		if (time_reached(now, e->env_wait_key)) {
			env_unblock(e);
		} else if (!more || time_reached(earliest, e->env_wait_key)) {
			earliest = e->env_wait_key;
			more = true;
		}
	}
	have_sleepers = more;
	next_wakeup = earliest;
}

void
irq_timer_tick(void)
{
	/* Every CPU's timer preempts, but only the boot CPU's counts time. */
	if (thiscpu != bootcpu)
		return;
	ticks++;
	if (have_sleepers && time_reached(time_msec(), next_wakeup))
		time_wake_sleepers(time_msec());
}

int
sys_time_msec(void)
{
	return time_msec();
}

int
sys_sleep_until(uint32_t msec)
{
	if (time_reached(time_msec(), msec))
		return 0;
	curenv->env_tf.tf_regs.reg_eax = 0;	/* the call's result when it wakes */
	if (!have_sleepers || time_reached(next_wakeup, msec))
		next_wakeup = msec;
	have_sleepers = true;
	env_sleep(ENV_WAIT_TIME, msec);
}
