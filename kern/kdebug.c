/* The kernel's symbolizer: code address -> source file, line and function, for backtraces.
 *
 * WHAT THE KERNEL CARRIES, AND WHY
 *
 * gcc -gdwarf-4 (and gas, for the .S files) describe the code in DWARF sections that the linker
 * copies into obj/kern/kernel but that the boot loader does not load: it loads only PT_LOAD
 * segments.  Function names could come from DWARF too, but the assembly files have no DWARF
 * function entries, only labels in the symbol table, and the symbol table only exists once the
 * kernel is linked.  So the kernel is linked twice (kern/Makefrag):
 *
 *   1. obj/kern/kernel.pass1: the kernel without its tables.
 *   2. kern/mkkdebug.pl reads pass 1 and writes obj/kern/kdebug.tab (struct kdebug_tables):
 *        - the .debug_line section, byte for byte: the line-number programs of every compile
 *          unit, with their final (linked) addresses;
 *        - the code symbols of .symtab (C functions and assembly labels), one per address,
 *          sorted by address, with their sizes and names;
 *        - the directory the compiler ran in, to show absolute paths relative to it (gcc is
 *          given relative paths here, so this is only a safety net).
 *   3. obj/kern/kernel: the same objects plus the tables, as section .kdebug, which
 *      kern/kernel.ld places after all code and read-only data and before the data segment:
 *      the tables are loaded with the kernel, read-only, below `end`.
 *
 * The tables describe only code addresses, and no code moves between the two links, because
 * everything added lies after the code.  (The code's bytes do change: its absolute references
 * into the data segment, which starts later in the second link.)  The build checks this: it
 * rebuilds the tables from the final kernel and fails unless they equal the ones it carries.
 *
 * HOW A LOOKUP WORKS
 *
 * The function is the last symbol at or below the address (binary search), unless that symbol
 * is a function whose size ends before the address (padding between functions).  A function
 * that gcc inlined into another reports the other: the symbol table knows only real functions.
 *
 * The file and line come from running DWARF line-number programs (DWARF 4 standard, section
 * 6.2).  Each compile unit's program in .debug_line is byte code for a small state machine
 * whose registers are an address, a file number, a line and a few flags.  Each time it "emits a
 * row", that row says: the code from this address up to the next row's address comes from this
 * file and line.  A run of rows ending with an end_sequence row covers one contiguous range of
 * code.  The byte code is compact: most rows come from one-byte "special" opcodes that advance
 * the address and the line together.  We do not build the table in memory: we run the programs
 * one after the other, remember the previous row, and stop at the first two consecutive rows
 * (prev, row) of one sequence with prev.address <= addr < row.address; prev is the answer.  Every
 * row counts, whatever its is_stmt flag, as for addr2line.  prev's file number indexes the unit's
 * file-name table, whose entries name a directory of its include-directory table (0 meaning the
 * compile directory, the repository root): "kern" + "monitor.c" gives "kern/monitor.c", and
 * "./inc" + "x86.h" gives "inc/x86.h".
 *
 * Scanning every unit is simple and fast enough: with 10 KB of line programs a lookup takes
 * about 250,000 cycles (0.1 ms) under QEMU, and lookups happen only in backtraces.  (If it ever
 * matters, remember each unit's address range on the first scan.)
 *
 * The file name is built in a static buffer, which the next lookup overwrites.
 *
 * Not supported, because nothing in this build produces them: 64-bit DWARF (ends the scan),
 * DWARF 5 line tables (gcc -gdwarf-5) and VLIW operation indexes (such units are skipped), and
 * files added by DW_LNE_define_file (reported as an unknown file).  Code without line
 * information (libgcc) reports an unknown file and line 0, but its function is still found. */

#include <inc/types.h>
#include <inc/string.h>
#include <inc/error.h>
#include <kern/kdebug.h>
#include <inc/selftest.h>

/* ---- The tables (written by kern/mkkdebug.pl) -------------------------------------------- */

#define KDEBUG_MAGIC	"KDBG"

struct kdebug_tables {
	char magic[4];			/* KDEBUG_MAGIC */
	uint32_t line_off, line_size;	/* .debug_line */
	uint32_t sym_off, nsym;		/* struct kdebug_sym[nsym], by increasing address */
	uint32_t names_off, names_size;	/* the symbols' names, NUL-terminated */
	uint32_t root_off;		/* the build directory, NUL-terminated */
};
/* Offsets are from the start of the tables, and every part is 4-byte aligned. */

