"""UDP header (RFC 768): ports and the datagram, for the CoAP transport (RFC 9482)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

_UDP = struct.Struct("!HHH")


@dataclass(slots=True)
class UdpDatagram:
    """One UDP datagram; read-only by convention (not frozen: built once per captured packet)."""

    src_port: int
    dst_port: int
    payload: bytes


def parse_udp(data: bytes) -> UdpDatagram | None:
    """Decode a UDP header. The length field trims link padding; a length beyond the captured
    bytes keeps what was captured; length 0 (RFC 2675 jumbogram, offloaded) means all of it."""
    if len(data) < 8:
        return None
    sport, dport, length = _UDP.unpack_from(data)
    if length == 0:
        length = len(data)
    elif length < 8:
        return None
    return UdpDatagram(sport, dport, data[8:length])
