/* Waiting on many things at once (sys_wait_any, kern/waitany.c): the list of things a caller
 * blocks on, shared by the kernel and lib/select.c. */
#ifndef INC_WAIT_H
#define INC_WAIT_H

#include <inc/types.h>

/*
 * One thing to wait for.  Every kind of descriptor that select can wait on is woken through one
 * of these two:
 *   WAIT_WORD  a 32-bit word in a page the caller maps: ready once the word differs from wi_val,
 *              or the page's reference count (pages[].pp_ref) differs from wi_ref (unless
 *              wi_ref is WAIT_REF_ANY).  The kernel keys the wait on the physical page, so the
 *              word may be changed by anyone who maps the page -- a pipe's other end, the
 *              network server writing a socket's wake page -- who then calls sys_page_wake; and
 *              any mapping of the page going away wakes it too (kern/pagewait.h).
 *   WAIT_CONS  the console: ready while a typed character waits to be read (sys_cgetc).
 * The kernel writes wi_ready (1 ready, 0 not) in every item it looked at; the rest is input.
 */
enum { WAIT_WORD = 1, WAIT_CONS = 2 };
#define WAIT_REF_ANY	0xffffffffu

struct wait_item {
	uint32_t wi_kind;	/* WAIT_WORD or WAIT_CONS */
	uint32_t wi_va;		/* WAIT_WORD: the word's address (aligned, below UTOP) */
	uint32_t wi_val;	/* WAIT_WORD: the value seen; a different one makes it ready */
	uint32_t wi_ref;	/* WAIT_WORD: the page's references seen, or WAIT_REF_ANY */
	uint32_t wi_ready;	/* written by the kernel */
};

/* Items one call takes at most: two words (read and write) for each of the MAXFD descriptors,
 * which select never exceeds. */
#define WAIT_ANY_MAX	64

/* sys_wait_any's flags. */
#define WAIT_F_DEADLINE	0x1	/* msec is a deadline (time_msec): -E_TIMEOUT once it passes */

#endif /* !INC_WAIT_H */