struct kdebug_sym {
	uint32_t addr;
	uint32_t size;		/* 0 for an assembly label: it extends to the next symbol */
	uint32_t name;		/* offset in the names */
};

/* Where kern/kernel.ld put the tables (nothing there in the first link). */
extern const uint8_t __kdebug_start[], __kdebug_end[];

/* The tables, or NULL if they are missing or do not hold together. */
static const struct kdebug_tables *
kdebug_tables(void)
{
	const struct kdebug_tables *t = (const struct kdebug_tables *) __kdebug_start;
	uint32_t size = __kdebug_end - __kdebug_start;

	if (size < sizeof *t || memcmp(t->magic, KDEBUG_MAGIC, 4) != 0)
		return NULL;
	if (t->line_off > size || t->line_size > size - t->line_off
	    || t->sym_off > size || t->nsym > (size - t->sym_off) / sizeof(struct kdebug_sym)
	    || t->names_off > size || t->names_size > size - t->names_off
	    || (t->names_size > 0 && __kdebug_start[t->names_off + t->names_size - 1] != '\0')
	    || t->root_off >= size
	    || memfind(__kdebug_start + t->root_off, '\0', size - t->root_off) == __kdebug_end)
		return NULL;
	return t;
}

/* ---- Functions ---------------------------------------------------------------------------- */

