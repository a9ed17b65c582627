#!/usr/bin/perl
# sign.pl FILE: pad the raw boot loader in FILE to 510 bytes and append the BIOS boot signature
# 0x55 0xAA.  Fails (and removes nothing) if the loader is larger than 510 bytes.
use strict;
use warnings;

my $file = shift @ARGV or die "usage: sign.pl BOOTBLOCK\n";
open(my $fh, '<:raw', $file) or die "sign.pl: cannot open $file: $!\n";
my $n = read($fh, my $buf, 1000);
close $fh;
defined $n or die "sign.pl: cannot read $file: $!\n";
if ($n > 510) {
	print STDERR "sign.pl: boot block is $n bytes; at most 510 fit before the signature\n";
	exit 1;
}
print STDERR "boot block is $n bytes (max 510)\n";
$buf .= "\0" x (510 - $n);
$buf .= "\x55\xAA";
open($fh, '>:raw', $file) or die "sign.pl: cannot write $file: $!\n";
print $fh $buf;
close $fh;
