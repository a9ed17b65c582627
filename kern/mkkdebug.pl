#!/usr/bin/perl
# mkkdebug.pl KERNEL OUT: build the symbolizer tables that kern/kdebug.c reads at run time from
# the linked ELF file KERNEL and write them to file OUT.  The build links OUT into the kernel as
# section .kdebug (kern/kernel.ld); kern/kdebug.c documents the format, kern/Makefrag the two
# links.
#
# mkkdebug.pl --check KERNEL: fail unless the tables built from KERNEL are exactly the tables
# KERNEL carries (between its symbols __kdebug_start and __kdebug_end).  Run on the final
# kernel, this proves that no code address moved between the link the tables were built from
# and the final link.
#
# The tables hold:
#   - .debug_line, byte for byte (the DWARF line-number programs, with linked addresses);
#   - the code symbols (FUNC or untyped, defined inside an executable section), one per
#     address, sorted by address, with their sizes, and a string table of their names;
#   - the directory the compiler ran in (found as gcc finds it: $PWD if that names the current
#     directory, else the physical path), so the kernel can show absolute paths relative to it.
# Only code addresses go in, so the tables do not change when data moves.
use strict;
use warnings;

use Cwd qw(getcwd);

my $me = 'mkkdebug.pl';
my $check = @ARGV && $ARGV[0] eq '--check' ? shift @ARGV : undef;
@ARGV == ($check ? 1 : 2) or die "usage: $me KERNEL OUT\n       $me --check KERNEL\n";
my ($kernel, $out) = @ARGV;

my $root = getcwd();
if (defined $ENV{PWD} && $ENV{PWD} =~ m{^/}) {
	my @pwd = stat $ENV{PWD};
	my @dot = stat '.';
	$root = $ENV{PWD} if @pwd && @dot && $pwd[0] == $dot[0] && $pwd[1] == $dot[1];
}

open(my $fh, '<:raw', $kernel) or die "$me: cannot open $kernel: $!\n";
my $elf = do { local $/; <$fh> };
close $fh;

# ---- ELF32, little endian (i386) -------------------------------------------------------------
substr($elf, 0, 6) eq "\x7FELF\x01\x01"
    or die "$me: $kernel: not a 32-bit little-endian ELF file\n";
my ($shoff) = unpack('V', substr($elf, 0x20, 4));
my ($shentsize, $shnum, $shstrndx) = unpack('v3', substr($elf, 0x2E, 6));
$shoff && $shnum or die "$me: $kernel: no section headers\n";

my @sh;
for my $i (0 .. $shnum - 1) {
	my %s;
	@s{qw(name type flags addr offset size link info align entsize)} =
	    unpack('V10', substr($elf, $shoff + $i * $shentsize, 40));
	push @sh, \%s;
}
sub cstr {
	my ($off) = @_;
	my $end = index($elf, "\0", $off);
	die "$me: $kernel: unterminated string\n" if $end < 0;
	return substr($elf, $off, $end - $off);
}
$_->{sname} = cstr($sh[$shstrndx]{offset} + $_->{name}) foreach @sh;

sub contents { my ($s) = @_; return substr($elf, $s->{offset}, $s->{size}); }

use constant { SHT_SYMTAB => 2, SHT_NOBITS => 8, SHF_ALLOC => 2, SHF_EXECINSTR => 4 };
use constant { STT_NOTYPE => 0, STT_FUNC => 2, STB_LOCAL => 0, STB_GLOBAL => 1 };

my ($line) = grep { $_->{sname} eq '.debug_line' } @sh;
defined $line or die "$me: $kernel has no .debug_line (is it compiled with -g?)\n";
my ($symtab) = grep { $_->{type} == SHT_SYMTAB } @sh;
defined $symtab or die "$me: $kernel has no symbol table (stripped?)\n";
my $strtab = $sh[$symtab->{link}];

