"""Minimal DER/BER TLV reading (X.690 section 8.1): tag, length, content bounds.

Shared by the fast summary walker and by transport framing of bare DER on TCP. Only headers are
parsed here, plus the few primitive value decoders the summary needs; everything bounds-checked,
every failure a `DerError` carrying the byte offset where it happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

UNIVERSAL, APPLICATION, CONTEXT, PRIVATE = 0, 1, 2, 3

# Universal tag numbers (X.680 section 8.4) that CMP uses.
BOOLEAN = 1
INTEGER = 2
BIT_STRING = 3
OCTET_STRING = 4
NULL = 5
OID = 6
ENUMERATED = 10
UTF8_STRING = 12
SEQUENCE = 16
SET = 17
PRINTABLE_STRING = 19
T61_STRING = 20
IA5_STRING = 22
UTC_TIME = 23
GENERALIZED_TIME = 24
VISIBLE_STRING = 26
UNIVERSAL_STRING = 28
BMP_STRING = 30

_MAX_TAG_OCTETS = 4  # tag numbers up to 2**28; anything longer is garbage, not ASN.1 in the wild
_MAX_LENGTH_OCTETS = 8


class DerError(Exception):
    """A TLV that cannot be read; `offset` is where in the buffer it broke."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} at offset {offset}")
        self.message = message
        self.offset = offset


@dataclass(frozen=True, slots=True)
class TlvHeader:
    """One TLV header: where it starts, its identifier octets decoded, and where its content ends."""

    offset: int
    tag_class: int  # UNIVERSAL, APPLICATION, CONTEXT or PRIVATE
    constructed: bool
    tag: int
    header_len: int
    length: int
    end: int  # offset just past the content

    @property
    def start(self) -> int:
        """Offset of the first content octet."""
        return self.offset + self.header_len


_new = object.__new__
_SETTERS = tuple(
    TlvHeader.__dict__[name].__set__
    for name in ("offset", "tag_class", "constructed", "tag", "header_len", "length", "end")
)


def _make(
    offset: int, tag_class: int, constructed: bool, tag: int, header_len: int, length: int
) -> TlvHeader:
    """Build a TlvHeader through its slots: the frozen dataclass __init__ costs twice as much,
    and the summary builds dozens per message."""
    h = _new(TlvHeader)
    s_off, s_cls, s_con, s_tag, s_hl, s_len, s_end = _SETTERS
    s_off(h, offset)
    s_cls(h, tag_class)
    s_con(h, constructed)
    s_tag(h, tag)
    s_hl(h, header_len)
    s_len(h, length)
    s_end(h, offset + header_len + length)
    return h


def _parse(data: bytes, offset: int, n: int) -> tuple[int, bool, int, int, int] | None:
    """Decode identifier and length octets (X.690 8.1.2, 8.1.3).

    Returns (class, constructed, tag, header_len, length), or None if the header does not end
    before `n`. Raises DerError for headers that can never be valid.
    """
    if offset >= n:
        return None
    b0 = data[offset]
    tag = b0 & 0x1F
    pos = offset + 1
    if tag == 0x1F:
        tag = 0
        for count in range(_MAX_TAG_OCTETS + 1):
            if pos >= n:
                return None
            b = data[pos]
            pos += 1
            tag = (tag << 7) | (b & 0x7F)
            if not b & 0x80:
                break
            if count == _MAX_TAG_OCTETS - 1:
                raise DerError(f"tag number longer than {_MAX_TAG_OCTETS} octets", offset)
    if pos >= n:
        return None
    lb = data[pos]
    pos += 1
    if lb < 0x80:
        length = lb
    elif lb == 0x80:
        raise DerError("indefinite length (BER, not DER)", offset)
    elif lb == 0xFF:
        raise DerError("reserved length octet 0xff", offset)
    else:
        count = lb & 0x7F
        if count > _MAX_LENGTH_OCTETS:
            raise DerError(f"length field of {count} octets", offset)
        if pos + count > n:
            return None
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    return b0 >> 6, bool(b0 & 0x20), tag, pos - offset, length


def read_header(data: bytes, offset: int, limit: int | None = None) -> TlvHeader:
    """Read the TLV header at `offset`; its content must end by `limit` (default: end of `data`).

    Raises DerError on truncation, indefinite length, or a length past `limit`.
    """
    if limit is None or limit > len(data):
        limit = len(data)
    if offset >= limit:
        raise DerError("truncated: no TLV", offset)
    b0 = data[offset]
    if b0 & 0x1F != 0x1F and offset + 1 < limit and data[offset + 1] < 0x80:  # the common short form
        length = data[offset + 1]
        if offset + 2 + length > limit:
            raise DerError(f"length {length} exceeds remaining {limit - offset - 2}", offset)
        return _make(offset, b0 >> 6, bool(b0 & 0x20), b0 & 0x1F, 2, length)
    parsed = _parse(data, offset, limit)
    if parsed is None:
        raise DerError("truncated TLV header", offset)
    tag_class, constructed, tag, header_len, length = parsed
    if offset + header_len + length > limit:
        raise DerError(f"length {length} exceeds remaining {limit - offset - header_len}", offset)
    return _make(offset, tag_class, constructed, tag, header_len, length)


