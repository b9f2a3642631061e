"""Bare DER PKIMessages back to back on TCP, with no framing around them (transport "tcp-der").

Some clients write the DER PKIMessage straight onto a socket, as RFC 2510 section 5.1 does into a
file; the outer SEQUENCE's own length delimits each message.
"""

from __future__ import annotations

import re

from cmpdissect.transport.events import CmpPdu
from cmpdissect.transport.recognize import INCOMPLETE, pkimessage_prefix, sequence_size
from cmpdissect.transport.streamreader import FramedStreamReader


class DerStreamReader(FramedStreamReader):
    """Cuts one direction of a TCP stream into DER PKIMessages."""

    unit_name = "PKIMessage"
    candidates = re.compile(rb"\x30")

    def unit_size(self, data: bytearray) -> int | None:
        size = sequence_size(data)
        if size is None or size == INCOMPLETE:
            return size
        prefix = pkimessage_prefix(data)
        if prefix is None:
            return INCOMPLETE
        return size if prefix else None

    def plausible(self, data: bytearray, offset: int) -> bool | None:
        return pkimessage_prefix(data, offset)

    def decode(self, data: bytes, frame: int, time: float | None, damage: str | None) -> CmpPdu | None:
        size = sequence_size(data)
        error = damage
        if error is None and isinstance(size, int) and size > len(data):
            error = f"truncated PKIMessage: length {size} announced, {len(data)} bytes captured (offset 0)"
        return CmpPdu(self.direction, frame, time, "tcp-der", None if damage else data, error=error)
