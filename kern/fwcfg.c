/* QEMU's fw_cfg device through its I/O ports (QEMU's docs/specs/fw_cfg.rst): write a 16-bit key
 * to the selector port, then read the item's bytes one at a time from the data port, or, for
 * a large item where the device offers it, in one DMA transfer. */

#include <inc/x86.h>
#include <inc/error.h>
#include <inc/string.h>
#include <inc/assert.h>

#include <kern/fwcfg.h>
#include <kern/pmap.h>

#define FWCFG_PORT_SEL		0x510	/* 16-bit write: select an item, rewind it */
#define FWCFG_PORT_DATA		0x511	/* 8-bit read: the next byte of the item */
#define FWCFG_PORT_DMA_HI	0x514	/* 32-bit write, big-endian: DMA address bits 63..32 */
#define FWCFG_PORT_DMA_LO	0x518	/* 32-bit write, big-endian: bits 31..0; starts the DMA */
#define FWCFG_KEY_SIGNATURE	0x0000	/* "QEMU" */
#define FWCFG_KEY_ID		0x0001	/* 32-bit little-endian feature bits */
#define FWCFG_ID_DMA		0x2	/* the DMA interface is present */
#define FWCFG_KEY_FILE_DIR	0x0019	/* the named items: a count, then the entries */
#define FWCFG_NAME_LEN		56	/* a directory entry's name field, NUL-padded */

/* The DMA access descriptor (fw_cfg.rst, "FWCfgDmaAccess"), all fields big-endian.  The
 * device reads it at the physical address written to the DMA ports, does the transfer, and
 * clears control (leaving FWCFG_DMA_ERROR set if it failed). */
struct fwcfg_dma {
	uint32_t control;
	uint32_t length;
	uint64_t address;
} __attribute__((packed));
static_assert(sizeof(struct fwcfg_dma) == 16, "fw_cfg's DMA descriptor is 16 bytes");

#define FWCFG_DMA_ERROR		0x01
#define FWCFG_DMA_READ		0x02
#define FWCFG_DMA_SKIP		0x04
#define FWCFG_DMA_SELECT	0x08
#define FWCFG_DMA_KEY_SHIFT	16	/* with SELECT: the item's key in the upper 16 bits */

static void
fwcfg_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n-- > 0)
		*p++ = inb(FWCFG_PORT_DATA);
}

/* A big-endian number of n bytes (the directory's byte order). */
static uint32_t
fwcfg_be(size_t n)
{
	uint8_t b[4];
	uint32_t v = 0;

	fwcfg_bytes(b, n);
	for (size_t i = 0; i < n; i++)
		v = v << 8 | b[i];
	return v;
}

/* Whether the device is there ("QEMU" at the signature key): without it the data port reads
 * as 0xff. */
static bool
fwcfg_present(void)
{
	char sig[4];

	outw(FWCFG_PORT_SEL, FWCFG_KEY_SIGNATURE);
	fwcfg_bytes(sig, sizeof(sig));
	return memcmp(sig, "QEMU", sizeof(sig)) == 0;
}

/* Find the item called name in the directory: its key and length, or -E_NOT_FOUND. */
static int
fwcfg_find(const char *name, uint16_t *key, uint32_t *len)
{
	char ename[FWCFG_NAME_LEN];

	if (!fwcfg_present())
		return -E_NOT_FOUND;
	outw(FWCFG_PORT_SEL, FWCFG_KEY_FILE_DIR);
	for (uint32_t n = fwcfg_be(4); n > 0; n--) {
		uint32_t elen = fwcfg_be(4);
		uint16_t ekey = fwcfg_be(2);
		(void) fwcfg_be(2);		/* reserved */
		fwcfg_bytes(ename, sizeof(ename));
		if (strncmp(ename, name, sizeof(ename)) == 0) {
			*key = ekey;
			*len = elen;
			return 0;
		}
	}
	return -E_NOT_FOUND;
}

/* Copy the first n bytes of item key into buf (in the kernel's direct map of physical memory,
 * since the device writes physical addresses) by one DMA transfer.  Returns 0, or
 * -E_NOT_SUPP when the device has no DMA interface or reports an error; the caller then reads
 * by the data port. */
static int
fwcfg_dma_read(uint16_t key, void *buf, uint32_t n)
{
	/* Static, so that it too is in the direct map (the stack is not: KSTACKTOP). */
	static struct fwcfg_dma dma;
	uint32_t features;

	outw(FWCFG_PORT_SEL, FWCFG_KEY_ID);
	fwcfg_bytes(&features, sizeof(features));	/* little-endian, as is the CPU */
	if (!(features & FWCFG_ID_DMA))
		return -E_NOT_SUPP;

	dma.control = __builtin_bswap32((uint32_t) key << FWCFG_DMA_KEY_SHIFT | FWCFG_DMA_SELECT
					| FWCFG_DMA_READ);
	dma.length = __builtin_bswap32(n);
	dma.address = __builtin_bswap64(PADDR(buf));
	/* The descriptor must be in memory before the port write that makes the device read it;
	 * outl has no memory clobber of its own. */
	asm volatile("" : : : "memory");
	physaddr_t pa = PADDR(&dma);
	outl(FWCFG_PORT_DMA_HI, 0);
	outl(FWCFG_PORT_DMA_LO, __builtin_bswap32(pa));
	/* QEMU completes the transfer within the port write; the spec still asks to poll. */
	uint32_t control;
	while ((control = __builtin_bswap32(*(volatile uint32_t *) &dma.control)) != 0
	       && !(control & FWCFG_DMA_ERROR))
		asm volatile("pause");
	asm volatile("" : : : "memory");
	return control ? -E_NOT_SUPP : 0;
}

int
fwcfg_read(const char *name, char *buf, size_t size)
{
	uint16_t key;
	uint32_t len;
	int r;

	if ((r = fwcfg_find(name, &key, &len)) < 0)
		return r;
	outw(FWCFG_PORT_SEL, key);
	size_t take = len < size ? len : size - 1;
	fwcfg_bytes(buf, take);
	buf[take] = '\0';
	return len;
}

int
fwcfg_load(const char *name, void *buf, size_t size)
{
	uint16_t key;
	uint32_t len;
	int r;

	if ((r = fwcfg_find(name, &key, &len)) < 0)
		return r;
	if (len > size)
		return len;
	/* A byte at a time is a VM exit each under emulation: 0.1 s for 100 KB. */
	if (fwcfg_dma_read(key, buf, len) < 0) {
		outw(FWCFG_PORT_SEL, key);
		fwcfg_bytes(buf, len);
	}
	return len;
}
