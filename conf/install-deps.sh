#!/bin/sh
# Installs, from Debian's packages, the tools the build and the grader need and that this machine
# lacks.  Run by `make` targets on their own when a tool is missing; safe to run again.
#
# What it may install (only the missing ones, without recommends):
#   gcc-multilib    32-bit libgcc and crt files for `gcc -m32` (unless an i386 cross gcc exists)
#   qemu-system-x86 qemu-system-i386, the emulator the tests boot the kernel in
#   perl, python3   the boot-sector signer and the grader
#   tcpdump         reading the frame capture qemu.pcap (README, not the tests)
#   xz-utils, dpkg-dev  unpacking and fetching lwIP from Debian's source archive
set -eu

need=""
have() { command -v "$1" >/dev/null 2>&1; }
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

if ! have i386-jos-elf-gcc && ! have i686-linux-gnu-gcc; then
	have gcc || need="$need gcc"
	pkg_installed gcc-multilib || need="$need gcc-multilib"
fi
have make || need="$need make"
have qemu-system-i386 || need="$need qemu-system-x86"
have perl || need="$need perl"
have python3 || need="$need python3"
have tcpdump || need="$need tcpdump"
have xz || need="$need xz-utils"
have dpkg-source || need="$need dpkg-dev"

if [ -z "$need" ]; then
	exit 0
fi

echo "install-deps: installing from Debian's packages:$need" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif have sudo && sudo -n true 2>/dev/null; then
	SUDO="sudo -n"
else
	echo "install-deps: these packages are missing:$need" >&2
	echo "install-deps: run as root (or with password-less sudo): apt-get install --no-install-recommends$need" >&2
	exit 1
fi
if ! have apt-get; then
	echo "install-deps: no apt-get here; install$need with your system's package manager" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || { echo "install-deps: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need >&2 || {
	echo "install-deps: apt-get install$need failed" >&2; exit 1; }
echo "install-deps: done" >&2
