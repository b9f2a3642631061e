"""certConf certHash against the certificate the CA issued (RFC 9810 5.3.18, RFC 9480 2.10).

certHash is a hash of the DER certificate, using the hash of the certificate's own signature
algorithm; for EdDSA RFC 9481 3.3 fixes it (SHA-512 for Ed25519, SHAKE256 with 512 bits for
Ed448); `hashAlg` (pvno 3 only) names it when nothing else does. On a mismatch we try the usual
hashes, so a client that used the wrong algorithm is told apart from one that confirms another
certificate.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from cmpdissect.asn1 import der
from cmpdissect.asn1.der import DerError
from cmpdissect.model import Finding

from . import signature, walk
from .certs import parse_cert
from .findings import alg_name, finding
from .mac import OWF
from .protected_part import split_message

_CERT_CONF = 24
_CERT_REP_BODIES = frozenset({1, 3, 8, 14})  # ip, cp, kup, ccp
# Hash OID -> hashlib name and output size: the one-way functions of RFC 9481 2.1, and MD5, which
# old certificates are still signed with.
_HASHES: dict[str, tuple[str, int]] = {"1.2.840.113549.2.5": ("md5", 16), **OWF}
_EDDSA_HASH = {"1.3.101.112": "2.16.840.1.101.3.4.2.3", "1.3.101.113": "2.16.840.1.101.3.4.2.12"}
_GUESSES = ("1.3.14.3.2.26", "2.16.840.1.101.3.4.2.1", "2.16.840.1.101.3.4.2.2", "2.16.840.1.101.3.4.2.3",
            "2.16.840.1.101.3.4.2.4", "1.2.840.113549.2.5")  # fmt: skip
_SHA1 = "1.3.14.3.2.26"


@dataclass(frozen=True, slots=True)
class CertHashVerdict:
    """The certHash check of one CertStatus."""

    cert_req_id: int
    status: str  # valid | invalid | unverifiable
    reason: str | None = None
    findings: list[Finding] = field(default_factory=list)


def hash_cert(cert: bytes, hash_oid: str) -> bytes:
    name, size = _HASHES[hash_oid]
    h = hashlib.new(name, cert)
    return h.digest(size) if name.startswith("shake") else h.digest()  # type: ignore[call-arg]


def implied_hash(cert: bytes) -> str | None:
    """The hash OID the certificate's signature algorithm implies (RFC 9810 5.3.18), or None."""
    c = parse_cert(cert)
    oid = c.sig_alg.oid
    if oid in _EDDSA_HASH:
        return _EDDSA_HASH[oid]
    if oid == "1.2.840.113549.1.1.10":  # RSASSA-PSS: hashAlgorithm [0] of its parameters
        params = c.sig_alg.params
        if params is None or params == b"\x05\x00":
            return _SHA1
        for f in walk.children(params, walk.parse(params)):
            if f.tag_class == der.CONTEXT and f.tag == 0:
                return walk.algorithm(params, walk.single(params, f, "hashAlgorithm")).oid
        return _SHA1
    return signature.SIGNATURE_ALGS.get(oid, ("", None))[1]


def issued_certs(data: bytes) -> dict[int, bytes | None]:
    """certReqId -> issued certificate DER (None when encrypted) of an ip/cp/kup/ccp message."""
    parts = split_message(data)
    if parts.body_tag not in _CERT_REP_BODIES:
        return {}
    body = parts.body
    rep = walk.children(body, walk.single(body, walk.parse(body), "PKIBody"))
    responses = next((h for h in rep if h.tag_class == der.UNIVERSAL and h.tag == der.SEQUENCE), None)
    out: dict[int, bytes | None] = {}
    for resp in walk.children(body, responses) if responses else []:
        f = walk.children(body, resp)
        if len(f) < 2:
            raise DerError("CertResponse: too few fields", resp.offset)
        req_id = der.read_int(body, walk.expect(f[0], der.INTEGER, "certReqId"))
        pair = next((h for h in f[2:] if h.tag == der.SEQUENCE and h.tag_class == der.UNIVERSAL), None)
        if pair is None:
            continue
        choice = walk.children(body, pair)[0]  # CertOrEncCert
        cert = walk.tlv(body, walk.single(body, choice, "certificate")) if choice.tag == 0 else None
        out[req_id] = cert
    return out


