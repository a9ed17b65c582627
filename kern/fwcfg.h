/* QEMU's firmware configuration device (kern/fwcfg.c): named blobs the host hands the guest at
 * boot, such as `-fw_cfg name=opt/exo386/argv,string=...` (make run-NAME ARGS="...").  On a
 * machine without the device, every lookup finds nothing. */
#ifndef KERN_FWCFG_H
#define KERN_FWCFG_H
#ifndef JOS_KERNEL
# error "This is a kernel header; user programs should not #include it"
#endif

#include <inc/types.h>

/* Copy the blob called name into buf (at most size - 1 bytes) and NUL-terminate it; return its
 * full length, or -E_NOT_FOUND (no such blob, or no fw_cfg device). */
int	fwcfg_read(const char *name, char *buf, size_t size);

/* Copy the whole blob called name into buf, which must lie in the kernel's direct map of
 * physical memory (KERNBASE up: the kernel's data, or page2kva) since the device may write it
 * by DMA.  Returns its length: if that exceeds size, nothing was copied.  -E_NOT_FOUND as
 * fwcfg_read. */
int	fwcfg_load(const char *name, void *buf, size_t size);

#endif /* !KERN_FWCFG_H */
