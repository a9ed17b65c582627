/* Environments (kern/env.c): the table, creation, address spaces, running and destroying.
 *
 * Owns: envs[] (NENV entries, also mapped read-only at UENVS), the free list of Env slots, each
 * environment's page directory and the user pages and page tables mapped below UTOP in it.
 * Destroying an environment returns every one of those pages to the free list (by dropping its
 * references) and its slot to the env free list. */
#ifndef KERN_ENV_H
#define KERN_ENV_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/env.h>
#include <kern/cpu.h>

extern struct Env *envs;		/* all environments */
/* One past the highest slot ever allocated: every slot at or above it is ENV_FREE and always
 * has been, so the loops over "every environment" (waking, scheduling, the clock) stop there
 * instead of walking all NENV slots (with a dozen environments, 1024 slots cost more than the
 * work they find).  It only grows. */
extern uint32_t env_slots_used;
#define curenv (thiscpu->cpu_env)	/* the environment running on this CPU */
extern struct Segdesc gdt[];

void	env_init(void);
void	env_init_percpu(void);
/* New environment with a fresh address space, child of parent_id; 0 or -E_NO_FREE_ENV /
 * -E_NO_MEM.  It starts ENV_RUNNABLE with an empty user address space. */
int	env_alloc(struct Env **e, envid_t parent_id);
void	env_free(struct Env *e);
/* Create an environment from an ELF image in kernel memory (a program linked into the
 * kernel, or the grader kernel's from the host, kern/fwprog.h), with the arguments argv (NULL-terminated; NULL: none) on its stack as spawn lays
 * them out (lib/entry.S); panics on failure: only boot code calls it. */
void	env_create(uint8_t *binary, enum EnvType type, const char *const *argv);
/* Destroy e: free it now, or, if it runs on another CPU, mark it ENV_DYING so that its CPU
 * frees it at its next trap into the kernel.  Destroying a dying environment does nothing.
 * Does not return if e is curenv. */
void	env_destroy(struct Env *e);

/* The CPU that e runs on (it is that CPU's curenv), or -1 if it is on none.  The one place
 * that decides "is it running, and where". */
int	env_running_cpu(const struct Env *e);

/* The Env for envid, if the caller (curenv) may act on it.  Returns 0 or -E_BAD_ENV: for an id
 * that names no environment (free slot, or the slot reused since), for a dying one unless
 * ENVID_DYING, and with ENVID_CHILD for one that is neither the caller nor its child. */
int	envid2env(envid_t envid, struct Env **env_store, int flags);
#define ENVID_ANY	0x0	/* any environment may be named */
#define ENVID_CHILD	0x1	/* only the caller itself or its immediate child */
#define ENVID_DYING	0x2	/* a dying environment too (destroy, wait) */
void	env_run(struct Env *e) __attribute__((noreturn));
void	env_pop_tf(struct Trapframe *tf) __attribute__((noreturn));
/* Restore the registers in tf and return from the trap to where it came from. */
void	trapframe_pop(struct Trapframe *tf) __attribute__((noreturn));

/* Blocking in the kernel.  env_sleep blocks curenv on wait_bit (ENV_WAIT_*) and key (see
 * env_wait_key in inc/env.h) and schedules; the caller has set up what the system call does
 * when woken: a result in eax, or eip moved back to run the call again.  Only the event waited
 * for ends the wait: env_wake makes every environment blocked on wait_bit with that key
 * runnable and returns how many it woke; env_waiting_on tells whether e is blocked on
 * wait_bit (any key), and env_unblock(e) is the one way a blocked environment becomes
 * runnable again (the wakers that pick their own environment: IPC, the clock). */
void	env_sleep(uint32_t wait_bit, uint32_t key) __attribute__((noreturn));
/* env_sleep, but the clock also ends the wait at time msec (kern/time.c), with -E_TIMEOUT. */
void	env_sleep_until(uint32_t wait_bit, uint32_t key, uint32_t msec) __attribute__((noreturn));
int	env_wake(uint32_t wait_bit, uint32_t key);
bool	env_waiting_on(const struct Env *e, uint32_t wait_bit);
void	env_unblock(struct Env *e);
/* Undo a wake-up that turned out needless: e, runnable but not run since it was woken from a
 * wait whose system call starts over (eip moved back), sleeps again on wait_bit and key, as
 * the call would if it ran now (kern/netsys.c: the frame it was woken for was taken). */
void	env_resleep(struct Env *e, uint32_t wait_bit, uint32_t key);

/* Start the environment for program x: the blob obj/embed/x linked into the kernel (x is e.g.
 * user_hello for obj/user/hello; see user/Makefrag). */
#define ENV_CREATE(x, type)	ENV_CREATE_ARGS(x, type, NULL)
#define ENV_CREATE_ARGS(x, type, argv)	ENV_CREATE_(x, type, argv)	/* expands x first */
#define ENV_CREATE_(x, type, argv)					\
	do {								\
		extern uint8_t _binary_obj_embed_##x##_start[];		\
		env_create(_binary_obj_embed_##x##_start, type, argv);	\
	} while (0)

#endif /* !KERN_ENV_H */
