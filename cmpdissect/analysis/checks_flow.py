"""Checks on the exchange itself: response types, certReqIds, confirmation, errors
(RFC 9810 5.1.1.1-5.1.1.2, 5.3.4, 5.3.18, 5.3.21; CMP-REFERENCE 5.3, 6.4, 6.5, 6.8)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from cmpdissect.analysis.bodies import ANSWERS, CERT_REQUESTS, CERT_RESPONSES, GRANTED, ISSUING_REQUESTS
from cmpdissect.analysis.steps import Step
from cmpdissect.catalogue import finding
from cmpdissect.model import Finding, PkiSummary

CONFIRMATIONS = frozenset({"certConf", "pkiconf", "error"})  # what a client may send after a response


def ids(msg: PkiSummary) -> list[int]:
    """certReqIds of a body, from the summary's list or its structured entries."""
    if msg.cert_req_ids:
        return list(msg.cert_req_ids)
    if msg.cert_requests:
        return [c.cert_req_id for c in msg.cert_requests]
    if msg.cert_responses:
        return [r.cert_req_id for r in msg.cert_responses]
    return [c.cert_req_id for c in msg.cert_statuses]


def _initial(steps: Sequence[Step]) -> Step | None:
    return next((s for s in steps if s.direction == 0 and s.body in ISSUING_REQUESTS | CERT_REQUESTS), None)


def response_type(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    for s in steps:
        if s.direction != 1 or s.msg is None or s.reply_to is None:
            continue
        req = steps[s.reply_to]
        allowed = ANSWERS.get(req.body or "")
        if allowed is not None and s.body not in allowed | {"error"}:
            yield finding("unexpected-response", f"A {s.body} answers the {req.label} (frame {req.frame}); "
                          f"expected {'/'.join(sorted(allowed))} or error.", s.frame)


def cert_req_ids(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    first = _initial(steps)
    if first is None or first.msg is None:
        return
    p10 = first.body == "p10cr"
    requested = set(ids(first.msg))
    for s in steps:
        if s is first or s.msg is None or s.body not in CERT_RESPONSES | {"certConf", "pollReq", "pollRep"}:
            continue
        polling = s.body in ("pollReq", "pollRep")
        if p10:
            bad = [i for i in ids(s.msg) if i != -1]
            if bad:
                yield finding("p10cr-certreqid", f"The {s.label} uses certReqId {bad[0]} in a p10cr transaction; "
                              "PKCS #10 has no certReqId, so -1 is required.", s.frame)
            continue
        unknown = [i for i in ids(s.msg) if i not in requested and not (polling and i == -1)]
        if unknown:
            yield finding("certreqid-unknown", f"The {s.label} refers to certReqId {unknown[0]}, which the "
                          f"{first.label} (frame {first.frame}) did not request "
                          f"(it requested {sorted(requested)}).", s.frame)


def _issuing(steps: Sequence[Step]) -> Iterator[tuple[int, Step]]:
    for i, s in enumerate(steps):
        if s.direction == 1 and s.msg is not None and s.body in CERT_RESPONSES and any(
            status in GRANTED for status in s.msg.status
        ):
            yield i, s


def confirmation(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    first = _initial(steps)
    asked_implicit = first is not None and first.msg is not None and first.msg.implicit_confirm
    issuing = list(_issuing(steps))
    for i, s in issuing:
        assert s.msg is not None
        if s.msg.implicit_confirm and first is not None and not asked_implicit:
            yield finding("implicit-confirm-unrequested", f"The {s.label} grants implicitConfirm, but the "
                          f"{first.label} (frame {first.frame}) did not ask for it.", s.frame)
        answered = any(later.direction == 0 and later.body in CONFIRMATIONS for later in steps[i + 1:])
        if final and not s.msg.implicit_confirm and not answered:
            yield finding("certconf-missing", f"The {s.label} issued a certificate without granting implicit "
                          "confirmation, but the client never sent certConf.", s.frame)
    for c, conf in enumerate(steps):
        if conf.body != "certConf" or conf.direction != 0:
            continue
        before = [s for i, s in issuing if i < c]
        since_last = [s for i, s in issuing if i < c and not any(
            x.body == "certConf" for x in steps[i + 1:c])]
        if since_last and all(s.msg is not None and s.msg.implicit_confirm for s in since_last):
            yield finding("certconf-unneeded", f"certConf sent although the {since_last[-1].label} (frame "
                          f"{since_last[-1].frame}) granted implicit confirmation.", conf.frame)
        deadline = next((s for s in reversed(before) if s.msg is not None and s.msg.confirm_wait_time), None)
        if deadline is not None and conf.time is not None and deadline.msg is not None:
            late = conf.time - (deadline.msg.confirm_wait_time or 0.0)
            if late > 0:
                yield finding("certconf-late", f"certConf came {late:.0f} s after the confirmWaitTime of the "
                              f"{deadline.label} (frame {deadline.frame}).", conf.frame)


def error_reason(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    for s in steps:
        if s.body == "error" and s.msg is not None and "waiting" not in s.msg.status and not s.msg.fail_info:
            text = f' (only the text "{s.msg.status_text[0]}")' if s.msg.status_text else ""
            yield finding("error-without-reason", f"The {s.label} sets no failInfo bit{text}.", s.frame)


RUNS = (response_type, cert_req_ids, confirmation, error_reason)
