#!/usr/bin/perl
# An SMSC written with Net::SMPP (Debian libnet-smpp-perl), driven by
# interop_test.go against our smpp client. It listens on 127.0.0.1 (an
# ephemeral port, printed as "port N"), serves connections one after
# another, answers what our client sends, and prints one line per PDU it
# receives: "rx cmd=... seq=... key=value ...". On a transceiver bind it
# also sends our client a deliver_sm and a malformed deliver_sm and prints
# the responses. It exits after STOP connections (argument 1).
use strict;
use warnings;
use Net::SMPP;

$| = 1;
my $conns = shift @ARGV || 1;
my $listener = Net::SMPP->new_listen('127.0.0.1', port => 0, timeout => 20)
    or die "listen: $!";
print "port ", $listener->sockport, "\n";

my $msgid = 0;
for (1 .. $conns) {
    my $smpp = $listener->accept or die "accept: $!";
    while (1) {
        my $pdu = $smpp->read_pdu() or last;
        my $cmd = $pdu->{cmd};
        my $name = Net::SMPP::PDU::explain_cmd($pdu) // sprintf('0x%08x', $cmd);
        my @kv = ("cmd=$name", "seq=$pdu->{seq}", "status=$pdu->{status}");
        for my $k (qw(interface_version esm_class data_coding)) {
            push @kv, "$k=$pdu->{$k}" if defined $pdu->{$k};
        }
        for my $k (qw(system_id password destination_addr short_message message_id)) {
            push @kv, "$k=" . unpack('H*', $pdu->{$k}) if defined $pdu->{$k};
        }
        for my $k (qw(message_payload source_port destination_port user_message_reference)) {
            push @kv, "$k=" . unpack('H*', $pdu->{$k}) if defined $pdu->{$k};
        }
        print "rx @kv\n";
        if ($cmd == 0x00000009 || $cmd == 0x00000002 || $cmd == 0x00000001) {
            my $resp = $cmd | 0x80000000;
            $smpp->resp_backend($resp, pack('Z*', 'perlsmsc'), $smpp, seq => $pdu->{seq},
                sc_interface_version => chr(0x34));
            if ($cmd == 0x00000009) {
                # A receipt-like deliver_sm, then a malformed one.
                my $seq = $smpp->deliver_sm(source_addr => '358401234567', destination_addr => 'PPG',
                    esm_class => 0x04, short_message => 'id:1 sub:001 dlvrd:001 submit date:2611261200 done date:2611261201 stat:DELIVRD err:000 text:',
                    receipted_message_id => "1\0", message_state => chr(2), async => 1);
                my $r = $smpp->wait_pdu(0x80000005, $seq);
                print "deliver_resp status=$r->{status} seq=$r->{seq}\n";
                my $bad = pack('NNNN', 16 + 3, 0x00000005, 0, 777) . "\0\x01\x01";
                $smpp->syswrite($bad);
                $r = $smpp->wait_pdu(0x80000005, 777);
                print "malformed_deliver_resp status=$r->{status} seq=$r->{seq}\n";
            }
        } elsif ($cmd == 0x00000004) {
            $smpp->submit_sm_resp(seq => $pdu->{seq}, message_id => 'p' . ++$msgid);
        } elsif ($cmd == 0x00000103) {
            $smpp->data_sm_resp(seq => $pdu->{seq}, message_id => 'p' . ++$msgid);
        } elsif ($cmd == 0x00000003) {
            $smpp->query_sm_resp(seq => $pdu->{seq}, message_id => $pdu->{message_id},
                final_date => '', message_state => 2, error_code => 0);
        } elsif ($cmd == 0x00000015) {
            $smpp->enquire_link_resp(seq => $pdu->{seq});
        } elsif ($cmd == 0x00000006) {
            $smpp->unbind_resp(seq => $pdu->{seq});
            last;
        } elsif ($cmd & 0x80000000) {
            # a response from our client; nothing to answer
        } else {
            $smpp->generic_nack(seq => $pdu->{seq}, status => 3);
        }
    }
    $smpp->close;
}
print "done\n";
