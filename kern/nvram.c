/* Reading and writing the RTC's NVRAM bytes. */

#include <inc/x86.h>
#include <kern/nvram.h>

unsigned
nvram_read(int reg)
{
	outb(IO_RTC, reg);
	return inb(IO_RTC_DATA);
}

unsigned
nvram_read16(int reglo)
{
	return nvram_read(reglo) | (nvram_read(reglo + 1) << 8);
}

void
nvram_write(int reg, unsigned val)
{
	outb(IO_RTC, reg);
	outb(IO_RTC_DATA, val);
}
