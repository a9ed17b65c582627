/* Environments (processes): the structure the kernel keeps for each, readable by user programs
 * through UENVS. */
#ifndef INC_ENV_H
#define INC_ENV_H

#include <inc/types.h>
#include <inc/trap.h>
#include <inc/memlayout.h>
#include <inc/wait.h>

typedef int32_t envid_t;

/*
 * An environment id has three parts:
 *
 * +1+---------------21-----------------+--------10--------+
 * |0|          generation              | index in envs[]  |
 * +------------------------------------+------------------+
 *                                       \--- ENVX(eid) --/
 *
 * The generation grows each time a slot is reused, so a stale id never names the slot's new
 * owner.  Ids are positive; 0 means "the calling environment" in system calls.
 */
#define LOG2NENV		10
#define NENV			(1 << LOG2NENV)
#define ENVX(envid)		((envid) & (NENV - 1))

/* env_status values.  An environment is on a CPU exactly when it is ENV_RUNNING or ENV_DYING:
 * it is then that CPU's curenv, and env_cpunum says which (kern/env.c: env_running_cpu). */
enum {
	ENV_FREE = 0,		/* slot unused, on the free list */
	ENV_DYING,		/* destroyed while running on another CPU; freed on its next trap */
	ENV_RUNNABLE,		/* ready to run */
	ENV_RUNNING,		/* running on env_cpunum */
	ENV_NOT_RUNNABLE	/* blocked in the kernel (env_wait != 0: IPC receive, sleep, NIC
				 * ring, ...), or stopped (env_wait == 0: not yet started) */
};

/* Special environment types: the kernel grants them rights at creation. */
enum EnvType {
	ENV_TYPE_USER = 0,
	ENV_TYPE_FS,		/* file system server: I/O privilege (IOPL 3) */
	ENV_TYPE_NS,		/* network server: the network right */
};

/* env_flags bits. */
#define ENV_F_NET	0x1	/* may call the NIC system calls; inherited by exofork */

/* The x87 state as FNSAVE stores it in 32-bit protected mode (SDM vol. 1, 8.1.10): control,
 * status and tag words, the last instruction and operand pointers, then eight 80-bit
 * registers. */
#define FPU_STATE_SIZE	108

/* The most pages one IPC carries (sys_ipc_try_send_pages): a request page and 256 KB. */
#define IPC_PAGES_MAX	65

/* sys_ipc_call's request: a send (as sys_ipc_try_send_pages) and the receive that follows it
 * (as sys_ipc_recv_pages). */
struct ipc_call_req {
	envid_t to;			/* the server, which must be receiving */
	uint32_t value;
	const uintptr_t *srcvas;	/* the n pages sent, at most IPC_PAGES_MAX */
	uint32_t n;
	int perm;
	void *dstva;			/* the answer's window (>= UTOP: no page) */
	uint32_t maxpages;
};

/* The most pages one sys_page_unmap_pages removes: a few IPCs' worth (the network server gives
 * back the pages of acknowledged sends in one call, sendfile its window). */
#define PAGE_UNMAP_MAX	64

struct Env {
	struct Trapframe env_tf;	/* saved registers while not running */
	struct Env *env_link;		/* next free Env */
	envid_t env_id;			/* unique id */
	envid_t env_parent_id;		/* env_id of the creator */
	enum EnvType env_type;
	unsigned env_status;		/* ENV_* above */
	uint32_t env_runs;		/* times it has been run */
	int env_cpunum;			/* the CPU it runs on, while ENV_RUNNING */
	uint32_t env_flags;		/* ENV_F_* rights */

	/* Address space */
	pde_t *env_pgdir;		/* kernel virtual address of its page directory */

	/* Exception handling */
	void *env_pgfault_upcall;	/* user page fault entry point, or NULL */

	/* IPC (kern/syscall.c: sys_ipc_recv / sys_ipc_try_send).  A receiver waits on
	 * ENV_WAIT_IPC. */
	void *env_ipc_dstva;		/* where to map sent pages; >= UTOP: no page wanted */
	uint32_t env_ipc_npages;	/* while receiving: the pages it takes at env_ipc_dstva,
					 * dstva + PGSIZE, ...; then: how many came */
	uint32_t env_ipc_value;		/* value sent */
	envid_t env_ipc_from;		/* sender */
	int env_ipc_perm;		/* permissions of the pages received, 0 if none */

	/* Blocking in the kernel (env_sleep/env_wake, kern/env.h).  At most one bit is set, and
	 * only while ENV_NOT_RUNNABLE. */
	uint32_t env_wait;		/* ENV_WAIT_* that it waits for, 0 if none */
	bool env_wait_timed;		/* the wait also ends at env_wait_until, with -E_TIMEOUT */
	uint32_t env_wait_until;	/* (time_msec) */
	uint32_t env_wait_key;		/* which one: the wake time (TIME), the environment
					 * (EXIT), the page's physical address (PAGE); else 0 */
	/* ENV_WAIT_ANY (sys_wait_any, kern/waitany.h): the physical pages it waits on, each
	 * once, and whether it waits for the console too.  Meaningful only while it waits. */
	uint32_t env_wait_any_pages[WAIT_ANY_MAX];
	uint32_t env_wait_any_npages;
	bool env_wait_any_cons;

	/* User-visible CPU state that the trap frame does not hold, saved while the environment
	 * is off its CPU (kern/uctx.c). */
	uint8_t env_fpu[FPU_STATE_SIZE];	/* x87 registers, in FNSAVE's format */
	uint16_t env_fs, env_gs;	/* segment selectors user code may load */

	/* Frames this environment gave the card (sys_net_send, sys_net_send_batch), and how many
	 * of them the card has finished with (its last descriptor done and reclaimed: kern/e1000.h,
	 * rule T6).  The card finishes frames in the order they were queued, so frame k (counting
	 * from 1) is done once env_net_tx_done >= k.  Everyone reads them in envs[]: the network
	 * server learns from its output helper's when the bytes it lent are free again. */
	uint32_t env_net_tx_queued;
	uint32_t env_net_tx_done;
	/* It took frames in its last sys_net_recv / sys_net_recv_batch and has not called either
	 * since (NET_RX_ORDERED waits for it: kern/netsys.c). */
	bool env_net_rx_held;
	/* The wait (ENV_WAIT_*) it was last woken from, until it runs again: 0 once it has run
	 * (kern/netsys.c puts one woken for a frame another took back to sleep). */
	uint32_t env_woken_from;

	/* The environment this one's last IPC woke: it runs next when this one blocks, if it can
	 * (kern/sched.c, sched_yield), so that a request or answer is handled at once. */
	envid_t env_ipc_woke;
};


/* env_wait values. */
#define ENV_WAIT_TIME	0x1	/* sys_sleep_until */
#define ENV_WAIT_NET_RX	0x2	/* sys_net_recv on an empty ring */
#define ENV_WAIT_NET_TX	0x4	/* sys_net_send on a full ring */
#define ENV_WAIT_CONS	0x8	/* sys_cgetc with no input yet */
#define ENV_WAIT_EXIT	0x10	/* sys_env_wait until another environment is gone */
#define ENV_WAIT_PAGE	0x20	/* sys_page_wait on a word of a shared page */
#define ENV_WAIT_IPC	0x40	/* sys_ipc_recv until a message arrives */
#define ENV_WAIT_ANY	0x80	/* sys_wait_any on words of pages and the console */

#endif /* !INC_ENV_H */
