"""IPv4 and IPv6 header decoding: options, lengths, extension headers, fragments, addresses."""

from cmpdissect.net.ip import address_text, is_fragment, parse_ip, parse_ipv4, parse_ipv6

# IPv4/TCP 192.0.2.1:40000 -> 198.51.100.7:829 [PSH,ACK] "hi" (scapy)
IPV4 = bytes.fromhex("4500002a0001000040068e91c0000201c63364079c40033d000000010000000250180200b9a400006869")
TCP_OF_IPV4 = IPV4[20:]
# Same addresses, IHL 6 (one word of options: NOP NOP NOP EOL), TCP SYN with MSS/NOP/WScale
IPV4_OPTIONS = bytes.fromhex(
    "460000340001000040068b86c0000201c6336407010101009c40033d000000070000000070020200f6570000020405b401030307"
)
# IPv6 2001:db8::1 -> 2001:db8::7 with hop-by-hop, routing (type 0, no addresses) and
# destination options headers before TCP "hi"
IPV6_EXT = bytes.fromhex(
    "60000000002e004020010db800000000000000000000000120010db8000000000000000000000007"
    "2b000104000000003c0000000000000006000104000000009c40033d0000000100000002501802004a67"
    "00006869"
)
TCP_OF_IPV6 = IPV6_EXT[64:]


def test_ipv4():
    ip = parse_ipv4(IPV4)
    assert (ip.version, ip.src, ip.dst, ip.proto) == (4, "192.0.2.1", "198.51.100.7", 6)
    assert ip.payload == TCP_OF_IPV4


def test_ipv4_at_offset_and_via_ethertype():
    ip = parse_ip(0x0800, b"\xff" * 14 + IPV4, 14)
    assert ip.payload == TCP_OF_IPV4 and ip.src == "192.0.2.1"


def test_ipv4_options_skipped_by_ihl():
    ip = parse_ipv4(IPV4_OPTIONS)
    assert ip.payload == IPV4_OPTIONS[24:]
    assert ip.payload[:2] == b"\x9c\x40"


def test_ipv4_total_length_trims_link_padding():
    assert parse_ipv4(IPV4 + b"\x00" * 12).payload == TCP_OF_IPV4


def test_ipv4_total_length_beyond_capture_keeps_what_was_captured():
    assert parse_ipv4(IPV4[:-1]).payload == TCP_OF_IPV4[:-1]


def test_ipv4_total_length_zero_is_offloaded_segment():
    tso = IPV4[:2] + b"\x00\x00" + IPV4[4:]
    assert parse_ipv4(tso + b"more").payload == TCP_OF_IPV4 + b"more"


def test_ipv4_damaged():
    assert parse_ipv4(IPV4[:19]) is None
    assert parse_ipv4(b"\x44" + IPV4[1:]) is None  # IHL 4 words
    assert parse_ipv4(b"\x65" + IPV4[1:]) is None  # version 6
    assert parse_ipv4(IPV4[:2] + b"\x00\x10" + IPV4[4:]) is None  # total length < header


def test_ipv4_fragments_are_skipped_and_recognized():
    first = IPV4[:6] + b"\x20\x00" + IPV4[8:]  # MF set, offset 0
    later = IPV4[:6] + b"\x00\x05" + IPV4[8:]  # offset 40 bytes
    dont_fragment = IPV4[:6] + b"\x40\x00" + IPV4[8:]
    assert parse_ipv4(first) is None and is_fragment(0x0800, first)
    assert parse_ipv4(later) is None and is_fragment(0x0800, later)
    assert parse_ipv4(dont_fragment) is not None and not is_fragment(0x0800, dont_fragment)


def test_ipv6_extension_headers_walked_to_tcp():
    ip = parse_ipv6(IPV6_EXT)
    assert (ip.version, ip.src, ip.dst, ip.proto) == (6, "2001:db8::1", "2001:db8::7", 6)
    assert ip.payload == TCP_OF_IPV6


def _ipv6_with_fragment(frag_word: bytes) -> bytes:
    header = bytes.fromhex("6000000000160040") + IPV6_EXT[8:40]  # payload 22 + 8, next = 44
    header = header[:4] + (8 + len(TCP_OF_IPV6)).to_bytes(2, "big") + b"\x2c" + header[7:]
    return header + b"\x06\x00" + frag_word + b"\x00\x00\x00\x01" + TCP_OF_IPV6


def test_ipv6_atomic_fragment_decodes():
    ip = parse_ipv6(_ipv6_with_fragment(b"\x00\x00"))
    assert ip.proto == 6 and ip.payload == TCP_OF_IPV6


def test_ipv6_real_fragments_are_skipped():
    for word in (b"\x00\x01", b"\x00\x08", b"\x00\x09"):  # M=1 first; offset 8 last; offset 8 + M
        packet = _ipv6_with_fragment(word)
        assert parse_ipv6(packet) is None
        assert is_fragment(0x86DD, packet)
    assert not is_fragment(0x86DD, IPV6_EXT)


def test_ipv6_authentication_header():
    # AH: next header TCP, payload length 4 (= 6 words of 4 bytes = 24 bytes)
    ah = b"\x06\x04\x00\x00" + b"\x00\x00\x01\x00" + b"\x00\x00\x00\x01" + b"\xaa" * 12
    packet = bytes.fromhex("60000000") + (len(ah) + len(TCP_OF_IPV6)).to_bytes(2, "big") + b"\x33\x40"
    packet += IPV6_EXT[8:40] + ah + TCP_OF_IPV6
    assert parse_ipv6(packet).payload == TCP_OF_IPV6


def test_ipv6_truncated_extension_header():
    assert parse_ipv6(IPV6_EXT[:44]) is None
    assert parse_ipv6(IPV6_EXT[:39]) is None


def test_ipv6_payload_length_trims_padding():
    assert parse_ipv6(IPV6_EXT + b"\x00" * 4).payload == TCP_OF_IPV6


def test_other_ethertype():
    assert parse_ip(0x0806, IPV4) is None
    assert not is_fragment(0x0806, IPV4)


def test_address_text_forms():
    assert address_text(bytes([10, 0, 0, 1])) == "10.0.0.1"
    assert address_text(bytes.fromhex("20010db8000000000000000000000001")) == "2001:db8::1"
    assert address_text(bytes(16)) == "::"
    assert address_text(bytes.fromhex("fe800000000000000000000000000001")) == "fe80::1"
