"""What a certificate request asked for: the CRMF CertTemplate (RFC 4211 5) of each CertReqMsg of
ir/cr/kur/ccr, or the PKCS#10 certificationRequestInfo (RFC 2986 4.1) of a p10cr, as raw DER fields
so that they can be compared with the certificate the CA issued.
"""

from __future__ import annotations

from dataclasses import dataclass

from cmpdissect.asn1 import der
from cmpdissect.asn1.der import DerError

from . import walk
from .ber import encode
from .certs import Extension, read_extensions, time_value
from .protected_part import split_message

CERT_REQ_BODIES = frozenset({0, 2, 7, 13})  # ir, cr, kur, ccr
P10CR = 4
EXTENSION_REQUEST = "1.2.840.113549.1.9.14"  # PKCS #9 extensionRequest (RFC 2985 5.4.2)


@dataclass(frozen=True, slots=True)
class Requested:
    """The fields a request set; None (or empty) where it left the choice to the CA."""

    cert_req_id: int  # -1 for p10cr (RFC 9810 5.3.4)
    subject: bytes | None = None  # Name DER
    public_key: bytes | None = None  # SubjectPublicKeyInfo DER
    extensions: tuple[Extension, ...] = ()
    not_before: float | None = None
    not_after: float | None = None


def requested(data: bytes) -> list[Requested]:
    """Every request of an ir/cr/kur/ccr/p10cr PKIMessage; [] for other bodies. Raises DerError."""
    parts = split_message(data)
    body = parts.body
    content = walk.single(body, walk.parse(body), "PKIBody")
    if parts.body_tag == P10CR:
        return [_csr(body, content)]
    if parts.body_tag not in CERT_REQ_BODIES:
        return []
    return [_template(body, m) for m in walk.children(body, content)]


def _template(body: bytes, msg: der.TlvHeader) -> Requested:
    fields = walk.children(body, walk.expect(msg, der.SEQUENCE, "CertReqMsg"))
    if not fields:
        raise DerError("empty CertReqMsg", msg.offset)
    req = walk.children(body, walk.expect(fields[0], der.SEQUENCE, "CertRequest"))
    if len(req) < 2:
        raise DerError("CertRequest: too few fields", fields[0].offset)
    req_id = der.read_int(body, walk.expect(req[0], der.INTEGER, "certReqId"))
    t = {h.tag: h for h in walk.children(body, req[1]) if h.tag_class == der.CONTEXT}
    subject = walk.tlv(body, walk.single(body, t[5], "subject")) if 5 in t else None
    # [6] SubjectPublicKeyInfo and [9] Extensions are implicitly tagged SEQUENCEs
    key = encode(b"\x30", walk.content(body, t[6])) if 6 in t else None
    exts = read_extensions(body, t[9]) if 9 in t else ()
    # OptionalValidity: [0] and [1] each wrap a Time (explicitly, Time being a CHOICE)
    times = {h.tag: walk.single(body, h, "Time") for h in walk.children(body, t[4])} if 4 in t else {}
    not_before = time_value(body, times[0]) if 0 in times else None
    not_after = time_value(body, times[1]) if 1 in times else None
    return Requested(req_id, subject, key, exts, not_before, not_after)


def _csr(body: bytes, csr: der.TlvHeader) -> Requested:
    fields, info = walk.certification_request(body, csr)
    exts: tuple[Extension, ...] = ()
    for attrs in info[3:]:
        for attr in walk.children(body, attrs):
            parts = walk.children(body, attr)
            if len(parts) == 2 and der.read_oid(body, walk.expect(parts[0], der.OID, "type")) == EXTENSION_REQUEST:
                values = walk.children(body, parts[1])
                if values:
                    exts = read_extensions(body, values[0])
    return Requested(-1, walk.tlv(body, info[1]), walk.tlv(body, info[2]), exts)
