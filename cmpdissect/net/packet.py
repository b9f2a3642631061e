"""One captured frame to (IP packet, TCP segment or UDP datagram): link, IP and transport in a row."""

from __future__ import annotations

from cmpdissect.net.ip import PROTO_TCP, PROTO_UDP, IpPacket, is_fragment, parse_ip
from cmpdissect.net.link import ETHERTYPE_IPV4, ETHERTYPE_IPV6, link_offset
from cmpdissect.net.tcp import TcpSegment, parse_tcp
from cmpdissect.net.udp import UdpDatagram, parse_udp

# Why a frame was skipped: the keys `decode_packet` counts into its `skipped` dict.
SKIP_LINK = "unknown link type or short link header"
SKIP_NOT_IP = "not IP"
SKIP_FRAGMENT = "IP fragment (not reassembled)"
SKIP_BAD_IP = "damaged IP header"
SKIP_OTHER_PROTO = "neither TCP nor UDP"
SKIP_BAD_TRANSPORT = "damaged TCP/UDP header"


def decode_packet(
    linktype: int, data: bytes, skipped: dict[str, int] | None = None
) -> tuple[IpPacket, TcpSegment | UdpDatagram] | None:
    """Decode a captured frame down to TCP or UDP; None for anything else.

    If `skipped` is given, each frame returned as None adds 1 under its SKIP_* reason, so the
    caller can tell the user how much of the capture was not looked at (fragments especially).
    """
    found = link_offset(linktype, data)
    if found is None:
        return _skip(skipped, SKIP_LINK)
    ethertype, offset = found
    ip = parse_ip(ethertype, data, offset)
    if ip is None:
        if skipped is None:
            return None
        if ethertype not in (ETHERTYPE_IPV4, ETHERTYPE_IPV6):
            return _skip(skipped, SKIP_NOT_IP)
        return _skip(skipped, SKIP_FRAGMENT if is_fragment(ethertype, data, offset) else SKIP_BAD_IP)
    if ip.proto == PROTO_TCP:
        transport: TcpSegment | UdpDatagram | None = parse_tcp(ip.payload)
    elif ip.proto == PROTO_UDP:
        transport = parse_udp(ip.payload)
    else:
        return _skip(skipped, SKIP_OTHER_PROTO)
    if transport is None:
        return _skip(skipped, SKIP_BAD_TRANSPORT)
    return ip, transport


def endpoint(ip: str, port: int, version: int) -> str:
    """`"ip:port"`, or `"[v6addr]:port"` for IPv6 (RFC 3986 section 3.2.2), as CONTRACT.md wants."""
    return f"[{ip}]:{port}" if version == 6 else f"{ip}:{port}"


def _skip(skipped: dict[str, int] | None, reason: str) -> None:
    if skipped is not None:
        skipped[reason] = skipped.get(reason, 0) + 1
    return None
