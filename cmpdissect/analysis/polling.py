"""The polling timeline of a transaction: what was pending, every pollReq against the wait it was
given, and which certReqIds each poll and answer name (RFC 9810 5.3.22; RFC 9483 4.4; transport
polling per RFC 2510 5.2 and draft-ietf-pkix-cmp-tcp-00 2.5).

Polling starts with an ip/cp/kup(/ccp/krp) holding `waiting` statuses, with an `error` whose status
is waiting (RFC 9483 4.4 delayed delivery: the client then polls with certReqId -1), or with a
transport pollRep frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cmpdissect.analysis.bodies import CERT_RESPONSES, TRANSPORT_POLL
from cmpdissect.analysis.checks_flow import ids
from cmpdissect.analysis.steps import Step
from cmpdissect.analysis.timing import polls

DELAYED = -1  # the certReqId of a poll for a response announced by error(waiting)


@dataclass(frozen=True, slots=True)
class PollEntry:
    """One step of the timeline."""

    frame: int
    time: float | None
    kind: str  # waiting | error-waiting | pollReq | pollRep | delivered | tcp:pollRep | tcp:pollReq
    cert_req_ids: tuple[int, ...] = ()
    pending: tuple[int, ...] = ()  # certReqIds still waiting after this step
    check_after: int | None = None  # seconds asked for (pollRep, transport pollRep)
    waited: float | None = None  # pollReq: seconds since the "come back later" it follows
    required: float | None = None
    too_soon: bool = False
    unmatched: tuple[int, ...] = ()  # pollReq: certReqIds named that are not waiting


def timeline(steps: Sequence[Step]) -> list[PollEntry]:
    """Every polling-related step in order; [] for a transaction that never waited."""
    waits = {p.poll_frame: p for p in polls(steps) if p.poll_frame is not None}
    pending: set[int] = set()
    out: list[PollEntry] = []
    for s in steps:
        m = s.msg
        if m is None:
            kind = s.frame_type
            framing = s.unit.framing
            if s.direction == 1 and kind in TRANSPORT_POLL:
                out.append(PollEntry(s.frame, s.time, f"tcp:{kind}", pending=tuple(sorted(pending)),
                                     check_after=framing.check_after if framing else None))
            elif s.direction == 0 and kind == "pollReq":
                w = waits.get(s.frame)
                out.append(PollEntry(s.frame, s.time, "tcp:pollReq", pending=tuple(sorted(pending)),
                                     waited=w.waited if w else None, required=w.required if w else None,
                                     too_soon=bool(w and w.too_soon)))
            continue
        got = tuple(ids(m))
        if s.direction == 0 and s.body == "pollReq":
            w = waits.get(s.frame)
            unmatched = tuple(i for i in got if pending and i not in pending and i != DELAYED)
            out.append(PollEntry(s.frame, s.time, "pollReq", got, tuple(sorted(pending)), None,
                                 w.waited if w else None, w.required if w else None, bool(w and w.too_soon), unmatched))
        elif s.direction == 1 and s.body == "pollRep":
            out.append(PollEntry(s.frame, s.time, "pollRep", got, tuple(sorted(pending)),
                                 min(m.check_after) if m.check_after else None))
        elif s.direction == 1 and s.body == "error" and "waiting" in m.status:
            pending = {DELAYED}
            out.append(PollEntry(s.frame, s.time, "error-waiting", (DELAYED,), (DELAYED,)))
        elif s.direction == 1 and (s.body in CERT_RESPONSES or s.body in ("krp", "rp")) and m.status:
            entries = list(zip(got, m.status, strict=False)) if got else [(DELAYED, st) for st in m.status]
            waiting = {i for i, st in entries if st == "waiting"}
            done = {i for i, st in entries if st != "waiting"}
            was = set(pending)
            pending = (pending - done - {DELAYED}) | waiting if done else pending | waiting
            if waiting and not was:
                out.append(PollEntry(s.frame, s.time, "waiting", tuple(sorted(waiting)), tuple(sorted(pending))))
            elif was:
                out.append(PollEntry(s.frame, s.time, "delivered" if done else "waiting", got, tuple(sorted(pending))))
        elif s.direction == 1 and pending == {DELAYED} and s.body != "error":
            pending = set()  # the delayed response itself (genp, rp, pkiconf ...)
            out.append(PollEntry(s.frame, s.time, "delivered", got, ()))
    return out
