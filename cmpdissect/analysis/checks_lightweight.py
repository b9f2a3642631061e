"""RFC 9483 (Lightweight CMP Profile) rules a passive observer can check (CMP-REFERENCE 6.9).

Only profile rules live here; every code starts with `lw-` and every reference with "RFC 9483".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from cmpdissect.analysis.checks_flow import ids
from cmpdissect.analysis.checks_header import chain
from cmpdissect.analysis.registry import finding
from cmpdissect.analysis.steps import Step
from cmpdissect.model import Finding

NONCE_OCTETS = 16
MAC_ALGS = frozenset({"pbm", "passwordbasedmac", "pbmac1",
                      "1.2.840.113533.7.66.13", "1.2.840.113549.1.5.14"})
IMPLICIT_CONFIRM_BODIES = frozenset({"ir", "cr", "kur", "p10cr", "ip", "cp", "kup"})
CONFIRM_WAIT_BODIES = frozenset({"ip", "cp", "kup"})
SINGLE_REQUEST = frozenset({"ir", "cr", "kur", "ccr"})
SINGLE_RESPONSE = frozenset({"ip", "cp", "kup", "ccp"})


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
        alg = {(m.protection_alg or "").lower(), m.protection_alg_oid or ""}
        if alg & MAC_ALGS and not m.sender_kid:
            yield finding("lw-mac-senderkid", f"The {s.label} is MAC-protected without senderKID.", s.frame)
        if m.implicit_confirm and m.body not in IMPLICIT_CONFIRM_BODIES:
            yield finding("lw-implicit-confirm-body", f"implicitConfirm in a {m.body}.", s.frame)
        if m.confirm_wait_time is not None:
            problem = ("outside ip/cp/kup" if m.body not in CONFIRM_WAIT_BODIES
                       else "together with implicitConfirm" if m.implicit_confirm
                       else "without messageTime" if m.message_time is None else None)
            if problem:
                yield finding("lw-confirm-wait-time", f"The {s.label} carries confirmWaitTime {problem}.", s.frame)


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


RUNS = (header, first_message, single_entries)
