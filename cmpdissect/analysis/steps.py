"""One message as it takes part in a transaction: the unit, the PKIMessage it stands for, its label.

A nested unit contributes one step to its own transaction and one step per inner message to the
inner messages' transactions (RFC 9810 5.1.3.5), so a step's `msg` is not always `unit.message`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cmpdissect.analysis.bodies import CLIENT_FRAMES, REQUESTS, RESPONSES, STATUS_BODIES
from cmpdissect.model import PkiSummary, Unit


@dataclass(frozen=True, slots=True)
class Step:
    """A unit (or one inner message of it) placed in a transaction."""

    unit: Unit
    msg: PkiSummary | None  # None for a transport frame that carries no PKIMessage
    label: str
    direction: int  # 0 from the client (initiator), 1 from the server; inferred for message files
    reply_to: int | None = None  # index, in the transaction's steps, of the request this answers
    inner: bool = False  # an inner message of a nested unit

    @property
    def frame(self) -> int:
        return self.unit.frame

    @property
    def time(self) -> float | None:
        return self.unit.time

    @property
    def body(self) -> str | None:
        return self.msg.body if self.msg is not None else None

    @property
    def frame_type(self) -> str | None:
        return None if self.inner else self.unit.frame_type


def label(msg: PkiSummary | None, frame_type: str | None) -> str:
    """CONTRACT.md `messages`: `ip(accepted,waiting)`, `certConf`, `tcp:pollRep`."""
    if msg is None or msg.body is None:
        return f"tcp:{frame_type or 'unknown'}"
    if msg.body in STATUS_BODIES and msg.status:
        return f"{msg.body}({','.join(msg.status)})"
    return msg.body


def infer_direction(unit: Unit, msg: PkiSummary | None, request_pending: bool) -> int:
    """The sender's role: the unit's own direction when the pipeline knew it, else from the body.

    Message files have no direction; `error` and `nested` travel both ways, so for them a pending
    request decides.
    """
    if unit.direction in (0, 1):
        return unit.direction
    if msg is None or msg.body is None:
        return 0 if unit.frame_type in CLIENT_FRAMES else 1
    if msg.body in REQUESTS:
        return 0
    if msg.body in RESPONSES:
        return 1
    return 1 if request_pending else 0


def host(endpoint: str | None) -> str | None:
    """The address part of "ip:port" / "[v6]:port": HTTP clients open new connections (new ports)."""
    if not endpoint:
        return None
    return endpoint.rsplit(":", 1)[0] if ":" in endpoint else endpoint
