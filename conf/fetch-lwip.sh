#!/bin/sh
# Fetches lwIP, the TCP/IP stack of the network server, from Debian's source package and unpacks
# it under the (git-ignored) directory given as $1.  make runs this when the tree is missing;
# `make LWIP_SRC=/path` uses an existing lwIP 2.1.3 tree instead and never runs it.
#
# What it does, and why:
#   1. apt needs "deb-src" entries to download a source package.  We derive them from the
#      machine's own apt sources (deb822 files /etc/apt/sources.list.d/*.sources, and the
#      one-line /etc/apt/sources.list and /etc/apt/sources.list.d/*.list), so that the same
#      mirror, suites and keys are used and no host name lives in this repository.  The entries
#      go into files of their own (exo386-src.sources / exo386-src.list), rewritten each run.
#   2. apt-get update; apt-get source --download-only lwip=VERSION, in a temporary directory.
#      apt checks the files against the signed Sources index; we check the upstream tarball's
#      sha256 against the one pinned below as well, so a different tarball is never built.
#   3. The upstream tarball is unpacked into $1 (the Debian patches are for Debian's own build
#      and are not needed: we compile only lwIP's core files with our own port layer).
# Root, or password-less sudo, is needed for steps 1 and 2, as for conf/install-deps.sh.
set -eu

LWIP_VERSION=2.1.3+dfsg1
LWIP_UPSTREAM=2.1.3
LWIP_ORIG=lwip_${LWIP_VERSION}.orig.tar.xz
LWIP_SHA256=0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24
# APT_ETC lets a test point the derivation at another directory (with --show-sources).
APT_ETC=${APT_ETC:-/etc/apt}
SRC_SOURCES=$APT_ETC/sources.list.d/exo386-src.sources
SRC_LIST=$APT_ETC/sources.list.d/exo386-src.list

say() { echo "fetch-lwip: $*" >&2; }
die() { say "$*"; exit 1; }

