"""Recognizing a PKIMessage by its first bytes, without decoding it.

Transport decoders must decide whether a body or a stream holds CMP before any ASN.1 decode
(ARCHITECTURE.md: fast path first). A PKIMessage is `SEQUENCE { header SEQUENCE { pvno INTEGER ...`
(RFC 9810 section 5.1), so its first 15 bytes are enough to tell it from other traffic.
"""

from __future__ import annotations

from cmpdissect.asn1.der import DerError, tlv_length

MAX_UNIT = 64 * 1024 * 1024  # beyond this a length field is taken as garbage, not as a message
INCOMPLETE = -1  # more bytes are needed to answer

_SEQUENCE = 0x30
_INTEGER = 0x02
_MIN_PKIMESSAGE = 10  # content octets of the smallest PKIMessage: pvno, two GeneralNames, a body


def sequence_size(data: bytes | bytearray, offset: int = 0) -> int | None:
    """Total size (header + content) of the DER SEQUENCE starting at `offset`.

    INCOMPLETE when its header is not all there yet; None when the bytes are no SEQUENCE header
    or announce more than MAX_UNIT.
    """
    if offset >= len(data):
        return INCOMPLETE
    if data[offset] != _SEQUENCE:
        return None
    try:
        size = tlv_length(data, offset)
    except DerError:
        return None
    if size is None:
        return INCOMPLETE
    return size if size <= MAX_UNIT else None


def pkimessage_prefix(data: bytes | bytearray, offset: int = 0) -> bool | None:
    """Whether the bytes at `offset` start like a PKIMessage; None when more bytes are needed.

    Checks the outer SEQUENCE, the PKIHeader SEQUENCE inside it, and pvno = INTEGER 1..3.
    """
    outer = sequence_size(data, offset)
    if outer is None:
        return False
    if outer == INCOMPLETE:
        return None
    outer_head = _header_len(data, offset)
    if outer - outer_head < _MIN_PKIMESSAGE:
        return False
    inner_at = offset + outer_head
    inner = sequence_size(data, inner_at)
    if inner is None:
        return False
    if inner == INCOMPLETE:
        return None
    if inner > outer - outer_head:
        return False
    pvno_at = inner_at + _header_len(data, inner_at)
    if len(data) < pvno_at + 3:
        return None
    return data[pvno_at] == _INTEGER and data[pvno_at + 1] == 1 and 1 <= data[pvno_at + 2] <= 3


def is_pkimessage(body: bytes) -> bool:
    """True when `body` is exactly one TLV that starts like a PKIMessage (nothing before or after)."""
    return pkimessage_prefix(body) is True and sequence_size(body) == len(body)


def _header_len(data: bytes | bytearray, offset: int) -> int:
    """Header size of a one-octet-tag TLV whose header `sequence_size` already accepted."""
    first = data[offset + 1]
    return 2 if first < 0x80 else 2 + (first & 0x7F)
