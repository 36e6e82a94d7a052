#!/usr/bin/perl
# An ESME written with Net::SMPP (Debian libnet-smpp-perl), driven by
# netsmpp_test.go against our SMSC: it binds, submits in the three
# messaging modes, waits for a delivery receipt, queries and cancels.
# Usage: netsmpp_esme.pl HOST PORT. One line per step: "step key=value ...".
use strict;
use warnings;
use Net::SMPP;

$| = 1;
my ($host, $port) = @ARGV;
sub out { print join(' ', @_), "\n" }

my ($smpp, $resp) = Net::SMPP->new_transceiver($host, port => $port, system_id => 'perl',
    password => 'secret', timeout => 20);
die "bind failed" unless $smpp && $resp;
out('bind', "status=$resp->{status}");

my %common = (source_addr_ton => 5, source_addr => 'PERL', dest_addr_ton => 1, dest_addr_npi => 1);

# Transaction mode: the whole push in message_payload, ports in TLVs.
my $push = join('', map { chr($_ % 256) } 0 .. 299);
$resp = $smpp->submit_sm(%common, destination_addr => '358401230001', esm_class => 0x02,
    data_coding => 0x04, short_message => '', message_payload => $push,
    source_port => pack('n', 9200), destination_port => pack('n', 2948));
out('transaction', "status=$resp->{status}", "message_id=$resp->{message_id}");

# Transaction mode to a handset that cannot receive: delivery failure.
$resp = $smpp->submit_sm(%common, destination_addr => '358409990001', esm_class => 0x02,
    data_coding => 0x04, short_message => 'x');
out('transaction_fail', "status=$resp->{status}");

# Datagram mode.
$resp = $smpp->submit_sm(%common, destination_addr => '358401230002', esm_class => 0x01,
    short_message => 'datagram');
out('datagram', "status=$resp->{status}", "message_id=$resp->{message_id}");

# Store-and-forward with a receipt.
$resp = $smpp->submit_sm(%common, destination_addr => '358401230003', esm_class => 0x03,
    registered_delivery => 1, short_message => 'stored and forwarded');
my $id = $resp->{message_id};
out('store_forward', "status=$resp->{status}", "message_id=$id");
while (1) {
    my $pdu = $smpp->read_pdu() or die "read: connection lost";
    if ($pdu->{cmd} == 0x00000005) {
        $smpp->deliver_sm_resp(seq => $pdu->{seq}, message_id => '');
        my $text = $pdu->{short_message};
        $text =~ s/ /_/g;
        out('receipt', "esm_class=$pdu->{esm_class}",
            'receipted_message_id=' . unpack('Z*', $pdu->{receipted_message_id} // ''),
            'message_state=' . unpack('C', $pdu->{message_state} // "\xff"), "text=$text");
        last;
    }
    if ($pdu->{cmd} == 0x00000015) { $smpp->enquire_link_resp(seq => $pdu->{seq}); }
}
$resp = $smpp->query_sm(message_id => $id, source_addr => 'PERL');
out('query', "status=$resp->{status}", "message_state=$resp->{message_state}");

# Store-and-forward to an absent handset, then cancel it.
$resp = $smpp->submit_sm(%common, destination_addr => '358408880001', esm_class => 0x00,
    short_message => 'never arrives');
my $id2 = $resp->{message_id};
out('store_absent', "status=$resp->{status}", "message_id=$id2");
select(undef, undef, undef, 0.2);  # let the first attempt fail
$resp = $smpp->cancel_sm(message_id => $id2, source_addr => 'PERL', destination_addr => '358408880001');
out('cancel', "status=$resp->{status}");
$resp = $smpp->query_sm(message_id => $id2, source_addr => 'PERL');
out('query_cancelled', "status=$resp->{status}", "message_state=$resp->{message_state}");

$resp = $smpp->unbind();
out('unbind', "status=$resp->{status}");
