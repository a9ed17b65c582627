# Local overrides for this machine; every line is optional.  Examples:
#
# GCCPREFIX := i386-jos-elf-          # toolchain prefix (default: found automatically)
# QEMU := /usr/local/bin/qemu-system-i386
# CPUS := 2                           # default -smp for make qemu*
