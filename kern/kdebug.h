/* The kernel's symbolizer: maps a code address to its source file, line and function, from the
 * DWARF line tables and the symbol table the build keeps in the kernel image (see
 * kern/kdebug.c). */
#ifndef KERN_KDEBUG_H
#define KERN_KDEBUG_H

#include <inc/types.h>

struct kdebug_info {
	const char *file;	/* source file name, e.g. "kern/init.c" (in a static buffer
				 * that the next lookup overwrites) */
	int line;		/* source line number */
	const char *fn_name;	/* function name (not NUL-terminated: use fn_namelen) */
	int fn_namelen;
	uintptr_t fn_addr;	/* start address of the function */
};

/* Look up addr.  Fills *info and returns 0, or returns -E_NOT_FOUND with *info holding
 * "<unknown>" placeholders for what could not be found. */
int kdebug_lookup(uintptr_t addr, struct kdebug_info *info);

#endif /* !KERN_KDEBUG_H */
