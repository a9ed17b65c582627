/* The PC keyboard controller (Intel 8042) ports and status bits, and the key codes the console
 * driver returns for keys without an ASCII code. */
#ifndef INC_KBDREG_H
#define INC_KBDREG_H

#define KBSTATP		0x64	/* status port (read) */
#define	KBS_DIB		0x01	/* data in buffer */
#define	KBS_IBF		0x02	/* input buffer full */
#define	KBS_TERR	0x20	/* byte came from the auxiliary (mouse) device */
#define KBDATAP		0x60	/* data port */

/* Special keys, above the ASCII range. */
#define KEY_HOME	0xE0
#define KEY_END		0xE1
#define KEY_UP		0xE2
#define KEY_DN		0xE3
#define KEY_LF		0xE4
#define KEY_RT		0xE5
#define KEY_PGUP	0xE6
#define KEY_PGDN	0xE7
#define KEY_INS		0xE8
#define KEY_DEL		0xE9

#endif /* !INC_KBDREG_H */
