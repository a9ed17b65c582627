/* The kernel console devices: CGA text screen, COM1 serial port, PC keyboard, and the input
 * buffer shared by the two input devices. */

#include <inc/x86.h>
#include <inc/memlayout.h>
#include <inc/kbdreg.h>
#include <inc/string.h>
#include <inc/assert.h>

#include <kern/console.h>
#include <kern/env.h>
#include <kern/ps.h>
#include <kern/waitany.h>

static void cons_intr(int (*proc)(void));
static void cons_wake_readers(void);
static void cons_putc(int c);

/* Writing to port 0x84 takes about 1.25 us on a PC bus: a portable short delay for old UARTs. */
static void
delay(void)
{
	inb(0x84);
	inb(0x84);
	inb(0x84);
	inb(0x84);
}

/***** Serial port COM1 (PC16550D UART) *****/

#define COM1		0x3F8
#define COM_RX		0	/* in:  receive buffer (DLAB=0) */
#define COM_TX		0	/* out: transmit buffer (DLAB=0) */
#define COM_DLL		0	/* out: divisor latch low (DLAB=1) */
#define COM_DLM		1	/* out: divisor latch high (DLAB=1) */
#define COM_IER		1	/* out: interrupt enable register */
#define   COM_IER_RDI	0x01	/*   enable receiver data interrupt */
#define COM_IIR		2	/* in:  interrupt ID register */
#define COM_FCR		2	/* out: FIFO control register */
#define COM_LCR		3	/* out: line control register */
#define	  COM_LCR_DLAB	0x80	/*   divisor latch access bit */
#define	  COM_LCR_WLEN8	0x03	/*   8 data bits */
#define COM_MCR		4	/* out: modem control register */
#define	  COM_MCR_RTS	0x02	/*   RTS complement */
#define	  COM_MCR_DTR	0x01	/*   DTR complement */
#define	  COM_MCR_OUT2	0x08	/*   out2: gates the UART's interrupt to the PIC */
#define COM_LSR		5	/* in:  line status register */
#define   COM_LSR_DATA	0x01	/*   data available */
#define   COM_LSR_TXRDY	0x20	/*   transmit buffer available */
#define COM_BAUD_DIVISOR 1	/* 115200 baud */

static bool serial_exists;

static int
serial_proc_data(void)
{
	if (!(inb(COM1 + COM_LSR) & COM_LSR_DATA))
		return -1;
	return inb(COM1 + COM_RX);
}

void
serial_intr(void)
{
	if (serial_exists)
		cons_intr(serial_proc_data);
}

static void
serial_putc(int c)
{
	/* Wait a bounded time for the transmitter; a missing UART must not hang the kernel. */
	for (int i = 0; !(inb(COM1 + COM_LSR) & COM_LSR_TXRDY) && i < 12800; i++)
		delay();
	outb(COM1 + COM_TX, c);
}

static void
serial_init(void)
{
	outb(COM1 + COM_FCR, 0);		/* FIFOs off */
	outb(COM1 + COM_LCR, COM_LCR_DLAB);
	outb(COM1 + COM_DLL, COM_BAUD_DIVISOR & 0xff);
	outb(COM1 + COM_DLM, COM_BAUD_DIVISOR >> 8);
	outb(COM1 + COM_LCR, COM_LCR_WLEN8);	/* 8 data bits, 1 stop bit, no parity */
	outb(COM1 + COM_MCR, COM_MCR_DTR | COM_MCR_RTS | COM_MCR_OUT2);
	outb(COM1 + COM_IER, COM_IER_RDI);

	/* A missing port reads as 0xFF everywhere. */
	serial_exists = (inb(COM1 + COM_LSR) != 0xFF);
	(void) inb(COM1 + COM_IIR);
	(void) inb(COM1 + COM_RX);
}

/***** CGA / MDA text screen *****/

static bool cga_exists;
static unsigned addr_6845;
static uint16_t *crt_buf;
static uint16_t crt_pos;

/* Whether text memory answers at cp: a word written there reads back (the old one is put
 * back). */
static bool
cga_probe(volatile uint16_t *cp)
{
	uint16_t was = *cp;

	*cp = (uint16_t) 0xA55A;
	bool answers = *cp == 0xA55A;
	*cp = was;
	return answers;
}

#define CRT_ATTR	0x0700		/* light grey on black */

static void
cga_init(void)
{
	volatile uint16_t *cp = (uint16_t *) (KERNBASE + CGA_BUF);

	/* Colour text memory, else monochrome; neither on a machine without a display card (QEMU
	 * -vga none: the grader's runs, GNUmakefile's VGA), whose console is the serial port
	 * alone. */
	if (cga_probe(cp)) {
		addr_6845 = CGA_BASE;
	} else if (cga_probe(cp = (uint16_t *) (KERNBASE + MONO_BUF))) {
		addr_6845 = MONO_BASE;
	} else {
		return;
	}
	cga_exists = true;

	/* Read the cursor position from the CRT controller (registers 14 and 15). */
	outb(addr_6845, 14);
	unsigned pos = inb(addr_6845 + 1) << 8;
	outb(addr_6845, 15);
	pos |= inb(addr_6845 + 1);

	crt_buf = (uint16_t *) cp;
	crt_pos = pos < CRT_SIZE ? pos : 0;
}

