/* PCI: configuration space through mechanism #1, enumeration of every bus (following
 * PCI-to-PCI bridges), the vendor/device table of drivers, and enabling a function. */

#include <inc/x86.h>
#include <inc/assert.h>
#include <inc/error.h>
#include <inc/stdio.h>

#include <kern/pci.h>
#include <kern/pcireg.h>
#include <kern/e1000.h>

/* The drivers: one entry per vendor/device pair a driver handles. */
struct pci_driver {
	uint16_t vendor, device;
	const char *name;
	int (*attach)(struct pci_func *f);
};

static const struct pci_driver pci_drivers[] = {
	{ E1000_VENDOR_INTEL, E1000_DEV_82540EM, "e1000", e1000_attach },
};

/* Functions and buses live in static tables: PCI runs before anything could allocate, and the
 * driver keeps its pci_func pointer for good.  A machine with more is reported, not overrun. */
#define PCI_MAX_FOUND	64
static struct pci_func pci_found[PCI_MAX_FOUND];
static uint32_t pci_nfound;
static struct pci_bus pci_buses[PCI_MAX_BUSES];
static uint32_t pci_nbuses;

static uint32_t
pci_conf_addr(struct pci_func *f, uint32_t off)
{
	assert(f->bus->busno < PCI_MAX_BUSES && f->dev < PCI_MAX_DEVICES
	       && f->func < PCI_MAX_FUNCTIONS && (off & ~PCI_CONF_ADDR_REG_MASK) == 0);
	return PCI_CONF_ADDR_ENABLE | (f->bus->busno << PCI_CONF_ADDR_BUS_SHIFT)
		| (f->dev << PCI_CONF_ADDR_DEV_SHIFT) | (f->func << PCI_CONF_ADDR_FN_SHIFT) | off;
}

/* The address/data port pair is one shared register: the kernel lock keeps other CPUs out
 * (pci_init runs before the APs start, the drivers after it hold the lock). */
uint32_t
pci_conf_read(struct pci_func *f, uint32_t off)
{
	outl(PCI_CONF_ADDR_PORT, pci_conf_addr(f, off));
	return inl(PCI_CONF_DATA_PORT);
}

void
pci_conf_write(struct pci_func *f, uint32_t off, uint32_t v)
{
	outl(PCI_CONF_ADDR_PORT, pci_conf_addr(f, off));
	outl(PCI_CONF_DATA_PORT, v);
}

/* "BB:DD.F", the usual name of a function. */
static void
pci_print_name(struct pci_func *f)
{
	cprintf("PCI: %02x:%02x.%d: ", f->bus->busno, f->dev, f->func);
}

static void
pci_attach(struct pci_func *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(pci_drivers); i++) {
		const struct pci_driver *d = &pci_drivers[i];
		if (d->vendor != PCI_VENDOR(f->dev_id) || d->device != PCI_PRODUCT(f->dev_id))
			continue;
		int r = d->attach(f);
		pci_print_name(f);
		if (r < 0)
			cprintf("driver %s failed to attach: %e\n", d->name, r);
		else
			cprintf("attached driver %s\n", d->name);
		return;
	}
}

static void pci_scan_bus(struct pci_bus *bus);

/* A bridge's secondary bus is scanned as soon as the bridge is found, so functions print in
 * depth-first order.  A bus number seen twice (a misprogrammed bridge) is not rescanned, which
 * also bounds the recursion. */
static void
pci_scan_bridge(struct pci_func *bridge)
{
	uint32_t busno = PCI_BRIDGE_SECONDARY(pci_conf_read(bridge, PCI_BRIDGE_BUS_REG));

	for (uint32_t i = 0; i < pci_nbuses; i++)
		if (pci_buses[i].busno == busno) {
			pci_print_name(bridge);
			cprintf("bridge to bus %02x, already scanned: skipped\n", busno);
			return;
		}
	if (pci_nbuses == PCI_MAX_BUSES)
		return;
	struct pci_bus *bus = &pci_buses[pci_nbuses++];
	bus->parent_bridge = bridge;
	bus->busno = busno;
	pci_scan_bus(bus);
}