# ---- Code symbols ------------------------------------------------------------------------------
# Where several symbols share an address, keep one: a function before a plain label, a global
# before a weak before a local name, then the alphabetically first (so the choice is stable).
my %best;
my $syms = contents($symtab);
for (my $off = 0; $off + 16 <= length $syms; $off += 16) {
	my ($name, $value, $size, $info, $other, $shndx) = unpack('V3 C2 v', substr($syms, $off, 16));
	my ($type, $bind) = ($info & 0xF, $info >> 4);
	next unless $type == STT_FUNC || $type == STT_NOTYPE;
	next if $shndx == 0 || $shndx >= @sh;		# undefined, absolute, common
	my $s = $sh[$shndx];
	next unless ($s->{flags} & (SHF_ALLOC | SHF_EXECINSTR)) == (SHF_ALLOC | SHF_EXECINSTR);
	# Labels the linker script defines just past a section (etext) are not code.
	next unless $value >= $s->{addr} && $value < $s->{addr} + $s->{size};
	my $str = cstr($strtab->{offset} + $name);
	next if $str eq '' || $str =~ /^\.L/;
	my $rank = ($type == STT_FUNC ? 0 : 4) +
	    ($bind == STB_GLOBAL ? 0 : $bind == STB_LOCAL ? 2 : 1);
	my $old = $best{$value};
	if (!defined $old || $rank < $old->{rank} || ($rank == $old->{rank} && $str lt $old->{str})) {
		$best{$value} = { str => $str, size => ($type == STT_FUNC ? $size : 0), rank => $rank };
	}
}

my ($symbytes, $strbytes) = ('', '');
my %stroff;
foreach my $addr (sort { $a <=> $b } keys %best) {
	my $b = $best{$addr};
	if (!exists $stroff{$b->{str}}) {
		$stroff{$b->{str}} = length $strbytes;
		$strbytes .= "$b->{str}\0";
	}
	$symbytes .= pack('V3', $addr, $b->{size}, $stroff{$b->{str}});
}

# ---- The tables: a header, then each part 4-byte aligned ----------------------------------------
# struct kdebug_tables in kern/kdebug.c: magic, then (offset, size) of .debug_line, (offset,
# count) of the symbols, (offset, size) of the names, and the offset of the build directory.
my @parts = (contents($line), $symbytes, $strbytes, "$root\0");
my $hdrsize = 4 * 8;
my $body = '';
my @off;
foreach my $p (@parts) {
	push @off, $hdrsize + length $body;
	$body .= $p;
	$body .= "\0" x (-length($body) % 4);
}
my $tables = 'KDBG' . pack('V7', $off[0], length $parts[0], $off[1], length($parts[1]) / 12,
    $off[2], length $parts[2], $off[3]) . $body;

if (defined $check) {
	my %at;
	for (my $off = 0; $off + 16 <= length $syms; $off += 16) {
		my ($name, $value) = unpack('V2', substr($syms, $off, 8));
		my $str = cstr($strtab->{offset} + $name);
		$at{$str} = $value if $str eq '__kdebug_start' || $str eq '__kdebug_end';
	}
	defined $at{__kdebug_start} && defined $at{__kdebug_end}
	    or die "$me: $kernel: no __kdebug_start and __kdebug_end (see kern/kernel.ld)\n";
	my ($sec) = grep { $_->{type} != SHT_NOBITS && ($_->{flags} & SHF_ALLOC) &&
	    $at{__kdebug_start} >= $_->{addr} && $at{__kdebug_end} <= $_->{addr} + $_->{size} } @sh;
	# An empty .kdebug may share its address with the end of another section: nothing carried.
	my $carried = !defined $sec ? '' : substr($elf, $sec->{offset} + $at{__kdebug_start} -
	    $sec->{addr}, $at{__kdebug_end} - $at{__kdebug_start});
	if ($carried ne $tables) {
		print STDERR "$me: $kernel carries symbolizer tables that do not describe it: " .
		    "code moved between the two links (see kern/Makefrag)\n";
		exit 1;
	}
	exit 0;
}

open($fh, '>:raw', $out) or die "$me: cannot write $out: $!\n";
print $fh $tables;
close $fh or die "$me: cannot write $out: $!\n";
