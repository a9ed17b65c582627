#!/usr/bin/perl
# mergedep.pl OUT DEPFILE...: merge gcc -MD dependency files into one file OUT.
# Rules already in OUT are kept unless a newer DEPFILE gives the same target; each target's
# prerequisites are written once, and every prerequisite also gets an empty rule so that a
# deleted header does not stop the build.
use strict;
use warnings;

my $out = shift @ARGV or die "usage: mergedep.pl OUT DEPFILE...\n";
my %deps;

sub read_rules {
	my ($file) = @_;
	open(my $fh, '<', $file) or return;
	local $/;
	my $text = <$fh>;
	close $fh;
	$text =~ s/\\\n/ /g;
	foreach my $line (split /\n/, $text) {
		next unless $line =~ /^\s*([^:#\s][^:]*?)\s*:(?!=)\s*(.*)$/;
		my ($target, $prereqs) = ($1, $2);
		next if $prereqs eq '' && exists $deps{$target};
		$deps{$target} = $prereqs;
	}
}

read_rules($out) if -f $out;
read_rules($_) foreach @ARGV;

my %seen;
open(my $fh, '>', "$out.tmp") or die "mergedep.pl: cannot write $out.tmp: $!\n";
foreach my $target (sort keys %deps) {
	next if $deps{$target} eq '';
	print $fh "$target: $deps{$target}\n";
	$seen{$_} = 1 foreach split ' ', $deps{$target};
}
foreach my $p (sort keys %seen) {
	print $fh "$p:\n" unless exists $deps{$p} && $deps{$p} ne '';
}
close $fh;
rename("$out.tmp", $out) or die "mergedep.pl: cannot rename: $!\n";
