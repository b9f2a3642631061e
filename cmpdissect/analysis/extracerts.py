"""extraCerts analysis: the protection chain apart from the issued certificate's chain, and what is
wrong with either (RFC 9483 3.3 and 4.1.1; RFC 9810 5.1; validity per RFC 5280 4.1.2.5).

A signed message's extraCerts start with the protection certificate, followed by its chain; an
ip/cp/kup adds the chain of the newly issued certificate. Validity is judged at the message's own
messageTime (else the capture time), not today: a capture is read long after it was made.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from cmpdissect.analysis.bodies import CERT_RESPONSES
from cmpdissect.analysis.steps import Step
from cmpdissect.asn1.der import DerError
from cmpdissect.catalogue import finding
from cmpdissect.model import Finding
from cmpdissect.protection import extra_certs, resolve_signer
from cmpdissect.protection.certs import Cert, parse_cert
from cmpdissect.protection.signature import MAX_CHAIN, issued_by


@dataclass(frozen=True, slots=True)
class ExtraCertsReport:
    """One message's extraCerts: which entry does what (indexes into `certs`)."""

    frame: int
    certs: tuple[Cert, ...]
    signer: int | None  # the protection certificate, when the signature verified with one of them
    protection_chain: tuple[int, ...]  # signer first, then its issuers as found
    issued_chain: tuple[int, ...]  # issuers of the certificate(s) issued in this message
    unrelated: tuple[int, ...]  # in neither chain
    duplicates: tuple[int, ...]  # later copies of an earlier entry


@lru_cache(maxsize=1024)
def _cert(data: bytes) -> Cert | None:
    try:
        return parse_cert(data)
    except DerError:
        return None


def _chain(start: Cert, pool: Sequence[Cert]) -> tuple[list[int], Cert]:
    """Indexes of `start`'s issuers in `pool`, in order, and the last certificate reached."""
    out: list[int] = []
    current = start
    for _ in range(MAX_CHAIN):
        if current.self_issued:
            break
        nxt = next((i for i, c in enumerate(pool) if i not in out and c is not current and issued_by(current, c)), None)
        if nxt is None:
            break
        out.append(nxt)
        current = pool[nxt]
    return out, current


def analyse(step: Step) -> ExtraCertsReport | None:
    """The extraCerts of one message (None when it has none or they do not decode)."""
    unit = step.unit
    if step.inner or unit.der is None or step.msg is None or not step.msg.extra_certs:
        return None
    raw = extra_certs(unit.der)
    parsed = [_cert(r) for r in raw]
    certs = tuple(c for c in parsed if c is not None)
    if not certs:
        return None
    first_seen: dict[bytes, int] = {}
    duplicates = []
    for i, c in enumerate(certs):
        if c.der in first_seen:
            duplicates.append(i)
        else:
            first_seen[c.der] = i
    signer = None
    resolution = resolve_signer(unit.der)
    if resolution is not None and resolution.signer is not None and resolution.signer.source.startswith("extraCerts["):
        signer = int(resolution.signer.source[len("extraCerts["):-1])
    protection: list[int] = []
    if signer is not None:
        protection = [signer, *_chain(certs[signer], certs)[0]]
    issued: list[int] = []
    if step.body in CERT_RESPONSES:
        for r in step.msg.cert_responses:
            cert = _cert(r.cert_der) if r.cert_der else None
            if cert is not None:
                issued += [i for i in _chain(cert, certs)[0] if i not in issued]
    used = set(protection) | set(issued) | set(duplicates)
    unrelated = tuple(i for i in range(len(certs)) if i not in used)
    return ExtraCertsReport(step.frame, certs, signer, tuple(protection), tuple(issued), unrelated, tuple(duplicates))


def check(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    for s in steps:
        report = analyse(s)
        if report is None:
            continue
        certs = report.certs
        for i in report.duplicates:
            yield finding("extracerts-duplicate", f"extraCerts[{i}] of the {s.label} repeats {certs[i].subject_text}.",
                          s.frame)
        chain = report.protection_chain
        if chain and (chain[0] != 0 or list(chain) != sorted(chain)):
            order = ", ".join(f"[{i}] {certs[i].subject_text}" for i in chain)
            yield finding("extracerts-order", f"The {s.label}'s extraCerts hold the protection chain as {order}; "
                          "the protection certificate comes first, then each issuer.", s.frame)
        starts = [certs[chain[0]]] if chain else []
        starts += [c for r in (s.msg.cert_responses if s.msg and s.body in CERT_RESPONSES else [])
                   if r.cert_der and (c := _cert(r.cert_der)) is not None]
        for start in starts:
            _, last = _chain(start, certs)
            if not last.self_issued and (any(c.self_issued for c in certs)
                                          or any(c.subject == last.issuer for c in certs)):
                yield finding("extracerts-chain-incomplete", f"The chain of {start.subject_text} in the {s.label}'s "
                              f"extraCerts stops at {last.subject_text}: its issuer is missing although the "
                              "message carries other chain certificates.", s.frame)
        when = s.msg.message_time if s.msg is not None and s.msg.message_time is not None else s.time
        if when is None:
            continue
        for i, c in enumerate(certs):
            if i in report.duplicates:
                continue
            if c.not_after is not None and when > c.not_after:
                yield finding("extracerts-expired", f"extraCerts[{i}] {c.subject_text} of the {s.label} expired "
                              f"{(when - c.not_after) / 86400:.1f} days before its messageTime.", s.frame)
            elif c.not_before is not None and when < c.not_before:
                yield finding("extracerts-not-yet-valid", f"extraCerts[{i}] {c.subject_text} of the {s.label} "
                              f"becomes valid only {(c.not_before - when) / 3600:.1f} hours after its messageTime.",
                              s.frame)


RUNS = (check,)
