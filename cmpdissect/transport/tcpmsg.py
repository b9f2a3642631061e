"""RFC 2510 section 5.2 and TCP-Messaging version 10 framing (draft-ietf-pkix-cmp-tcp-00 section 2).

Both start with a 32-bit big-endian length of everything after it. The byte after the length tells
them apart: 0..6 is an RFC 2510 flag (message type), 10 is the TCP-Messaging version, followed by a
flags octet (bit 0: connection close) and the message type. A stream may carry both (a v10 request
answered by an RFC 2510 errorMsgRep), so the framing is decided per frame.

`parse_frame` reads one complete frame (an HTTP `-poll` body); `TcpMessageReader` frames a TCP
byte stream, buffering partial frames across segments and resynchronising after a gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cmpdissect.model import Framing
from cmpdissect.transport.events import CmpPdu
from cmpdissect.transport.recognize import INCOMPLETE, MAX_UNIT, pkimessage_prefix, sequence_size
from cmpdissect.transport.streamreader import FramedStreamReader

VERSION_10 = 10

# RFC 2510 section 5.2 flag values.
RFC2510_TYPES = {
    0: "pkiMsg",
    1: "pollRep",
    2: "pollReq",
    3: "negPollRep",
    4: "partialMsgRep",
    5: "finalMsgRep",
    6: "errorMsgRep",
}
# draft-ietf-pkix-cmp-tcp-00 section 2.5; 4 (partialMsgRep) was dropped, 128..255 are for applications.
V10_TYPES = {0: "pkiReq", 1: "pollRep", 2: "pollReq", 3: "finRep", 5: "pkiRep", 6: "errorMsgRep"}
# draft-ietf-pkix-cmp-tcp-00 sections 2.5.6.1-2.5.6.4.
V10_ERRORS = {
    0x0101: "VersionNotSupported",
    0x0200: "GeneralClientError",
    0x0201: "MessageTypeUnknown",
    0x0202: "InvalidPollID",
}
_ERROR_CLASSES = {0x01: "version", 0x02: "client", 0x03: "server"}

_PKIMESSAGE_TYPES = frozenset({0, 5})  # pkiMsg/finalMsgRep, pkiReq/pkiRep
_RESYNC_TEXT_MAX = 64 * 1024  # an RFC 2510 errorMsgRep longer than this is not taken as a resync point
_LENGTH_HIGH_BYTE = re.compile(rb"[\x00-\x04]")  # lengths up to MAX_UNIT start with one of these


@dataclass(frozen=True, slots=True)
class TcpFrame:
    """One decoded frame; `error` lists every problem found, with offsets from the frame's first byte."""

    transport: str  # tcp-rfc2510 | tcp-msg-v10
    frame_type: str | None
    framing: Framing
    der: bytes | None
    error: str | None


def frame_header(data: bytes | bytearray, offset: int = 0) -> tuple[int, int] | int | None:
    """(length, byte 4) of the frame header at `offset`; INCOMPLETE before 5 bytes; None if no header.

    A length of 0, one above MAX_UNIT, or a v10 length too short for version, flags and type is
    no frame: hostile lengths are refused here, so nothing is ever buffered on their word.
    """
    if len(data) - offset < 5:
        return INCOMPLETE
    length = int.from_bytes(data[offset : offset + 4], "big")
    version = data[offset + 4]
    if length < 1 or length > MAX_UNIT or (version >= VERSION_10 and length < 3):
        return None
    return length, version


def parse_frame(data: bytes) -> TcpFrame | None:
    """Decode one frame from its first byte; None when `data` does not start with a frame header.

    A frame shorter than its length field says is decoded as far as it goes and marked truncated;
    bytes after it are reported. Never raises.
    """
    head = frame_header(data)
    if head is None or head == INCOMPLETE:
        return None
    length, version = head
    total = 4 + length
    errors: list[str] = []
    if len(data) < total:
        errors.append(f"truncated frame: length {length} announced, {len(data) - 4} bytes captured (offset 4)")
    elif len(data) > total:
        errors.append(f"{len(data) - total} bytes after the frame (offset {total})")
    frame = bytes(data[:total])
    if version < VERSION_10:
        framing = Framing(length=length)
        frame_type, der = _rfc2510_value(frame, framing, errors)
        transport = "tcp-rfc2510"
    else:
        framing = Framing(length=length, version=version)
        transport = "tcp-msg-v10"
        if version == VERSION_10:
            frame_type, der = _v10_value(frame, framing, errors)
        else:
            frame_type, der = None, None
            errors.append(f"TCP-Messaging version {version} is not known (offset 4)")
    return TcpFrame(transport, frame_type, framing, der, "; ".join(errors) or None)


