/* PCI configuration space: register offsets and bits (PCI Local Bus Specification 3.0, chapter 6,
 * "Configuration Space"; PCI-to-PCI Bridge Architecture Specification 1.2, chapter 3), and the
 * I/O ports of configuration mechanism #1 (PCI 3.0, 3.2.2.3.2).  Only what kern/pci.c uses. */
#ifndef KERN_PCIREG_H
#define KERN_PCIREG_H

/* Configuration mechanism #1: write an address to CONFIG_ADDRESS, then read or write the 32-bit
 * register it names through CONFIG_DATA. */
#define PCI_CONF_ADDR_PORT	0x0CF8		/* CONFIG_ADDRESS, 32-bit */
#define PCI_CONF_DATA_PORT	0x0CFC		/* CONFIG_DATA, 32-bit */
#define PCI_CONF_ADDR_ENABLE	0x80000000	/* bit 31: the access goes to configuration space */
#define PCI_CONF_ADDR_BUS_SHIFT	16		/* bits 23:16 bus number */
#define PCI_CONF_ADDR_DEV_SHIFT	11		/* bits 15:11 device number */
#define PCI_CONF_ADDR_FN_SHIFT	8		/* bits 10:8 function number */
#define PCI_CONF_ADDR_REG_MASK	0xFC		/* bits 7:2 dword register; 1:0 must be 0 */

#define PCI_MAX_BUSES		256
#define PCI_MAX_DEVICES		32		/* per bus */
#define PCI_MAX_FUNCTIONS	8		/* per device */

/* Offset 0x00: vendor ID (15:0) and device ID (31:16).  No device answers with vendor 0xFFFF. */
#define PCI_ID_REG		0x00
#define PCI_VENDOR(id)		((id) & 0xFFFF)
#define PCI_PRODUCT(id)		(((id) >> 16) & 0xFFFF)
#define PCI_VENDOR_INVALID	0xFFFF

/* Offset 0x04: command (15:0) and status (31:16) (PCI 3.0, 6.2.2). */
#define PCI_COMMAND_STATUS_REG	0x04
#define PCI_COMMAND_IO_ENABLE	0x00000001	/* respond to I/O space accesses */
#define PCI_COMMAND_MEM_ENABLE	0x00000002	/* respond to memory space accesses */
#define PCI_COMMAND_MASTER_ENABLE 0x00000004	/* may act as a bus master (DMA) */

/* Offset 0x08: revision ID (7:0), programming interface (15:8), subclass (23:16), class
 * (31:24) (PCI 3.0, 6.2.1 and appendix D). */
#define PCI_CLASS_REG		0x08
#define PCI_CLASS(cr)		(((cr) >> 24) & 0xFF)
#define PCI_SUBCLASS(cr)	(((cr) >> 16) & 0xFF)
#define PCI_CLASS_BRIDGE	0x06
#define PCI_SUBCLASS_BRIDGE_PCI	0x04		/* PCI-to-PCI bridge */

/* Offset 0x0C: cache line size, latency timer, header type (23:16), BIST. */
#define PCI_BHLC_REG		0x0C
#define PCI_HDRTYPE(bhlc)	(((bhlc) >> 16) & 0x7F)	/* layout of 0x10..0x3F */
#define PCI_HDRTYPE_MULTIFN(bhlc) (((bhlc) >> 16) & 0x80) /* device has functions 1..7 */
#define PCI_HDRTYPE_DEVICE	0x00		/* an ordinary function: six BARs */
#define PCI_HDRTYPE_PPB		0x01		/* PCI-to-PCI bridge: two BARs, bus numbers */

/* Offsets 0x10..0x24: base address registers (PCI 3.0, 6.2.5.1). */
#define PCI_BAR_START		0x10
#define PCI_BAR_END		0x28		/* one past the last BAR of a type 0 header */
#define PCI_BAR_COUNT		6
#define PCI_BAR_SPACE_IO	0x00000001	/* bit 0: an I/O BAR (else memory) */
#define PCI_BAR_IO_MASK		0xFFFFFFFC	/* I/O address bits */
#define PCI_BAR_MEM_TYPE_MASK	0x00000006	/* bits 2:1: memory BAR width */
#define PCI_BAR_MEM_TYPE_32	0x00000000
#define PCI_BAR_MEM_TYPE_64	0x00000004	/* this BAR and the next form a 64-bit address */
#define PCI_BAR_MEM_MASK	0xFFFFFFF0	/* memory address bits */

/* Offset 0x18 of a type 1 (bridge) header: primary (7:0), secondary (15:8) and subordinate
 * (23:16) bus numbers (PCI-to-PCI Bridge 1.2, 3.2.5.2-3.2.5.4). */
#define PCI_BRIDGE_BUS_REG	0x18
#define PCI_BRIDGE_SECONDARY(r)	(((r) >> 8) & 0xFF)

/* Offset 0x3C: interrupt line (7:0: the IRQ the firmware routed INTx to), pin (15:8). */
#define PCI_INTERRUPT_REG	0x3C
#define PCI_INTERRUPT_LINE(r)	((r) & 0xFF)
#define PCI_INTERRUPT_PIN(r)	(((r) >> 8) & 0xFF)	/* 0: none, 1..4: INTA#..INTD# */
/* On a PC the line is the 8259 IRQ (0-15) INTx is routed to; 0xFF, or any value from here on,
 * means unknown or not connected (PCI Local Bus 3.0, 6.2.4). */
#define PCI_INTERRUPT_LINES_PC	16

#endif /* !KERN_PCIREG_H */
