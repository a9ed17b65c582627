/* The MC146818 real-time clock's battery-backed NVRAM (kern/nvram.c), where the BIOS leaves the
 * PC's memory sizes and reads the shutdown code on a reset.  Access is an index write to
 * IO_RTC followed by a data access at IO_RTC_DATA; the pair is not atomic, so it belongs to the
 * boot CPU while the others are held (at boot), as all its users are today. */
#ifndef KERN_NVRAM_H
#define KERN_NVRAM_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#define IO_RTC		0x070		/* RTC port: write the register index here */
#define IO_RTC_DATA	(IO_RTC + 1)	/* then read or write the register here */

#define NVRAM_BASELO	0x15		/* base memory size, KB, low byte */
#define NVRAM_BASEHI	0x16
#define NVRAM_EXTLO	0x17		/* memory 1 MB..16 MB, KB, low byte */
#define NVRAM_EXTHI	0x18
#define NVRAM_EXT16LO	0x34		/* memory above 16 MB, in 64 KB units, low byte */
#define NVRAM_EXT16HI	0x35

unsigned nvram_read(int reg);		/* one byte */
unsigned nvram_read16(int reglo);	/* two bytes, low byte at reglo */
void	nvram_write(int reg, unsigned val);

#endif /* !KERN_NVRAM_H */
