#!/usr/bin/perl
# An ESME written with Net::SMPP (Debian libnet-smpp-perl), driven by
# interop_test.go against our smpp.Server. Usage: esme.pl HOST PORT
# It prints one line per step: "step key=value ...", and exits 0 when it
# ran every step (the Go test judges the values).
use strict;
use warnings;
use Net::SMPP;
use IO::Socket::INET;

$| = 1;
my ($host, $port) = @ARGV;

sub out { print join(' ', @_), "\n" }

# Binds of each kind.
for my $kind (qw(transmitter receiver transceiver)) {
    my $ctor = "new_$kind";
    my ($smpp, $resp) = Net::SMPP->$ctor($host, port => $port, system_id => 'perl',
        password => 'secret', system_type => 'interop', timeout => 10);
    die "bind $kind failed: $!" unless $smpp && $resp;
    out("bind_$kind", "status=$resp->{status}", "system_id=$resp->{system_id}");
    my $u = $smpp->unbind();
    out("unbind_$kind", "status=" . ($u ? $u->{status} : 'none'));
    $smpp->close;
}

my ($smpp, $resp) = Net::SMPP->new_transceiver($host, port => $port, system_id => 'perl',
    password => 'secret', timeout => 10);
die "bind failed" unless $smpp;

# submit_sm with short_message.
$resp = $smpp->submit_sm(source_addr_ton => 5, source_addr => 'PPG', dest_addr_ton => 1,
    dest_addr_npi => 1, destination_addr => '358401234567', short_message => 'hello from perl',
    registered_delivery => 1);
out('submit_short', "status=$resp->{status}", "message_id=$resp->{message_id}");

# submit_sm with message_payload in transaction mode, WDP ports in TLVs.
my $payload = join('', map { chr($_ % 256) } 0 .. 299);
$resp = $smpp->submit_sm(source_addr_ton => 5, source_addr => 'PPG', dest_addr_ton => 1,
    dest_addr_npi => 1, destination_addr => '358401234568', esm_class => 0x02,
    data_coding => 0x04, short_message => '', message_payload => $payload,
    source_port => pack('n', 9200), destination_port => pack('n', 2948),
    user_message_reference => pack('n', 7));
out('submit_payload', "status=$resp->{status}", "message_id=$resp->{message_id}");

# data_sm.
$resp = $smpp->data_sm(source_addr => 'PPG', destination_addr => '358401234569', esm_class => 0x02,
    data_coding => 0x04, message_payload => 'data sm payload');
out('data_sm', "status=$resp->{status}", "message_id=$resp->{message_id}",
    'delivery_failure_reason=' . (defined $resp->{delivery_failure_reason} ? unpack('C', $resp->{delivery_failure_reason}) : 'none'));

# query_sm.
$resp = $smpp->query_sm(message_id => '1', source_addr => 'PPG');
out('query_sm', "status=$resp->{status}", "message_id=$resp->{message_id}", "message_state=$resp->{message_state}");

# enquire_link.
$resp = $smpp->enquire_link();
out('enquire_link', "status=$resp->{status}");

# A malformed PDU: submit_sm whose sm_length runs past the end. The server
# must answer submit_sm_resp with an error status and keep the session.
my $body = "\0" . "\x05\x00PPG\0" . "\x01\x01358401234567\0" . "\x00\x00\x00" . "\0\0" . "\x00\x00\x00\x00" . "\xC8" . "short";
my $pdu = pack('NNNN', 16 + length($body), 0x00000004, 0, 4242) . $body;
$smpp->syswrite($pdu);
$resp = $smpp->wait_pdu(0x80000004, 4242);
out('malformed', "status=$resp->{status}", "seq=$resp->{seq}");

# Unknown command id: generic_nack ESME_RINVCMDID.
$smpp->syswrite(pack('NNNN', 16, 0x00000777, 0, 4243));
$resp = $smpp->wait_pdu(0x80000000, 4243);
out('unknown_cmd', "status=$resp->{status}", "seq=$resp->{seq}");

# Still alive after both faults.
$resp = $smpp->enquire_link();
out('alive', "status=$resp->{status}");

$resp = $smpp->unbind();
out('unbind', "status=$resp->{status}");
