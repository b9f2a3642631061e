"""IPv4 (RFC 791) and IPv6 (RFC 8200) headers: find the transport protocol and its bytes.

IP fragments are not reassembled: a fragmented IPv4 packet or IPv6 fragment is reported as None
and `is_fragment()` lets the caller count it. The IPv4 header checksum is not checked (captures
taken on the sending host routinely carry offloaded, unfilled checksums).
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass

from cmpdissect.net.link import ETHERTYPE_IPV4, ETHERTYPE_IPV6

PROTO_TCP = 6
PROTO_UDP = 17

# IPv6 extension headers walked to reach the transport header (RFC 8200 section 4).
_HOP_BY_HOP = 0
_ROUTING = 43
_FRAGMENT = 44
_AH = 51  # RFC 4302: its length counts 4-octet units
_DEST_OPTS = 60
_OPTION_HEADERS = frozenset((_HOP_BY_HOP, _ROUTING, _DEST_OPTS))

# version/IHL, total length, flags/fragment offset, protocol (addresses follow the checksum)
_IPV4 = struct.Struct("!B1xH2xH1xB")
# payload length, next header (after the 4-byte version/class/flow word)
_IPV6 = struct.Struct("!4xHB")
_u16 = struct.Struct("!H").unpack_from

_CACHE_LIMIT = 1 << 16
_names: dict[bytes, str] = {}
_pairs: dict[bytes, tuple[str, str]] = {}  # source and destination together: one lookup per packet


@dataclass(slots=True)
class IpPacket:
    """One IP packet reduced to what TCP/UDP decoding needs.

    Read-only by convention; not frozen because a frozen dataclass costs four times as much to
    build and one is built per captured packet.
    """

    version: int  # 4 or 6
    src: str  # dotted IPv4, or IPv6 in RFC 5952 compressed form
    dst: str
    proto: int  # IPv4 protocol / IPv6 last next-header value
    payload: bytes  # the transport header and data, trimmed to the IP length


def address_text(raw: bytes) -> str:
    """Format a 4- or 16-byte address; memoized because a capture repeats few addresses."""
    name = _names.get(raw)
    if name is None:
        if len(_names) >= _CACHE_LIMIT:
            _names.clear()
        name = socket.inet_ntoa(raw) if len(raw) == 4 else ipaddress.IPv6Address(raw).compressed
        _names[raw] = name
    return name


def _address_pair(raw: bytes) -> tuple[str, str]:
    """Source and destination text from the 8 or 32 address bytes of a header."""
    pair = _pairs.get(raw)
    if pair is None:
        if len(_pairs) >= _CACHE_LIMIT:
            _pairs.clear()
        half = len(raw) // 2
        pair = address_text(raw[:half]), address_text(raw[half:])
        _pairs[raw] = pair
    return pair


def parse_ip(ethertype: int, data: bytes, offset: int = 0) -> IpPacket | None:
    """Decode the IP header at `offset` named by `ethertype`; None for other protocols, damage
    or fragments."""
    if ethertype == ETHERTYPE_IPV4:
        return parse_ipv4(data, offset)
    if ethertype == ETHERTYPE_IPV6:
        return parse_ipv6(data, offset)
    return None


def parse_ipv4(data: bytes, offset: int = 0) -> IpPacket | None:
    """RFC 791 section 3.1. Options are skipped by IHL; bytes past the total length (Ethernet
    padding) are cut; a total length beyond the captured bytes keeps what was captured, and a
    total length of 0 (TCP segmentation offload on the capturing host) means "all of it"."""
    size = len(data) - offset
    if size < 20:
        return None
    ver_ihl, total, frag, proto = _IPV4.unpack_from(data, offset)
    ihl = (ver_ihl & 0x0F) * 4
    if ver_ihl >> 4 != 4 or ihl < 20 or size < ihl:
        return None
    if frag & 0x3FFF:  # more-fragments flag or a fragment offset
        return None
    if total == 0:
        total = size
    elif total < ihl:
        return None
    src, dst = _address_pair(data[offset + 12 : offset + 20])
    return IpPacket(4, src, dst, proto, data[offset + ihl : offset + total])


def parse_ipv6(data: bytes, offset: int = 0) -> IpPacket | None:
    """RFC 8200: walk hop-by-hop, routing, destination options, AH and fragment headers to the
    upper-layer header. Any real fragment is skipped; an atomic fragment (offset 0, M=0,
    RFC 6946) is not really fragmented and decodes as usual."""
    walked = _walk_ipv6(data, offset)
    if walked is None or walked[3]:
        return None
    proto, start, end, _ = walked
    src, dst = _address_pair(data[offset + 8 : offset + 40])
    return IpPacket(6, src, dst, proto, data[start:end])


def is_fragment(ethertype: int, data: bytes, offset: int = 0) -> bool:
    """True if this IP packet is a fragment (which `parse_ip` skips): for counting, not hot."""
    if ethertype == ETHERTYPE_IPV4:
        return (
            len(data) - offset >= 20 and data[offset] >> 4 == 4 and bool(_u16(data, offset + 6)[0] & 0x3FFF)
        )
    if ethertype == ETHERTYPE_IPV6:
        walked = _walk_ipv6(data, offset)
        return walked is not None and walked[3]
    return False


def _walk_ipv6(data: bytes, base: int) -> tuple[int, int, int, bool] | None:
    """Return (upper-layer protocol, its offset, end of packet, is a fragment) or None if broken."""
    if len(data) - base < 40 or data[base] >> 4 != 6:
        return None
    length, proto = _IPV6.unpack_from(data, base)
    # Payload length 0 is a jumbogram (RFC 2675) or an offloaded segment: take what was captured.
    end = len(data) if length == 0 else min(len(data), base + 40 + length)
    offset = base + 40
    while True:
        if proto in _OPTION_HEADERS:
            if offset + 2 > end:
                return None
            proto, size = data[offset], (data[offset + 1] + 1) * 8
        elif proto == _FRAGMENT:
            if offset + 8 > end:
                return None
            if _u16(data, offset + 2)[0] & 0xFFF9:  # fragment offset or M flag; reserved bits ignored
                return data[offset], offset + 8, end, True
            proto, size = data[offset], 8
        elif proto == _AH:
            if offset + 2 > end:
                return None
            proto, size = data[offset], (data[offset + 1] + 2) * 4
        else:
            return proto, offset, end, False
        offset += size
        if offset > end:
            return None
