"""decode_packet: whole frames to (IP, TCP/UDP); skip counting; endpoint text."""

from cmpdissect.net.packet import (
    SKIP_BAD_IP,
    SKIP_BAD_TRANSPORT,
    SKIP_FRAGMENT,
    SKIP_LINK,
    SKIP_NOT_IP,
    SKIP_OTHER_PROTO,
    decode_packet,
    endpoint,
)
from cmpdissect.net.tcp import TcpSegment
from cmpdissect.net.udp import UdpDatagram

ETH = bytes.fromhex("020000000002020000000001")
IPV4_TCP = bytes.fromhex(
    "4500002a0001000040068e91c0000201c63364079c40033d000000010000000250180200b9a400006869"
)
IPV4_UDP = bytes.fromhex("450000200001000040118e90c0000201c633640716331634000c2253636f6170")
IPV6_TCP = bytes.fromhex(
    "600000000016064020010db800000000000000000000000120010db8000000000001000000000007"
    "9c40033d0000000100000002501802004a6600006869"
)


def test_ethernet_ipv4_tcp():
    ip, seg = decode_packet(1, ETH + b"\x08\x00" + IPV4_TCP + b"\x00" * 4)
    assert isinstance(seg, TcpSegment)
    assert (ip.src, seg.src_port, ip.dst, seg.dst_port, seg.payload) == (
        "192.0.2.1",
        40000,
        "198.51.100.7",
        829,
        b"hi",
    )


def test_sll2_ipv6_tcp():
    # protocol IPv6, reserved, ifindex 2, ARPHRD_ETHER, host, address length 6, address
    header = bytes.fromhex("86dd000000000002000100060200000000010000")
    ip, seg = decode_packet(276, header + IPV6_TCP)
    assert ip.version == 6 and ip.dst == "2001:db8::1:0:0:7" and seg.payload == b"hi"


def test_raw_udp():
    ip, dgram = decode_packet(101, IPV4_UDP)
    assert isinstance(dgram, UdpDatagram) and dgram.payload == b"coap" and ip.proto == 17


def test_skipped_frames_are_counted_by_reason():
    skipped: dict[str, int] = {}
    fragment = IPV4_TCP[:6] + b"\x20\x00" + IPV4_TCP[8:]
    icmp = IPV4_TCP[:9] + b"\x01" + IPV4_TCP[10:]
    frames = [
        (147, IPV4_TCP),
        (1, ETH + b"\x08\x06" + bytes(28)),
        (101, fragment),
        (101, fragment),
        (101, IPV4_TCP[:19]),
        (101, icmp),
        (101, IPV4_TCP[:30]),
    ]
    for linktype, data in frames:
        assert decode_packet(linktype, data, skipped) is None
    assert skipped == {
        SKIP_LINK: 1,
        SKIP_NOT_IP: 1,
        SKIP_FRAGMENT: 2,
        SKIP_BAD_IP: 1,
        SKIP_OTHER_PROTO: 1,
        SKIP_BAD_TRANSPORT: 1,
    }
    assert decode_packet(101, fragment) is None  # counting is optional


def test_endpoint():
    assert endpoint("192.0.2.1", 829, 4) == "192.0.2.1:829"
    assert endpoint("2001:db8::1", 443, 6) == "[2001:db8::1]:443"
