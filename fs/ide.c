/* The IDE driver of the file system server: the second disk (primary channel, drive 1; the boot
 * disk is drive 0) by polled PIO, 28-bit LBA.  Every wait on the disk is bounded in time.
 *
 * Sectors move in blocks of ide_mult (READ/WRITE MULTIPLE, set at probe to the most the disk
 * takes, up to IDE_MULT_MAX): the disk raises DRQ once a block, not once a sector.  Under QEMU
 * each DRQ is a request to the host's disk and a trip through its main loop, so a 4 KB file
 * block costs one wait instead of eight, and a run of a file's blocks read in one command
 * (bc_fetch_run) one wait for every 16 sectors: httpd's first download of large.bin (1 MB, off the disk)
 * went from 5-7 to 11-13 MB/s, and fsbad's disk fill from 3.6 to 1.8 s. */

#include <inc/x86.h>

#include "fs.h"

/* Primary channel command block registers (ATA/ATAPI-6, section 7: register offsets from the
 * command block base) and the control block register. */
#define IDE_BASE	0x1F0
#define IDE_DATA	(IDE_BASE + 0)	/* rw: data, 16 or 32 bits */
#define IDE_NSECT	(IDE_BASE + 2)	/* rw: sector count (0 means 256) */
#define IDE_LBA_LO	(IDE_BASE + 3)	/* rw: LBA bits 0-7 */
#define IDE_LBA_MID	(IDE_BASE + 4)	/* rw: LBA bits 8-15 */
#define IDE_LBA_HI	(IDE_BASE + 5)	/* rw: LBA bits 16-23 */
#define IDE_DEVICE	(IDE_BASE + 6)	/* rw: device select, LBA bits 24-27 */
#define IDE_STATUS	(IDE_BASE + 7)	/* r:  status */
#define IDE_COMMAND	(IDE_BASE + 7)	/* w:  command */
#define IDE_CONTROL	0x3F6		/* w:  device control */

/* Status register bits. */
#define IDE_STATUS_BSY	0x80	/* busy: the other bits are not valid */
#define IDE_STATUS_DF	0x20	/* device fault */
#define IDE_STATUS_DRQ	0x08	/* data request: ready to transfer a sector */
#define IDE_STATUS_ERR	0x01	/* the last command failed (see the error register) */
/* Status values that mean "no drive": a floating bus reads all ones, and a channel whose
 * selected drive is absent reads zero. */
#define IDE_STATUS_FLOATING	0xFF
#define IDE_STATUS_NONE		0x00

/* Device register: bits 7 and 5 are obsolete and set; bit 6 selects LBA; bit 4 the drive. */
#define IDE_DEVICE_OBS	0xA0
#define IDE_DEVICE_LBA	0x40
#define IDE_DEVICE_DRV1	0x10

/* Device control: no interrupts (we poll, and the kernel does not route IRQ 14 to us). */
#define IDE_CONTROL_NIEN 0x02

/* Commands (ATA/ATAPI-6, section 8). */
#define IDE_CMD_READ_SECTORS	0x20
#define IDE_CMD_WRITE_SECTORS	0x30
#define IDE_CMD_READ_MULTIPLE	0xC4
#define IDE_CMD_WRITE_MULTIPLE	0xC5
#define IDE_CMD_SET_MULTIPLE	0xC6	/* sector count register: sectors a DRQ block */
#define IDE_CMD_IDENTIFY	0xEC

/* IDENTIFY DEVICE data: word 47's low byte is the most sectors READ/WRITE MULTIPLE move a DRQ
 * block (0: not supported); words 60-61 hold the number of sectors addressable by 28-bit LBA. */
#define IDE_IDENT_WORDS		256
#define IDE_IDENT_MULT_MAX	47
#define IDE_IDENT_LBA28_SECTORS	60
#define IDE_MULT_MAX		128	/* the largest block ATA allows */

#define IDE_LBA28_LIMIT	(1U << 28)
#define IDE_MAX_NSECT	256		/* one command moves at most this many sectors */

/* How long the disk may stay busy before a command fails: generous for an emulated disk on a
 * loaded host, short enough that a missing disk does not hang the server. */
#define IDE_TIMEOUT_MSEC 3000

static uint32_t ide_nsectors;		/* the disk's size, from ide_probe */
static uint32_t ide_mult = 1;		/* sectors a DRQ block (1: READ/WRITE SECTORS) */

/* Wait until the disk is not busy and (if want) the status bits in want are set.  Returns the
 * last status, or -E_TIMEOUT; -E_CORRUPT if the disk reports an error or a fault. */
static int
ide_wait(uint8_t want)
{
	unsigned deadline = 0;

	for (uint32_t polls = 0;; polls++) {
		uint8_t s = inb(IDE_STATUS);
		if (!(s & IDE_STATUS_BSY)) {
			if (s & (IDE_STATUS_ERR | IDE_STATUS_DF))
				return -E_CORRUPT;
			if ((s & want) == want)
				return s;
		}
		/* Reading the clock is a system call: do it once in a while. */
		if (polls % 1024 == 0) {
			unsigned now = sys_time_msec();
			if (polls == 0)
				deadline = now + IDE_TIMEOUT_MSEC;
			else if ((int) (now - deadline) > 0)
				return -E_TIMEOUT;
		}
	}
}

