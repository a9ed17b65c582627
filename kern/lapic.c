/* The local APIC of each CPU: its identity (cpunum), the periodic timer that preempts user
 * environments, end of interrupt, inter-processor interrupts and the AP start-up sequence.
 * References: Intel SDM volume 3A chapter 10 ("Advanced Programmable Interrupt Controller"),
 * the MultiProcessor Specification v1.4 appendix B, and the 8254 PIT used to calibrate. */

#include <inc/types.h>
#include <inc/stdio.h>
#include <inc/assert.h>
#include <inc/memlayout.h>
#include <inc/trap.h>
#include <inc/x86.h>

#include <kern/cpu.h>
#include <kern/pmap.h>
#include <kern/time.h>
#include <kern/nvram.h>
#include <kern/pit.h>

physaddr_t lapicaddr;		/* from mp_init; 0 if there is no local APIC to use */

/* The registers, mapped uncached by the boot CPU's lapic_init.  Every CPU sees its own local
 * APIC at the same address.  NULL until then (and forever without an MP table). */
static volatile uint32_t *lapic;

/*
 * Local APIC registers: byte offsets from the base (SDM 3A table 10-1).  All are 32 bits wide
 * and 16-byte aligned; accessed only through lapic_rd and lapic_wr.
 */
#define LAPIC_ID	0x020	/* R/W	local APIC ID, in bits 31:24 (SDM 10.4.6) */
#define LAPIC_VER	0x030	/* R	version (SDM 10.4.8) */
#define LAPIC_TPR	0x080	/* R/W	task priority (SDM 10.8.3.1) */
#define LAPIC_EOI	0x0B0	/* W	end of interrupt (SDM 10.8.5) */
#define LAPIC_SVR	0x0F0	/* R/W	spurious interrupt vector (SDM 10.9) */
#define LAPIC_ESR	0x280	/* R/W	error status (SDM 10.5.3) */
#define LAPIC_ICRLO	0x300	/* R/W	interrupt command, low half (SDM 10.6.1) */
#define LAPIC_ICRHI	0x310	/* R/W	interrupt command, high half: destination */
#define LAPIC_TIMER	0x320	/* R/W	LVT timer (SDM 10.5.1) */
#define LAPIC_THERMAL	0x330	/* R/W	LVT thermal sensor */
#define LAPIC_PCINT	0x340	/* R/W	LVT performance monitoring counters */
#define LAPIC_LINT0	0x350	/* R/W	LVT LINT0 */
#define LAPIC_LINT1	0x360	/* R/W	LVT LINT1 */
#define LAPIC_ERROR	0x370	/* R/W	LVT error */
#define LAPIC_TICR	0x380	/* R/W	timer initial count (SDM 10.5.4) */
#define LAPIC_TCCR	0x390	/* R	timer current count */
#define LAPIC_TDCR	0x3E0	/* R/W	timer divide configuration */

#define LAPIC_ID_SHIFT		24
#define LAPIC_VER_MAXLVT(v)	(((v) >> 16) & 0xFF)	/* number of LVT entries - 1 */
#define LAPIC_VER_VERSION(v)	((v) & 0xFF)		/* < 0x10: an external 82489DX */
#define LAPIC_VER_INTEGRATED	0x10
#define LAPIC_MAXLVT_PCINT	4	/* the LVT has a performance counter entry */
#define LAPIC_MAXLVT_THERMAL	5	/* ... and a thermal sensor entry */

#define LAPIC_SVR_ENABLE	0x00000100	/* APIC software enable */

/* LVT entries (SDM figure 10-8) and the interrupt command register (figure 10-12) share the
 * low bits: vector, delivery mode, status, level, trigger. */
