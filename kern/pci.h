/* PCI (kern/pci.c): finds every function on every bus at boot, reaching the buses behind
 * PCI-to-PCI bridges, and hands each one that a driver claims to that driver.
 *
 * Contract:
 *   - pci_init runs once, on the boot CPU, after the interrupt controllers are set up (drivers
 *     register IRQ handlers) and before the first environment is created (drivers map their
 *     registers with mmio_map_region, which is boot-only).  It prints one line per function
 *     found and one per driver attached.
 *   - The driver table (pci_drivers in kern/pci.c) is the one place that binds a vendor/device
 *     pair to an attach function.  attach gets a pci_func that stays valid for the kernel's
 *     lifetime, and returns 0 or a negative E_* code (the function is then left alone).
 *   - A driver calls pci_func_enable before it touches the device: it turns on memory and I/O
 *     decoding and bus mastering, and fills in reg_base/reg_size for every BAR.
 */
#ifndef KERN_PCI_H
#define KERN_PCI_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/types.h>
#include <kern/pcireg.h>

/* A bus: its number, and the bridge function that leads to it (NULL for bus 0). */
struct pci_bus {
	struct pci_func *parent_bridge;
	uint32_t busno;
};

/* One PCI function, as found by enumeration. */
struct pci_func {
	struct pci_bus *bus;
	uint32_t dev;			/* device number on the bus, 0..31 */
	uint32_t func;			/* function number, 0..7 */
	uint32_t dev_id;		/* PCI_ID_REG: vendor (15:0), device (31:16) */
	uint32_t dev_class;		/* PCI_CLASS_REG */
	/* Filled by pci_func_enable: for BAR i, its address (I/O port or physical memory
	 * address; 0 if unused) and size in bytes (0 if unused). */
	uint32_t reg_base[PCI_BAR_COUNT];
	uint32_t reg_size[PCI_BAR_COUNT];
	uint8_t irq_line;		/* the legacy IRQ its interrupt pin is routed to */
	uint8_t irq_pin;		/* 0: no interrupt; 1..4: INTA#..INTD# */
};

void	pci_init(void);
void	pci_func_enable(struct pci_func *f);

/* Raw configuration space access (dword-aligned offsets). */
uint32_t pci_conf_read(struct pci_func *f, uint32_t off);
void	pci_conf_write(struct pci_func *f, uint32_t off, uint32_t v);

#endif /* !KERN_PCI_H */
