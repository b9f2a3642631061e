"""TCP and UDP header decoding."""

from cmpdissect.net.tcp import ACK, FIN, PSH, RST, SYN, parse_tcp
from cmpdissect.net.udp import parse_udp

# TCP SYN 40000 -> 829 seq 7, data offset 7 words (MSS, NOP, WScale, padding)
SYN_WITH_OPTIONS = bytes.fromhex("9c40033d000000070000000070020200f6570000020405b401030307")
# TCP [PSH,ACK] seq 1 ack 2 window 512 "hi"
PSH_ACK = bytes.fromhex("9c40033d000000010000000250180200b9a400006869")
# UDP 5683 -> 5684 "coap"
UDP = bytes.fromhex("16331634000c2253636f6170")


def test_flag_values_are_rfc_9293_bits():
    assert (FIN, SYN, RST, PSH, ACK) == (1, 2, 4, 8, 16)


def test_tcp_fields():
    seg = parse_tcp(PSH_ACK)
    assert (seg.src_port, seg.dst_port, seg.seq, seg.ack, seg.window) == (40000, 829, 1, 2, 512)
    assert seg.flags == PSH | ACK
    assert seg.payload == b"hi"


def test_tcp_options_skipped_by_data_offset():
    seg = parse_tcp(SYN_WITH_OPTIONS)
    assert seg.flags == SYN and seg.seq == 7 and seg.payload == b""
    assert parse_tcp(SYN_WITH_OPTIONS + b"data").payload == b"data"


def test_tcp_damaged():
    assert parse_tcp(PSH_ACK[:19]) is None
    assert parse_tcp(SYN_WITH_OPTIONS[:24]) is None  # options cut off
    assert parse_tcp(PSH_ACK[:12] + b"\x40" + PSH_ACK[13:]) is None  # data offset 4 words


def test_udp():
    dgram = parse_udp(UDP)
    assert (dgram.src_port, dgram.dst_port, dgram.payload) == (5683, 5684, b"coap")
    assert parse_udp(UDP + b"\x00\x00").payload == b"coap"  # length trims padding
    assert parse_udp(UDP[:-1]).payload == b"coa"  # cut by the capture
    assert parse_udp(UDP[:4] + b"\x00\x00" + UDP[6:]).payload == b"coap"  # length 0
    assert parse_udp(UDP[:4] + b"\x00\x07" + UDP[6:]) is None
    assert parse_udp(UDP[:7]) is None