def _statuses(data: bytes) -> tuple[int, list[tuple[int, bytes, str | None]]]:
    """pvno and (certReqId, certHash, hashAlg OID) of each CertStatus of a certConf."""
    parts = split_message(data)
    if parts.body_tag != _CERT_CONF:
        return parts.pvno, []
    body = parts.body
    out = []
    for st in walk.children(body, walk.single(body, walk.parse(body), "PKIBody")):
        f = walk.children(body, st)
        if len(f) < 2:
            raise DerError("CertStatus: too few fields", st.offset)
        cert_hash = walk.content(body, walk.expect(f[0], der.OCTET_STRING, "certHash"))
        req_id = der.read_int(body, walk.expect(f[1], der.INTEGER, "certReqId"))
        alg = next((h for h in f[2:] if h.tag_class == der.CONTEXT and h.tag == 0), None)
        hash_alg = walk.algorithm(body, walk.single(body, alg, "hashAlg")).oid if alg else None
        out.append((req_id, cert_hash, hash_alg))
    return parts.pvno, out


def verify_cert_hashes(cert_conf: bytes, response: bytes) -> list[CertHashVerdict]:
    """Check every CertStatus of a certConf against the certificates of the response it confirms.

    Both arguments are whole PKIMessages; [] when `cert_conf` is not a certConf. Never raises.
    """
    try:
        pvno, statuses = _statuses(cert_conf)
        issued = issued_certs(response)
    except DerError as e:
        reason = f"certConf or response does not decode: {e}"
        return [
            CertHashVerdict(
                -1, "unverifiable", reason, [finding("certhash-undecodable", reason)]
            )
        ]
    return [_one(req_id, value, hash_alg, pvno, issued) for req_id, value, hash_alg in statuses]


def _one(
    req_id: int, value: bytes, hash_alg: str | None, pvno: int, issued: dict[int, bytes | None]
) -> CertHashVerdict:
    findings: list[Finding] = []
    if req_id not in issued:
        reason = f"certReqId {req_id}: the response carries no certificate with this certReqId"
        return CertHashVerdict(
            req_id, "unverifiable", reason, [finding("certhash-no-cert", reason)]
        )
    cert = issued[req_id]
    if cert is None:
        return CertHashVerdict(
            req_id, "unverifiable", f"certReqId {req_id}: the certificate was sent encrypted"
        )
    if hash_alg is not None and pvno < 3:
        findings.append(finding("certhash-hashalg-pvno",
                                f"certReqId {req_id}: hashAlg is present but pvno is {pvno}, not 3"))  # fmt: skip
    try:
        implied = implied_hash(cert)
    except DerError as e:
        reason = f"certReqId {req_id}: the issued certificate does not decode: {e}"
        return CertHashVerdict(req_id, "unverifiable", reason, findings)
    expected = hash_alg or implied
    if expected is None or expected not in _HASHES:
        reason = f"certReqId {req_id}: no hash algorithm known for the certificate's signature and no hashAlg"
        findings.append(finding("certhash-alg-unknown", reason))
        return CertHashVerdict(req_id, "unverifiable", reason, findings)
    if hash_cert(cert, expected) == value:
        return CertHashVerdict(req_id, "valid", None, findings)
    used = next((h for h in _GUESSES if h != expected and hash_cert(cert, h) == value), None)
    if used is not None:
        reason = (
            f"certReqId {req_id}: certHash is the {alg_name(used)} hash of the issued certificate, but "
            f"{alg_name(expected)} is required"
            + ("" if hash_alg else " (the hash of its signature algorithm)")
        )
        findings.append(finding("certhash-wrong-alg", reason))
    else:
        reason = (
            f"certReqId {req_id}: certHash ({alg_name(expected)}) does not match the issued certificate: "
            "the client confirms a different certificate, or the message was altered"
        )
        findings.append(finding("certhash-mismatch", reason))
    return CertHashVerdict(req_id, "invalid", reason, findings)
