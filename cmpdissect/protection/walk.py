"""Small DER readers the protection checks share: children of a constructed TLV, AlgorithmIdentifier,
BIT STRING octets. All of them raise `der.DerError` with the offset where the input broke.
"""

from __future__ import annotations

from dataclasses import dataclass

from cmpdissect.asn1 import der
from cmpdissect.asn1.der import DerError, TlvHeader


@dataclass(frozen=True, slots=True)
class Algorithm:
    """An AlgorithmIdentifier (RFC 5280 4.1.1.2): dotted OID and the parameters TLV, if any."""

    oid: str
    params: bytes | None  # the DER of the parameters TLV; None when absent


def children(data: bytes, h: TlvHeader) -> list[TlvHeader]:
    """The TLVs inside a constructed TLV, in order."""
    if not h.constructed:
        raise DerError("expected a constructed TLV", h.offset)
    out: list[TlvHeader] = []
    pos = h.start
    while pos < h.end:
        child = der.read_header(data, pos, h.end)
        out.append(child)
        pos = child.end
    return out


def expect(h: TlvHeader, tag: int, what: str, tag_class: int = der.UNIVERSAL) -> TlvHeader:
    """Return `h` if it has the expected class and tag, else raise naming `what`."""
    if h.tag_class != tag_class or h.tag != tag:
        raise DerError(f"{what}: unexpected tag", h.offset)
    return h


def single(data: bytes, h: TlvHeader, what: str) -> TlvHeader:
    """The one TLV inside an explicit tag."""
    inner = children(data, h)
    if len(inner) != 1:
        raise DerError(f"{what}: expected one inner TLV", h.offset)
    return inner[0]


def tlv(data: bytes, h: TlvHeader) -> bytes:
    """The whole TLV (header and content) as bytes."""
    return data[h.offset : h.end]


def content(data: bytes, h: TlvHeader) -> bytes:
    return data[h.start : h.end]


def algorithm(data: bytes, h: TlvHeader) -> Algorithm:
    """Read an AlgorithmIdentifier SEQUENCE (or its implicitly tagged form: only the content counts)."""
    parts = children(data, h)
    if not parts:
        raise DerError("empty AlgorithmIdentifier", h.offset)
    oid = der.read_oid(data, expect(parts[0], der.OID, "algorithm"))
    if len(parts) == 1:
        return Algorithm(oid, None)
    return Algorithm(oid, tlv(data, parts[1]))


def bit_string_octets(data: bytes, h: TlvHeader) -> bytes:
    """The octets of a BIT STRING holding a signature or MAC (unused-bits octet dropped)."""
    if h.length == 0:
        raise DerError("empty BIT STRING", h.offset)
    if data[h.start] != 0:
        raise DerError(f"BIT STRING with {data[h.start]} unused bits", h.offset)
    return data[h.start + 1 : h.end]


def parse(data: bytes) -> TlvHeader:
    """The single TLV that `data` must consist of."""
    h = der.read_header(data, 0)
    if h.end != len(data):
        raise DerError(f"{len(data) - h.end} bytes after the TLV", h.end)
    return h


def certification_request(data: bytes, h: der.TlvHeader) -> tuple[list[der.TlvHeader], list[der.TlvHeader]]:
    """A PKCS#10 CertificationRequest (RFC 2986 4.2): its three fields, and the fields of its
    certificationRequestInfo (version, subject, subjectPKInfo, attributes)."""
    fields = children(data, expect(h, der.SEQUENCE, "CertificationRequest"))
    if len(fields) != 3:
        raise DerError("CertificationRequest: expected 3 fields", h.offset)
    info = children(data, fields[0])
    if len(info) < 3:
        raise DerError("certificationRequestInfo: too few fields", fields[0].offset)
    return fields, info
