/* The entry point of every user program, at the start of its text.  It defines the symbols
 * through which the library reads the kernel's read-only views, makes sure argc/argv are on the
 * stack, and calls libmain. */

#include <inc/mmu.h>
#include <inc/memlayout.h>

.data
/* The kernel's views (inc/memlayout.h), as arrays. */
	.globl envs
	.set envs, UENVS
	.globl pages
	.set pages, UPAGES
	.globl uvpt
	.set uvpt, UVPT
	.globl uvpd
	.set uvpd, (UVPT+(UVPT>>12)*4)

.text
.globl _start
_start:
	/* The kernel starts a program with an empty stack; spawn leaves argc and argv on it. */
	cmpl $USTACKTOP, %esp
	jne args_exist
	pushl $0
	pushl $0
args_exist:
	call libmain
1:	jmp 1b
