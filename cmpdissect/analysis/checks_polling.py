"""Polling checks: waits, polls without anything pending, check-back encodings
(RFC 9810 5.3.22; RFC 2510 5.2; draft-ietf-pkix-cmp-tcp-00 2.5.3-2.5.4; CMP-REFERENCE 6.6)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from cmpdissect.analysis.bodies import ABSOLUTE_TIME, TRANSPORT_POLL
from cmpdissect.analysis.polling import timeline
from cmpdissect.analysis.steps import Step
from cmpdissect.analysis.timing import polls
from cmpdissect.catalogue import finding
from cmpdissect.model import Finding


def waits(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    for p in polls(steps):
        if p.too_soon:
            code = "tcp-poll-too-soon" if p.transport else "poll-too-soon"
            yield finding(code, f"The pollReq came {p.waited:.1f} s after the pollRep (frame {p.pollrep_frame}), "
                          f"which asked for {p.required:.0f} s.", p.poll_frame)


def check_back_encoding(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    for s in steps:
        framing = s.unit.framing
        if s.frame_type not in TRANSPORT_POLL or framing is None or framing.check_after is None:
            continue
        if framing.version == 10 and framing.check_after > ABSOLUTE_TIME:
            yield finding("tcp-checkback-absolute", f"The version-10 {s.frame_type}'s time-to-check-back "
                          f"{framing.check_after} is a date, not an interval; read as seconds since 1970.", s.frame)
        elif framing.version is None and framing.check_after <= ABSOLUTE_TIME:
            yield finding("tcp-checkback-relative", f"The RFC 2510 {s.frame_type}'s time-to-check-back "
                          f"{framing.check_after} is not a plausible date; read as seconds to wait.", s.frame)


def unexpected_poll(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    pending = False
    for s in steps:
        if s.direction == 0 and s.body == "pollReq" and not pending:
            yield finding("poll-unexpected", "pollReq sent although no response of this transaction said "
                          "waiting.", s.frame)
        if s.direction == 1 and s.msg is not None:
            pending = pending or s.body == "pollRep" or "waiting" in s.msg.status


def not_pending(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    """A CMP pollReq names certReqIds still waiting; -1 polls for a response announced by an
    error(waiting) or a pollRep without certReqId (RFC 9810 5.3.22, RFC 9483 4.4)."""
    for entry in timeline(steps):
        if entry.kind == "pollReq" and entry.unmatched:
            yield finding("poll-not-pending", f"The pollReq names certReqId {', '.join(map(str, entry.unmatched))}, "
                          f"which {'is' if len(entry.unmatched) == 1 else 'are'} not waiting.", entry.frame)


RUNS = (waits, check_back_encoding, unexpected_poll, not_pending)