def _rfc2510_value(frame: bytes, framing: Framing, errors: list[str]) -> tuple[str | None, bytes | None]:
    """RFC 2510 section 5.2: flag at byte 4, value from byte 5."""
    flag = frame[4]
    name = RFC2510_TYPES.get(flag)
    if name is None:
        errors.append(f"RFC 2510 flag {flag} is not defined (offset 4)")
        return None, None
    der = _value(flag, name, frame, 5, framing, errors)
    if flag == 6:
        framing.error_text = frame[5:].decode("utf-8", errors="replace")
    return name, der


def _v10_value(frame: bytes, framing: Framing, errors: list[str]) -> tuple[str | None, bytes | None]:
    """TCP-Messaging v10 (draft section 2.3): flags at byte 5 (bit 0 = close), type at 6, value from 7."""
    if len(frame) < 7:
        return None, None
    framing.flags = frame[5]
    framing.close = bool(frame[5] & 1)
    mtype = frame[6]
    name = V10_TYPES.get(mtype)
    if name is None:
        if mtype == 4:
            errors.append("message type 4 is not defined in version 10: partialMsgRep was dropped (offset 6)")
        elif mtype >= 128:
            errors.append(f"message type {mtype} is reserved for application use (offset 6)")
        else:
            errors.append(f"message type {mtype} is not defined (offset 6)")
        return None, None
    if mtype == 6:
        _v10_error(frame[7:], 7, framing, errors)
        return name, None
    return name, _value(mtype, name, frame, 7, framing, errors)


def _value(mtype: int, name: str, frame: bytes, at: int, framing: Framing, errors: list[str]) -> bytes | None:
    """The value layouts both framings share: type numbers 0..5 mean the same shape in each."""
    value = frame[at:]
    if mtype in _PKIMESSAGE_TYPES:
        return _pkimessage(value, at, name, errors)
    if mtype == 1:  # pollRep: reference, time-to-check-back
        _fixed(value, 8, at, name, errors)
        framing.poll_ref = _u32(value, 0)
        framing.check_after = _u32(value, 4)
    elif mtype == 2:  # pollReq: reference
        _fixed(value, 4, at, name, errors)
        framing.poll_ref = _u32(value, 0)
    elif mtype == 3:  # negPollRep / finRep: one octet '00'H
        _fixed(value, 1, at, name, errors)
        if value[:1] not in (b"", b"\x00"):
            errors.append(f"{name} value is 0x{value[0]:02x}, 0x00 expected (offset {at})")
    elif mtype == 4:  # partialMsgRep: next reference, time-to-check-back, PKIMessage
        framing.poll_ref = _u32(value, 0)
        framing.check_after = _u32(value, 4)
        if len(value) < 8:
            errors.append(f"{name} value is {len(value)} bytes, at least 8 expected (offset {at})")
            return None
        return _pkimessage(value[8:], at + 8, name, errors)
    return None


def _pkimessage(value: bytes, at: int, name: str, errors: list[str]) -> bytes | None:
    """The DER PKIMessage a frame carries, trimmed to its TLV; mismatches are reported, not fatal."""
    if not value:
        errors.append(f"{name} carries no PKIMessage (offset {at})")
        return None
    size = sequence_size(value)
    if size is None:
        errors.append(f"{name} value is not a DER SEQUENCE (first byte 0x{value[0]:02x}, offset {at})")
        return None
    if size == INCOMPLETE:
        errors.append(f"{name} value ends inside the PKIMessage TLV header (offset {at})")
        return value
    if size > len(value):
        errors.append(f"PKIMessage length {size} exceeds the {len(value)} bytes of the {name} value (offset {at})")
        return value
    if size < len(value):
        errors.append(f"{len(value) - size} bytes after the PKIMessage in {name} (offset {at + size})")
    return value[:size]


def _v10_error(value: bytes, at: int, framing: Framing, errors: list[str]) -> None:
    """errorMsgRep value (draft section 2.5.6): error-type(2) data-length(2) data, then UTF-8 text."""
    if len(value) >= 2:
        code = int.from_bytes(value[:2], "big")
        framing.error_type = f"{code:04x}"
        framing.error_name = error_name(code)
    if len(value) < 4:
        errors.append(f"errorMsgRep value is {len(value)} bytes, at least 4 expected (offset {at})")
        return
    data_length = int.from_bytes(value[2:4], "big")
    left = len(value) - 4
    if data_length > left:
        errors.append(f"errorMsgRep data-length {data_length} exceeds the {left} bytes left (offset {at + 2})")
        framing.error_data = value[4:]
        framing.error_text = ""
        return
    framing.error_data = value[4 : 4 + data_length]
    if framing.error_type == "0202" and data_length == 4:
        framing.poll_ref = _u32(framing.error_data, 0)
    text = value[4 + data_length :]
    try:
        framing.error_text = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        framing.error_text = text.decode("utf-8", errors="replace")
        errors.append(f"errorMsgRep text is not UTF-8 (offset {at + 4 + data_length + exc.start})")


