"""Proof-of-possession signatures of certificate requests.

ir/cr/kur/ccr: POPOSigningKey (RFC 4211 4.1, RFC 9810 5.2.8.2) signs the DER of the CertRequest
when the template carries both subject and publicKey, else the DER of poposkInput (with its own
public key). p10cr: the PKCS#10 signature over certificationRequestInfo (RFC 2986 4.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cmpdissect.asn1 import der
from cmpdissect.asn1.der import DerError
from cmpdissect.model import Finding

from . import signature, walk
from .ber import encode
from .findings import alg_name, finding
from .protected_part import split_message
from .signature import SignatureUnsupported

_CERT_REQ_BODIES = {0: "ir", 2: "cr", 7: "kur", 13: "ccr"}
_P10CR = 4
_POP_NAMES = {0: "raVerified", 1: "signature", 2: "keyEncipherment", 3: "keyAgreement"}


@dataclass(frozen=True, slots=True)
class PopVerdict:
    """The POP check of one request; `cert_req_id` is -1 for p10cr (RFC 9810 5.3.4)."""

    cert_req_id: int
    status: str  # valid | invalid | unverifiable | unchecked (raVerified, encryption or agreement POP)
    reason: str | None = None
    findings: list[Finding] = field(default_factory=list)


def verify_pop(data: bytes) -> list[PopVerdict]:
    """POP verdicts for every request in an ir/cr/kur/ccr/p10cr message; [] for other bodies."""
    try:
        parts = split_message(data)
    except DerError:
        return []
    body = parts.body
    try:
        content = walk.single(body, walk.parse(body), "PKIBody")
        if parts.body_tag == _P10CR:
            return [_p10cr(body, content)]
        if parts.body_tag not in _CERT_REQ_BODIES:
            return []
        return [_cert_req_msg(body, m) for m in walk.children(body, content)]
    except DerError as e:
        reason = f"request does not decode: {e}"
        return [PopVerdict(-1, "unverifiable", reason, [finding("pop-undecodable", reason)])]


def _check(alg: walk.Algorithm, spki: bytes, sig: bytes, signed: bytes, req_id: int, what: str) -> PopVerdict:
    try:
        ok = signature.verify(alg, spki, sig, signed)
    except SignatureUnsupported as e:
        reason = f"{what} with {alg_name(alg.oid)} cannot be checked: {e}"
        return PopVerdict(
            req_id, "unverifiable", reason, [finding("pop-alg-unsupported", reason)]
        )
    if ok:
        return PopVerdict(req_id, "valid")
    reason = f"{what} ({alg_name(alg.oid)}) does not verify with the requested public key"
    return PopVerdict(req_id, "invalid", reason, [finding("pop-invalid", reason)])


def _p10cr(body: bytes, csr: der.TlvHeader) -> PopVerdict:
    """PKCS#10: signature over certificationRequestInfo with its own subjectPKInfo (RFC 2986 4.2)."""
    fields, info = walk.certification_request(body, csr)
    sig = walk.bit_string_octets(body, walk.expect(fields[2], der.BIT_STRING, "signature"))
    alg = walk.algorithm(body, fields[1])
    return _check(alg, walk.tlv(body, info[2]), sig, walk.tlv(body, fields[0]), -1, "p10cr CSR signature")


def _cert_req_msg(body: bytes, msg: der.TlvHeader) -> PopVerdict:
    """One CertReqMsg: which POP it uses and, for a signature POP, whether it verifies."""
    fields = walk.children(body, walk.expect(msg, der.SEQUENCE, "CertReqMsg"))
    if not fields:
        raise DerError("empty CertReqMsg", msg.offset)
    cert_req = fields[0]
    req = walk.children(body, walk.expect(cert_req, der.SEQUENCE, "CertRequest"))
    if len(req) < 2:
        raise DerError("CertRequest: too few fields", cert_req.offset)
    req_id = der.read_int(body, walk.expect(req[0], der.INTEGER, "certReqId"))
    template = {h.tag: h for h in walk.children(body, req[1]) if h.tag_class == der.CONTEXT}
    popo = fields[1] if len(fields) > 1 and fields[1].tag_class == der.CONTEXT else None
    if popo is None:
        return PopVerdict(req_id, "unchecked", "no POP in the request")
    if popo.tag != 1:
        return PopVerdict(
            req_id, "unchecked", f"{_POP_NAMES.get(popo.tag, 'unknown')} POP has no signature to check"
        )
    # POPOSigningKey is implicitly tagged [1]: its fields follow directly.
    pop = walk.children(body, popo)
    input_h = pop[0] if pop and pop[0].tag_class == der.CONTEXT and pop[0].tag == 0 else None
    rest = pop[1:] if input_h is not None else pop
    if len(rest) != 2:
        raise DerError("POPOSigningKey: expected algorithmIdentifier and signature", popo.offset)
    alg = walk.algorithm(body, rest[0])
    sig = walk.bit_string_octets(body, walk.expect(rest[1], der.BIT_STRING, "signature"))
    findings: list[Finding] = []
    has_subject_and_key = 5 in template and 6 in template
    if input_h is not None:
        if has_subject_and_key:
            findings.append(
                finding("pop-poposkinput-unexpected",
                        f"certReqId {req_id}: poposkInput is present although the template has subject "
                        "and publicKey; it MUST then be omitted")
            )  # fmt: skip
        signed = ber_sequence(walk.content(body, input_h))
        spki_h = walk.children(body, input_h)[-1]
        spki = walk.tlv(body, walk.expect(spki_h, der.SEQUENCE, "poposkInput publicKey"))
        what = f"certReqId {req_id}: POP signature over poposkInput"
    else:
        if 6 not in template:
            reason = (
                f"certReqId {req_id}: signature POP without poposkInput, and no publicKey in the template"
            )
            return PopVerdict(req_id, "invalid", reason, [finding("pop-invalid", reason)])
        if 5 not in template:
            findings.append(
                finding("pop-poposkinput-missing",
                        f"certReqId {req_id}: the template has no subject, so poposkInput MUST be present")
            )  # fmt: skip
        signed = walk.tlv(body, cert_req)
        spki = ber_sequence(walk.content(body, template[6]))  # [6] SubjectPublicKeyInfo, implicit
        what = f"certReqId {req_id}: POP signature over CertRequest"
    v = _check(alg, spki, sig, signed, req_id, what)
    return PopVerdict(v.cert_req_id, v.status, v.reason, findings + v.findings)


def ber_sequence(content: bytes) -> bytes:
    """Give implicitly tagged content back its universal SEQUENCE tag (what was signed)."""
    return encode(b"\x30", content)
