"""The protection verifier (`protection.verify_unit`, `verify_pop`, `extra_certs`) over any bytes,
with the lab's shared secret and trust anchor at hand so MAC and signature paths both run.

Rules: no exception; the verdict is one of CONTRACT.md's protection values with a one-line reason.
"""

from __future__ import annotations

from functools import cache

from cmpdissect.protection import Credentials, extra_certs, parse_secret, verify_pop, verify_unit
from cmpdissect.protection.credentials import parse_cert_bundle
from fuzz.harness import ROOT, messages, require

STATUSES = frozenset({"unprotected", "unchecked", "valid", "invalid", "unverifiable"})


@cache
def credentials() -> Credentials:
    data = ROOT / "tests" / "protection" / "data"
    trusted = parse_cert_bundle((data / "ca.pem").read_bytes(), "ca.pem")
    return Credentials(secrets=(parse_secret("pass:lab-shared-secret"),), trusted=trusted)


def one_input(data: bytes) -> None:
    verdict = verify_unit(data, credentials(), ())
    require(verdict.status in STATUSES, f"verdict {verdict.status!r}")
    require(verdict.reason is None or "\n" not in verdict.reason, "reason over several lines")
    verify_pop(data)
    extra_certs(data)


def seeds() -> list[bytes]:
    return messages()
