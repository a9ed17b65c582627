/* Environments: the table, the GDT that user and kernel segments come from, creating an
 * environment and its address space, loading a program into it, running, destroying. */

#include <inc/x86.h>
#include <inc/mmu.h>
#include <inc/error.h>
#include <inc/string.h>
#include <inc/assert.h>
#include <inc/elf.h>

#include <kern/env.h>
#include <kern/cpustat.h>
#include <kern/time.h>
#include <kern/pmap.h>
#include <kern/netsys.h>
#include <kern/trap.h>
#include <kern/monitor.h>
#include <kern/sched.h>
#include <kern/cpu.h>
#include <kern/spinlock.h>
#include <kern/uctx.h>

struct Env *envs = NULL;		/* all environments, allocated by mem_init */
static struct Env *env_free_list;	/* free slots, lowest index first */
uint32_t env_slots_used;

/*
 * The global descriptor table.  Segmentation is flat (base 0, limit 4 GB) and only tells the
 * privilege level apart; each CPU has its own TSS slot (kern/trap.c fills it).
 */
struct Segdesc gdt[(GD_DFTSS0 >> 3) + NCPU] = {
	[0] = SEG_NULL,
	[GD_KT >> 3] = SEG(STA_X | STA_R, 0x0, 0xffffffff, 0),
	[GD_KD >> 3] = SEG(STA_W, 0x0, 0xffffffff, 0),
	[GD_UT >> 3] = SEG(STA_X | STA_R, 0x0, 0xffffffff, 3),
	[GD_UD >> 3] = SEG(STA_W, 0x0, 0xffffffff, 3),
	/* GD_TSS0 + 8*i and GD_DFTSS0 + 8*i: filled by trap_init_percpu */
};

struct Pseudodesc gdt_pd = {
	sizeof(gdt) - 1, (unsigned long) gdt
};

int
envid2env(envid_t envid, struct Env **env_store, int flags)
{
	struct Env *e;

	*env_store = NULL;
	if (envid == 0) {
		*env_store = curenv;
		return 0;
	}

	/* The slot must still hold the environment with this exact id: a stale id (slot
	 * reused, so a newer generation) or a free slot is refused.  A dying one is gone for
	 * every purpose but destroying it again and waiting for it to be freed. */
	e = &envs[ENVX(envid)];
	if (e->env_status == ENV_FREE || e->env_id != envid)
		return -E_BAD_ENV;
	if (e->env_status == ENV_DYING && !(flags & ENVID_DYING))
		return -E_BAD_ENV;

	/* Only the environment itself or its immediate parent may act on it.  A parent's
	 * children are re-parented to nobody when it is freed (env_free), so a later holder of
	 * a reused id never inherits them. */
	if ((flags & ENVID_CHILD) && e != curenv && e->env_parent_id != curenv->env_id)
		return -E_BAD_ENV;

	*env_store = e;
	return 0;
}

int
env_running_cpu(const struct Env *e)
{
	if (e->env_status == ENV_RUNNING || e->env_status == ENV_DYING)
		return e->env_cpunum;
	return -1;
}

void
env_init(void)
{
	/* Build the free list so that the first env_alloc returns envs[0]. */
	env_free_list = NULL;
	for (int i = NENV - 1; i >= 0; i--) {
		envs[i].env_id = 0;
		envs[i].env_status = ENV_FREE;
		envs[i].env_link = env_free_list;
		env_free_list = &envs[i];
	}
	env_init_percpu();
}

/* Load the GDT and the segment registers on this CPU. */
void
env_init_percpu(void)
{
	lgdt(&gdt_pd);
	/* The kernel never uses GS or FS; user code may, so give them the user data segment. */
	asm volatile("movw %%ax,%%gs" : : "a" (GD_UD | 3));
	asm volatile("movw %%ax,%%fs" : : "a" (GD_UD | 3));
	asm volatile("movw %%ax,%%es" : : "a" (GD_KD));
	asm volatile("movw %%ax,%%ds" : : "a" (GD_KD));
	asm volatile("movw %%ax,%%ss" : : "a" (GD_KD));
	/* Reload CS with a far return. */
	asm volatile("pushl %0; pushl $1f; lret; 1:" : : "i" (GD_KT));
	lldt(0);
}

/* Give e a page directory: the kernel's mappings above UTOP shared with every environment (the
 * page tables there are kern_pgdir's own, not counted), nothing below UTOP, and UVPT pointing at
 * the new directory itself.  Returns 0 or -E_NO_MEM. */