[ $# -eq 1 ] || die "usage: $0 DESTDIR | --show-sources"
dest=$1

have() { command -v "$1" >/dev/null 2>&1; }
have apt-get || die "no apt-get here: unpack lwIP $LWIP_UPSTREAM yourself and build with make LWIP_SRC=/path/to/lwip"
have xz || die "xz is missing: run conf/install-deps.sh (it installs xz-utils)"
have sha256sum || die "sha256sum is missing (coreutils)"

tmp=$(mktemp -d)
chmod 755 "$tmp"	# apt downloads as its sandbox user _apt when run as root
trap 'rm -rf "$tmp"' EXIT INT TERM

# ---- 1. deb-src entries derived from the machine's apt sources ---------------------------------
# deb822 stanzas: each stanza whose Types list "deb" is copied with Types: deb-src; stanzas
# that are disabled (Enabled: no) or already list deb-src are skipped.  Our own file is skipped
# so that re-running does not feed on its own output.
for f in "$APT_ETC"/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	[ "$f" = "$SRC_SOURCES" ] && continue
	awk -v file="$f" '
		function flush() {
			if (n > 0 && hasdeb && !hassrc && !disabled) {
				print "# derived from " file
				print "Types: deb-src"
				for (i = 1; i <= n; i++)
					print lines[i]
				print ""
			}
			n = 0; hasdeb = 0; hassrc = 0; disabled = 0
		}
		/^[ \t]*$/ { flush(); next }
		/^#/ { next }
		/^[Tt]ypes:/ {
			for (i = 2; i <= NF; i++) {
				if ($i == "deb") hasdeb = 1
				if ($i == "deb-src") hassrc = 1
			}
			next
		}
		/^[Ee]nabled:[ \t]*[Nn][Oo]/ { disabled = 1 }
		{ lines[++n] = $0 }
		END { flush() }
	' "$f" >>"$tmp/src.sources"
done

# One-line sources: "deb [options] URI SUITE COMPONENTS..." becomes "deb-src ..." unchanged
# otherwise.
for f in "$APT_ETC"/sources.list "$APT_ETC"/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	[ "$f" = "$SRC_LIST" ] && continue
	sed -n 's/^[ \t]*deb[ \t]/deb-src /p' "$f" >>"$tmp/src.list"
done

[ -s "$tmp/src.sources" ] || [ -s "$tmp/src.list" ] ||
	die "no 'deb' entries found in $APT_ETC/sources.list or $APT_ETC/sources.list.d/"

if [ "$dest" = "--show-sources" ]; then
	cat "$tmp/src.sources" "$tmp/src.list" 2>/dev/null
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif have sudo && sudo -n true 2>/dev/null; then
	SUDO="sudo -n"
else
	die "root or password-less sudo is needed to enable deb-src entries and run apt-get update; or build with make LWIP_SRC=/path/to/lwip-$LWIP_UPSTREAM"
fi


install_src() { # $1: generated file, $2: where apt reads it
	if [ -s "$1" ]; then
		{ echo "# Written by exo386's conf/fetch-lwip.sh: source entries for apt-get source."
		  cat "$1"; } >"$1.new"
		$SUDO cp "$1.new" "$2"
		$SUDO chmod 644 "$2"
	elif [ -e "$2" ]; then
		$SUDO rm -f "$2"
	fi
}
install_src "$tmp/src.sources" "$SRC_SOURCES"
install_src "$tmp/src.list" "$SRC_LIST"

# ---- 2. download the source package --------------------------------------------------------------
say "apt-get update (with deb-src entries) ..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq -o DPkg::Lock::Timeout=300 >&2 || die "apt-get update failed"
# Any Debian revision of upstream $LWIP_VERSION will do (2.1.3+dfsg1-2 in bookworm): they share
# the upstream tarball, whose checksum is checked below.
debver=$(apt-cache showsrc lwip 2>/dev/null | awk -v v="$LWIP_VERSION" '
	$1 == "Version:" && ($2 == v || index($2, v "-") == 1) { print $2; exit }')
[ -n "$debver" ] || die "apt knows no source package lwip $LWIP_VERSION (apt-cache showsrc lwip)"
say "apt-get source --download-only lwip=$debver ..."
mkdir "$tmp/dl"
chmod 777 "$tmp/dl"
# APT::Sandbox::User=root: apt would download as its unprivileged _apt user, which cannot
# write our private temporary directory, and which on some sandboxed machines (chroots, CI
# containers) cannot resolve host names at all; root fetches the same files, which apt still
# checks against the signed index.
(cd "$tmp/dl" && $SUDO apt-get source -qq --download-only -o APT::Sandbox::User=root \
	"lwip=$debver" >&2) ||
	die "apt-get source lwip=$debver failed"
[ -f "$tmp/dl/$LWIP_ORIG" ] || die "the download has no $LWIP_ORIG"

sum=$(sha256sum "$tmp/dl/$LWIP_ORIG" | cut -d' ' -f1)
[ "$sum" = "$LWIP_SHA256" ] ||
	die "$LWIP_ORIG has sha256 $sum, expected $LWIP_SHA256: refusing to use it"

# ---- 3. unpack ------------------------------------------------------------------------------------
mkdir "$tmp/unpack"
xz -dc "$tmp/dl/$LWIP_ORIG" | tar -x -C "$tmp/unpack" -f -
top=$(ls "$tmp/unpack")
[ "$(echo "$top" | wc -l)" -eq 1 ] && [ -f "$tmp/unpack/$top/src/core/tcp.c" ] ||
	die "$LWIP_ORIG does not hold one lwIP tree with src/core/tcp.c"
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$tmp/unpack/$top" "$dest"
echo "$LWIP_VERSION $LWIP_SHA256" >"$dest/.exo386-fetched"
say "lwIP $LWIP_VERSION unpacked in $dest"
