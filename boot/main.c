/* The boot sector's second stage: reads the kernel, an ELF image that starts at disk sector 1,
 * from the first IDE disk by PIO, copies its loadable segments to their physical addresses and
 * jumps to its entry point.  It must fit with boot.S in 510 bytes (boot/sign.pl checks). */

#include <inc/x86.h>
#include <inc/elf.h>

#define SECTSIZE	512
#define ELFHDR		((struct Elf *) 0x10000)	/* scratch space for the first page */

/* Primary IDE channel ports and bits (ATA-1, PIO protocol). */
#define IDE_DATA	0x1F0
#define IDE_NSECT	0x1F2
#define IDE_LBA0	0x1F3
#define IDE_LBA1	0x1F4
#define IDE_LBA2	0x1F5
#define IDE_DRIVE	0x1F6		/* bits 24..27 of the LBA, drive select, LBA mode */
#define IDE_STATUS	0x1F7		/* read: status; write: command */
#define IDE_BSY		0x80
#define IDE_DRDY	0x40
#define IDE_CMD_READ	0x20

static void readseg(uint32_t pa, uint32_t count, uint32_t offset);

void
bootmain(void)
{
	struct Proghdr *ph, *eph;

	readseg((uint32_t) ELFHDR, SECTSIZE * 8, 0);
	if (ELFHDR->e_magic != ELF_MAGIC)
		return;

	ph = (struct Proghdr *) ((uint8_t *) ELFHDR + ELFHDR->e_phoff);
	eph = ph + ELFHDR->e_phnum;
	for (; ph < eph; ph++) {
		if (ph->p_type != ELF_PROG_LOAD)
			continue;
		readseg(ph->p_pa, ph->p_filesz, ph->p_offset);
		/* zero the bss part */
		for (uint8_t *p = (uint8_t *) ph->p_pa + ph->p_filesz;
		     p < (uint8_t *) ph->p_pa + ph->p_memsz; p++)
			*p = 0;
	}

	/* The entry point is a link (high) address; the kernel runs low until it turns on
	 * paging, so jump to its physical alias. */
	((void (*)(void)) (ELFHDR->e_entry & 0x0FFFFFFF))();
}

static void
waitdisk(void)
{
	while ((inb(IDE_STATUS) & (IDE_BSY | IDE_DRDY)) != IDE_DRDY)
		;
}

static void
readsect(void *dst, uint32_t sect)
{
	waitdisk();
	outb(IDE_NSECT, 1);
	outb(IDE_LBA0, sect);
	outb(IDE_LBA1, sect >> 8);
	outb(IDE_LBA2, sect >> 16);
	outb(IDE_DRIVE, (sect >> 24) | 0xE0);	/* LBA mode, master drive */
	outb(IDE_STATUS, IDE_CMD_READ);
	waitdisk();
	insl(IDE_DATA, dst, SECTSIZE / 4);
}

/* Read `count` bytes at `offset` in the kernel image into physical address pa.  Whole sectors
 * are read, so up to a sector before pa may be overwritten too. */
static void
readseg(uint32_t pa, uint32_t count, uint32_t offset)
{
	uint32_t end_pa = pa + count;
	uint32_t sect = offset / SECTSIZE + 1;	/* the kernel starts at sector 1 */

	pa -= offset % SECTSIZE;
	for (; pa < end_pa; pa += SECTSIZE, sect++)
		readsect((uint8_t *) pa, sect);
}