static void
cga_putc(int c)
{
	if (!(c & ~0xFF))
		c |= CRT_ATTR;

	switch (c & 0xff) {
	case '\b':
		if (crt_pos > 0)
			crt_buf[--crt_pos] = (c & ~0xff) | ' ';
		break;
	case '\n':
		crt_pos += CRT_COLS;
		/* fall through */
	case '\r':
		crt_pos -= (crt_pos % CRT_COLS);
		break;
	case '\t':
		do
			cga_putc(' ');
		while (crt_pos % 8);
		break;
	default:
		crt_buf[crt_pos++] = c;
		break;
	}

	/* Scroll one line when the cursor passes the bottom. */
	if (crt_pos >= CRT_SIZE) {
		memmove(crt_buf, crt_buf + CRT_COLS, (CRT_SIZE - CRT_COLS) * sizeof(uint16_t));
		for (int i = CRT_SIZE - CRT_COLS; i < CRT_SIZE; i++)
			crt_buf[i] = CRT_ATTR | ' ';
		crt_pos -= CRT_COLS;
	}

	outb(addr_6845, 14);
	outb(addr_6845 + 1, crt_pos >> 8);
	outb(addr_6845, 15);
	outb(addr_6845 + 1, crt_pos);
}

/***** PC keyboard (8042 controller, scan code set 1) *****/

#define NO		0

#define SHIFT		(1<<0)
#define CTL		(1<<1)
#define ALT		(1<<2)
#define CAPSLOCK	(1<<3)
#define NUMLOCK		(1<<4)
#define SCROLLLOCK	(1<<5)
#define E0ESC		(1<<6)

/* Modifier keys, by scan code. */
static const uint8_t shiftcode[256] = {
	[0x1D] = CTL, [0x2A] = SHIFT, [0x36] = SHIFT, [0x38] = ALT,
	[0x9D] = CTL, [0xB8] = ALT,
};

/* Lock keys toggle on press. */
static const uint8_t togglecode[256] = {
	[0x3A] = CAPSLOCK, [0x45] = NUMLOCK, [0x46] = SCROLLLOCK,
};

/* Keys that differ between the maps, by scan code; keys not listed give NO.  The E0-prefixed
 * keys (arrows, insert, ...) are looked up at (code | 0x80). */
#define E0KEYS(map)							\
	[0x9C] = '\n', [0xB5] = '/', [0xC8] = KEY_UP, [0xD0] = KEY_DN,	\
	[0xC9] = KEY_PGUP, [0xD1] = KEY_PGDN, [0xCB] = KEY_LF,		\
	[0xCD] = KEY_RT, [0x97] = KEY_HOME, [0xCF] = KEY_END,		\
	[0xD2] = KEY_INS, [0xD3] = KEY_DEL

static const uint8_t normalmap[256] = {
	NO,   0x1B, '1',  '2',  '3',  '4',  '5',  '6',	/* 0x00 */
	'7',  '8',  '9',  '0',  '-',  '=',  '\b', '\t',
	'q',  'w',  'e',  'r',  't',  'y',  'u',  'i',	/* 0x10 */
	'o',  'p',  '[',  ']',  '\n', NO,   'a',  's',
	'd',  'f',  'g',  'h',  'j',  'k',  'l',  ';',	/* 0x20 */
	'\'', '`',  NO,   '\\', 'z',  'x',  'c',  'v',
	'b',  'n',  'm',  ',',  '.',  '/',  NO,   '*',	/* 0x30 */
	NO,   ' ',  NO,   NO,   NO,   NO,   NO,   NO,
	NO,   NO,   NO,   NO,   NO,   NO,   NO,   '7',	/* 0x40 */
	'8',  '9',  '-',  '4',  '5',  '6',  '+',  '1',
	'2',  '3',  '0',  '.',				/* 0x50 */
	E0KEYS(normal),
};

static const uint8_t shiftmap[256] = {
	NO,   033,  '!',  '@',  '#',  '$',  '%',  '^',	/* 0x00 */
	'&',  '*',  '(',  ')',  '_',  '+',  '\b', '\t',
	'Q',  'W',  'E',  'R',  'T',  'Y',  'U',  'I',	/* 0x10 */
	'O',  'P',  '{',  '}',  '\n', NO,   'A',  'S',
	'D',  'F',  'G',  'H',  'J',  'K',  'L',  ':',	/* 0x20 */
	'"',  '~',  NO,   '|',  'Z',  'X',  'C',  'V',
	'B',  'N',  'M',  '<',  '>',  '?',  NO,   '*',	/* 0x30 */
	NO,   ' ',  NO,   NO,   NO,   NO,   NO,   NO,
	NO,   NO,   NO,   NO,   NO,   NO,   NO,   '7',	/* 0x40 */
	'8',  '9',  '-',  '4',  '5',  '6',  '+',  '1',
	'2',  '3',  '0',  '.',				/* 0x50 */
	E0KEYS(shift),
};

