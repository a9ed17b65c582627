/* Finding the CPUs: the Intel MultiProcessor Specification (v1.4) tables the BIOS leaves in
 * memory, read once at boot into cpus[], ncpu, bootcpu and lapicaddr (kern/cpu.h). */

#include <inc/types.h>
#include <inc/string.h>
#include <inc/memlayout.h>
#include <inc/x86.h>

#include <kern/cpu.h>
#include <kern/pmap.h>

struct CpuInfo cpus[NCPU];
int ncpu;
struct CpuInfo *bootcpu;

/*
 * The MP tables (MP spec chapter 4).  All multi-byte fields are little-endian and naturally
 * aligned within each structure; `packed` only makes the layout independent of the compiler.
 */

/* MP floating pointer structure (MP spec 4.1): 16-byte aligned, found by its signature. */
struct mp_fptr {
	uint8_t signature[4];		/* "_MP_" */
	uint32_t physaddr;		/* physical address of the configuration table, or 0 */
	uint8_t length;			/* length of this structure in 16-byte units (1) */
	uint8_t spec_rev;		/* 1 = v1.1, 4 = v1.4 */
	uint8_t checksum;		/* all bytes of the structure sum to 0 */
	uint8_t feature1;		/* 0: a configuration table exists; else a default config */
	uint8_t feature2;		/* bit 7: IMCR present (the system starts in PIC mode) */
	uint8_t feature_reserved[3];
} __attribute__((packed));
static_assert(sizeof(struct mp_fptr) == 16, "MP floating pointer is 16 bytes");

#define MP_FPTR_SIGNATURE	"_MP_"
#define MP_FEATURE2_IMCRP	0x80

/* MP configuration table header (MP spec 4.2). */
struct mp_conf {
	uint8_t signature[4];		/* "PCMP" */
	uint16_t base_length;		/* header plus base entries, in bytes */
	uint8_t spec_rev;
	uint8_t checksum;		/* the base_length bytes sum to 0 */
	uint8_t oem_id[8];
	uint8_t product_id[12];
	uint32_t oem_table;
	uint16_t oem_table_size;
	uint16_t entry_count;		/* entries in the base table */
	uint32_t lapic_addr;		/* physical address of every CPU's local APIC */
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));
static_assert(sizeof(struct mp_conf) == 44, "MP configuration table header is 44 bytes");

#define MP_CONF_SIGNATURE	"PCMP"

/* Base table entry types and their sizes (MP spec 4.3, table 4-3). */
enum {
	MP_ENTRY_PROCESSOR = 0,		/* 20 bytes */
	MP_ENTRY_BUS = 1,		/* 8 bytes each for these */
	MP_ENTRY_IOAPIC = 2,
	MP_ENTRY_IOINTR = 3,
	MP_ENTRY_LINTR = 4,
};
#define MP_ENTRY_PROCESSOR_SIZE	20
#define MP_ENTRY_OTHER_SIZE	8

/* Processor entry (MP spec 4.3.1). */
struct mp_proc {
	uint8_t type;			/* MP_ENTRY_PROCESSOR */
	uint8_t lapic_id;
	uint8_t lapic_version;
	uint8_t cpu_flags;		/* MP_PROC_* */
	uint32_t cpu_signature;
	uint32_t feature_flags;
	uint32_t reserved[2];
} __attribute__((packed));
static_assert(sizeof(struct mp_proc) == MP_ENTRY_PROCESSOR_SIZE, "processor entry is 20 bytes");

#define MP_PROC_EN	0x01		/* usable: the BIOS found it working */
#define MP_PROC_BP	0x02		/* the bootstrap processor */

/* Where the BIOS data area records the EBDA segment and the size of base memory in KB
 * (MP spec 4, "the first kilobyte of the Extended BIOS Data Area"). */
#define BDA_EBDA_SEGMENT	0x40E
#define BDA_BASEMEM_KB		0x413
#define BIOS_ROM_BASE		0xF0000
#define BIOS_ROM_SIZE		0x10000