static int
env_setup_vm(struct Env *e)
{
	struct PageInfo *p = page_alloc(ALLOC_ZERO);

	if (p == NULL)
		return -E_NO_MEM;
	p->pp_ref++;
	e->env_pgdir = page2kva(p);
	memcpy(&e->env_pgdir[PDX(UTOP)], &kern_pgdir[PDX(UTOP)],
	       (NPDENTRIES - PDX(UTOP)) * sizeof(pde_t));
	e->env_pgdir[PDX(UVPT)] = PADDR(e->env_pgdir) | PTE_P | PTE_U;
	return 0;
}

int
env_alloc(struct Env **newenv_store, envid_t parent_id)
{
	struct Env *e = env_free_list;
	int r;

	if (e == NULL)
		return -E_NO_FREE_ENV;
	if ((r = env_setup_vm(e)) < 0)
		return r;

	/* Next generation for this slot; stays positive, and never 0 (which means "self"). */
	int32_t generation = (e->env_id + (1 << LOG2NENV)) & ~(NENV - 1);
	if (generation <= 0)
		generation = 1 << LOG2NENV;
	e->env_id = generation | (e - envs);

	e->env_parent_id = parent_id;
	e->env_type = ENV_TYPE_USER;
	e->env_status = ENV_RUNNABLE;
	e->env_runs = 0;
	e->env_flags = 0;
	e->env_pgfault_upcall = NULL;
	e->env_wait = 0;
	e->env_wait_timed = false;
	e->env_net_tx_queued = e->env_net_tx_done = 0;
	e->env_net_rx_held = false;
	e->env_woken_from = 0;
	e->env_ipc_woke = 0;
	uctx_init(e);

	/* User segments with RPL 3; the stack at USTACKTOP (load_icode maps it); interrupts on
	 * in user mode, so the timer can preempt. */
	memset(&e->env_tf, 0, sizeof(e->env_tf));
	e->env_tf.tf_ds = GD_UD | 3;
	e->env_tf.tf_es = GD_UD | 3;
	e->env_tf.tf_ss = GD_UD | 3;
	e->env_tf.tf_esp = USTACKTOP;
	e->env_tf.tf_cs = GD_UT | 3;
	e->env_tf.tf_eflags = FL_IF;

	env_free_list = e->env_link;
	e->env_link = NULL;
	if ((uint32_t) (e - envs) >= env_slots_used)
		env_slots_used = e - envs + 1;
	*newenv_store = e;

	cprintf("[%08x] new env %08x\n", curenv ? curenv->env_id : 0, e->env_id);
	return 0;
}

/* Map zeroed, user-writable pages over [va, va+len) in e.  Boot-time program loading only:
 * running out of memory here panics. */
static void
region_alloc(struct Env *e, void *va, size_t len)
{
	uintptr_t start = ROUNDDOWN((uintptr_t) va, PGSIZE);
	uintptr_t end = ROUNDUP((uintptr_t) va + len, PGSIZE);

	for (uintptr_t a = start; a < end; a += PGSIZE) {
		if (page_lookup(e->env_pgdir, (void *) a, NULL))
			continue;
		struct PageInfo *p = page_alloc(ALLOC_ZERO);
		if (p == NULL || page_insert(e->env_pgdir, p, (void *) a, PTE_U | PTE_W) < 0)
			panic("region_alloc: out of memory at va %08x", a);
	}
}

/* Load the ELF program in kernel memory at binary into e and point e's eip at its entry.  The
 * programs come from the kernel image itself, or for the grader's kernel from the host, checked
 * whole first (kern/fwprog.c), so a malformed one is a build or configuration bug: panic. */
