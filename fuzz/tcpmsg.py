"""RFC 2510 section 5.2 and TCP-Messaging v10 framing (`transport.tcpmsg`): every length and type.

Byte 0 picks the target: even, `parse_frame` on the rest as one frame (an HTTP `-poll` body);
odd, `TcpMessageReader` over a `harness.stream_script` with hostile segment sizes and gaps.
Rules: no exception; a frame's fields agree with its bytes; errors carry offsets.
"""

from __future__ import annotations

from cmpdissect.transport.events import CmpPdu, StreamNotice
from cmpdissect.transport.tcpmsg import TcpMessageReader, parse_frame, plausible_frame
from fuzz.harness import encode_streams, has_offset, messages, require, stream_ops, stream_pairs


def one_input(data: bytes) -> None:
    if data[:1] and data[0] & 1:
        _stream(data[1:])
        return
    body = data[1:]
    plausible_frame(body)
    frame = parse_frame(body)
    if frame is None:
        return
    require(frame.framing.length == int.from_bytes(body[:4], "big"), "length field misread")
    require(has_offset(frame.error), f"error without an offset: {frame.error!r}")
    if frame.der is not None:
        require(frame.der in body, "PKIMessage not taken from the frame")


def _stream(data: bytes) -> None:
    readers = (TcpMessageReader(0), TcpMessageReader(1))
    for direction, chunk, lost in stream_ops(data):
        reader = readers[direction]
        _check(reader.gap(len(chunk), 1, None) if lost else reader.feed(chunk, 1, None))
    for reader in readers:
        _check(reader.close(2, None))


def _check(events: list[CmpPdu | StreamNotice]) -> None:
    for event in events:
        if isinstance(event, CmpPdu):
            require(has_offset(event.error), f"error without an offset: {event.error!r}")


def _frames() -> list[bytes]:
    ders = messages()[:6]
    out = [len(d).to_bytes(4, "big") + b"\0" + d for d in ders[:2]]
    out += [(len(d) + 3).to_bytes(4, "big") + b"\x0a\x00\x00" + d for d in ders[2:4]]
    out += [
        b"\0\0\0\x0b\x0a\x00\x01" + b"\0\0\0\x07\0\0\0\x3c",  # v10 pollRep
        b"\0\0\0\x07\x0a\x01\x02\0\0\0\x07",  # v10 pollReq, close flag
        b"\0\0\0\x04\x0a\x00\x03\x00",  # finRep
        b"\0\0\0\x0f\x0a\x00\x06\x02\x02\0\x04\0\0\0\x07bad",  # errorMsgRep InvalidPollID
        b"\0\0\0\x06\x06oops!",  # RFC 2510 errorMsgRep
        b"\0\0\0\x09\x01" + b"\0\0\0\x07\0\0\0\x3c",  # RFC 2510 pollRep
        b"\xff\xff\xff\xff\x0a\x00\x00",
    ]
    return out


def seeds() -> list[bytes]:
    frames = _frames()
    out = [b"\0" + f for f in frames]
    out += [b"\1" + encode_streams(c, s, n) for n, (c, s) in enumerate(stream_pairs()) if c[:1] == b"\0"]
    out.append(b"\1" + encode_streams(b"".join(frames[:6]), b"".join(frames[6:]), 7))
    return out
