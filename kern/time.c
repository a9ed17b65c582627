/* The kernel clock: milliseconds since boot read from the TSC, whose rate is measured against
 * the PIT at boot; the boot CPU's timer interrupt wakes the environments that sleep until a
 * given time (never by polling).
 *
 * Why the TSC and not a count of timer interrupts: under an emulator on a loaded host, the
 * timer interrupts that come late are merged (QEMU's local APIC delivers one for every run of
 * missed periods), so a tick count loses time (measured: 7.3 s counted for 5 at load average
 * 4.7 on 2 cores), and with it every sleep and deadline stretches.  The TSC (QEMU's follows
 * the host's clock) loses nothing, so only the wakeup of a sleeper waits for the next tick.
 * Without a TSC, or if the PIT cannot be read, the clock counts ticks as a fallback. */

#include <inc/assert.h>
#include <inc/error.h>
#include <inc/stdio.h>
#include <inc/x86.h>

#include <kern/time.h>
#include <kern/irq.h>
#include <kern/env.h>
#include <kern/cpu.h>
#include <kern/e1000.h>
#include <kern/pit.h>

static uint32_t ticks;		/* boot CPU timer interrupts since boot */
static uint32_t next_wakeup;	/* no sleeper wakes before this time */
static bool have_sleepers;

static uint64_t tsc_boot;	/* the TSC at time 0 */
static uint32_t tsc_per_msec;	/* 0: no usable TSC, the clock counts ticks */

/* The same two, for user code to read the clock without a trap (inc/sysinfo.h): set once, in
 * time_init, before any environment exists, so no reader ever sees them change. */
struct uclock_page time_uclock;

uint32_t
time_msec(void)
{
	if (tsc_per_msec)
		return (read_tsc() - tsc_boot) / tsc_per_msec;
	return ticks * (1000 / TIMER_HZ);
}

/*
 * TSC calibration: the TSC's advance over TIME_CAL_MSEC of the PIT.  Each end is a reading of
 * the PIT's count between two TSC reads, dated at their middle; a host that takes the CPU away
 * between the two reads (an emulator's thread preempted) makes that pair far apart, so each
 * end is the closest of TIME_CAL_READS readings, and a calibration whose best pairs still
 * spread over more than 1/TIME_CAL_PRECISION of the interval is done again (TIME_CAL_TRIES).
 */
#define TIME_CAL_MSEC		10
#define TIME_CAL_READS		5
#define TIME_CAL_PRECISION	1000
#define TIME_CAL_TRIES		4
#define CPUID_FEATURES		1
#define CPUID_EDX_TSC		(1 << 4)

struct time_reading {
	uint16_t count;		/* the PIT's */
	uint64_t tsc;		/* the middle of the TSC reads around it */
	uint64_t spread;	/* their distance */
};

static struct time_reading
time_read_pit(void)
{
	struct time_reading best = { 0, 0, ~0ULL };

	for (int i = 0; i < TIME_CAL_READS; i++) {
		uint64_t t0 = read_tsc();
		uint16_t count = pit_count();
		uint64_t t1 = read_tsc();
		if (t1 - t0 < best.spread)
			best = (struct time_reading) { count, t0 + (t1 - t0) / 2, t1 - t0 };
	}
	return best;
}

/* TSC counts per millisecond, or 0 if they cannot be measured. */
static uint32_t
time_tsc_calibrate(void)
{
	const uint32_t counts = PIT_HZ / 1000 * TIME_CAL_MSEC;
	static_assert(PIT_HZ / 1000 * TIME_CAL_MSEC + 1000 < PIT_MAX_COUNT, "one countdown");

	for (int try = 0; try < TIME_CAL_TRIES; try++) {
		pit_start(PIT_MAX_COUNT);
		struct time_reading a = time_read_pit(), b;
		uint32_t polls = 0;
		do {
			b = time_read_pit();
		} while ((uint16_t) (a.count - b.count) < counts && ++polls < (1 << 20));
		uint32_t elapsed = (uint16_t) (a.count - b.count);
		if (elapsed < counts || b.tsc <= a.tsc)
			return 0;	/* the PIT does not count, or the TSC does not */
		uint64_t tsc = b.tsc - a.tsc;
		if ((a.spread + b.spread) * TIME_CAL_PRECISION > tsc)
			continue;
		/* tsc per PIT count, times PIT counts per ms; elapsed < 2^16, tsc < 2^40 */
		uint64_t per_msec = tsc * PIT_HZ / ((uint64_t) elapsed * 1000);
		if (per_msec == 0 || per_msec > 0xFFFFFFFF)
			return 0;
		return per_msec;
	}
	return 0;
}

void
time_init(void)
{
	uint32_t edx;

	cpuid(CPUID_FEATURES, NULL, NULL, NULL, &edx);
	if (!(edx & CPUID_EDX_TSC)) {
		cprintf("time: no TSC; the clock counts timer interrupts\n");
		return;
	}
	uint32_t per_msec = time_tsc_calibrate();
	if (per_msec == 0) {
		cprintf("time: the TSC could not be measured; the clock counts timer interrupts\n");
		return;
	}
	tsc_boot = read_tsc() - (uint64_t) time_msec() * per_msec;
	tsc_per_msec = per_msec;
	time_uclock.clock.tsc_boot = tsc_boot;
	time_uclock.clock.tsc_per_msec = tsc_per_msec;
	cprintf("time: the TSC runs at %u.%03u MHz\n", per_msec / 1000, per_msec % 1000);
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
 * (With the TSC as the clock the ticks matter only to the fallback and to waking sleepers.)
 *
 * Only with one CPU: while the boot CPU idles, its ticks stand still, so another CPU would
 * put a sleeper to bed that nobody wakes in time (a new sleeper's earlier time would have to
 * wake the boot CPU: an IPI), and, with the fallback clock, read a stopped clock.
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
