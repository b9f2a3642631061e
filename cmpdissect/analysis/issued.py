"""Request versus issued: the certTemplate or PKCS#10 request beside the certificate the CA returned.

A CA may change what was asked for (RFC 4211 5: the template is a request, not an order), but it
then answers `grantedWithMods` (RFC 9810 5.2.3); a different public key is never acceptable
(the client holds no private key for it, RFC 9810 5.2.8). Subject names are compared byte-exactly
and as RFC 5280 7.1 matches them, so an encoding change is told apart from a different name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cmpdissect.analysis.bodies import CERT_RESPONSES, ISSUING_REQUESTS
from cmpdissect.analysis.steps import Step
from cmpdissect.asn1 import names
from cmpdissect.asn1.der import DerError
from cmpdissect.catalogue import finding
from cmpdissect.model import Finding
from cmpdissect.protection import Requested, requested
from cmpdissect.protection.certs import Cert, Extension, is_null_dn, name_text, names_match, parse_cert

SAN = "2.5.29.17"
VALIDITY_SLACK = 60.0  # seconds: CAs round validity to the minute
CHANGED, DROPPED, ADDED, ENCODING, SAME = "changed", "dropped", "added", "encoding", "same"


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """One field of the request beside the issued certificate."""

    field: str  # subject | subjectAltName | publicKey | extension <name> | notBefore | notAfter
    requested: str
    issued: str
    change: str  # same | changed | dropped | added | encoding


@dataclass(frozen=True, slots=True)
class IssuedComparison:
    cert_req_id: int
    request_frame: int
    response_frame: int
    status: str | None  # the CertResponse's PKIStatus
    fields: tuple[FieldDiff, ...]

    @property
    def modified(self) -> list[FieldDiff]:
        """What the CA changed or dropped (encoding-only differences are not modifications)."""
        return [f for f in self.fields if f.change in (CHANGED, DROPPED)]


def _key_text(spki: bytes | None) -> str:
    return f"SPKI sha256:{hashlib.sha256(spki).hexdigest()[:16]}" if spki else "(none)"


def _time_text(t: float | None) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if t is not None else "(none)"


def _ext_name(oid: str) -> str:
    return names.oid_name(oid) or oid


def _diff_extensions(req: Sequence[Extension], got: Sequence[Extension]) -> Iterator[FieldDiff]:
    issued = {e.oid: e for e in got}
    for e in req:
        label = "subjectAltName" if e.oid == SAN else f"extension {_ext_name(e.oid)}"
        mine = issued.get(e.oid)
        if mine is None:
            yield FieldDiff(label, e.value.hex(), "(absent)", DROPPED)
        else:
            yield FieldDiff(label, e.value.hex(), mine.value.hex(), SAME if mine.value == e.value else CHANGED)


def compare(req: Requested, cert: Cert) -> list[FieldDiff]:
    """Field by field, only what the request set (a CA fills in the rest by policy)."""
    out: list[FieldDiff] = []
    if req.subject is not None and not is_null_dn(req.subject):
        match = names_match(req.subject, cert.subject)
        change = {"exact": SAME, "loose": ENCODING}.get(match, CHANGED)
        out.append(FieldDiff("subject", name_text(req.subject), cert.subject_text, change))
    if req.public_key is not None:
        out.append(FieldDiff("publicKey", _key_text(req.public_key), _key_text(cert.spki),
                             SAME if req.public_key == cert.spki else CHANGED))
    out.extend(_diff_extensions(req.extensions, cert.extensions))
    for label, want, got in (("notBefore", req.not_before, cert.not_before), ("notAfter", req.not_after, cert.not_after)):
        if want is not None:
            same = got is not None and abs(want - got) <= VALIDITY_SLACK
            out.append(FieldDiff(label, _time_text(want), _time_text(got), SAME if same else CHANGED))
    return out


def comparisons(steps: Sequence[Step]) -> list[IssuedComparison]:
    """Every issued certificate of the transaction beside its request (by certReqId; -1 for p10cr)."""
    request = next((s for s in steps if s.direction == 0 and s.body in ISSUING_REQUESTS and not s.inner
                    and s.unit.der is not None), None)
    if request is None:
        return []
    try:
        asked = {r.cert_req_id: r for r in requested(request.unit.der)}
    except DerError:
        return []
    out = []
    for s in steps:
        if s.direction != 1 or s.body not in CERT_RESPONSES or s.msg is None or s.inner:
            continue
        for r in s.msg.cert_responses:
            req = asked.get(r.cert_req_id) or (asked.get(-1) if request.body == "p10cr" else None)
            if req is None or not r.cert_der:
                continue
            try:
                cert = parse_cert(r.cert_der)
            except DerError:
                continue
            out.append(IssuedComparison(r.cert_req_id, request.frame, s.frame, r.status, tuple(compare(req, cert))))
    return out


_CODES = {"subject": "issued-subject-changed", "subjectAltName": "issued-san-changed",
          "publicKey": "issued-key-changed", "notBefore": "issued-validity-changed",
          "notAfter": "issued-validity-changed"}


def check(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    for c in comparisons(steps):
        where = f"certReqId {c.cert_req_id} (frame {c.response_frame})"
        for f in c.modified:
            code = _CODES.get(f.field, "issued-extension-dropped")
            if code == "issued-extension-dropped" and f.change != DROPPED:
                continue  # a changed extension value is listed in the undeclared-modification finding
            what = "was dropped" if f.change == DROPPED else f"was requested as {f.requested}, issued as {f.issued}"
            yield finding(code, f"{where}: {f.field} {what}.", c.response_frame)
        if c.modified and c.status == "accepted":
            fields = ", ".join(sorted({f.field for f in c.modified}))
            yield finding("issued-mods-undeclared", f"{where}: the CA changed {fields} but answered accepted, "
                          "not grantedWithMods.", c.response_frame)


RUNS = (check,)
