#!/usr/bin/perl
# Peer for bench/explain_vs_sisimai.py: runs Sisimai (4.25: Sisimai->make) over every file given on the
# command line and prints one JSON line per message: {"file", "results": [{recipient, reason, status, replycode}]}
# With -q only counts are printed (timing runs).
use strict;
use warnings;
use Sisimai;
use JSON::PP;
my $quiet = 0;
if (@ARGV && $ARGV[0] eq '-q') { $quiet = 1; shift @ARGV; }
my $json = JSON::PP->new->canonical(1);
my $n = 0;
for my $file (@ARGV) {
    my $v = Sisimai->make($file, 'delivered' => 1, 'vacation' => 1) || [];
    $n++;
    next if $quiet;
    my @out = map { {
        recipient => $_->recipient->address, reason => $_->reason, status => $_->deliverystatus,
        replycode => $_->replycode } } @$v;
    print $json->encode({file => $file, results => \@out}), "\n";
}
print STDERR "messages=$n\n";
