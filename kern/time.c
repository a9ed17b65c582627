/* The kernel clock: a tick count kept by the boot CPU's timer interrupt, and the environments
 * that sleep until a given time (woken from the tick, never by polling). */

#include <inc/assert.h>
#include <inc/error.h>

#include <kern/time.h>
#include <kern/irq.h>
#include <kern/env.h>
#include <kern/cpu.h>
#include <kern/e1000.h>

static uint32_t ticks;		/* boot CPU timer interrupts since boot */
static uint32_t next_wakeup;	/* no sleeper wakes before this time */
static bool have_sleepers;

uint32_t
time_msec(void)
{
	return ticks * (1000 / TIMER_HZ);
}

bool
time_reached(uint32_t now, uint32_t when)
{
	return (int32_t) (now - when) >= 0;
}

/* The time e sleeps until, if it does: a sleeper (sys_sleep_until), or a wait with a deadline
 * (env_sleep_until). */
static bool
sleeper_time(const struct Env *e, uint32_t *when)
{
	if (env_waiting_on(e, ENV_WAIT_TIME))
		*when = e->env_wait_key;
	else if (e->env_status == ENV_NOT_RUNNABLE && e->env_wait != 0 && e->env_wait_timed)
		*when = e->env_wait_until;
	else
		return false;
	return true;
}

/* Wake every sleeper whose time has come; remember the earliest of the others. */
static void
time_wake_sleepers(uint32_t now)
{
	bool more = false;
	uint32_t earliest = now, when;

	for (uint32_t i = 0; i < env_slots_used; i++) {
		struct Env *e = &envs[i];
		if (!sleeper_time(e, &when))
			continue;
		if (time_reached(now, when)) {
			/* sys_sleep_until's result is 0 (set when it slept); a deadline's is
			 * -E_TIMEOUT. */
			if (!env_waiting_on(e, ENV_WAIT_TIME))
				e->env_tf.tf_regs.reg_eax = -E_TIMEOUT;
			env_unblock(e);
		} else if (!more || time_reached(earliest, when)) {
			earliest = when;
			more = true;
		}
	}
	have_sleepers = more;
	next_wakeup = earliest;
}

void
time_sleeper_add(uint32_t msec)
{
	if (!have_sleepers || time_reached(next_wakeup, msec))
		next_wakeup = msec;
	have_sleepers = true;
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

/*
 * Tickless idle.  Halted, the boot CPU would still take TIMER_HZ interrupts a second, each
 * waking it (and QEMU) for nothing, unless an environment sleeps until then or a frame's pin
 * waits to be dropped (e1000_tick).  So it counts down once to the next sleeper's time
 * instead, and when anything wakes it, adds the ticks that passed: timer counts, of the tick
 * in progress when it stopped ticking plus those since, with the remainder carried to the next
 * time (tick_rem), so the clock loses nothing however often it idles.  Time keeps being counted
 * by the boot CPU alone, under the kernel lock.
 *
 * Only with one CPU: while the boot CPU idles, its tick count stands still, and another CPU
 * would read a stopped clock (sys_time_msec) and put sleepers to bed that nobody wakes in time.
 * With several, the clock would need a source every CPU can read (the TSC, calibrated), and a
 * new sleeper's earlier time would have to wake the boot CPU (an IPI).
 */
#define TIME_IDLE_MAX_TICKS	(10 * TIMER_HZ)

static bool idle_oneshot;	/* the boot CPU's timer counts down idle_ticks once */
static uint32_t idle_ticks;
static uint32_t tick_rem;	/* timer counts passed, less than a tick, not yet counted */

void
time_idle_enter(void)
{
	const uint32_t msec_per_tick = 1000 / TIMER_HZ;
	uint32_t n = TIME_IDLE_MAX_TICKS, passed;

	if (ncpu > 1 || e1000_tick_needed())
		return;
	if (have_sleepers) {
		int32_t left = next_wakeup - time_msec();
		if (left <= (int32_t) msec_per_tick)
			return;		/* the next tick is its time anyway */
		n = MIN(n, ROUNDUP((uint32_t) left, msec_per_tick) / msec_per_tick);
	}
	if (!lapic_timer_oneshot(n, &passed))
		return;
	tick_rem += passed;
	idle_ticks = n;
	idle_oneshot = true;
}

void
time_idle_exit(bool timer_irq)
{
	if (thiscpu != bootcpu || !idle_oneshot)
		return;
	idle_oneshot = false;
	uint32_t per = lapic_timer_tick_counts();
	tick_rem += lapic_timer_periodic(idle_ticks);
	uint32_t t = tick_rem / per;
	tick_rem %= per;
	if (timer_irq && t > 0)
		t--;			/* irq_timer_tick counts the tick that woke us */
	ticks += t;
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
	time_sleeper_add(msec);
	env_sleep(ENV_WAIT_TIME, msec);
}
