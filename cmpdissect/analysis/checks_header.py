"""Header checks: transactionID, nonces, pvno, protection, messageTime (RFC 9810 5.1.1, CMP-REFERENCE 6.1-6.3)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from cmpdissect.analysis.bodies import ISSUING_REQUESTS
from cmpdissect.analysis.steps import Step
from cmpdissect.catalogue import finding
from cmpdissect.model import Finding, PkiSummary

MAX_SKEW = 300.0  # seconds; CMP-REFERENCE 6.3 suggests +-5 minutes as the policy


def fingerprint(m: PkiSummary) -> tuple:
    """What makes a PKIMessage the same one when seen twice (a retransmission, an identical resend,
    an RA hop): its header identifiers, body and size."""
    return (m.body, m.transaction_id, m.sender_nonce, m.recip_nonce, m.message_time, tuple(m.cert_req_ids),
            tuple(m.status), m.length)


def same_message(a: PkiSummary, b: PkiSummary) -> bool:
    return fingerprint(a) == fingerprint(b)


def chain(steps: Sequence[Step]) -> list[Step]:
    """The PKIMessages of a transaction in order, each distinct message once."""
    out: list[Step] = []
    seen: set[tuple] = set()
    for s in steps:
        if s.msg is not None and (key := fingerprint(s.msg)) not in seen:
            seen.add(key)
            out.append(s)
    return out


def _hex(b: bytes | None) -> str:
    return b.hex() if b else "none"


def transaction_id(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    msgs = [s for s in steps if s.msg is not None]
    if not msgs:
        return
    first = msgs[0]
    assert first.msg is not None
    requests = [s for s in msgs if s.direction == 0]
    if first.direction == 0 and first.msg.transaction_id is None and (
        len(requests) > 1 or (first.body in ISSUING_REQUESTS and not first.msg.implicit_confirm)
    ):
        yield finding("tid-absent", f"The {first.label} starts a multi-exchange operation without a transactionID.",
                      first.frame)
    established: bytes | None = None
    for s in msgs:
        assert s.msg is not None
        if s.msg.transaction_id is not None:
            established = established or s.msg.transaction_id
        elif established is not None:
            yield finding("tid-dropped", f"The {s.label} omits the transactionID {established.hex()} "
                          "established earlier in the transaction.", s.frame)


def nonces(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    """recipNonce echoes the previous senderNonce; the final response after polling may echo the
    senderNonce of the request that started it (CMP-REFERENCE 6.2, OpenSSL's first_senderNonce);
    a pollRep always echoes its own pollReq."""
    msgs = chain(steps)
    origin: Step | None = None  # the request whose answer is delayed
    last_request: Step | None = None
    seen: dict[bytes, Step] = {}
    for k, cur in enumerate(msgs):
        m = cur.msg
        assert m is not None
        if m.sender_nonce is not None:
            if m.sender_nonce in seen:
                yield finding("nonce-reused", f"The {cur.label} repeats senderNonce {m.sender_nonce.hex()} of the "
                              f"{seen[m.sender_nonce].label} (frame {seen[m.sender_nonce].frame}).", cur.frame)
            seen[m.sender_nonce] = cur
        if k and msgs[k - 1].msg is not None and msgs[k - 1].msg.sender_nonce is not None:
            prev = msgs[k - 1]
            expected = prev.msg.sender_nonce
            accepted = {expected}
            if cur.direction == 1 and cur.body != "pollRep" and origin is not None and origin.msg is not None:
                accepted.add(origin.msg.sender_nonce)
            resend = (cur.direction == 0 and origin is not None and cur.body == origin.body
                      and prev.body == "error")
            if m.recip_nonce not in accepted and not resend:
                yield finding("nonce-not-echoed", f"The {cur.label} has recipNonce {_hex(m.recip_nonce)}, not the "
                              f"senderNonce {_hex(expected)} of the {prev.label} (frame {prev.frame}).", cur.frame)
        if cur.direction == 0:
            last_request = cur
        else:
            waiting = cur.body == "pollRep" or "waiting" in m.status
            if waiting and origin is None:
                origin = last_request
            elif not waiting:
                origin = None


def pvno(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    for s in steps:
        m = s.msg
        if m is None or m.pvno is None:
            continue
        if m.pvno not in (1, 2, 3):
            yield finding("pvno-unknown", f"The {s.label} has pvno {m.pvno}.", s.frame)
        if s.body == "certConf" and m.pvno != 3 and any(cs.hash_alg for cs in m.cert_statuses):
            yield finding("pvno-hashalg", f"The certConf uses hashAlg but has pvno {m.pvno}, not 3.", s.frame)
        if s.reply_to is not None:
            req = steps[s.reply_to]
            if (req.msg is not None and req.msg.pvno is not None and req.msg.pvno != m.pvno
                    and not (s.body == "error" and "unsupportedVersion" in m.fail_info)):
                yield finding("pvno-response-differs", f"The {s.label} has pvno {m.pvno} but the {req.label} "
                              f"(frame {req.frame}) it answers has pvno {req.msg.pvno}.", s.frame)


def protection(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    for s in steps:
        m = s.msg
        if m is None or m.body is None:
            continue
        has_alg = bool(m.protection_alg or m.protection_alg_oid)
        if has_alg != m.has_protection:
            what = "protectionAlg without protection bits" if has_alg else "protection bits without protectionAlg"
            yield finding("protection-alg-mismatch", f"The {s.label} has {what}.", s.frame)
        elif not has_alg:
            yield finding("unprotected", f"The {s.label} is not protected.", s.frame)


def message_time(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    """Skew is a property of a sender's clock: reported once per side, at its first skewed message."""
    skewed: set[int] = set()
    for s in steps:
        m = s.msg
        if m is None or m.message_time is None:
            continue
        if s.time is not None and abs(m.message_time - s.time) > MAX_SKEW and s.direction not in skewed:
            skewed.add(s.direction)
            side = "client" if s.direction == 0 else "server"
            yield finding("message-time-skew", f"The {s.label}'s messageTime is {m.message_time - s.time:+.0f} s "
                          f"away from the capture time: check the {side}'s clock (or the capture's).", s.frame)
        if s.reply_to is not None:
            req = steps[s.reply_to]
            if req.msg is not None and req.msg.message_time is not None and m.message_time < req.msg.message_time:
                yield finding("response-older-than-request", f"The {s.label}'s messageTime is "
                              f"{req.msg.message_time - m.message_time:.0f} s before that of the {req.label} "
                              f"(frame {req.frame}).", s.frame)


def string_types(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    """Strings of another type than UTF8String where the schema wants one: real peers send
    PrintableString in statusString; the summary read them and noted the deviation."""
    for s in steps:
        if s.msg is not None:
            for note in s.msg.notes:
                yield finding("string-type", f"The {s.label}: {note}.", s.frame)


RUNS = (transaction_id, nonces, pvno, protection, message_time, string_types)
