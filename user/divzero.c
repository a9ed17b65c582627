/* Divides by zero: the divide error destroys the environment. */
#include <inc/lib.h>

/* Both volatile: with a constant dividend of 1, gcc computes 1/x with a compare instead of a
 * divide instruction, and nothing would trap. */
volatile int one = 1;
volatile int zero;

void
umain(int argc, char **argv)
{
	zero = 0;
	cprintf("1/0 is %08x!\n", one / zero);
}
