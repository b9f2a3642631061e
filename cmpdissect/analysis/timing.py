"""Round trips and polling waits of one transaction, from capture timestamps.

checkAfter in a CMP pollRep is relative seconds (RFC 9810 5.3.22); the transport pollRep's
time-to-check-back is an interval in version 10 (draft-ietf-pkix-cmp-tcp-00 2.5.4) and an absolute
date in RFC 2510 5.2. Values above 10^9 are read as dates whatever the framing, smaller ones as
intervals: implementations disagree, and the magnitude does not lie.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from cmpdissect.analysis.bodies import ABSOLUTE_TIME, TRANSPORT_POLL
from cmpdissect.analysis.steps import Step

POLL_SLACK = 1.0  # seconds: check-back values are whole seconds and clocks round


@dataclass(frozen=True, slots=True)
class RoundTrip:
    request_frame: int
    response_frame: int
    seconds: float | None


@dataclass(frozen=True, slots=True)
class PollWait:
    """One "come back later" and what the client did about it."""

    pollrep_frame: int
    check_back: int  # the value as carried
    absolute: bool  # check_back is seconds since 1970
    transport: bool  # an RFC 2510 / version-10 pollRep frame rather than a CMP pollRep body
    required: float | None  # seconds the client had to wait, from the pollRep's capture time
    poll_frame: int | None = None  # the next pollReq for it; None if the capture ends first
    waited: float | None = None

    @property
    def too_soon(self) -> bool:
        return self.waited is not None and self.required is not None and self.waited + POLL_SLACK < self.required


@dataclass(frozen=True, slots=True)
class Timing:
    duration: float | None
    round_trips: tuple[RoundTrip, ...]
    polls: tuple[PollWait, ...]


def _elapsed(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a


def check_back(step: Step) -> tuple[int, bool] | None:
    """The wait a "come back later" asks for, and whether the transport framing carried it:
    a pollRep / partialMsgRep frame's time-to-check-back, or the smallest checkAfter of a pollRep body."""
    framing = step.unit.framing
    if step.frame_type in TRANSPORT_POLL and framing is not None and framing.check_after is not None:
        return framing.check_after, True
    if step.body == "pollRep" and step.msg is not None and step.msg.check_after:
        return min(step.msg.check_after), False
    return None


def polls(steps: Sequence[Step]) -> list[PollWait]:
    """Each pollRep with the pollReq that followed it: for a CMP pollRep the next pollReq body, for a
    transport pollRep the next pollReq frame with its reference. One pass, for long polling flows."""
    out: list[PollWait] = []
    times: list[float | None] = []  # capture time of each pollRep in `out`
    open_cmp: list[int] = []  # indexes into `out` still waiting for their pollReq
    open_tcp: list[tuple[int, int | None]] = []  # (index into `out`, polling reference)
    for step in steps:
        if step.direction == 0:
            framing = step.unit.framing
            if step.body == "pollReq":
                closing, open_cmp = open_cmp, []
            elif step.msg is None and step.frame_type == "pollReq":
                ref = framing.poll_ref if framing is not None else None
                closing = [i for i, r in open_tcp if r is None or ref is None or r == ref]
                open_tcp = [(i, r) for i, r in open_tcp if i not in closing]
            else:
                continue
            for i in closing:
                out[i] = replace(out[i], poll_frame=step.frame, waited=_elapsed(times[i], step.time))
            continue
        found = check_back(step)
        if found is None:
            continue
        value, transport = found
        absolute = value > ABSOLUTE_TIME
        required = _elapsed(step.time, float(value)) if absolute else float(value)
        out.append(PollWait(step.frame, value, absolute, transport, required))
        times.append(step.time)
        if transport:
            framing = step.unit.framing
            open_tcp.append((len(out) - 1, framing.poll_ref if framing is not None else None))
        else:
            open_cmp.append(len(out) - 1)
    return out


def timing(steps: Sequence[Step]) -> Timing:
    times = [s.time for s in steps if s.time is not None]
    trips = tuple(
        RoundTrip(steps[s.reply_to].frame, s.frame, _elapsed(steps[s.reply_to].time, s.time))
        for s in steps if s.reply_to is not None
    )
    return Timing(max(times) - min(times) if times else None, trips, tuple(polls(steps)))