def error_name(code: int) -> str:
    """Name of a v10 error-type MMNN: the draft's four names, else the major class (01/02/03)."""
    name = V10_ERRORS.get(code)
    if name is not None:
        return name
    kind = _ERROR_CLASSES.get(code >> 8)
    if kind is None:
        return f"undefined error class 0x{code:04x}"
    return f"unknown {kind} error 0x{code:04x}"


def _fixed(value: bytes, size: int, at: int, name: str, errors: list[str]) -> None:
    if len(value) < size:
        errors.append(f"{name} value is {len(value)} bytes, {size} expected (offset {at})")
    elif len(value) > size:
        errors.append(f"{len(value) - size} bytes after the {name} value (offset {at + size})")


def _u32(value: bytes, at: int) -> int | None:
    return int.from_bytes(value[at : at + 4], "big") if len(value) >= at + 4 else None


def plausible_frame(data: bytes | bytearray, offset: int = 0) -> bool | None:
    """Whether a frame that a decoder can trust starts at `offset`; None when more bytes are needed.

    Stricter than `frame_header`: the type must be defined, fixed-size values must have their
    size, a PKIMessage value must start like one and fill the frame exactly, an errorMsgRep must
    look like one. Used to classify a new stream and to find the next frame after a gap.
    """
    head = frame_header(data, offset)
    if head is None:
        return False
    if head == INCOMPLETE:
        return None
    length, version = head
    if version == VERSION_10:
        if len(data) - offset < 7:
            return None
        if data[offset + 5] & 0xFE:  # reserved flag bits: senders MUST set them to zero
            return False
        mtype = data[offset + 6]
        if mtype not in V10_TYPES:
            return False
        at = offset + 7
    elif version in RFC2510_TYPES:
        mtype = version
        at = offset + 5
    else:
        return False
    value_length = 4 + length - (at - offset)
    if mtype == 1:
        return value_length == 8
    if mtype == 2:
        return value_length == 4
    if mtype == 3:
        if value_length != 1:
            return False
        return None if len(data) <= at else data[at] == 0
    if mtype == 4:  # RFC 2510 partialMsgRep
        return value_length > 8 and _starts_pkimessage(data, at + 8, value_length - 8)
    if mtype in _PKIMESSAGE_TYPES:
        return _starts_pkimessage(data, at, value_length)
    if version == VERSION_10:  # errorMsgRep: a defined error class and a data-length that fits
        if value_length < 4:
            return False
        if len(data) < at + 4:
            return None
        return data[at] in _ERROR_CLASSES and int.from_bytes(data[at + 2 : at + 4], "big") <= value_length - 4
    if value_length > _RESYNC_TEXT_MAX:
        return False
    sample = data[at : at + min(value_length, 8)]
    if len(sample) < min(value_length, 8):
        return None
    return all(b >= 0x20 or b in b"\t\r\n" for b in sample)


def _starts_pkimessage(data: bytes | bytearray, at: int, value_length: int) -> bool | None:
    size = sequence_size(data, at)
    if size is None:
        return False
    if size == INCOMPLETE:
        return None
    if size != value_length:
        return False
    return pkimessage_prefix(data, at)



class TcpMessageReader(FramedStreamReader):
    """Frames one direction of a TCP stream into RFC 2510 and TCP-Messaging v10 PDUs."""

    unit_name = "frame"
    candidates = _LENGTH_HIGH_BYTE

    def unit_size(self, data: bytearray) -> int | None:
        head = frame_header(data)
        if head is None or head == INCOMPLETE:
            return head
        return 4 + head[0]

    def plausible(self, data: bytearray, offset: int) -> bool | None:
        return plausible_frame(data, offset)

    def decode(self, data: bytes, frame: int, time: float | None, damage: str | None) -> CmpPdu | None:
        tcp_frame = parse_frame(data)
        if tcp_frame is None:
            return None
        der = tcp_frame.der if damage is None else None
        return CmpPdu(self.direction, frame, time, tcp_frame.transport, der, tcp_frame.frame_type,
                      tcp_frame.framing, None, damage or tcp_frame.error)
