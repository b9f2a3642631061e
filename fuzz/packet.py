"""The link/IP/TCP layer (`net.packet.decode_packet`): any link type, any bytes.

Layout: 1 byte picks the link type, the rest is the frame. Rule: None or a consistent
(IpPacket, TcpSegment | UdpDatagram), never an exception.
"""

from __future__ import annotations

from cmpdissect.net.ip import IpPacket
from cmpdissect.net.packet import decode_packet
from cmpdissect.net.tcp import TcpSegment
from cmpdissect.net.udp import UdpDatagram
from cmpdissect.sources.capture import Packet, read_capture
from fuzz.harness import capture_files, require

LINKTYPES = (0, 1, 12, 101, 108, 113, 228, 229, 276, 147)


def one_input(data: bytes) -> None:
    if not data:
        return
    linktype = LINKTYPES[data[0] % len(LINKTYPES)]
    frame = data[1:]
    skipped: dict[str, int] = {}
    found = decode_packet(linktype, frame, skipped)
    if found is None:
        require(sum(skipped.values()) == 1, "a skipped frame must be counted once")
        return
    ip, transport = found
    require(isinstance(ip, IpPacket) and isinstance(transport, TcpSegment | UdpDatagram), "bad result types")
    require(len(ip.payload) <= len(frame), "IP payload longer than the frame")
    if isinstance(transport, TcpSegment):
        require(0 <= transport.seq < 1 << 32 and 0 <= transport.ack < 1 << 32, "sequence out of range")
        require(len(transport.payload) <= len(ip.payload), "TCP payload longer than the IP payload")


def seeds() -> list[bytes]:
    out: list[bytes] = []
    for path in capture_files():
        records = [r for r in read_capture(path) if isinstance(r, Packet) and r.linktype in LINKTYPES]
        out += [bytes([LINKTYPES.index(r.linktype)]) + r.data[:2048] for r in records[:8]]
    return out