#define LAPIC_DM_FIXED		0x00000000	/* delivery mode: the vector given */
#define LAPIC_DM_NMI		0x00000400
#define LAPIC_DM_INIT		0x00000500
#define LAPIC_DM_STARTUP	0x00000600
#define LAPIC_DM_EXTINT		0x00000700	/* the 8259 supplies the vector */
#define LAPIC_DELIVS		0x00001000	/* delivery status: send pending */
#define LAPIC_LEVEL_ASSERT	0x00004000
#define LAPIC_TRIGGER_LEVEL	0x00008000
#define LAPIC_LVT_MASKED	0x00010000
#define LAPIC_TIMER_PERIODIC	0x00020000	/* LVT timer mode */
#define LAPIC_ICR_ALL_BUT_SELF	0x000C0000	/* destination shorthand */
#define LAPIC_ICR_DEST_SHIFT	24		/* in LAPIC_ICRHI */

#define LAPIC_TDCR_DIV16	0x3		/* timer divide configuration: bus clock / 16 */

/* The shutdown status byte in the RTC's NVRAM and the BIOS warm-reset vector (MP spec B.4):
 * after an INIT, a BIOS that finds shutdown code 0x0A jumps through the far pointer at 40:67. */
#define NVRAM_SHUTDOWN		0x0F
#define NVRAM_SHUTDOWN_WARM_JMP	0x0A
#define NVRAM_SHUTDOWN_NORMAL	0x00
#define BIOS_WARM_RESET_VECTOR	0x467	/* offset word, then segment word */

/* Timer counts per tick (1 / TIMER_HZ seconds) at LAPIC_TDCR_DIV16, measured by the boot CPU
 * and used by every CPU (their timers all run from the same bus clock). */
static uint32_t lapic_timer_count;

/* Used if the PIT cannot be read: 10 ms at a 1 GHz bus clock divided by 16, which is what
 * QEMU's local APIC runs at; on other machines the clock is off but preemption still works. */
#define LAPIC_TIMER_FALLBACK_COUNT	(1000000000 / 16 / TIMER_HZ)

static uint32_t
lapic_rd(uint32_t reg)
{
	return lapic[reg / sizeof(*lapic)];
}

static void
lapic_wr(uint32_t reg, uint32_t val)
{
	lapic[reg / sizeof(*lapic)] = val;
	/* A read after the write waits for it to complete (the APIC is uncached, but a write may
	 * still be posted). */
	(void) lapic[LAPIC_ID / sizeof(*lapic)];
}

/* Timer counts in one tick, measured against the PIT; a fixed guess if the PIT is broken. */
static uint32_t
lapic_timer_calibrate(void)
{
	uint32_t elapsed;

	static_assert(PIT_HZ / TIMER_HZ <= PIT_MAX_COUNT, "a tick fits in the PIT's counter");

	/* A one-shot countdown from the top, masked: only the count is wanted. */
	lapic_wr(LAPIC_TDCR, LAPIC_TDCR_DIV16);
	lapic_wr(LAPIC_TIMER, LAPIC_LVT_MASKED | (IRQ_OFFSET + IRQ_TIMER));
	pit_start(PIT_HZ / TIMER_HZ);
	lapic_wr(LAPIC_TICR, 0xFFFFFFFF);
	if (!pit_wait()) {
		cprintf("lapic: the PIT does not count; timer set for a 1 GHz bus\n");
		return LAPIC_TIMER_FALLBACK_COUNT;
	}
	elapsed = 0xFFFFFFFF - lapic_rd(LAPIC_TCCR);
	lapic_wr(LAPIC_TICR, 0);
	if (elapsed == 0) {
		cprintf("lapic: the timer does not count; timer set for a 1 GHz bus\n");
		return LAPIC_TIMER_FALLBACK_COUNT;
	}
	return elapsed;
}

/* This CPU's index in cpus[] from its local APIC id: an uncached register read, which under
 * QEMU's emulation costs as much as a few hundred instructions. */
int
cpunum_lapic(void)
{
	if (lapic == NULL)
		return 0;

	/* APIC ids need not be 0..ncpu-1; mp_init put the boot CPU in cpus[0], which also makes
	 * this right before the local APIC is mapped.  Every CPU that runs this was started from
	 * cpus[], so the search finds it. */
	uint8_t id = lapic_rd(LAPIC_ID) >> LAPIC_ID_SHIFT;
	for (int i = 0; i < ncpu; i++)
		if (cpus[i].cpu_id == id)
			return i;
	return 0;
}

