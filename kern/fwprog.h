/* The grader's kernel (obj/kern/grade/kernel, kern/Makefrag) takes the program it starts from
 * the host at boot, through QEMU's fw_cfg, instead of carrying it: one kernel for every test
 * program.  The host (GNUmakefile's run-prebuilt-nox with PROG=NAME) hands two items:
 *   opt/exo386/prog       the program's stripped ELF (obj/embed/user_NAME or net_NAME);
 *   opt/exo386/progflags  "TYPE FS": TYPE is user (ENV_TYPE_USER) or ns (a net/ program,
 *                         ENV_TYPE_NS), FS is fs or nofs (started without the file system
 *                         server: GNUmakefile's TEST_NOFS).
 * Both come from the operator's make, not from a user program: a missing or malformed item is
 * a configuration mistake and panics with a message naming it. */
#ifndef KERN_FWPROG_H
#define KERN_FWPROG_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/types.h>
#include <inc/env.h>

struct fwprog {
	uint8_t *binary;	/* the ELF image, in kernel memory; checked to lie within len */
	size_t len;
	enum EnvType type;	/* ENV_TYPE_USER or ENV_TYPE_NS */
	bool with_fs;		/* start the file system server (and the network server) too */
};

/* Read the program and its flags from fw_cfg into *prog (its bytes into a static buffer of
 * the kernel's: call once).  Panics if an item is missing or malformed, the program is larger
 * than the buffer, or it is not a whole ELF image: its headers or a segment lie beyond the
 * bytes received (a truncated file). */
void	fwprog_load(struct fwprog *prog);

#endif /* !KERN_FWPROG_H */