/* The IMCR, which routes the 8259's INTR either straight to the boot CPU (PIC mode) or through
 * the local APICs (MP spec 3.6.2.1). */
#define IMCR_ADDR		0x22
#define IMCR_DATA		0x23
#define IMCR_SELECT		0x70	/* written to IMCR_ADDR: select the IMCR */
#define IMCR_APIC_MODE		0x01	/* written to IMCR_DATA: INTR goes through the APIC */

/* CPUID leaf 1 (SDM 2A, CPUID): does a package hold more than one logical processor? */
#define CPUID_FEATURES		1
#define CPUID_EDX_HTT		(1 << 28)	/* EBX[23:16] is valid */
#define CPUID_EBX_NLOGICAL(ebx)	(((ebx) >> 16) & 0xFF)

static uint8_t
mp_sum(const void *addr, size_t len)
{
	const uint8_t *p = addr;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum;
}

/* The kernel address of physical [pa, pa+len), or NULL if that is not RAM mapped at KERNBASE:
 * a table pointer the BIOS got wrong is a broken table, not a reason to fault. */
static void *
mp_phys(physaddr_t pa, size_t len)
{
	if (pa + len < pa || pa + len > (physaddr_t) npages * PGSIZE)
		return NULL;
	return KADDR(pa);
}

/* A valid floating pointer structure in physical [pa, pa+len), searched on 16-byte
 * boundaries, or NULL. */
static struct mp_fptr *
mp_search(physaddr_t pa, size_t len)
{
	struct mp_fptr *f = mp_phys(pa, len), *end;

	if (f == NULL)
		return NULL;
	for (end = f + len / sizeof(*f); f < end; f++)
		if (memcmp(f->signature, MP_FPTR_SIGNATURE, 4) == 0
		    && f->length == 1
		    && mp_sum(f, sizeof(*f)) == 0)
			return f;
	return NULL;
}

/* The floating pointer, in the three places MP spec 4 says to look, in its order. */
static struct mp_fptr *
mp_find_fptr(void)
{
	physaddr_t ebda = *(const uint16_t *) KADDR(BDA_EBDA_SEGMENT) << 4;
	physaddr_t basemem = (physaddr_t) *(const uint16_t *) KADDR(BDA_BASEMEM_KB) * 1024;
	struct mp_fptr *f;

	if (ebda != 0 && (f = mp_search(ebda, 1024)) != NULL)
		return f;
	if (basemem >= 1024 && (f = mp_search(basemem - 1024, 1024)) != NULL)
		return f;
	return mp_search(BIOS_ROM_BASE, BIOS_ROM_SIZE);
}

/* The configuration table the floating pointer names, checked, or NULL (with a message). */
static struct mp_conf *
mp_find_conf(const struct mp_fptr *f)
{
	struct mp_conf *conf;

	if (f->feature1 != 0) {
		cprintf("SMP: MP default configuration %d is not supported\n", f->feature1);
		return NULL;
	}
	if (f->physaddr == 0 || (conf = mp_phys(f->physaddr, sizeof(*conf))) == NULL) {
		cprintf("SMP: MP configuration table address %08x is not in memory\n",
			f->physaddr);
		return NULL;
	}
	if (memcmp(conf->signature, MP_CONF_SIGNATURE, 4) != 0) {
		cprintf("SMP: MP configuration table has a bad signature\n");
		return NULL;
	}
	if (conf->spec_rev != 1 && conf->spec_rev != 4) {
		cprintf("SMP: MP configuration table version 1.%d is not supported\n",
			conf->spec_rev);
		return NULL;
	}
	if (conf->base_length < sizeof(*conf)
	    || mp_phys(f->physaddr, conf->base_length) == NULL
	    || mp_sum(conf, conf->base_length) != 0) {
		cprintf("SMP: MP configuration table has a bad length or checksum\n");
		return NULL;
	}
	return conf;
}

/* The size of a base table entry of the given type, or 0 for a type the spec does not define
 * (whose size we cannot know, so the walk must stop). */
