/* spawn: start a program from the file system in a new child environment, with arguments, and
 * sharing this environment's file descriptors (its PTE_SHARE pages). */

#include <inc/lib.h>
#include <inc/elf.h>

#define SPAWN_MAXARGS	64		/* arguments a spawn may pass */

/* Build the child's stack page at UTEMP in our address space: the argument strings at the top,
 * below them the argv array (NULL-terminated), and below that argc and argv, which is what
 * lib/entry.S expects to find at the child's initial esp.  Pointers are written as the child
 * sees them (the page goes to USTACKTOP - PGSIZE).  Returns the child's esp via *esp_store. */
static int
spawn_setup_stack(envid_t child, const char **argv, uintptr_t *esp_store)
{
	int argc, r;
	size_t strsize = 0;

	for (argc = 0; argv[argc] != NULL; argc++) {
		if (argc >= SPAWN_MAXARGS)
			return -E_INVAL;
		strsize += strlen(argv[argc]) + 1;
	}
	/* Strings, then the aligned array of argc + 1 pointers, then argc and argv. */
	uintptr_t strtop = (uintptr_t) UTEMP + PGSIZE;
	uintptr_t strbase = strtop - strsize;
	uintptr_t *argv_child = (uintptr_t *) (ROUNDDOWN(strbase, 4) - 4 * (argc + 1));
	uintptr_t *sp = argv_child - 2;
	if ((uintptr_t) sp < (uintptr_t) UTEMP)
		return -E_NO_MEM;	/* the arguments do not fit in the stack page */

	if ((r = sys_page_alloc(0, UTEMP, PTE_P | PTE_U | PTE_W)) < 0)
		return r;
#define CHILD_VA(va) ((uintptr_t) (va) - (uintptr_t) UTEMP + (USTACKTOP - PGSIZE))
	char *s = (char *) strbase;
	for (int i = 0; i < argc; i++) {
		argv_child[i] = CHILD_VA(s);
		strcpy(s, argv[i]);
		s += strlen(argv[i]) + 1;
	}
	argv_child[argc] = 0;
	sp[0] = argc;
	sp[1] = CHILD_VA(argv_child);
	*esp_store = CHILD_VA(sp);
#undef CHILD_VA

	if ((r = sys_page_map(0, UTEMP, child, (void *) (USTACKTOP - PGSIZE),
			      PTE_P | PTE_U | PTE_W)) < 0) {
		sys_page_unmap(0, UTEMP);
		return r;
	}
	return sys_page_unmap(0, UTEMP);
}

/* Load one segment of the ELF file fd into the child: filesz bytes from offset at va, the
 * rest of memsz zero, page by page through UTEMP. */
