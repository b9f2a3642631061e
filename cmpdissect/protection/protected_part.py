"""The parts of a PKIMessage that protection needs, and the ProtectedPart bytes it covers.

RFC 9810 5.1.3: protection is computed over the DER of `ProtectedPart ::= SEQUENCE { header, body }`.
We rebuild it from the captured header and body TLVs (what the sender signed if it emitted DER),
and, when the message holds BER, also from their DER re-encoding (what the sender should have
signed): verification tries both.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cmpdissect.asn1 import der
from cmpdissect.asn1.der import DerError

from . import ber, walk
from .walk import Algorithm


@dataclass(frozen=True, slots=True)
class MessageParts:
    """A PKIMessage split for protection checks; every byte string is DER (re-encoded if it was BER)."""

    pvno: int
    sender: bytes  # the sender GeneralName TLV
    sender_kid: bytes | None
    protection_alg: Algorithm | None
    body_tag: int
    body: bytes  # the body TLV, its [n] tag included
    protected_parts: tuple[bytes, ...]  # as captured first; the DER re-encoding second if different
    protection: bytes | None  # the BIT STRING content, unused-bits octet included
    extra_certs: tuple[bytes, ...]
    was_ber: bool  # the captured encoding differs from DER


def _protected_part(header: bytes, body: bytes) -> bytes:
    return ber.encode(b"\x30", header + body)


@lru_cache(maxsize=256)
def split_message(data: bytes) -> MessageParts:
    """Split a PKIMessage (DER or BER); raises DerError with the offset where it broke.

    Cached: protection, signer resolution, extraCerts and certHash checks all split the same
    message, and the DER re-encoding is the costly part.
    """
    top = ber.read(data, 0, len(data))
    if top.identifier != b"\x30":
        raise DerError("PKIMessage is not a SEQUENCE", 0)
    fields = ber.items(data, top)
    if len(fields) < 2:
        raise DerError("PKIMessage without header and body", top.start)
    raw_part = _protected_part(
        data[fields[0].offset : fields[0].stop], data[fields[1].offset : fields[1].stop]
    )
    was_ber = not ber.is_der(data, top)
    canonical = ber.to_der(data, top) if was_ber else data[: top.stop]
    msg = walk.parse(canonical)
    parts = walk.children(canonical, msg)
    header_h, body_h = parts[0], parts[1]
    walk.expect(header_h, der.SEQUENCE, "PKIHeader")
    if body_h.tag_class != der.CONTEXT:
        raise DerError("PKIBody: expected a context tag", body_h.offset)
    header = walk.children(canonical, header_h)
    if len(header) < 3:
        raise DerError("PKIHeader without pvno, sender and recipient", header_h.start)
    pvno = der.read_int(canonical, walk.expect(header[0], der.INTEGER, "pvno"))
    alg: Algorithm | None = None
    kid: bytes | None = None
    for h in header[3:]:
        if h.tag_class != der.CONTEXT:
            continue
        if h.tag == 1:
            alg = walk.algorithm(canonical, walk.single(canonical, h, "protectionAlg"))
        elif h.tag == 2:
            inner = walk.expect(walk.single(canonical, h, "senderKID"), der.OCTET_STRING, "senderKID")
            kid = walk.content(canonical, inner)
    protection: bytes | None = None
    extra: tuple[bytes, ...] = ()
    for h in parts[2:]:
        if h.tag_class == der.CONTEXT and h.tag == 0:
            inner = walk.expect(walk.single(canonical, h, "protection"), der.BIT_STRING, "protection")
            protection = walk.content(canonical, inner)
        elif h.tag_class == der.CONTEXT and h.tag == 1:
            inner = walk.single(canonical, h, "extraCerts")
            extra = tuple(walk.tlv(canonical, c) for c in walk.children(canonical, inner))
    parts_bytes = (raw_part,)
    canonical_part = _protected_part(walk.tlv(canonical, header_h), walk.tlv(canonical, body_h))
    if canonical_part != raw_part:
        parts_bytes += (canonical_part,)
    return MessageParts(
        pvno=pvno,
        sender=walk.tlv(canonical, header[1]),
        sender_kid=kid,
        protection_alg=alg,
        body_tag=body_h.tag,
        body=walk.tlv(canonical, body_h),
        protected_parts=parts_bytes,
        protection=protection,
        extra_certs=extra,
        was_ber=was_ber,
    )


def extra_certs(data: bytes) -> tuple[bytes, ...]:
    """The extraCerts of a PKIMessage as DER, or () when it has none or does not decode.

    Lets a caller remember certificates seen earlier in a transaction (`verify_unit(known_certs=)`):
    a signer may send its certificate only in the first message (RFC 9483 3.3).
    """
    try:
        return split_message(data).extra_certs
    except DerError:
        return ()