#define C(x) (x - '@')

static const uint8_t ctlmap[256] = {
	NO,      NO,      NO,      NO,      NO,      NO,      NO,      NO,
	NO,      NO,      NO,      NO,      NO,      NO,      NO,      NO,
	C('Q'),  C('W'),  C('E'),  C('R'),  C('T'),  C('Y'),  C('U'),  C('I'),
	C('O'),  C('P'),  NO,      NO,      '\r',    NO,      C('A'),  C('S'),
	C('D'),  C('F'),  C('G'),  C('H'),  C('J'),  C('K'),  C('L'),  NO,
	NO,      NO,      NO,      C('\\'), C('Z'),  C('X'),  C('C'),  C('V'),
	C('B'),  C('N'),  C('M'),  NO,      NO,      C('/'),  NO,      NO,
	E0KEYS(ctl),
};

static const uint8_t *const charcode[4] = { normalmap, shiftmap, ctlmap, ctlmap };

/* Decode one scan code from the controller: a character, 0 for "no character yet", or -1 when
 * no data is waiting. */
static int
kbd_proc_data(void)
{
	static uint32_t shift;
	uint8_t stat = inb(KBSTATP);

	if (!(stat & KBS_DIB))
		return -1;
	if (stat & KBS_TERR)		/* byte from the PS/2 mouse, not the keyboard */
		return -1;

	uint8_t data = inb(KBDATAP);
	if (data == 0xE0) {
		shift |= E0ESC;
		return 0;
	}
	if (data & 0x80) {
		/* Key released. */
		data = (shift & E0ESC ? data : data & 0x7F);
		shift &= ~(shiftcode[data] | E0ESC);
		return 0;
	}
	if (shift & E0ESC) {
		data |= 0x80;
		shift &= ~E0ESC;
	}

	shift |= shiftcode[data];
	shift ^= togglecode[data];

	int c = charcode[shift & (CTL | SHIFT)][data];
	if (shift & CAPSLOCK) {
		if ('a' <= c && c <= 'z')
			c += 'A' - 'a';
		else if ('A' <= c && c <= 'Z')
			c += 'a' - 'A';
	}

	/* Ctrl-Alt-Del reboots through System Control Port A's fast reset, not the keyboard
	 * controller: A20 stays enabled while the reset line is pulsed. */
	if (!(~shift & (CTL | ALT)) && c == KEY_DEL) {
		cprintf("Rebooting!\n");
		outb(SYSCTL_PORT_A, SYSCTL_A_A20 | SYSCTL_A_FAST_RESET);
	}
	return c;
}

void
kbd_intr(void)
{
	cons_intr(kbd_proc_data);
}

/***** Input buffer shared by the devices *****/

#define CONSBUFSIZE 512

static struct {
	uint8_t buf[CONSBUFSIZE];
	uint32_t rpos;
	uint32_t wpos;
} cons;

/* Drain a device into the buffer.  When the buffer is full the oldest characters are
 * overwritten: interactive input favours what was typed last.  PS_STATUS_KEY is not input: it
 * prints the environments (kern/ps.c), whatever runs. */
static void
cons_intr(int (*proc)(void))
{
	int c;

	bool got = false, status = false;

	while ((c = (*proc)()) != -1) {
		if (c == 0)
			continue;
		if (c == PS_STATUS_KEY) {
			status = true;
			continue;
		}
		cons.buf[cons.wpos++] = c;
		if (cons.wpos == CONSBUFSIZE)
			cons.wpos = 0;
		got = true;
	}
	if (got)
		cons_wake_readers();
	if (status && envs != NULL)
		ps_print();
}

/* Make every environment blocked in sys_cgetc runnable; each retries its read (one of them
 * gets the character, the others block again). */
static void
cons_wake_readers(void)
{
	if (envs != NULL) {
		env_wake(ENV_WAIT_CONS, 0);
		waitany_wake_cons();
	}
}

bool
cons_has_input(void)
{
	/* Poll too, as cons_getc does: a character the interrupt has not fetched yet counts. */
	serial_intr();
	kbd_intr();
	return cons.rpos != cons.wpos;
}

int
cons_getc(void)
{
	/* Poll too: the monitor runs with interrupts off. */
	serial_intr();
	kbd_intr();

	if (cons.rpos != cons.wpos) {
		int c = cons.buf[cons.rpos++];
		if (cons.rpos == CONSBUFSIZE)
			cons.rpos = 0;
		return c;
	}
	return 0;
}

static void
cons_putc(int c)
{
	serial_putc(c);
	if (cga_exists)
		cga_putc(c);
}

void
cons_init(void)
{
	cga_init();
	serial_init();
	if (!serial_exists)
		cprintf("Serial port does not exist!\n");
}

/***** The interface of inc/stdio.h *****/

void
cputchar(int c)
{
	cons_putc(c);
}

int
getchar(void)
{
	int c;

	while ((c = cons_getc()) == 0)
		;
	return c;
}

int
iscons(int fdnum)
{
	return 1;
}
