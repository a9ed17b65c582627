/* Checks that the bss starts zeroed and is writable, then writes beyond its end, which must
 * fault. */
#include <inc/lib.h>

#define ARRAYSIZE (1024 * 1024)

uint32_t bigarray[ARRAYSIZE];

void
umain(int argc, char **argv)
{
	cprintf("testbss: checking that the bss is zero\n");
	for (int i = 0; i < ARRAYSIZE; i++)
		if (bigarray[i] != 0)
			panic("bigarray[%d] is %08x, not 0", i, bigarray[i]);
	for (int i = 0; i < ARRAYSIZE; i++)
		bigarray[i] = i;
	for (int i = 0; i < ARRAYSIZE; i++)
		if (bigarray[i] != (uint32_t) i)
			panic("bigarray[%d] is %08x, not %08x", i, bigarray[i], i);

	cprintf("testbss: bss is fine; now writing far beyond its end, which must fault\n");
	bigarray[ARRAYSIZE + 1024 * 1024] = 0;
	panic("testbss: the write beyond the bss did not fault");
}
