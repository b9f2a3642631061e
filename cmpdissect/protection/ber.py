"""Re-encoding a BER PKIMessage as DER, without a schema (X.690 section 10 and 11).

Protection covers the DER of ProtectedPart (RFC 9810 5.1.3); a sender that emitted BER (indefinite
lengths, long-form lengths, constructed strings, unsorted SET OF, BOOLEAN TRUE not 0xFF, padded
INTEGERs) still computed its MAC or signature over the DER of the abstract value, as OpenSSL does.
Rules that need the schema (DEFAULT values, implicitly tagged strings) are out of reach and left as
they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from cmpdissect.asn1.der import DerError

_MAX_DEPTH = 64
_STRING_TAGS = frozenset({3, 4, 12, 18, 19, 20, 21, 22, 25, 26, 27, 28, 30})  # X.690 8.23 / 10.2


@dataclass(frozen=True, slots=True)
class BerTlv:
    """One BER TLV: identifier octets as found, content bounds, and the end of the whole TLV."""

    offset: int
    identifier: bytes
    constructed: bool
    universal_tag: int | None  # the tag number for universal-class TLVs, else None
    start: int
    end: int  # end of content (before the end-of-contents octets of an indefinite form)
    stop: int  # end of the whole TLV


def read(data: bytes, offset: int, limit: int, depth: int = 0) -> BerTlv:
    """Read one BER TLV at `offset`; indefinite lengths are followed to their end-of-contents."""
    if depth > _MAX_DEPTH:
        raise DerError("nesting too deep", offset)
    if offset >= limit:
        raise DerError("truncated: no TLV", offset)
    b0 = data[offset]
    pos = offset + 1
    if b0 & 0x1F == 0x1F:
        while True:
            if pos >= limit or pos - offset > 5:
                raise DerError("bad tag number", offset)
            pos += 1
            if not data[pos - 1] & 0x80:
                break
    identifier = data[offset:pos]
    constructed = bool(b0 & 0x20)
    universal = b0 & 0x1F if b0 >> 6 == 0 and b0 & 0x1F != 0x1F else None
    if pos >= limit:
        raise DerError("truncated TLV header", offset)
    lb = data[pos]
    pos += 1
    if lb == 0x80:
        if not constructed:
            raise DerError("indefinite length on a primitive TLV", offset)
        cur = pos
        while True:
            if cur + 2 <= limit and data[cur] == 0 and data[cur + 1] == 0:
                return BerTlv(offset, identifier, True, universal, pos, cur, cur + 2)
            cur = read(data, cur, limit, depth + 1).stop
    if lb & 0x80:
        count = lb & 0x7F
        if count > 8 or pos + count > limit:
            raise DerError("bad length field", offset)
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    else:
        length = lb
    if pos + length > limit:
        raise DerError(f"length {length} exceeds remaining {limit - pos}", offset)
    return BerTlv(offset, identifier, constructed, universal, pos, pos + length, pos + length)


def items(data: bytes, t: BerTlv, depth: int = 0) -> list[BerTlv]:
    """The TLVs inside a constructed BER TLV."""
    out: list[BerTlv] = []
    pos = t.start
    while pos < t.end:
        child = read(data, pos, t.end, depth + 1)
        out.append(child)
        pos = child.stop
    return out


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def encode(identifier: bytes, body: bytes) -> bytes:
    """A definite-length, minimal-length TLV."""
    return identifier + _length(len(body)) + body


def _string_content(data: bytes, t: BerTlv, depth: int) -> bytes:
    """Concatenated segments of a constructed string (X.690 8.23.4), BIT STRING segments merged."""
    parts = [to_der(data, c, depth + 1) for c in items(data, t, depth)]
    if t.universal_tag != 3:
        return b"".join(_strip_header(p) for p in parts)
    octets = b""
    unused = 0
    for p in parts:
        seg = _strip_header(p)
        if seg:
            unused = seg[0]
            octets += seg[1:]
    return bytes([unused]) + octets


def _strip_header(tlv: bytes) -> bytes:
    t = read(tlv, 0, len(tlv))
    return tlv[t.start : t.end]


def to_der(data: bytes, t: BerTlv, depth: int = 0) -> bytes:
    """The DER re-encoding of one TLV and everything inside it."""
    if depth > _MAX_DEPTH:
        raise DerError("nesting too deep", t.offset)
    if t.constructed and t.universal_tag in _STRING_TAGS:
        return encode(bytes([t.identifier[0] & ~0x20]), _string_content(data, t, depth))
    if not t.constructed:
        value = data[t.start : t.end]
        if t.universal_tag == 1 and value and value != b"\x00":
            value = b"\xff"
        elif t.universal_tag in (2, 10):
            while len(value) > 1 and (
                (value[0] == 0 and not value[1] & 0x80) or (value[0] == 0xFF and value[1] & 0x80)
            ):
                value = value[1:]
        return encode(t.identifier, value)
    inner = [to_der(data, c, depth + 1) for c in items(data, t, depth)]
    if t.universal_tag == 17:
        inner.sort()
    return encode(t.identifier, b"".join(inner))


def is_der(data: bytes, t: BerTlv, depth: int = 0) -> bool:
    """Whether `to_der` would give back the TLV's own bytes: the common case, checked without
    building the re-encoding (which costs a copy of every TLV)."""
    if depth > _MAX_DEPTH:
        raise DerError("nesting too deep", t.offset)
    if t.stop != t.end or t.start - t.offset - len(t.identifier) != len(_length(t.end - t.start)):
        return False  # indefinite or non-minimal length
    if not t.constructed:
        value = data[t.start : t.end]
        if t.universal_tag == 1:
            return value in (b"\x00", b"\xff")
        if t.universal_tag in (2, 10) and len(value) > 1:
            return not ((value[0] == 0 and not value[1] & 0x80) or (value[0] == 0xFF and value[1] & 0x80))
        return True
    if t.universal_tag in _STRING_TAGS:
        return False  # a constructed string
    children = items(data, t, depth)
    if not all(is_der(data, c, depth + 1) for c in children):
        return False
    if t.universal_tag == 17:
        encodings = [data[c.offset : c.stop] for c in children]
        return encodings == sorted(encodings)
    return True