/* Every use of curenv asks which CPU this is, dozens of times a system call, so the answer
 * comes from the task register, which trap_init_percpu loads with this CPU's own TSS selector
 * (GD_TSS0 + 8*i; its double-fault task's while that runs): one register read, no memory.
 * Before a CPU has loaded it (TR is still 0 early in boot and in an AP's first steps), the
 * local APIC answers. */
int
cpunum(void)
{
	uint16_t tr;

	asm volatile("str %0" : "=r" (tr));
	if (tr >= GD_TSS0 && tr < GD_TSS0 + 8 * NCPU)
		return (tr - GD_TSS0) >> 3;
	if (tr >= GD_DFTSS0 && tr < GD_DFTSS0 + 8 * NCPU)
		return (tr - GD_DFTSS0) >> 3;
	return cpunum_lapic();
}

void
lapic_init(void)
{
	if (lapicaddr == 0)
		return;

	/* The boot CPU maps the registers for everyone, and checks the table's idea of its
	 * APIC id against the hardware's (cpunum depends on it). */
	if (lapic == NULL) {
		lapic = mmio_map_region(lapicaddr, PGSIZE);
		uint8_t id = lapic_rd(LAPIC_ID) >> LAPIC_ID_SHIFT;
		if (bootcpu->cpu_id != id) {
			cprintf("SMP: boot CPU has APIC id %d, not %d as the MP table says\n",
				id, bootcpu->cpu_id);
			bootcpu->cpu_id = id;
		}
	}

	/* Enable the APIC, with the vector it raises for a spurious interrupt (which needs no
	 * EOI).  That vector is shared with the 8259's spurious IRQ 7: see kern/picirq.h. */
	lapic_wr(LAPIC_SVR, LAPIC_SVR_ENABLE | (IRQ_OFFSET + IRQ_SPURIOUS));

	/* The timer: periodic, TIMER_HZ interrupts a second on every CPU. */
	if (lapic_timer_count == 0)
		lapic_timer_count = lapic_timer_calibrate();
	lapic_wr(LAPIC_TDCR, LAPIC_TDCR_DIV16);
	lapic_wr(LAPIC_TIMER, LAPIC_TIMER_PERIODIC | (IRQ_OFFSET + IRQ_TIMER));
	lapic_wr(LAPIC_TICR, lapic_timer_count);

	/* Virtual-wire mode (MP spec 3.6.2.2): the 8259's interrupts reach the boot CPU through
	 * its LINT0 as ExtINT (the 8259 supplies the vector, in an INTA cycle), and NMIs through
	 * LINT1.  The other CPUs ignore both pins. */
	if (thiscpu == bootcpu) {
		lapic_wr(LAPIC_LINT0, LAPIC_DM_EXTINT);
		lapic_wr(LAPIC_LINT1, LAPIC_DM_NMI);
	} else {
		lapic_wr(LAPIC_LINT0, LAPIC_LVT_MASKED);
		lapic_wr(LAPIC_LINT1, LAPIC_LVT_MASKED);
	}

	/* Entries the kernel has no handler for stay masked, where the APIC has them. */
	uint32_t maxlvt = LAPIC_VER_MAXLVT(lapic_rd(LAPIC_VER));
	if (maxlvt >= LAPIC_MAXLVT_PCINT)
		lapic_wr(LAPIC_PCINT, LAPIC_LVT_MASKED);
	if (maxlvt >= LAPIC_MAXLVT_THERMAL)
		lapic_wr(LAPIC_THERMAL, LAPIC_LVT_MASKED);

	/* APIC errors (a bad vector, a failed IPI) interrupt at IRQ_OFFSET + IRQ_ERROR.  The ESR
	 * latches on a write, so two writes clear it (SDM 10.5.3). */
	lapic_wr(LAPIC_ERROR, IRQ_OFFSET + IRQ_ERROR);
	lapic_wr(LAPIC_ESR, 0);
	lapic_wr(LAPIC_ESR, 0);

	/* Acknowledge anything left in service from before, and accept every priority. */
	lapic_wr(LAPIC_EOI, 0);
	lapic_wr(LAPIC_TPR, 0);
}

