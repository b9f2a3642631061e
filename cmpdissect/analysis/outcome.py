"""How a transaction ended (CONTRACT.md `outcome`) and, when not `accepted`, why (`cause`).

The walk follows CMP-REFERENCE 6.4-6.8: certificates are issued per certReqId in ip/cp/kup/ccp
(possibly across several responses when polling, RFC 9810 5.3.22), each needs a certConf answered
by pkiConf unless implicit confirmation was granted (RFC 9810 5.1.1.1); `waiting` statuses, pollRep
bodies and frames and `error(waiting)` keep the transaction open; any other error ends it (RFC 9810
5.3.21).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cmpdissect.analysis.bodies import (
    ANNOUNCEMENTS,
    CERT_RESPONSES,
    GRANTED,
    REVOKED_OK,
    TRANSPORT_END,
    TRANSPORT_POLL,
)
from cmpdissect.analysis.reasons import reason, tcp_error
from cmpdissect.analysis.steps import Step

ENDED = frozenset({"accepted", "partial", "rejected", "error"})


@dataclass(slots=True)
class Progress:
    """What the messages so far established; shared by the outcome and the confirmation checks."""

    results: dict[int, str] = field(default_factory=dict)  # certReqId -> latest status from the CA
    issued_at: dict[int, int] = field(default_factory=dict)  # granted certReqId -> step index
    implicit: set[int] = field(default_factory=set)  # granted with implicitConfirm
    confirmed: set[int] = field(default_factory=set)
    client_rejected: set[int] = field(default_factory=set)
    pending_conf: int | None = None  # certConf awaiting pkiConf
    simple: list[str] = field(default_factory=list)  # statuses of rp/krp, "accepted" for genp/pkiconf
    wait_open: int | None = None  # last "come back later" not yet followed by a final answer
    end_error: int | None = None
    client_error: int | None = None
    finished: int | None = None  # finRep / negPollRep

    @property
    def waiting_ids(self) -> list[int]:
        return sorted(i for i, s in self.results.items() if s == "waiting")


def _cert_entries(step: Step) -> list[tuple[int, str | None]]:
    msg = step.msg
    assert msg is not None
    if msg.cert_responses:
        return [(r.cert_req_id, r.status) for r in msg.cert_responses]
    return list(zip(msg.cert_req_ids, msg.status, strict=False))


def _confirm(p: Progress, steps: Sequence[Step], conf: int) -> None:
    """Apply a certConf (or an RFC 2510 style client pkiconf) to the certificates issued before it."""
    msg = steps[conf].msg
    assert msg is not None
    listed = {cs.cert_req_id: cs.status for cs in msg.cert_statuses}
    accept_all = msg.body == "pkiconf"  # RFC 9810 5.3.17: MAY be treated as accepting all
    for cid, at in p.issued_at.items():
        if at > conf or cid in p.confirmed or cid in p.client_rejected:
            continue
        if accept_all or (cid in listed and (listed[cid] is None or listed[cid] in GRANTED)):
            p.confirmed.add(cid)
        else:  # rejected explicitly, or left out (RFC 9810 5.3.18)
            p.client_rejected.add(cid)


def progress(steps: Sequence[Step]) -> Progress:
    p = Progress()
    for i, step in enumerate(steps):
        body, msg = step.body, step.msg
        if step.direction == 0:
            if body == "certConf":
                p.pending_conf = i
            elif body == "pkiconf":
                _confirm(p, steps, i)
            elif body == "error":
                p.client_error = i
            continue
        if msg is None:
            kind = step.frame_type
            http = step.unit.http
            if kind is None and http is not None:  # an HTTP answer without a PKIMessage (RFC 9811 3.1, 3.5)
                if http.status in (201, 202) and steps[0].body in ANNOUNCEMENTS:
                    p.simple, p.wait_open = ["accepted"], None
                else:
                    p.end_error, p.wait_open = i, None
            elif kind in TRANSPORT_POLL:
                p.wait_open = i
            elif kind == "errorMsgRep":
                p.end_error = i
            elif kind in TRANSPORT_END:
                if p.pending_conf is not None:
                    _confirm(p, steps, p.pending_conf)
                    p.pending_conf = None
                p.finished, p.wait_open = i, None
            continue
        if body in CERT_RESPONSES:
            for cid, status in _cert_entries(step):
                p.results[cid] = status or "accepted"
                if status in GRANTED:
                    p.issued_at[cid] = i
                    if msg.implicit_confirm:
                        p.implicit.add(cid)
            p.wait_open = None
        elif body in ("rp", "krp"):
            if "waiting" in msg.status:
                p.wait_open = i
            else:
                p.simple, p.wait_open = list(msg.status), None
        elif body in ("genp", "nested"):
            p.simple, p.wait_open = ["accepted"], None
        elif body == "pkiconf":
            if p.pending_conf is not None:
                _confirm(p, steps, p.pending_conf)
                p.pending_conf = None
            elif p.client_error is None and not p.issued_at:
                p.simple = ["accepted"]
            p.wait_open = None
        elif body == "pollRep":
            p.wait_open = i
        elif body == "error":
            if "waiting" in msg.status:
                p.wait_open = i
            else:
                p.end_error, p.wait_open = i, None
    return p


def _answered(steps: Sequence[Step], i: int) -> str:
    r = steps[i].reply_to
    return f"the {steps[r].label} (frame {steps[r].frame})" if r is not None else "the request"


def _ids(ids: set[int] | list[int]) -> str:
    return ", ".join(str(i) for i in sorted(ids))


def judge(steps: Sequence[Step]) -> tuple[str, str | None]:
    """(outcome, cause) for the messages seen so far; cause is None when accepted."""
    if not steps:
        return "incomplete", None
    if not any(s.direction == 1 for s in steps):
        last = steps[-1]
        if last.body in ANNOUNCEMENTS:
            return "unanswered", (f"No CMP response to the {last.label} (frame {last.frame}); over HTTP an "
                                  "announcement is acknowledged by an empty 201/202, which carries no PKIMessage.")
        return "unanswered", f"No response: the server never answered the {last.label} (frame {last.frame})."
    p = progress(steps)
    if p.end_error is not None:
        s = steps[p.end_error]
        if s.msg is None and s.frame_type is None and s.unit.http is not None:
            h = s.unit.http
            return "error", (f"The server answered {_answered(steps, p.end_error)} with HTTP {h.status}"
                             f"{' ' + h.reason if h.reason else ''} and no PKIMessage.")
        if s.msg is None:
            return "error", f"The server answered {_answered(steps, p.end_error)} with TCP-Messaging {tcp_error(s.unit.framing)}."
        return "error", f"The server answered {_answered(steps, p.end_error)} with error {reason(s.msg)}."
    if not any(s.direction == 0 for s in steps):
        first = steps[0]
        return "incomplete", (f"Only the server's side is in the capture: the request the {first.label} "
                              f"(frame {first.frame}) answers is missing.")
    if p.client_error is not None:
        s = steps[p.client_error]
        assert s.msg is not None
        return "error", f"The client aborted the transaction with error {reason(s.msg)} (frame {s.frame})."
    if p.waiting_ids or p.wait_open is not None:
        at = steps[p.wait_open] if p.wait_open is not None else steps[-1]
        what = f"certReqId {_ids(p.waiting_ids)} is" if p.waiting_ids else "the response is"
        return "waiting", (f"The capture ends while {what} still pending (last {at.label} at frame {at.frame}); "
                           "the client has to keep polling until the CA delivers.")
    if p.results:
        unconfirmed = set(p.issued_at) - p.confirmed - p.client_rejected - p.implicit
        if unconfirmed:
            if p.pending_conf is not None:
                c = steps[p.pending_conf]
                return "incomplete", f"The client sent certConf (frame {c.frame}) but the server never answered with pkiConf."
            at = steps[min(p.issued_at[i] for i in unconfirmed)]
            return "incomplete", (f"The CA issued certReqId {_ids(unconfirmed)} in the {at.label} (frame {at.frame}) "
                                  "without granting implicit confirmation, but no certConf followed; the CA will "
                                  "revoke unconfirmed certificates after its confirmWaitTime.")
        ok = (p.confirmed | p.implicit) - p.client_rejected
        ca_rejected = {i for i, s in p.results.items() if s == "rejection"}
        bad = ca_rejected | p.client_rejected
        rejecting = next((s for s in steps if s.msg and s.body in CERT_RESPONSES and "rejection" in s.msg.status), None)
        why = reason(rejecting.msg) if rejecting is not None and rejecting.msg is not None else ""
        if ok and bad:
            return "partial", f"The CA granted certReqId {_ids(ok)} but certReqId {_ids(bad)} failed" + (
                f": {why}." if ca_rejected else ": the client rejected it in certConf.")
        if ok:
            return "accepted", None
        if ca_rejected and rejecting is not None:
            return "rejected", f"The CA rejected the request with {why}."
        if p.client_rejected:
            conf = next(s for s in steps if s.body == "certConf")
            return "rejected", (f"The client rejected the issued certificate in certConf (frame {conf.frame}): "
                                "check the certificate the CA returned (subject, public key, certHash) against "
                                "the request and the client's trust anchors.")
    if p.simple:
        ok = [s for s in p.simple if s in REVOKED_OK]
        if ok and len(ok) < len(p.simple):
            return "partial", "The CA granted only some of the requests: " + ",".join(p.simple) + "."
        if ok:
            return "accepted", None
        last = next(s for s in reversed(steps) if s.body in ("rp", "krp"))
        assert last.msg is not None
        return "rejected", f"The CA rejected the {steps[0].body or 'request'} with {reason(last.msg)}."
    if p.finished is not None and not p.results:
        return "accepted", None
    first, last = steps[0], steps[-1]
    answered = {s.reply_to for s in steps}
    lost = next((i for i, s in enumerate(steps[:-1]) if s.direction == 0 and i not in answered
                 and any(later.direction == 0 for later in steps[i + 1:])), None)
    if lost is not None:
        return "incomplete", (f"The answer to the {steps[lost].label} (frame {steps[lost].frame}) is missing from "
                              "the capture although the transaction went on: packets were probably lost.")
    if first.direction == 1:
        return "incomplete", (f"The capture starts in the middle of the transaction: its request is missing "
                              f"(first message {first.label} at frame {first.frame}).")
    return "incomplete", f"The capture ends before the transaction finished (last message {last.label} at frame {last.frame})."
