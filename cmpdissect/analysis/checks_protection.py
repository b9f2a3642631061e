"""Checks that rest on cryptography: what each message proved alone (protection, POP, found by the
pipeline), and certConf's certHash against the certificate it confirms (RFC 9810 5.3.18)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from cmpdissect.analysis.bodies import CERT_RESPONSES
from cmpdissect.analysis.checks_lightweight import MAC_ALGS
from cmpdissect.analysis.steps import Step
from cmpdissect.catalogue import finding
from cmpdissect.model import Finding
from cmpdissect.protection import verify_cert_hashes


def unit_findings(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    """Findings the pipeline attached to the units (protection, POP), once per unit; a note that
    says the same of every message (a legacy MAC in each) is kept once, at its first frame."""
    seen: set[tuple[str, str]] = set()
    for s in steps:
        if s.inner:
            continue
        for f in s.unit.findings:
            if (f.code, f.message) not in seen:
                seen.add((f.code, f.message))
                yield f


def cert_hash(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    """Each certConf against the latest certificate response before it in the transaction."""
    response: Step | None = None
    for s in steps:
        if s.direction == 1 and s.body in CERT_RESPONSES and s.unit.der and not s.inner:
            response = s
        elif s.body == "certConf" and response is not None and s.unit.der and not s.inner:
            for verdict in verify_cert_hashes(s.unit.der, response.unit.der):
                for f in verdict.findings:
                    yield Finding(f.severity, f.code, f.message, s.frame, f.reference)


def _kind(step: Step) -> str | None:
    m = step.msg
    if m is None or not m.has_protection:
        return None
    return "MAC" if {(m.protection_alg or "").lower(), m.protection_alg_oid or ""} & MAC_ALGS else "signature"


def protection_type(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    """A MAC-protected request answered with a signature (or the reverse): a client that holds only
    the shared secret cannot verify the answer (RFC 9810 5.3.21 lets the CA sign errors)."""
    for s in steps:
        if s.direction != 1 or s.reply_to is None:
            continue
        req = steps[s.reply_to]
        mine, theirs = _kind(s), _kind(req)
        if mine and theirs and mine != theirs:
            yield finding("protection-type-changed", f"The {req.label} (frame {req.frame}) is {theirs}-protected but "
                          f"the {s.label} answering it is {mine}-protected.", s.frame)
            return


RUNS = (unit_findings, cert_hash, protection_type)