/* Select drive 1 and program the registers for a command on nsecs sectors at secno. */
static int
ide_start(uint32_t secno, size_t nsecs, uint8_t cmd)
{
	int r;

	if ((r = ide_wait(0)) < 0)
		return r;
	outb(IDE_NSECT, nsecs == IDE_MAX_NSECT ? 0 : nsecs);
	outb(IDE_LBA_LO, secno & 0xFF);
	outb(IDE_LBA_MID, (secno >> 8) & 0xFF);
	outb(IDE_LBA_HI, (secno >> 16) & 0xFF);
	outb(IDE_DEVICE, IDE_DEVICE_OBS | IDE_DEVICE_LBA | IDE_DEVICE_DRV1 | ((secno >> 24) & 0x0F));
	outb(IDE_COMMAND, cmd);
	return 0;
}

/* Ask the disk for blocks of the largest power of two up to max sectors; stay with one sector
 * a block if it has no multiple mode or refuses. */
static void
ide_set_multiple(uint32_t max)
{
	uint32_t m = 1;

	while (m * 2 <= MIN(max, (uint32_t) IDE_MULT_MAX))
		m *= 2;
	if (m == 1 || ide_wait(0) < 0)
		return;
	outb(IDE_NSECT, m);
	outb(IDE_COMMAND, IDE_CMD_SET_MULTIPLE);
	if (ide_wait(0) >= 0)
		ide_mult = m;
}

int
ide_probe(uint32_t *nsectors_store)
{
	uint16_t ident[IDE_IDENT_WORDS];
	int r;

	outb(IDE_CONTROL, IDE_CONTROL_NIEN);
	outb(IDE_DEVICE, IDE_DEVICE_OBS | IDE_DEVICE_LBA | IDE_DEVICE_DRV1);
	uint8_t s = inb(IDE_STATUS);
	if (s == IDE_STATUS_FLOATING || s == IDE_STATUS_NONE)
		return -E_NOT_FOUND;
	if ((r = ide_wait(0)) < 0)
		return r;
	outb(IDE_COMMAND, IDE_CMD_IDENTIFY);
	if (inb(IDE_STATUS) == IDE_STATUS_NONE)
		return -E_NOT_FOUND;
	/* An ATAPI device (a CD-ROM) aborts IDENTIFY DEVICE: not a disk for us. */
	if ((r = ide_wait(IDE_STATUS_DRQ)) == -E_CORRUPT)
		return -E_NOT_FOUND;
	if (r < 0)
		return r;
	insl(IDE_DATA, ident, sizeof(ident) / 4);
	ide_nsectors = ident[IDE_IDENT_LBA28_SECTORS]
		| ((uint32_t) ident[IDE_IDENT_LBA28_SECTORS + 1] << 16);
	if (ide_nsectors == 0)
		return -E_NOT_FOUND;
	ide_set_multiple(ident[IDE_IDENT_MULT_MAX] & 0xFF);
	*nsectors_store = ide_nsectors;
	return 0;
}

/* Is [secno, secno + nsecs) on the disk? */
static bool
ide_range_ok(uint32_t secno, size_t nsecs)
{
	return nsecs > 0 && secno < ide_nsectors && nsecs <= ide_nsectors - secno
		&& secno + nsecs <= IDE_LBA28_LIMIT;
}

int
ide_read(uint32_t secno, void *dst, size_t nsecs)
{
	int r;

	if (!ide_range_ok(secno, nsecs))
		return -E_INVAL;
	while (nsecs > 0) {
		size_t n = MIN(nsecs, (size_t) IDE_MAX_NSECT);
		if ((r = ide_start(secno, n, ide_mult > 1 ? IDE_CMD_READ_MULTIPLE
						       : IDE_CMD_READ_SECTORS)) < 0)
			return r;
		for (size_t i = 0; i < n; ) {
			size_t k = MIN(n - i, (size_t) ide_mult);	/* this DRQ block's */
			if ((r = ide_wait(IDE_STATUS_DRQ)) < 0)
				return r;
			insl(IDE_DATA, dst, k * SECTSIZE / 4);
			dst += k * SECTSIZE;
			i += k;
		}
		secno += n;
		nsecs -= n;
	}
	return 0;
}

int
ide_write(uint32_t secno, const void *src, size_t nsecs)
{
	int r;

	if (!ide_range_ok(secno, nsecs))
		return -E_INVAL;
	while (nsecs > 0) {
		size_t n = MIN(nsecs, (size_t) IDE_MAX_NSECT);
		if ((r = ide_start(secno, n, ide_mult > 1 ? IDE_CMD_WRITE_MULTIPLE
						       : IDE_CMD_WRITE_SECTORS)) < 0)
			return r;
		for (size_t i = 0; i < n; ) {
			size_t k = MIN(n - i, (size_t) ide_mult);	/* this DRQ block's */
			if ((r = ide_wait(IDE_STATUS_DRQ)) < 0)
				return r;
			outsl(IDE_DATA, src, k * SECTSIZE / 4);
			src += k * SECTSIZE;
			i += k;
		}
		/* The command is complete once the disk is no longer busy. */
		if ((r = ide_wait(0)) < 0)
			return r;
		secno += n;
		nsecs -= n;
	}
	return 0;
}
