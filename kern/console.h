/* The kernel console: output to the CGA text screen and the serial port COM1, input from the PC
 * keyboard and COM1.  Input characters are gathered in one ring buffer by the interrupt handlers
 * (kbd_intr, serial_intr) or by polling, and read with cons_getc. */
#ifndef KERN_CONSOLE_H
#define KERN_CONSOLE_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/types.h>

#define MONO_BASE	0x3B4
#define MONO_BUF	0xB0000
#define CGA_BASE	0x3D4
#define CGA_BUF		0xB8000

/* System Control Port A of PS/2-compatible chipsets (QEMU's PIIX included): bit 0 pulses the
 * CPU's reset line ("fast reset"), bit 1 enables the A20 gate. */
#define SYSCTL_PORT_A		0x92
#define SYSCTL_A_FAST_RESET	0x01
#define SYSCTL_A_A20		0x02

#define CRT_ROWS	25
#define CRT_COLS	80
#define CRT_SIZE	(CRT_ROWS * CRT_COLS)

void cons_init(void);
int cons_getc(void);		/* next input character, or 0 if none */
bool cons_has_input(void);	/* a character is buffered (none taken) */

void kbd_intr(void);		/* the keyboard interrupt handler */
void serial_intr(void);		/* the serial port interrupt handler */

#endif /* KERN_CONSOLE_H */
