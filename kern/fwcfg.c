/* QEMU's fw_cfg device through its I/O ports (QEMU's docs/specs/fw_cfg.rst): write a 16-bit key
 * to the selector port, then read the item's bytes one at a time from the data port. */

#include <inc/x86.h>
#include <inc/error.h>
#include <inc/string.h>

#include <kern/fwcfg.h>

#define FWCFG_PORT_SEL		0x510	/* 16-bit write: select an item, rewind it */
#define FWCFG_PORT_DATA		0x511	/* 8-bit read: the next byte of the item */
#define FWCFG_KEY_SIGNATURE	0x0000	/* "QEMU" */
#define FWCFG_KEY_FILE_DIR	0x0019	/* the named items: a count, then the entries */
#define FWCFG_NAME_LEN		56	/* a directory entry's name field, NUL-padded */

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

int
fwcfg_read(const char *name, char *buf, size_t size)
{
	char sig[4], ename[FWCFG_NAME_LEN];

	/* Without the device the data port reads as 0xff: no signature. */
	outw(FWCFG_PORT_SEL, FWCFG_KEY_SIGNATURE);
	fwcfg_bytes(sig, sizeof(sig));
	if (memcmp(sig, "QEMU", sizeof(sig)) != 0)
		return -E_NOT_FOUND;

	outw(FWCFG_PORT_SEL, FWCFG_KEY_FILE_DIR);
	for (uint32_t n = fwcfg_be(4); n > 0; n--) {
		uint32_t len = fwcfg_be(4);
		uint16_t key = fwcfg_be(2);
		(void) fwcfg_be(2);		/* reserved */
		fwcfg_bytes(ename, sizeof(ename));
		if (strncmp(ename, name, sizeof(ename)) != 0)
			continue;
		outw(FWCFG_PORT_SEL, key);
		size_t take = len < size ? len : size - 1;
		fwcfg_bytes(buf, take);
		buf[take] = '\0';
		return len;
	}
	return -E_NOT_FOUND;
}
