/* set_pgfault_handler: user-level page fault handling (the assembly upcall is lib/pfentry.S). */

#include <inc/lib.h>

extern void _pgfault_upcall(void);

/* The offsets lib/pfentry.S uses. */
static_assert(offsetof(struct UTrapframe, utf_regs) == 8, "UTF_REGS in lib/pfentry.S");
static_assert(offsetof(struct UTrapframe, utf_eip) == 40, "UTF_EIP in lib/pfentry.S");
static_assert(offsetof(struct UTrapframe, utf_esp) == 48, "UTF_ESP in lib/pfentry.S");

/* Called by _pgfault_upcall. */
void (*_pgfault_handler)(struct UTrapframe *utf);

void
set_pgfault_handler(void (*handler)(struct UTrapframe *utf))
{
	int r;

	if (_pgfault_handler == NULL) {
		/* First time: the exception stack, and tell the kernel where to go. */
		if ((r = sys_page_alloc(0, (void *) (UXSTACKTOP - PGSIZE), PTE_P | PTE_U | PTE_W)) < 0)
			panic("set_pgfault_handler: exception stack: %e", r);
		if ((r = sys_env_set_pgfault_upcall(0, _pgfault_upcall)) < 0)
			panic("set_pgfault_handler: %e", r);
	}
	_pgfault_handler = handler;
}
