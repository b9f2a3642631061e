"""TCP header (RFC 9293 section 3.1): ports, sequence numbers, flags and the data."""

from __future__ import annotations

import struct
from dataclasses import dataclass

FIN = 0x01
SYN = 0x02
RST = 0x04
PSH = 0x08
ACK = 0x10
URG = 0x20

# source port, destination port, sequence, acknowledgment, data offset, flags, window
_TCP = struct.Struct("!HHIIBBH")


@dataclass(slots=True)
class TcpSegment:
    """One TCP segment; read-only by convention (not frozen: built once per captured packet)."""

    src_port: int
    dst_port: int
    seq: int
    ack: int
    flags: int  # FIN SYN RST PSH ACK URG bits (ECE/CWR kept, NS dropped)
    window: int
    payload: bytes


def parse_tcp(data: bytes) -> TcpSegment | None:
    """Decode a TCP header; options are skipped by the data offset. None if the header is cut
    short or its data offset is below the 5-word minimum."""
    if len(data) < 20:
        return None
    sport, dport, seq, ack, off, flags, window = _TCP.unpack_from(data)
    hlen = (off >> 4) * 4
    if hlen < 20 or hlen > len(data):
        return None
    return TcpSegment(sport, dport, seq, ack, flags, window, data[hlen:])