bool
lapic_timer_oneshot(uint32_t n, uint32_t *passed)
{
	if (lapic == NULL || n > 0xFFFFFFFFu / lapic_timer_count)
		return false;
	*passed = lapic_timer_count - lapic_rd(LAPIC_TCCR);
	lapic_wr(LAPIC_TIMER, IRQ_OFFSET + IRQ_TIMER);	/* one-shot mode: not periodic */
	lapic_wr(LAPIC_TICR, n * lapic_timer_count);	/* (re)starts the count */
	return true;
}

uint32_t
lapic_timer_periodic(uint32_t n)
{
	uint32_t passed = n * lapic_timer_count - lapic_rd(LAPIC_TCCR);

	lapic_wr(LAPIC_TIMER, LAPIC_TIMER_PERIODIC | (IRQ_OFFSET + IRQ_TIMER));
	lapic_wr(LAPIC_TICR, lapic_timer_count);
	return passed;
}

uint32_t
lapic_timer_tick_counts(void)
{
	return lapic_timer_count;
}

void
lapic_eoi(void)
{
	if (lapic)
		lapic_wr(LAPIC_EOI, 0);
}

uint32_t
lapic_error(void)
{
	if (lapic == NULL)
		return 0;
	/* Writing the ESR loads it with the errors since the last write (SDM 10.5.3). */
	lapic_wr(LAPIC_ESR, 0);
	return lapic_rd(LAPIC_ESR);
}

/* Send an interrupt command (ICR high half first: writing the low half sends it) and wait for
 * the APIC to accept it. */
static void
lapic_icr(uint8_t apicid, uint32_t cmd)
{
	lapic_wr(LAPIC_ICRHI, (uint32_t) apicid << LAPIC_ICR_DEST_SHIFT);
	lapic_wr(LAPIC_ICRLO, cmd);
	while (lapic_rd(LAPIC_ICRLO) & LAPIC_DELIVS)
		pause();
}

void
lapic_ipi(const struct CpuInfo *c, int vector)
{
	if (lapic)
		lapic_icr(c->cpu_id, LAPIC_DM_FIXED | vector);
}

/* Start the CPU with APIC id apicid running real-mode code at physical addr (page-aligned,
 * below 1 MB), following the universal start-up algorithm of MP spec B.4. */
void
lapic_startap(uint8_t apicid, uint32_t addr)
{
	volatile uint16_t *warm_reset = KADDR(BIOS_WARM_RESET_VECTOR);

	assert(addr % PGSIZE == 0 && addr < EXTPHYSMEM);
	if (lapic == NULL)
		return;

	/* For a CPU that the INIT resets through the BIOS (an 82489DX system): the BIOS jumps to
	 * addr, as segment addr >> 4, offset 0. */
	outb(IO_RTC, NVRAM_SHUTDOWN);
	outb(IO_RTC + 1, NVRAM_SHUTDOWN_WARM_JMP);
	warm_reset[0] = 0;
	warm_reset[1] = addr >> 4;

	/* INIT: assert, then deassert; then 10 ms for the CPU to reset. */
	lapic_icr(apicid, LAPIC_DM_INIT | LAPIC_LEVEL_ASSERT | LAPIC_TRIGGER_LEVEL);
	pit_delay_us(200);
	lapic_icr(apicid, LAPIC_DM_INIT | LAPIC_TRIGGER_LEVEL);
	pit_delay_us(10000);

	/* An integrated APIC does not go through the BIOS: two STARTUP IPIs (the second in case
	 * the first is lost), with the page number of addr as the vector, 200 us apart. */
	if (LAPIC_VER_VERSION(lapic_rd(LAPIC_VER)) >= LAPIC_VER_INTEGRATED) {
		for (int i = 0; i < 2; i++) {
			lapic_icr(apicid, LAPIC_DM_STARTUP | (addr >> PGSHIFT));
			pit_delay_us(200);
		}
	}

	/* The reset path has been taken by now; a later reset of the machine must not jump to
	 * the trampoline. */
	outb(IO_RTC, NVRAM_SHUTDOWN);
	outb(IO_RTC + 1, NVRAM_SHUTDOWN_NORMAL);
}