static size_t
mp_entry_size(uint8_t type)
{
	if (type == MP_ENTRY_PROCESSOR)
		return MP_ENTRY_PROCESSOR_SIZE;
	if (type <= MP_ENTRY_LINTR)
		return MP_ENTRY_OTHER_SIZE;
	return 0;
}

/* Record the processors of conf: the boot CPU in cpus[0] (so that cpunum() is already right
 * for it before its local APIC is mapped), the others after it in table order, at most NCPU.
 * Returns false (with a message) if the table is malformed. */
static bool
mp_read_cpus(const struct mp_conf *conf)
{
	const uint8_t *p = (const uint8_t *) (conf + 1);
	const uint8_t *end = (const uint8_t *) conf + conf->base_length;
	int nfound = 0;
	bool have_boot = false;

	ncpu = 1;
	for (int i = 0; i < conf->entry_count; i++) {
		size_t size = p < end ? mp_entry_size(*p) : 0;

		if (size == 0 || p + size > end) {
			cprintf("SMP: MP configuration table entry %d is malformed\n", i);
			return false;
		}
		const struct mp_proc *proc = (const struct mp_proc *) p;
		p += size;

		/* Skip other entries, and processors the BIOS found not working. */
		if (proc->type != MP_ENTRY_PROCESSOR || !(proc->cpu_flags & MP_PROC_EN))
			continue;
		nfound++;
		if (proc->cpu_flags & MP_PROC_BP) {
			if (have_boot) {
				cprintf("SMP: MP table names two boot CPUs\n");
				return false;
			}
			have_boot = true;
			cpus[0].cpu_id = proc->lapic_id;
		} else if (ncpu < NCPU) {
			cpus[ncpu++].cpu_id = proc->lapic_id;
		} else {
			cprintf("SMP: CPU with APIC id %d ignored: NCPU is %d\n",
				proc->lapic_id, NCPU);
		}
	}
	if (!have_boot) {
		cprintf("SMP: MP table names no boot CPU\n");
		return false;
	}
	if (nfound > NCPU)
		cprintf("SMP: using %d of the %d CPUs found\n", NCPU, nfound);

	/* MP tables predate multi-core packages: a BIOS lists one entry per package, and the
	 * other cores and threads are not started.  Say so rather than lose them silently. */
	uint32_t ebx, edx;
	cpuid(CPUID_FEATURES, NULL, &ebx, NULL, &edx);
	if ((edx & CPUID_EDX_HTT) && CPUID_EBX_NLOGICAL(ebx) > 1)
		cprintf("SMP: each processor package has up to %d logical CPUs; "
			"only one of each is used\n", CPUID_EBX_NLOGICAL(ebx));
	return true;
}

/* The one-CPU configuration: the boot CPU alone, and no local APIC (cpunum() is 0 and the
 * lapic_* functions do nothing). */
static void
mp_init_uniprocessor(void)
{
	memset(cpus, 0, sizeof(cpus));
	ncpu = 1;
	lapicaddr = 0;
}

void
mp_init(void)
{
	struct mp_fptr *f;
	struct mp_conf *conf = NULL;

	bootcpu = &cpus[0];
	if ((f = mp_find_fptr()) == NULL)
		cprintf("SMP: no MP floating pointer structure\n");
	else
		conf = mp_find_conf(f);

	if (conf == NULL || !mp_read_cpus(conf)) {
		cprintf("SMP: no usable MP configuration; running on one CPU\n");
		mp_init_uniprocessor();
	} else {
		lapicaddr = conf->lapic_addr;
		/* A system that starts in PIC mode has the 8259 wired straight to the boot CPU;
		 * switch the IMCR so that it reaches the boot CPU's LINT0 instead, which
		 * lapic_init programs for virtual-wire delivery (MP spec 3.6.2.1). */
		if (f->feature2 & MP_FEATURE2_IMCRP) {
			outb(IMCR_ADDR, IMCR_SELECT);
			outb(IMCR_DATA, inb(IMCR_DATA) | IMCR_APIC_MODE);
		}
	}

	bootcpu->cpu_status = CPU_STARTED;
	cprintf("SMP: CPU %d found %d CPU(s)\n", (int) (bootcpu - cpus), ncpu);
}
