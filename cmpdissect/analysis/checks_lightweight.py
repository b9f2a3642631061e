"""RFC 9483 (Lightweight CMP Profile) rules a passive observer can check (CMP-REFERENCE 6.9).

Only profile rules live here; every code starts with `lw-` and every reference with "RFC 9483".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from cmpdissect.analysis.checks_flow import ids
from cmpdissect.analysis.checks_header import chain
from cmpdissect.analysis.steps import Step
from cmpdissect.catalogue import finding
from cmpdissect.model import Finding, PkiSummary

NONCE_OCTETS = 16
CERT_PROFILE_OID = "1.3.6.1.5.5.7.4.21"  # id-it-certProfile (RFC 9810 5.1.1.4)
MAC_ALGS = frozenset({"pbm", "passwordbasedmac", "pbmac1",
                      "1.2.840.113533.7.66.13", "1.2.840.113549.1.5.14"})
IMPLICIT_CONFIRM_BODIES = frozenset({"ir", "cr", "kur", "p10cr", "ip", "cp", "kup"})
CONFIRM_WAIT_BODIES = frozenset({"ip", "cp", "kup"})
SINGLE_REQUEST = frozenset({"ir", "cr", "kur", "ccr"})
SINGLE_RESPONSE = frozenset({"ip", "cp", "kup", "ccp"})
CERT_PROFILE_BODIES = frozenset({"ir", "cr", "kur", "p10cr", "genm"})


def _mac(m: PkiSummary) -> bool:
    return bool({(m.protection_alg or "").lower(), m.protection_alg_oid or ""} & MAC_ALGS)


def header(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    for s in steps:
        m = s.msg
        if m is None or m.body is None:
            continue
        if m.pvno is not None and m.pvno not in (2, 3):
            yield finding("lw-pvno", f"The {s.label} has pvno {m.pvno}.", s.frame)
        if m.transaction_id is None or len(m.transaction_id) != NONCE_OCTETS:
            size = "no" if m.transaction_id is None else f"a {len(m.transaction_id)}-octet"
            yield finding("lw-tid-length", f"The {s.label} has {size} transactionID.", s.frame)
        if m.sender_nonce is None or len(m.sender_nonce) != NONCE_OCTETS:
            size = "no" if m.sender_nonce is None else f"a {len(m.sender_nonce)}-octet"
            yield finding("lw-nonce-length", f"The {s.label} has {size} senderNonce.", s.frame)
        if _mac(m) and not m.sender_kid:
            yield finding("lw-mac-senderkid", f"The {s.label} is MAC-protected without senderKID.", s.frame)
        if m.implicit_confirm and m.body not in IMPLICIT_CONFIRM_BODIES:
            yield finding("lw-implicit-confirm-body", f"implicitConfirm in a {m.body}.", s.frame)
        if m.confirm_wait_time is not None:
            problem = ("outside ip/cp/kup" if m.body not in CONFIRM_WAIT_BODIES
                       else "together with implicitConfirm" if m.implicit_confirm
                       else "without messageTime" if m.message_time is None else None)
            if problem:
                yield finding("lw-confirm-wait-time", f"The {s.label} carries confirmWaitTime {problem}.", s.frame)


def protection(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    """RFC 9483 3.2: every message protected, except an error answering a request that could not be
    authenticated (its protection itself was at fault, or it carried none)."""
    for s in steps:
        m = s.msg
        if m is None or m.body is None or m.has_protection:
            continue
        if m.body == "error" and s.reply_to is not None:
            req = steps[s.reply_to]
            if req.unit.protection in ("invalid", "unverifiable") or (req.msg is not None and not req.msg.has_protection):
                continue
        yield finding("lw-protection-required", f"The {s.label} is not protected.", s.frame)


def cert_profile(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    """RFC 9483 3.1 / RFC 9810 5.1.1.4: where certProfile may appear and how many names it holds."""
    for s in steps:
        m = s.msg
        if m is None or m.body is None or not (m.cert_profiles or CERT_PROFILE_OID in m.general_info):
            continue
        names = len(m.cert_profiles)
        limit = 1 if m.body in ("p10cr", "genm") else len(ids(m)) or 1
        problem = (f"in a {m.body}" if m.body not in CERT_PROFILE_BODIES
                   else "with no name" if names == 0
                   else f"with {names} names for {limit} request(s)" if names > limit else None)
        if problem:
            yield finding("lw-cert-profile", f"The {s.label} carries certProfile {problem}.", s.frame)


def extra_certs_signer(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    """RFC 9483 3.3: the first signed message of each side carries its protection certificate first."""
    done: set[int] = set()
    for s in steps:
        m = s.msg
        if s.inner or s.direction in done or m is None or s.unit.protection != "valid" or _mac(m):
            continue
        done.add(s.direction)
        codes = {f.code for f in s.unit.findings}
        if codes & {"signer-not-first", "signer-not-in-extracerts"}:
            yield finding("lw-extracerts-signer", f"The {s.label}'s extraCerts do not start with its protection "
                          f"certificate {s.unit.signer}.", s.frame)


def first_message(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    msgs = chain(steps)
    if msgs and msgs[0].direction == 0 and msgs[0].msg is not None and msgs[0].msg.recip_nonce is not None:
        yield finding("lw-recipnonce-first", f"The {msgs[0].label} opens the transaction but has a recipNonce.",
                      msgs[0].frame)


def single_entries(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    p10 = any(s.body == "p10cr" for s in steps)
    for s in steps:
        if s.msg is None:
            continue
        if s.body in SINGLE_REQUEST or (s.body in SINGLE_RESPONSE and not p10 and "waiting" not in s.msg.status):
            found = ids(s.msg)
            if found != [0]:
                yield finding("lw-single-request", f"The {s.label} holds certReqIds {found}; the profile "
                              "allows exactly one, with certReqId 0.", s.frame)
        if s.body == "certConf":
            count = len(s.msg.cert_statuses) or len(s.msg.cert_req_ids)
            if count != 1:
                yield finding("lw-certconf-single", f"The certConf holds {count} CertStatus entries.", s.frame)


RUNS = (header, protection, cert_profile, extra_certs_signer, first_message, single_entries)