static void
pci_scan_bus(struct pci_bus *bus)
{
	struct pci_func probe = { .bus = bus };

	for (probe.dev = 0; probe.dev < PCI_MAX_DEVICES; probe.dev++) {
		probe.func = 0;
		uint32_t bhlc = pci_conf_read(&probe, PCI_BHLC_REG);
		uint32_t nfunc = PCI_HDRTYPE_MULTIFN(bhlc) ? PCI_MAX_FUNCTIONS : 1;

		for (probe.func = 0; probe.func < nfunc; probe.func++) {
			uint32_t id = pci_conf_read(&probe, PCI_ID_REG);
			if (PCI_VENDOR(id) == PCI_VENDOR_INVALID)
				continue;
			if (pci_nfound == PCI_MAX_FOUND) {
				cprintf("PCI: more than %d functions; the rest are ignored\n",
					PCI_MAX_FOUND);
				return;
			}
			struct pci_func *f = &pci_found[pci_nfound++];
			*f = probe;
			f->dev_id = id;
			f->dev_class = pci_conf_read(f, PCI_CLASS_REG);
			uint32_t intr = pci_conf_read(f, PCI_INTERRUPT_REG);
			f->irq_line = PCI_INTERRUPT_LINE(intr);
			f->irq_pin = PCI_INTERRUPT_PIN(intr);

			pci_print_name(f);
			cprintf("%04x:%04x class %02x.%02x ", PCI_VENDOR(id), PCI_PRODUCT(id),
				PCI_CLASS(f->dev_class), PCI_SUBCLASS(f->dev_class));
			if (f->irq_pin)
				cprintf("irq %d\n", f->irq_line);
			else
				cprintf("no irq\n");

			uint32_t hdr = PCI_HDRTYPE(pci_conf_read(f, PCI_BHLC_REG));
			if (hdr == PCI_HDRTYPE_PPB && PCI_CLASS(f->dev_class) == PCI_CLASS_BRIDGE
			    && PCI_SUBCLASS(f->dev_class) == PCI_SUBCLASS_BRIDGE_PCI)
				pci_scan_bridge(f);
			else if (hdr == PCI_HDRTYPE_DEVICE)
				pci_attach(f);
		}
	}
}

void
pci_init(void)
{
	struct pci_bus *root = &pci_buses[pci_nbuses++];
	root->parent_bridge = NULL;
	root->busno = 0;
	pci_scan_bus(root);
}

/*
 * Turn on decoding and bus mastering, and size every BAR by writing all ones and reading back
 * which address bits stick (PCI 3.0, 6.2.5.1: the low bits that read back as zero give the
 * size).  Decoding is off while a BAR holds all ones, so that the device never answers at the
 * bogus address that briefly names.
 */
void
pci_func_enable(struct pci_func *f)
{
	uint32_t cmd = pci_conf_read(f, PCI_COMMAND_STATUS_REG) & 0xFFFF;
	pci_conf_write(f, PCI_COMMAND_STATUS_REG,
		       cmd & ~(PCI_COMMAND_IO_ENABLE | PCI_COMMAND_MEM_ENABLE));

	for (uint32_t off = PCI_BAR_START, i = 0; off < PCI_BAR_END; off += 4, i++) {
		uint32_t old = pci_conf_read(f, off);
		pci_conf_write(f, off, 0xFFFFFFFF);
		uint32_t rv = pci_conf_read(f, off);
		pci_conf_write(f, off, old);

		f->reg_base[i] = f->reg_size[i] = 0;
		if (rv == 0)
			continue;	/* not implemented */
		uint32_t mask = (rv & PCI_BAR_SPACE_IO) ? PCI_BAR_IO_MASK : PCI_BAR_MEM_MASK;
		/* An I/O BAR's upper 16 bits may read back as zero (PCI 3.0, 6.2.5.1). */
		uint32_t bits = rv & mask;
		if ((rv & PCI_BAR_SPACE_IO) && !(bits & 0xFFFF0000))
			bits |= 0xFFFF0000;
		f->reg_base[i] = old & mask;
		f->reg_size[i] = ~bits + 1;

		/* The upper half of a 64-bit BAR: a 32-bit kernel can use the BAR only if the
		 * firmware put it below 4 GB, which the upper half must then say. */
		if (!(rv & PCI_BAR_SPACE_IO)
		    && (rv & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64 && off + 4 < PCI_BAR_END) {
			off += 4;
			i++;
			f->reg_base[i] = f->reg_size[i] = 0;
			if (pci_conf_read(f, off) != 0) {
				pci_print_name(f);
				cprintf("BAR %d is above 4 GB: unusable\n", i - 1);
				f->reg_base[i - 1] = f->reg_size[i - 1] = 0;
			}
		}
	}

	pci_conf_write(f, PCI_COMMAND_STATUS_REG, cmd | PCI_COMMAND_IO_ENABLE
		       | PCI_COMMAND_MEM_ENABLE | PCI_COMMAND_MASTER_ENABLE);
}