static int
spawn_load_segment(envid_t child, int fd, const struct Proghdr *ph)
{
	uintptr_t va = ph->p_va;
	size_t lead = va % PGSIZE;	/* the segment may start inside a page */
	uintptr_t start = va - lead;
	uint32_t filesz = ph->p_filesz + lead, memsz = ph->p_memsz + lead;
	off_t fileoff = ph->p_offset - lead;
	int perm = PTE_P | PTE_U | ((ph->p_flags & ELF_PROG_FLAG_WRITE) ? PTE_W : 0);
	int r;

	for (uint32_t i = 0; i < memsz; i += PGSIZE) {
		if ((r = sys_page_alloc(0, UTEMP, PTE_P | PTE_U | PTE_W)) < 0)
			return r;
		if (i < filesz) {
			/* The bytes before the segment's start in its first page come from the
			 * file too (they are whatever precedes it: headers or the previous
			 * segment's tail), which is harmless. */
			size_t n = MIN((uint32_t) PGSIZE, filesz - i);
			if ((r = seek(fd, fileoff + i)) < 0 || (r = readn(fd, UTEMP, n)) != (int) n) {
				sys_page_unmap(0, UTEMP);
				return r < 0 ? r : -E_NOT_EXEC;
			}
		}
		r = sys_page_map(0, UTEMP, child, (void *) (start + i), perm);
		sys_page_unmap(0, UTEMP);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Give the child every PTE_SHARE page of ours, at the same address and with the same rights:
 * open file descriptors and pipes (in address order, which inc/fd.h relies on). */
static int
spawn_copy_shared(envid_t child)
{
	int r;

	for (uint32_t pn = 0; pn < PGNUM(UTOP);) {
		if (!(uvpd[pn / NPTENTRIES] & PTE_P)) {
			pn += NPTENTRIES;
			continue;
		}
		pte_t pte = uvpt[pn];
		if ((pte & PTE_P) && (pte & PTE_SHARE)) {
			void *va = (void *) (pn * PGSIZE);
			if ((r = sys_page_map(0, va, child, va, pte & PTE_SYSCALL)) < 0)
				return r;
		}
		pn++;
	}
	return 0;
}

/* Is the segment one we can load: below UTOP, not wrapping, not over the stack or the
 * scratch page we load through? */
static bool
spawn_segment_ok(const struct Proghdr *ph)
{
	uint32_t end = ph->p_va + ph->p_memsz;

	return ph->p_filesz <= ph->p_memsz && end >= ph->p_va && end <= USTACKTOP - PGSIZE
		&& ph->p_va >= UTEXT && ph->p_offset % PGSIZE == ph->p_va % PGSIZE;
}

/*
 * Start program (a path in the file system) with argv (NULL-terminated; argv[0] is the name the
 * program sees) in a new environment.  The child shares our open file descriptors.  Returns
 * its id, or -E_NOT_FOUND and the other open errors, -E_NOT_EXEC (not a program we can load),
 * -E_INVAL (too many arguments), -E_NO_MEM, -E_NO_FREE_ENV.
 */
envid_t
spawn(const char *prog, const char **argv)
{
	struct Elf elf;
	struct Proghdr ph;
	struct Trapframe tf;
	envid_t child;
	uintptr_t esp;
	int fd, r;

	if ((fd = open(prog, O_RDONLY)) < 0)
		return fd;
	if (readn(fd, &elf, sizeof(elf)) != sizeof(elf) || elf.e_magic != ELF_MAGIC
	    || elf.e_phentsize != sizeof(struct Proghdr)) {
		close(fd);
		return -E_NOT_EXEC;
	}

	if ((child = sys_exofork()) < 0) {
		close(fd);
		return child;
	}
	/* sys_exofork returns 0 in a child only for fork's use; spawn's child starts at the
	 * program's entry point instead (we set its registers below), so 0 never comes here. */

	/* Segments come in ascending order and never share a page (user/user.ld starts the
	 * data on a page of its own): each page is mapped once. */
	uintptr_t loaded_end = 0;
	for (int i = 0; i < elf.e_phnum; i++) {
		if ((r = seek(fd, elf.e_phoff + i * sizeof(ph))) < 0
		    || (r = readn(fd, &ph, sizeof(ph))) != sizeof(ph)) {
			r = r < 0 ? r : -E_NOT_EXEC;
			goto fail;
		}
		if (ph.p_type != ELF_PROG_LOAD)
			continue;
		if (!spawn_segment_ok(&ph) || ROUNDDOWN(ph.p_va, PGSIZE) < loaded_end) {
			r = -E_NOT_EXEC;
			goto fail;
		}
		loaded_end = ROUNDUP(ph.p_va + ph.p_memsz, PGSIZE);
		if ((r = spawn_load_segment(child, fd, &ph)) < 0)
			goto fail;
	}
	close(fd);
	fd = -1;

	if ((r = spawn_setup_stack(child, argv, &esp)) < 0
	    || (r = spawn_copy_shared(child)) < 0)
		goto fail;

	tf = envs[ENVX(child)].env_tf;
	tf.tf_eip = elf.e_entry;
	tf.tf_esp = esp;
	if ((r = sys_env_set_trapframe(child, &tf)) < 0
	    || (r = sys_env_set_status(child, ENV_RUNNABLE)) < 0)
		goto fail;
	return child;

fail:
	sys_env_destroy(child);
	if (fd >= 0)
		close(fd);
	return r;
}

/* spawn with the arguments as a NULL-terminated list: spawnl(prog, arg0, arg1, ..., NULL). */
envid_t
spawnl(const char *prog, const char *arg0, ...)
{
	const char *argv[SPAWN_MAXARGS + 2];
	va_list ap;
	int argc = 0;

	argv[argc++] = arg0;
	va_start(ap, arg0);
	while (argv[argc - 1] != NULL) {
		if (argc > SPAWN_MAXARGS) {
			va_end(ap);
			return -E_INVAL;
		}
		argv[argc++] = va_arg(ap, const char *);
	}
	va_end(ap);
	return spawn(prog, argv);
}