static void
load_icode(struct Env *e, uint8_t *binary)
{
	struct Elf *elf = (struct Elf *) binary;

	if (elf->e_magic != ELF_MAGIC)
		panic("load_icode: not an ELF image");

	/* Copy through e's own page directory: the segments' addresses are e's. */
	lcr3(PADDR(e->env_pgdir));
	struct Proghdr *ph = (struct Proghdr *) (binary + elf->e_phoff);
	for (int i = 0; i < elf->e_phnum; i++, ph++) {
		if (ph->p_type != ELF_PROG_LOAD)
			continue;
		if (ph->p_filesz > ph->p_memsz || ph->p_va + ph->p_memsz < ph->p_va
		    || ph->p_va + ph->p_memsz > UTOP)
			panic("load_icode: bad segment at va %08x", ph->p_va);
		region_alloc(e, (void *) ph->p_va, ph->p_memsz);
		memcpy((void *) ph->p_va, binary + ph->p_offset, ph->p_filesz);
		memset((void *) ph->p_va + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	}
	lcr3(PADDR(kern_pgdir));

	e->env_tf.tf_eip = elf->e_entry;
	region_alloc(e, (void *) (USTACKTOP - PGSIZE), PGSIZE);
}

/* Lay argv out at the top of e's stack page as spawn does (lib/spawn.c): the strings, the
 * argv array, then argc and argv at the new esp. */
static void
env_setup_args(struct Env *e, const char *const *argv)
{
	struct PageInfo *pp = page_lookup(e->env_pgdir, (void *) (USTACKTOP - PGSIZE), NULL);
	uint8_t *page = page2kva(pp);
	size_t strsize = 0;
	int argc;

	for (argc = 0; argv[argc]; argc++)
		strsize += strlen(argv[argc]) + 1;
	/* Offsets in the page; the page is at USTACKTOP - PGSIZE in e. */
	uintptr_t str = PGSIZE - strsize;
	uintptr_t vec = ROUNDDOWN(str, 4) - 4 * (argc + 1);
	if (vec < 2 * 4)
		panic("env_create: the arguments do not fit in a stack page");
#define USER_VA(off)	(USTACKTOP - PGSIZE + (off))
	uint32_t *uvec = (uint32_t *) (page + vec);
	for (int i = 0; i < argc; i++) {
		uvec[i] = USER_VA(str);
		strcpy((char *) page + str, argv[i]);
		str += strlen(argv[i]) + 1;
	}
	uvec[argc] = 0;
	uvec[-2] = argc;
	uvec[-1] = USER_VA(vec);
	e->env_tf.tf_esp = USER_VA(vec - 2 * 4);
#undef USER_VA
}

void
env_create(uint8_t *binary, enum EnvType type, const char *const *argv)
{
	struct Env *e;
	int r;

	if ((r = env_alloc(&e, 0)) < 0)
		panic("env_create: %e", r);
	e->env_type = type;
	if (type == ENV_TYPE_FS)
		e->env_tf.tf_eflags |= FL_IOPL_3;	/* the file server drives the disk */
	if (type == ENV_TYPE_NS)
		e->env_flags |= ENV_F_NET;
	load_icode(e, binary);
	if (argv)
		env_setup_args(e, argv);
}

void
env_free(struct Env *e)
{
	/* If we are freeing the address space we run on, move to the kernel's first. */
	if (e->env_pgdir == (pde_t *) KADDR(rcr3()))
		cpustat_lcr3(PADDR(kern_pgdir));

	cprintf("[%08x] free env %08x\n", curenv ? curenv->env_id : 0, e->env_id);

	/* Drop every mapping below UTOP, then the page tables, then the directory. */
	static_assert(UTOP % PTSIZE == 0, "UTOP must be a page-table boundary");
	for (uint32_t pdeno = 0; pdeno < PDX(UTOP); pdeno++) {
		pde_t pde = e->env_pgdir[pdeno];
		if (!(pde & PTE_P))
			continue;
		pte_t *pt = KADDR(PTE_ADDR(pde));
		for (uint32_t pteno = 0; pteno < NPTENTRIES; pteno++)
			if (pt[pteno] & PTE_P)
				page_remove(e->env_pgdir, PGADDR(pdeno, pteno, 0));
		e->env_pgdir[pdeno] = 0;
		page_decref(pa2page(PTE_ADDR(pde)));
	}
	physaddr_t pa = PADDR(e->env_pgdir);
	e->env_pgdir = NULL;
	page_decref(pa2page(pa));
	netsys_env_free(e);

	e->env_status = ENV_FREE;
	e->env_wait = 0;
	e->env_wait_timed = false;
	e->env_link = env_free_list;
	env_free_list = e;

	/* Its children (running or not) have no parent any more: ids repeat once a slot's
	 * generation wraps, and the next holder of e's id must not get e's children. */
	for (struct Env *c = envs; c < envs + env_slots_used; c++)
		if (c->env_status != ENV_FREE && c->env_parent_id == e->env_id)
			c->env_parent_id = 0;

	env_wake(ENV_WAIT_EXIT, e->env_id);	/* those in sys_env_wait for it */
}

void
env_sleep(uint32_t wait_bit, uint32_t key)
{
	assert(curenv->env_wait == 0 && curenv->env_status == ENV_RUNNING);
	curenv->env_wait = wait_bit;
	curenv->env_wait_key = key;
	curenv->env_status = ENV_NOT_RUNNABLE;
	sched_yield();
}

void
env_sleep_until(uint32_t wait_bit, uint32_t key, uint32_t msec)
{
	curenv->env_wait_timed = true;
	curenv->env_wait_until = msec;
	time_sleeper_add(msec);
	env_sleep(wait_bit, key);
}

bool
env_waiting_on(const struct Env *e, uint32_t wait_bit)
{
	return e->env_status == ENV_NOT_RUNNABLE && (e->env_wait & wait_bit);
}

void
env_unblock(struct Env *e)
{
	assert(e->env_status == ENV_NOT_RUNNABLE && e->env_wait != 0);
	e->env_woken_from = e->env_wait;
	e->env_wait = 0;
	e->env_wait_timed = false;
	e->env_status = ENV_RUNNABLE;
}

void
env_resleep(struct Env *e, uint32_t wait_bit, uint32_t key)
{
	assert(e->env_status == ENV_RUNNABLE && e->env_woken_from == wait_bit && e != curenv);
	e->env_woken_from = 0;
	e->env_wait = wait_bit;
	e->env_wait_key = key;
	e->env_status = ENV_NOT_RUNNABLE;
}

int
env_wake(uint32_t wait_bit, uint32_t key)
{
	int n = 0;

	for (struct Env *e = envs; e < envs + env_slots_used; e++)
		if (env_waiting_on(e, wait_bit) && e->env_wait_key == key) {
			env_unblock(e);
			n++;
		}
	return n;
}

void
env_destroy(struct Env *e)
{
	int cpu = env_running_cpu(e);

	/* Already destroyed: its CPU frees it at its next trap. */
	if (e->env_status == ENV_DYING)
		return;
	/* Running on another CPU: only that CPU may take it off; it does so at its next trap
	 * into the kernel (a timer tick at the latest), in trap(). */
	if (cpu >= 0 && e != curenv) {
		e->env_status = ENV_DYING;
		return;
	}

	env_free(e);
	if (curenv == e) {
		curenv = NULL;
		sched_yield();
	}
}

void
env_pop_tf(struct Trapframe *tf)
{
	/* Record the CPU for the trap frame printer (debugging). */
	curenv->env_cpunum = cpunum();
	trapframe_pop(tf);
}

void
trapframe_pop(struct Trapframe *tf)
{
	asm volatile(
		"\tmovl %0,%%esp\n"
		"\tpopal\n"
		"\tpopl %%es\n"
		"\tpopl %%ds\n"
		"\taddl $0x8,%%esp\n"	/* skip tf_trapno and tf_err */
		"\tiret\n"
		: : "g" (tf) : "memory");
	panic("iret failed");
}

void
env_run(struct Env *e)
{
	struct Env *prev = curenv;

	/* Only a runnable environment, or the one already on this CPU, may be run here: an
	 * environment on another CPU must never be picked twice. */
	assert(e->env_status == ENV_RUNNABLE
	       || (e == prev && e->env_status == ENV_RUNNING && e->env_cpunum == cpunum()));
	if (prev != e) {
		if (prev && prev->env_status == ENV_RUNNING)
			prev->env_status = ENV_RUNNABLE;
		/* The previous environment's FPU and segment registers go with it (unless it
		 * is gone), and e's come back. */
		uctx_switch(prev && prev->env_status != ENV_FREE ? prev : NULL, e);
	}
	curenv = e;
	e->env_woken_from = 0;
	e->env_status = ENV_RUNNING;
	e->env_cpunum = cpunum();
	e->env_runs++;
	/* Loading cr3 flushes the TLB, and under QEMU's software emulation its whole soft TLB,
	 * which every later access then refills: so only on a switch of address space.  Going
	 * back to the environment already loaded on this CPU (after most system calls and
	 * interrupts) keeps its translations, which are current: every change to a present
	 * mapping went through tlb_invalidate (kern/tlb.h), and the directory of a freed
	 * environment is never left loaded (env_free). */
	if (rcr3() != PADDR(e->env_pgdir))
		cpustat_lcr3(PADDR(e->env_pgdir));

	unlock_kernel();
	env_pop_tf(&e->env_tf);
}

void
user_mem_assert(struct Env *env, const void *va, size_t len, int perm)
{
	if (user_mem_check(env, va, len, perm | PTE_U) < 0) {
		cprintf("[%08x] user_mem_check assertion failure for va %08x\n",
			env->env_id, user_mem_check_addr);
		env_destroy(env);	/* may not return */
	}
}
