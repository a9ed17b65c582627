#!/bin/sh
# make doctor: is this machine ready to build, boot and grade exo386?  One line per check; each
# problem says the command that fixes it.  Exits 1 if anything is wrong.
# Usage (make passes these): conf/doctor.sh CC QEMU PYTHON PERL LWIP_SRC PORT...
set -u

CC=$1 QEMU=$2 PYTHON=$3 PERL=$4 LWIP_SRC=$5
shift 5
problems=0 checks=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/doctor.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

ok() { checks=$((checks + 1)); echo "doctor: ok: $1"; }
bad() { checks=$((checks + 1)); problems=$((problems + 1)); echo "doctor: PROBLEM: $1; fix: $2"; }
note() { echo "doctor: note: $1"; }
have() { command -v "$1" >/dev/null 2>&1; }

# The compiler: 32-bit code that links (gcc-multilib), with DWARF line information.
ccbin=${CC%% *}
if ! have "$ccbin"; then
	bad "no C compiler '$ccbin'" "apt-get install --no-install-recommends gcc gcc-multilib"
else
	printf 'int main(void) { return 0; }\n' > "$tmp/t.c"
	if $CC -m32 -gdwarf-4 -o "$tmp/t" "$tmp/t.c" 2>"$tmp/cc.err"; then
		ok "$($CC --version | head -n1): gcc -m32 links"
		if objdump -h "$tmp/t" 2>/dev/null | grep -q '\.debug_line'; then
			ok "DWARF line tables (-gdwarf-4)"
		else
			bad "gcc -gdwarf-4 wrote no .debug_line (the kernel's backtrace needs it)" \
			    "apt-get install --no-install-recommends binutils"
		fi
	else
		bad "gcc -m32 cannot link: $(head -n1 "$tmp/cc.err")" \
		    "apt-get install --no-install-recommends gcc-multilib"
	fi
fi

# QEMU, and the features the targets use: the e1000, the user network with restrict=on and
# host forwards, the dgram netdev (the test peer's wire), the frame capture (filter-dump),
# fw_cfg strings (program arguments).
if ! have "$QEMU"; then
	bad "no QEMU '$QEMU'" "apt-get install --no-install-recommends qemu-system-x86"
else
	ok "$("$QEMU" --version | head -n1)"
	if "$QEMU" -device help 2>/dev/null | grep -q '"e1000"'; then
		ok "QEMU has the e1000 device"
	else
		bad "this QEMU has no e1000 device" "apt-get install --no-install-recommends qemu-system-x86"
	fi
	if "$QEMU" -netdev help 2>/dev/null | grep -qw user; then
		ok "QEMU has the user network (slirp)"
	else
		bad "this QEMU has no user network (-netdev user)" \
		    "apt-get install --no-install-recommends qemu-system-x86 (Debian's build has slirp)"
	fi
	if "$QEMU" -netdev help 2>/dev/null | grep -qw dgram; then
		ok "QEMU has the dgram netdev (NETWIRE=peer: the test peer's wire)"
	else
		bad "this QEMU has no dgram netdev (QEMU 7.2 or later has it)" \
		    "apt-get install --no-install-recommends qemu-system-x86 (Debian bookworm's is 7.2)"
	fi
	if "$QEMU" -object help 2>/dev/null | grep -qw filter-dump; then
		ok "QEMU has filter-dump (qemu.pcap)"
	else
		bad "this QEMU has no filter-dump object" "apt-get install --no-install-recommends qemu-system-x86"
	fi
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		note "KVM is here; the targets use software emulation all the same (the tests' timings assume it)"
	else
		note "no KVM: QEMU emulates in software, which is what the tests expect (just slower)"
	fi
fi

# The grader and the build's scripts.
if have "$PYTHON" && "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 7))'; then
	ok "$("$PYTHON" --version 2>&1) for the grader"
else
	bad "no Python 3.7 or later as '$PYTHON'" "apt-get install --no-install-recommends python3"
fi
if have "$PERL"; then
	ok "perl for the kernel's symbol tables and the system-call lists"
else
	bad "no perl" "apt-get install --no-install-recommends perl"
fi
if have tcpdump; then
	ok "tcpdump to read qemu.pcap"
else
	bad "no tcpdump (README's way to read qemu.pcap)" "apt-get install --no-install-recommends tcpdump"
fi

# lwIP's source, fetched by the first build.
if [ -f "$LWIP_SRC/src/core/tcp.c" ]; then
	ok "lwIP source in $LWIP_SRC"
else
	bad "no lwIP source in $LWIP_SRC" "make (runs conf/fetch-lwip.sh), or make LWIP_SRC=/path/to/lwip-2.1.3"
fi

# The ports this user's targets forward (make which-ports): free, or another QEMU holds them.
for port in "$@"; do
	if "$PYTHON" - "$port" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
EOF
	then
		ok "port $port is free"
	else
		bad "port $port on 127.0.0.1 is taken (another QEMU of yours?)" \
		    "stop what holds it (ss -ltnp 'sport = :$port'), or make GDBPORT=... PORT7=... PORT80=..."
	fi
done

if [ "$problems" -eq 0 ]; then
	echo "doctor: all $checks checks passed"
	exit 0
fi
echo "doctor: $problems of $checks checks found a problem"
exit 1
