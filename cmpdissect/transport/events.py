"""What the stream decoders report: a CMP unit found in a byte stream, or a notice about the stream.

Both are small frozen records carrying the frame number and time of the packet that completed them
(docs/DESIGN.md "Events"), so a unit's frame is the packet that made it decodable.
"""

from __future__ import annotations

from dataclasses import dataclass

from cmpdissect.model import Framing, HttpInfo


@dataclass(frozen=True, slots=True)
class CmpPdu:
    """One unit found in a stream: a PKIMessage, a transport-level frame, or a CMP-relevant HTTP message."""

    direction: int  # 0 client->server, 1 server->client, as given by the caller
    frame: int  # packet that completed it
    time: float | None
    transport: str  # http | https | http-poll | tcp-rfc2510 | tcp-msg-v10 | tcp-der
    der: bytes | None  # the DER PKIMessage inside, if any
    frame_type: str | None = None  # RFC 2510 / TCP-Messaging v10 type name; None for HTTP and bare DER
    framing: Framing | None = None
    http: HttpInfo | None = None
    error: str | None = None  # why it did not decode fully, with the byte offset


@dataclass(frozen=True, slots=True)
class StreamNotice:
    """Something about the stream that is not a unit: skipped bytes, a broken header, a flood."""

    direction: int | None
    frame: int | None
    time: float | None
    severity: str  # error | warning | info
    message: str