static const struct kdebug_sym *
find_symbol(const struct kdebug_tables *t, uintptr_t addr)
{
	const struct kdebug_sym *syms = (const void *) (__kdebug_start + t->sym_off);
	uint32_t lo = 0, hi = t->nsym;

	/* Invariant: syms[i].addr <= addr for i < lo, and > addr for i >= hi. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct kdebug_sym *s = &syms[lo - 1];
	if ((s->size != 0 && addr - s->addr >= s->size) || s->name >= t->names_size)
		return NULL;
	return s;
}

/* ---- Reading DWARF data ------------------------------------------------------------------ */

/* A read position in a byte range.  Reading past the end, or a malformed number or string,
 * marks the cursor bad and moves it to the end; reads then return 0, so callers check
 * `bad` only where a wrong value would do harm. */
struct cursor {
	const uint8_t *p, *end;
	bool bad;
};

static inline struct cursor
cursor(const uint8_t *p, const uint8_t *end)
{
	return (struct cursor) { .p = p, .end = end, .bad = false };
}

static inline bool
need(struct cursor *c, uint32_t n)
{
	if (c->bad || (uint32_t) (c->end - c->p) < n) {
		c->bad = true;
		c->p = c->end;
		return false;
	}
	return true;
}

static inline void
skip(struct cursor *c, uint32_t n)
{
	if (need(c, n))
		c->p += n;
}

static inline uint8_t
read_u8(struct cursor *c)
{
	return need(c, 1) ? *c->p++ : 0;
}

/* DWARF data is in the target's byte order: little endian. */
static inline uint32_t
read_le(struct cursor *c, int n)
{
	uint32_t v = 0;

	if (!need(c, n))
		return 0;
	for (int i = 0; i < n; i++)
		v |= (uint32_t) c->p[i] << (8 * i);
	c->p += n;
	return v;
}

/* LEB128: 7 bits a byte, least significant first; the high bit says "more follows".  Bits
 * beyond the 32 we keep are dropped.  With is_signed, the value is sign-extended from the last
 * byte's bit 6.  A truncated number reads as 0. */
static inline uint32_t
read_leb(struct cursor *c, bool is_signed)
{
	uint32_t v = 0;
	int shift = 0;
	uint8_t b;

	do {
		if (!need(c, 1))
			return 0;
		b = *c->p++;
		if (shift < 32)
			v |= (uint32_t) (b & 0x7F) << shift;
		shift += 7;
	} while (b & 0x80);
	if (is_signed && shift < 32 && (b & 0x40))
		v |= ~0U << shift;
	return v;
}

static inline uint32_t
read_uleb(struct cursor *c)
{
	return read_leb(c, false);
}

static inline int32_t
read_sleb(struct cursor *c)
{
	return (int32_t) read_leb(c, true);
}

/* A NUL-terminated string in place; "" if there is none. */
static const char *
read_str(struct cursor *c)
{
	const uint8_t *nul = memfind(c->p, '\0', c->end - c->p);
	const char *s = (const char *) c->p;

	if (nul == c->end) {
		c->bad = true;
		c->p = c->end;
		return "";
	}
	c->p = nul + 1;
	return s;
}

/* ---- Line-number programs (DWARF 4, section 6.2) ------------------------------------------ */

/* Standard opcodes. */
enum {
	DW_LNS_copy = 1,
	DW_LNS_advance_pc = 2,
	DW_LNS_advance_line = 3,
	DW_LNS_set_file = 4,
	DW_LNS_set_column = 5,
	DW_LNS_negate_stmt = 6,
	DW_LNS_set_basic_block = 7,
	DW_LNS_const_add_pc = 8,
	DW_LNS_fixed_advance_pc = 9,
	DW_LNS_set_prologue_end = 10,
	DW_LNS_set_epilogue_begin = 11,
	DW_LNS_set_isa = 12,
};

/* Extended opcodes (after a 0 byte and a length). */
enum {
	DW_LNE_end_sequence = 1,
	DW_LNE_set_address = 2,
	DW_LNE_define_file = 3,
	DW_LNE_set_discriminator = 4,
};

/* One unit's line-number program header, as far as we need it. */
struct line_unit {
	uint8_t min_insn_length;	/* address advances are in these units */
	int8_t line_base;		/* special opcodes: smallest line advance */
	uint8_t line_range;		/* special opcodes: number of line advances */
	uint8_t opcode_base;		/* first special opcode */
	const uint8_t *std_opcode_args;	/* [i]: number of LEB128 arguments of opcode i + 1 */
	struct cursor dirs;		/* the include-directory table */
	struct cursor files;		/* the file-name table */
	struct cursor program;		/* the opcodes */
};

/* Parse the header of the unit at *sec and step *sec over the unit.  Returns false (with *sec
 * stepped over the unit if its length was readable) for a unit we cannot read. */
static bool
parse_unit(struct cursor *sec, struct line_unit *u)
{
	uint32_t length = read_le(sec, 4);

	if (sec->bad || length >= 0xFFFFFFF0) {
		/* 64-bit DWARF (0xFFFFFFFF) or reserved: we cannot even find the next unit. */
		sec->bad = true;
		sec->p = sec->end;
		return false;
	}
	struct cursor unit = cursor(sec->p, sec->p + MIN(length, (uint32_t) (sec->end - sec->p)));
	skip(sec, length);

	uint16_t version = read_le(&unit, 2);
	uint32_t header_length = read_le(&unit, 4);
	struct cursor hdr = cursor(unit.p, unit.p + MIN(header_length,
							 (uint32_t) (unit.end - unit.p)));
	u->program = cursor(hdr.end, unit.end);
	if (version < 2 || version > 4)
		return false;
	u->min_insn_length = read_u8(&hdr);
	if (version >= 4 && read_u8(&hdr) != 1)	/* maximum_operations_per_instruction */
		return false;
	read_u8(&hdr);				/* default_is_stmt: we use every row */
	u->line_base = (int8_t) read_u8(&hdr);
	u->line_range = read_u8(&hdr);
	u->opcode_base = read_u8(&hdr);
	u->std_opcode_args = hdr.p;
	skip(&hdr, u->opcode_base - 1);
	u->dirs = hdr;
	while (*read_str(&hdr) != '\0')
		;
	u->files = hdr;
	return !hdr.bad && u->line_range != 0 && u->opcode_base != 0;
}

/* The state machine's registers that matter to us. */
struct line_row {
	uint32_t addr;
	uint32_t file;
	int32_t line;
	bool end_sequence;
};

static void
row_reset(struct line_row *r)
{
	r->addr = 0;
	r->file = 1;
	r->line = 1;
	r->end_sequence = false;
}

/* Run u's program looking for the row that covers addr.  Returns true with *found set if
 * there is one. */
static bool
run_program(const struct line_unit *u, uintptr_t addr, struct line_row *found)
{
	struct cursor c = u->program;
	struct line_row row, prev;
	bool have_prev = false;

	row_reset(&row);
	while (c.p < c.end) {
		uint8_t op = read_u8(&c);
		bool emit = false;

		if (op >= u->opcode_base) {
			/* Special opcode: advance address and line, then emit a row. */
			uint8_t adjusted = op - u->opcode_base;
			row.addr += (adjusted / u->line_range) * u->min_insn_length;
			row.line += u->line_base + adjusted % u->line_range;
			emit = true;
		} else if (op == 0) {
			/* Extended opcode: its length, then the opcode and its operands. */
			uint32_t len = read_uleb(&c);
			struct cursor ext = cursor(c.p, c.p + MIN(len, (uint32_t) (c.end - c.p)));
			skip(&c, len);
			switch (read_u8(&ext)) {
			case DW_LNE_end_sequence:
				row.end_sequence = true;
				emit = true;
				break;
			case DW_LNE_set_address:
				/* An address of the target's size (4); keep the low 32 bits of a
				 * larger one. */
				row.addr = read_le(&ext, MIN(len - 1, 4U));
				break;
			default:
				/* set_discriminator, define_file, vendor extensions: nothing
				 * we use; the length lets us skip them. */
				break;
			}
		} else {
			switch (op) {
			case DW_LNS_copy:
				emit = true;
				break;
			case DW_LNS_advance_pc:
				row.addr += read_uleb(&c) * u->min_insn_length;
				break;
			case DW_LNS_advance_line:
				row.line += read_sleb(&c);
				break;
			case DW_LNS_set_file:
				row.file = read_uleb(&c);
				break;
			case DW_LNS_const_add_pc:
				/* The address advance of special opcode 255. */
				row.addr += ((255 - u->opcode_base) / u->line_range)
					    * u->min_insn_length;
				break;
			case DW_LNS_fixed_advance_pc:
				row.addr += read_le(&c, 2);
				break;
			default:
				/* set_column, negate_stmt, set_basic_block, prologue_end,
				 * epilogue_begin, set_isa, and opcodes from a later DWARF:
				 * the header says how many LEB128 operands to skip. */
				for (int i = 0; i < u->std_opcode_args[op - 1]; i++)
					read_uleb(&c);
				break;
			}
		}
		if (!emit || c.bad)
			continue;

		if (have_prev && prev.addr <= addr && addr < row.addr) {
			*found = prev;
			return true;
		}
		prev = row;
		have_prev = !row.end_sequence;
		if (row.end_sequence)
			row_reset(&row);
	}
	return false;
}

/* Entry n (1-based) of a table of NUL-terminated strings that ends with an empty string, each
 * string followed by nuleb LEB128 numbers, the first of which goes to *number. */
static const char *
table_entry(struct cursor c, uint32_t n, int nuleb, uint32_t *number)
{
	for (uint32_t i = 1; ; i++) {
		const char *s = read_str(&c);
		if (*s == '\0' || c.bad)
			return NULL;
		for (int k = 0; k < nuleb; k++) {
			uint32_t v = read_uleb(&c);
			if (k == 0)
				*number = v;
		}
		if (i == n)
			return s;
	}
}

/* ---- File names ---------------------------------------------------------------------------- */

/* The last path built; what kdebug_info.file points to. */
static char path_buf[128];

static void
path_append(size_t *len, const char *s)
{
	while (*s && *len < sizeof path_buf - 1)
		path_buf[(*len)++] = *s++;
	path_buf[*len] = '\0';
}

/* Build the name of file `file` of unit u in path_buf, as the compiler was given it:
 * relative to the repository root. */
static const char *
file_name(const struct line_unit *u, uint32_t file, const char *root)
{
	uint32_t dir_index = 0, unused;
	const char *name = table_entry(u->files, file, 3, &dir_index);
	const char *dir = dir_index ? table_entry(u->dirs, dir_index, 0, &unused) : NULL;
	size_t len = 0, rootlen = strlen(root);
	const char *p;

	if (name == NULL)
		return NULL;
	path_buf[0] = '\0';
	if (dir != NULL && name[0] != '/') {
		path_append(&len, dir);
		path_append(&len, "/");
	}
	path_append(&len, name);

	/* An absolute path inside the build directory: show it relative to it. */
	p = path_buf;
	if (rootlen > 1 && strncmp(p, root, rootlen) == 0 && p[rootlen] == '/')
		p += rootlen + 1;
	/* "./inc/x86.h" (from -I.) is "inc/x86.h". */
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	return p;
}

/* ---- Lookup ---------------------------------------------------------------------------------- */

/* The file and function name of an address the tables do not cover. */
#define KDEBUG_UNKNOWN	"<unknown>"

int
kdebug_lookup(uintptr_t addr, struct kdebug_info *info)
{
	const struct kdebug_tables *t = kdebug_tables();
	int r = 0;

	info->file = KDEBUG_UNKNOWN;
	info->line = 0;
	info->fn_name = KDEBUG_UNKNOWN;
	info->fn_namelen = sizeof(KDEBUG_UNKNOWN) - 1;
	info->fn_addr = addr;
	if (t == NULL)
		return -E_NOT_FOUND;

	const struct kdebug_sym *s = find_symbol(t, addr);
	if (s != NULL) {
		info->fn_name = (const char *) __kdebug_start + t->names_off + s->name;
		info->fn_namelen = strlen(info->fn_name);
		info->fn_addr = s->addr;
	} else
		r = -E_NOT_FOUND;

	const uint8_t *line = __kdebug_start + t->line_off;
	struct cursor sec = cursor(line, line + t->line_size);
	struct line_unit u;
	struct line_row row;
	const char *file = NULL;
	while (sec.p < sec.end) {
		if (parse_unit(&sec, &u) && run_program(&u, addr, &row)) {
			file = file_name(&u, row.file, (const char *) __kdebug_start + t->root_off);
			break;
		}
	}
	if (file != NULL) {
		info->file = file;
		info->line = row.line;
	} else
		r = -E_NOT_FOUND;
	return r;
}

/* ---- Self-test --------------------------------------------------------------------------- */

/* Is the function info names exactly name (fn_name is not NUL-terminated)? */
static bool
fn_is(const struct kdebug_info *info, const char *name)
{
	return info->fn_namelen == (int) strlen(name)
		&& strncmp(info->fn_name, name, info->fn_namelen) == 0;
}

/* The address this function returns to, minus one: inside the call, like the backtrace's
 * eip - 1. */
static uintptr_t __attribute__((noipa))
call_site(void)
{
	return (uintptr_t) __builtin_return_address(0) - 1;
}

void
check_kdebug(void)
{
	extern void kern_init(void);
	extern char entry[];
	struct kdebug_info info;
	int line;

	/* A C function, at its first instruction. */
	if (kdebug_lookup((uintptr_t) kern_init, &info) != 0 || strcmp(info.file, "kern/init.c") != 0
	    || !fn_is(&info, "kern_init")
	    || info.fn_addr != (uintptr_t) kern_init)
		selftest_fail("kdebug", "kern_init (%08x) found as %s:%d: %.*s at %08x",
			      kern_init, info.file, info.line, info.fn_namelen, info.fn_name,
			      info.fn_addr);

	/* The exact line of a call, looked up the way the backtrace does. */
	uintptr_t here = call_site(); line = __LINE__;
	if (kdebug_lookup(here, &info) != 0 || strcmp(info.file, "kern/kdebug.c") != 0
	    || info.line != line || !fn_is(&info, __func__))
		selftest_fail("kdebug", "call at %08x found as %s:%d: %.*s, want %s:%d: %s",
			      here, info.file, info.line, info.fn_namelen, info.fn_name,
			      "kern/kdebug.c", line, __func__);

	/* An assembly label, the kernel's first instruction. */
	if (kdebug_lookup((uintptr_t) entry, &info) != 0 || strcmp(info.file, "kern/entry.S") != 0
	    || !fn_is(&info, "entry"))
		selftest_fail("kdebug", "entry (%08x) found as %s:%d: %.*s",
			      entry, info.file, info.line, info.fn_namelen, info.fn_name);

	/* Not code: the tables themselves. */
	if (kdebug_lookup((uintptr_t) __kdebug_start, &info) != -E_NOT_FOUND
	    || strcmp(info.file, KDEBUG_UNKNOWN) != 0 || info.line != 0
	    || !fn_is(&info, KDEBUG_UNKNOWN))
		selftest_fail("kdebug", "the tables (%08x) found as %s:%d: %.*s", __kdebug_start,
			      info.file, info.line, info.fn_namelen, info.fn_name);

	selftest_ok("kdebug");
}
