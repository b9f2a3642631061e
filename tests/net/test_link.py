"""link_payload on each supported link type, with real frames as bytes literals."""

from cmpdissect.net.link import ETHERTYPE_IPV4, ETHERTYPE_IPV6, link_offset, link_payload

# IPv4/TCP 192.0.2.1:40000 -> 198.51.100.7:829 [PSH,ACK] seq=1 ack=2 "hi" (built with scapy)
IPV4 = bytes.fromhex("4500002a0001000040068e91c0000201c63364079c40033d000000010000000250180200b9a400006869")
# IPv6/TCP 2001:db8::1:40000 -> 2001:db8::1:0:0:7:829, same segment
IPV6 = bytes.fromhex(
    "600000000016064020010db800000000000000000000000120010db8000000000001000000000007"
    "9c40033d0000000100000002501802004a6600006869"
)
MACS = bytes.fromhex("020000000002020000000001")  # destination, source


def test_ethernet_ipv4():
    frame = MACS + b"\x08\x00" + IPV4
    assert link_payload(1, frame) == (ETHERTYPE_IPV4, IPV4)


def test_ethernet_trailing_padding_is_kept_for_ip_to_trim():
    frame = MACS + b"\x08\x00" + IPV4 + b"\x00" * 6
    assert link_payload(1, frame) == (ETHERTYPE_IPV4, IPV4 + b"\x00" * 6)


def test_ethernet_8021q_vlan():
    frame = MACS + bytes.fromhex("8100 0064 86dd".replace(" ", "")) + IPV6
    assert link_payload(1, frame) == (ETHERTYPE_IPV6, IPV6)


def test_ethernet_qinq_two_tags():
    frame = MACS + bytes.fromhex("88a8 00c8 8100 0064 0800".replace(" ", "")) + IPV4
    assert link_offset(1, frame) == (ETHERTYPE_IPV4, 22)
    assert link_payload(1, frame) == (ETHERTYPE_IPV4, IPV4)


def test_ethernet_8023_llc_snap():
    frame = MACS + b"\x00\x32" + bytes.fromhex("aaaa03000000 0800".replace(" ", "")) + IPV4
    assert link_payload(1, frame) == (ETHERTYPE_IPV4, IPV4)


def test_ethernet_non_ip_ethertype_is_reported_as_found():
    arp = MACS + b"\x08\x06" + b"\x00\x01\x08\x00\x06\x04\x00\x01"
    assert link_payload(1, arp)[0] == 0x0806


def test_ethernet_truncated_vlan_tag():
    assert link_payload(1, MACS + b"\x81\x00\x00") is None
    assert link_payload(1, MACS[:10]) is None


def test_linux_sll():
    # outgoing (4), ARPHRD_ETHER (1), 6-byte address padded to 8, protocol IPv4
    header = bytes.fromhex("0004 0001 0006 020000000001 0000 0800".replace(" ", ""))
    assert link_payload(113, header + IPV4) == (ETHERTYPE_IPV4, IPV4)


def test_linux_sll2():
    # protocol IPv6, reserved, ifindex 2, ARPHRD_ETHER, host (0), address length 6, address
    header = bytes.fromhex("86dd 0000 00000002 0001 00 06 0200000000010000".replace(" ", ""))
    assert link_payload(276, header + IPV6) == (ETHERTYPE_IPV6, IPV6)
    assert link_payload(276, header[:19]) is None


def test_bsd_null_little_endian_host():
    assert link_payload(0, b"\x02\x00\x00\x00" + IPV4) == (ETHERTYPE_IPV4, IPV4)


def test_bsd_null_big_endian_host():
    assert link_payload(0, b"\x00\x00\x00\x02" + IPV4) == (ETHERTYPE_IPV4, IPV4)


def test_bsd_null_ipv6_family_values():
    for family in (24, 28, 30):
        assert link_payload(0, family.to_bytes(4, "little") + IPV6) == (ETHERTYPE_IPV6, IPV6)
        assert link_payload(0, family.to_bytes(4, "big") + IPV6) == (ETHERTYPE_IPV6, IPV6)


def test_bsd_null_unknown_family():
    assert link_payload(0, b"\x07\x00\x00\x00" + IPV4) is None


def test_openbsd_loop():
    assert link_payload(108, b"\x00\x00\x00\x18" + IPV6) == (ETHERTYPE_IPV6, IPV6)


def test_raw_ip_by_version_nibble():
    for linktype in (101, 12, 14):
        assert link_payload(linktype, IPV4) == (ETHERTYPE_IPV4, IPV4)
        assert link_payload(linktype, IPV6) == (ETHERTYPE_IPV6, IPV6)
    assert link_payload(101, b"\x50" + IPV4[1:]) is None
    assert link_payload(101, b"") is None


def test_raw_ipv4_and_ipv6_linktypes_check_the_version():
    assert link_payload(228, IPV4) == (ETHERTYPE_IPV4, IPV4)
    assert link_payload(228, IPV6) is None
    assert link_payload(229, IPV6) == (ETHERTYPE_IPV6, IPV6)
    assert link_payload(229, IPV4) is None


def test_unknown_linktype():
    assert link_payload(147, IPV4) is None