def peek_header(data: bytes, offset: int = 0) -> TlvHeader | None:
    """The TLV header at `offset` without checking that its content is present (`end` may lie
    past the data); None if `data` ends inside the header.

    Raises DerError for a header that no more bytes could make valid (e.g. indefinite length).
    """
    parsed = _parse(data, offset, len(data))
    if parsed is None:
        return None
    return _make(offset, *parsed)


def tlv_length(data: bytes, offset: int = 0) -> int | None:
    """Total size (header + content) of the TLV at `offset`, or None if the header is incomplete.

    The content need not be present yet: this frames bare DER arriving on a TCP stream.
    Raises DerError for a header that no more bytes could make valid (e.g. indefinite length).
    """
    parsed = _parse(data, offset, len(data))
    if parsed is None:
        return None
    return parsed[3] + parsed[4]


def read_int(data: bytes, h: TlvHeader) -> int:
    """Two's-complement INTEGER/ENUMERATED content (X.690 8.3)."""
    if h.length == 0:
        raise DerError("empty INTEGER", h.offset)
    return int.from_bytes(data[h.start : h.end], "big", signed=True)


def read_oid(data: bytes, h: TlvHeader) -> str:
    """OBJECT IDENTIFIER content as dotted text (X.690 8.19)."""
    if h.length == 0:
        raise DerError("empty OBJECT IDENTIFIER", h.offset)
    arcs: list[int] = []
    value = 0
    pending = False
    for b in data[h.start : h.end]:
        value = (value << 7) | (b & 0x7F)
        pending = bool(b & 0x80)
        if not pending:
            arcs.append(value)
            value = 0
    if pending:
        raise DerError("OBJECT IDENTIFIER ends inside a subidentifier", h.offset)
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(map(str, head + arcs[1:]))


def read_bits(data: bytes, h: TlvHeader) -> list[int]:
    """Numbers of the bits set in a BIT STRING (X.690 8.6), bit 0 being the first (MSB) bit.

    Unused-bit counts and trailing zero octets are taken as they come (BER-tolerant).
    """
    if h.length == 0:
        raise DerError("empty BIT STRING", h.offset)
    unused = data[h.start]
    if unused > 7:
        raise DerError(f"BIT STRING with {unused} unused bits", h.offset)
    content = data[h.start + 1 : h.end]
    bits: list[int] = []
    total = len(content) * 8 - (unused if content else 0)
    for i, byte in enumerate(content):
        if not byte:
            continue
        for j in range(8):
            n = i * 8 + j
            if n < total and byte & (0x80 >> j):
                bits.append(n)
    return bits


_STRING_CODECS = {
    UTF8_STRING: "utf-8",
    PRINTABLE_STRING: "ascii",
    IA5_STRING: "ascii",
    VISIBLE_STRING: "ascii",
    T61_STRING: "latin-1",
    BMP_STRING: "utf-16-be",
    UNIVERSAL_STRING: "utf-32-be",
}


def read_string(data: bytes, h: TlvHeader) -> str:
    """Text of a character-string TLV; undecodable octets become U+FFFD, never an error."""
    codec = _STRING_CODECS.get(h.tag, "utf-8") if h.tag_class == UNIVERSAL else "utf-8"
    return data[h.start : h.end].decode(codec, errors="replace")


def read_time(data: bytes, h: TlvHeader) -> float:
    """GeneralizedTime or UTCTime content as epoch seconds (X.680 46, 47; RFC 5280 4.1.2.5)."""
    text = data[h.start : h.end].decode("ascii", errors="replace")
    try:
        if h.tag == UTC_TIME:
            year = int(text[0:2])
            year += 2000 if year < 50 else 1900
            rest = text[2:]
        else:
            year = int(text[0:4])
            rest = text[4:]
        month, day, hour = int(rest[0:2]), int(rest[2:4]), int(rest[4:6])
        minute = int(rest[6:8]) if len(rest) >= 8 and rest[6:8].isdigit() else 0
        tail = rest[8:] if len(rest) >= 8 and rest[6:8].isdigit() else rest[6:]
        second = 0.0
        if tail[:2].isdigit():
            second = float(tail[:2])
            tail = tail[2:]
            if tail[:1] in (".", ","):
                frac = tail[1:]
                digits = len(frac) - len(frac.lstrip("0123456789"))
                second += float("0." + frac[:digits]) if digits else 0.0
                tail = frac[digits:]
        offset = timedelta(0)
        if tail[:1] in ("+", "-") and len(tail) >= 5:
            sign = 1 if tail[0] == "+" else -1
            offset = sign * timedelta(hours=int(tail[1:3]), minutes=int(tail[3:5]))
        elif tail not in ("Z", ""):
            raise ValueError(tail)
        dt = datetime(year, month, day, hour, minute, tzinfo=UTC)
        return (dt - offset).timestamp() + second
    except (ValueError, IndexError):
        raise DerError(f"bad time value {text!r}", h.offset) from None
