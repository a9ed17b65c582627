/* The grader kernel's program, read from the host through fw_cfg at boot (kern/fwprog.h), and
 * the check that what arrived is a whole ELF image before env_create trusts its headers. */

#include <inc/elf.h>
#include <inc/error.h>
#include <inc/string.h>
#include <inc/assert.h>

#include <kern/fwprog.h>
#include <kern/fwcfg.h>

#define FWPROG_ITEM		"opt/exo386/prog"
#define FWPROG_FLAGS_ITEM	"opt/exo386/progflags"

/* The largest program the kernel takes.  In the kernel's bss, so it counts against the 4 MB
 * the entry page directory maps (ENTRY_MAPPED); the largest test program is ~50 KB (httpd,
 * stripped), so this leaves room to grow and costs 256 KB of the guest's 128 MB. */
#define FWPROG_MAX		(256 * 1024)

static uint8_t fwprog_buf[FWPROG_MAX] __attribute__((aligned(16)));

/* The flag words, exactly as GNUmakefile's grade-prog-flags writes them. */
static const struct {
	const char *words;
	enum EnvType type;
	bool with_fs;
} fwprog_flag_table[] = {
	{ "user fs",	ENV_TYPE_USER,	true },
	{ "user nofs",	ENV_TYPE_USER,	false },
	{ "ns fs",	ENV_TYPE_NS,	true },
	{ "ns nofs",	ENV_TYPE_NS,	false },
};

/* Whether the ELF image bin of len bytes is whole: its ELF header, its program headers and
 * every loaded segment's file bytes lie within len (load_icode reads them without a length).
 * Returns 0, -E_NOT_EXEC (too short for a header, no ELF magic, program headers of another
 * size) or -E_CORRUPT (something lies beyond the end: a truncated file).  Sums are 64-bit, so
 * that no header's numbers can wrap past the check. */
static int
fwprog_check_elf(const uint8_t *bin, size_t len)
{
	const struct Elf *elf = (const struct Elf *) bin;

	if (len < sizeof(*elf) || elf->e_magic != ELF_MAGIC
	    || elf->e_phentsize != sizeof(struct Proghdr))
		return -E_NOT_EXEC;
	if ((uint64_t) elf->e_phoff + (uint64_t) elf->e_phnum * sizeof(struct Proghdr) > len)
		return -E_CORRUPT;
	const struct Proghdr *ph = (const struct Proghdr *) (bin + elf->e_phoff);
	for (int i = 0; i < elf->e_phnum; i++, ph++)
		if (ph->p_type == ELF_PROG_LOAD
		    && (uint64_t) ph->p_offset + ph->p_filesz > len)
			return -E_CORRUPT;
	return 0;
}

/* Check fwprog_check_elf on a made-up image at its edges: each case is an image that one
 * wrong comparison (or a 32-bit sum that wraps) would let through, or a whole one it must
 * take.  Silent when all agree; a mistake panics before any program is trusted. */
static void
check_fwprog_elf(void)
{
	static struct {
		struct Elf elf;
		struct Proghdr ph[2];
		uint8_t data[16];
	} img;
	const size_t whole = sizeof(img);
	const struct {
		const char *what;
		uint32_t phoff, offset, filesz;
		uint16_t phentsize;
		size_t len;
		int want;
	} cases[] = {
		{ "whole", sizeof(img.elf), whole - 16, 16, sizeof(struct Proghdr), whole, 0 },
		{ "short header", sizeof(img.elf), whole - 16, 16, sizeof(struct Proghdr),
		  sizeof(img.elf) - 1, -E_NOT_EXEC },
		{ "odd phentsize", sizeof(img.elf), whole - 16, 16, sizeof(struct Proghdr) + 4,
		  whole, -E_NOT_EXEC },
		{ "cut in the program headers", sizeof(img.elf), whole - 16, 16,
		  sizeof(struct Proghdr), whole - 16 - 1, -E_CORRUPT },
		{ "cut in the segment", sizeof(img.elf), whole - 16, 16, sizeof(struct Proghdr),
		  whole - 1, -E_CORRUPT },
		{ "segment wraps", sizeof(img.elf), 0xfffffff8, 16, sizeof(struct Proghdr), whole,
		  -E_CORRUPT },
		{ "headers wrap", 0xfffffff0, whole - 16, 16, sizeof(struct Proghdr), whole,
		  -E_CORRUPT },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&img, 0, sizeof(img));
		img.elf.e_magic = ELF_MAGIC;
		img.elf.e_phoff = cases[i].phoff;
		img.elf.e_phentsize = cases[i].phentsize;
		img.elf.e_phnum = 2;
		img.ph[0].p_type = ELF_PROG_LOAD;
		img.ph[0].p_offset = 0;
		img.ph[0].p_filesz = sizeof(img.elf);
		img.ph[1].p_type = ELF_PROG_LOAD;
		img.ph[1].p_offset = cases[i].offset;
		img.ph[1].p_filesz = cases[i].filesz;
		int r = fwprog_check_elf((const uint8_t *) &img, cases[i].len);
		if (r != cases[i].want)
			panic("check_fwprog_elf: %s: got %d, expected %d", cases[i].what, r,
			      cases[i].want);
	}
}

void
fwprog_load(struct fwprog *prog)
{
	char flags[16];
	int len, r;
	size_t i;

	check_fwprog_elf();

	len = fwcfg_read(FWPROG_FLAGS_ITEM, flags, sizeof(flags));
	if (len < 0)
		panic("the grader kernel needs the fw_cfg item " FWPROG_FLAGS_ITEM
		      " (boot it with make run-prebuilt-nox PROG=NAME): %e", len);
	for (i = 0; i < ARRAY_SIZE(fwprog_flag_table); i++)
		if (len >= 0 && (size_t) len == strlen(fwprog_flag_table[i].words)
		    && memcmp(flags, fwprog_flag_table[i].words, len) == 0)
			break;
	if (i == ARRAY_SIZE(fwprog_flag_table))
		panic(FWPROG_FLAGS_ITEM " is '%s' (%d bytes): expected 'user' or 'ns', then 'fs' "
		      "or 'nofs'", flags, len);
	prog->type = fwprog_flag_table[i].type;
	prog->with_fs = fwprog_flag_table[i].with_fs;

	len = fwcfg_load(FWPROG_ITEM, fwprog_buf, sizeof(fwprog_buf));
	if (len < 0)
		panic("the grader kernel needs the fw_cfg item " FWPROG_ITEM
		      " (boot it with make run-prebuilt-nox PROG=NAME): %e", len);
	if (len > (int) sizeof(fwprog_buf))
		panic(FWPROG_ITEM " is %d bytes: the kernel takes at most %d (FWPROG_MAX)", len,
		      (int) sizeof(fwprog_buf));
	if ((r = fwprog_check_elf(fwprog_buf, len)) < 0)
		panic(FWPROG_ITEM " (%d bytes) is not a whole ELF program: %e", len, r);
	prog->binary = fwprog_buf;
	prog->len = len;
}
