"""The stream classifier (`transport.connection.ConnectionDecoder`) over any bytes on any port.

Input: `harness.stream_script`. Rules: no exception from feed, gap or close; TCP framing errors carry offsets.
"""

from __future__ import annotations

from cmpdissect.transport.connection import ConnectionDecoder
from cmpdissect.transport.events import CmpPdu
from fuzz.harness import encode_streams, has_offset, require, stream_ops, stream_pairs


def one_input(data: bytes) -> None:
    ports = ((40000, 829), (40000, 8080), (None, None), (5000, 443))[data[0] % 4] if data else (None, None)
    decoder = ConnectionDecoder(*ports)
    frame = 0
    for direction, chunk, lost in stream_ops(data[1:]):
        frame += 1
        if not decoder.wants_data:
            return
        events = decoder.gap(direction, len(chunk), frame, None) if lost else decoder.feed(direction, chunk, frame, None)
        _check(events)
    _check(decoder.close(None, frame + 1, None))


def _check(events: list) -> None:
    for event in events:
        if isinstance(event, CmpPdu) and event.transport.startswith("tcp-"):
            require(has_offset(event.error), f"error without an offset: {event.error!r}")


def seeds() -> list[bytes]:
    return [bytes([n % 4]) + encode_streams(c, s, n) for n, (c, s) in enumerate(stream_pairs())]
