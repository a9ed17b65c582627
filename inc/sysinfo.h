/* Structures that system calls fill in for user code: memory statistics, NIC information, and
 * the flags of the NIC calls.  (struct Stat, for files, is in inc/fd.h.) */
#ifndef INC_SYSINFO_H
#define INC_SYSINFO_H

#include <inc/types.h>

struct Stat;

/* The clock page, read-only at UCLOCK in every environment (kern/time.c fills it once, at boot).
 * sys_time_msec() is (rdtsc - tsc_boot) / tsc_per_msec: user code computes it from these,
 * with no trap, as the kernel does; tsc_per_msec 0 (no usable TSC) means the clock counts
 * timer interrupts and only the system call can read it. */
struct uclock {
	uint64_t tsc_boot;	/* the TSC at time 0 */
	uint32_t tsc_per_msec;	/* TSC counts a millisecond; 0: ask the kernel */
	uint32_t pad;
};

/* sys_mem_stat */
struct mem_stat {
	uint32_t free_pages;	/* pages on the kernel's free list */
	uint32_t total_pages;	/* physical pages in the machine */
};

/* sys_net_send / sys_net_recv flags */
#define NET_NONBLOCK	0x1	/* return -E_AGAIN instead of blocking on a full/empty ring */
/* sys_net_send only: buf is the np_data of a packet page (struct net_pkt, inc/ns.h), and the
 * card computes the checksums that page's np_offload asks for. */
#define NET_TX_OFFLOAD	0x2
/* sys_net_send_batch: the fragments name the caller's parent's memory, not the caller's; the
 * parent must hold the network right too (the network server's output helper sends the frames
 * the server built in its own pages: kern/e1000.h, rule T7). */
#define NET_TX_PARENT	0x4
/* sys_net_recv_batch: take frames only if no other environment holds frames it took from the
 * card and has not called for more since (those came first, and it may not have passed them on
 * yet): -E_BUSY then.  So a server may poll the card itself behind its input helper and still
 * see the frames in the order they came (net/serv.c, rx_poll). */
#define NET_RX_ORDERED	0x8

/* sys_net_info */
struct net_info {
	uint8_t mac[6];		/* the NIC's MAC address, from its EEPROM */
	uint16_t pad;
	uint32_t tx_frames;	/* frames handed to the card */
	uint32_t tx_bytes;
	uint32_t tx_ring_full;	/* times a send found the ring full */
	uint32_t rx_frames;	/* frames delivered to user pages */
	uint32_t rx_bytes;
	uint32_t rx_ring_empty;	/* times a receive found nothing ready */
	uint32_t pages_pinned;	/* user pages the card holds right now (TX) */
	uint32_t rx_pages;	/* kernel pages in the RX ring */
	uint32_t tx_waits;	/* times a sender slept on the full ring (TXDW unmasked) */
	uint32_t rx_calls;	/* receive calls that delivered frames: rx_frames / rx_calls
				 * frames a call */
	uint32_t rx_copied;	/* frames copied out (sys_net_recv_batch), their page kept */
	uint32_t intrs;		/* interrupts taken */
	uint32_t tx_doorbells;	/* TDT writes: tx_frames / tx_doorbells frames a write */
	uint32_t tx_tso_frames;	/* frames the card segmented (TCP segmentation offload) */
	uint32_t rx_zeroed;	/* pages allocated (and zeroed) to refill the receive ring */
	uint32_t rx_recycled;	/* received pages handed back (sys_net_recycle) */
	uint32_t rx_stashed;	/* of those, kept now for later refills (kern/e1000.h, R6) */
};

/* sys_cpu_stat: what the kernel did on behalf of user code, summed over the CPUs since boot.
 * Under QEMU's software emulation these are the guest's costly events: each trap is an
 * exception the emulator delivers, each cr3 load flushes its whole soft TLB and jump cache,
 * each invlpg one page's entries (kern/cpustat.h). */
#define CPU_STAT_VECTORS	64	/* traps[] covers vectors 0..63 (NVECTORS fits) */
#define CPU_STAT_SYSCALLS	48	/* syscalls[] covers calls 0..47 (NSYSCALLS fits) */
struct cpu_stat {
	uint32_t traps[CPU_STAT_VECTORS];	/* traps and interrupts taken, by vector */
	uint32_t syscalls[CPU_STAT_SYSCALLS];	/* system calls, by number (inc/syscalls.tab) */
	uint32_t cr3_loads;	/* address-space switches (each flushes the TLB) */
	uint32_t invlpgs;	/* single-page flushes of the current address space */
	uint32_t shootdowns;	/* TLB flushes asked of other CPUs */
	uint32_t halts;		/* times a CPU went idle (sched_halt) */
};

#endif /* !INC_SYSINFO_H */
