"""Correlation of units into CMP transactions, incrementally, for files and live sniffs alike.

Keys, in order (CMP-REFERENCE 6.1, 6.2, 6.6, 6.7):
- the transactionID (RFC 9810 5.1.1); one ID seen between other hosts (an RA's upstream hop) is
  another transaction, and a first request reusing the ID of a finished one starts a new one;
- the request still unanswered on the same TCP stream (HTTP pairs requests and responses in order,
  RFC 9112 9.3.2), which also places transport frames that carry no PKIMessage;
- the senderNonce a message's recipNonce echoes, for messages without a transactionID;
- the transport polling reference: a pollReq belongs to the transaction whose request got the
  pollRep with that reference, even on another connection (RFC 2510 5.2, draft-ietf-pkix-cmp-tcp-00).
A `nested` unit joins the transaction of its own header; each inner message also joins the
transaction of its own header, at the nested unit's frame (RFC 9810 5.1.3.5).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from cmpdissect.analysis.bodies import ANSWERS, INITIAL_REQUESTS, TRANSPORT_END
from cmpdissect.analysis.cause import likely_cause
from cmpdissect.analysis.checks import run_checks, run_deep_checks
from cmpdissect.analysis.checks_header import same_message
from cmpdissect.analysis.outcome import ENDED, judge
from cmpdissect.analysis.policy import CheckPolicy
from cmpdissect.analysis.steps import Step, host, infer_direction, label
from cmpdissect.analysis.timing import Timing, timing
from cmpdissect.catalogue import finding
from cmpdissect.model import Finding, PkiSummary, Transaction, Unit

RECHECK_ALWAYS = 64  # transactions up to this many steps are rechecked on every unit
StreamKey = int | None  # the TCP stream; None gathers message files and other stream-less units


# The request a response answers, to name a transaction whose request the capture missed (a cp
# also answers p10cr: `cr` is the likelier guess).
REQUEST_OF = {"ip": "ir", "cp": "cr", "kup": "kur", "krp": "krr", "ccp": "ccr", "rp": "rr", "genp": "genm"}


class _Flow:
    """A transaction under construction: the model object plus what correlation needs."""

    __slots__ = ("txn", "steps", "links", "client_host", "server_host", "last_time", "unknown_refs", "checked_at",
                 "deep", "found")

    def __init__(self, tid: bytes | None) -> None:
        self.txn = Transaction(transaction_id=tid, kind=None)
        self.steps: list[Step] = []
        self.links: list[Finding] = []  # findings only correlation can see (other flows, streams)
        self.client_host: str | None = None
        self.server_host: str | None = None
        self.last_time: float | None = None
        self.unknown_refs: dict[int, int] = {}  # frame of a pollReq with an unknown reference -> ref
        self.checked_at = 0  # number of steps when the checks last ran
        self.deep: tuple[int, list[Finding]] = (-1, [])  # deep checks' findings, by step count
        self.found: list[Finding] = []  # every finding of the last run, before the policy filters them

    @property
    def tid(self) -> bytes | None:
        return self.txn.transaction_id

    def matches(self, unit: Unit, direction: int) -> bool:
        client, server = (unit.src, unit.dst) if direction == 0 else (unit.dst, unit.src)
        return all(a is None or b is None or a == b for a, b in
                   ((self.client_host, host(client)), (self.server_host, host(server))))


class TransactionTable:
    """Groups units into transactions as they arrive.

    `add(unit)` returns the transactions the unit changed (so a live view can update them in place),
    with a provisional outcome; `finish()` judges every transaction as of the end of the capture;
    `expire(now)` does the same for transactions idle longer than `idle_timeout` seconds and forgets
    them, so a long live sniff keeps bounded memory.
    """

    def __init__(self, idle_timeout: float = 600.0, policy: CheckPolicy | None = None) -> None:
        self.idle_timeout = idle_timeout
        self.policy = policy or CheckPolicy()
        self._flows: list[_Flow] = []
        self._by_id: dict[int, _Flow] = {}  # id(Transaction) -> flow
        self._by_tid: dict[bytes, list[_Flow]] = {}
        self._by_nonce: dict[bytes, tuple[_Flow, PkiSummary]] = {}  # senderNonce -> who sent it
        self._refs: dict[int, _Flow] = {}  # transport polling reference -> flow
        self._pending: dict[StreamKey, deque[tuple[_Flow, int]]] = {}  # unanswered requests per stream
        self._last_on_stream: dict[StreamKey, _Flow] = {}
        self._http_closed: dict[int, int] = {}  # stream -> frame that said Connection: close
        self._tcp_closed: dict[int, int] = {}  # stream -> frame with the TCP-Messaging close flag

    # -- public ----------------------------------------------------------------------------------

    @property
    def transactions(self) -> list[Transaction]:
        """Transactions still held, in order of their first frame."""
        return [f.txn for f in self._flows]

    def add(self, unit: Unit) -> list[Transaction]:
        msg = unit.message
        if (msg is None or msg.body is None) and unit.frame_type is None:
            flow = self._add_http_answer(unit)  # e.g. a 404 or 415 without any CMP
            if flow is None:
                return []  # nothing to label: the unit's own error says why
            self._judge(flow, final=False)
            return [flow.txn]
        changed: list[_Flow] = []
        if msg is not None and msg.body is not None:
            outer = self._add_message(unit, msg)
            changed.append(outer)
            for inner in msg.nested:
                if inner.body is not None:
                    flow = self._add_inner(unit, inner, outer)
                    if flow is not None and flow not in changed:
                        changed.append(flow)
        else:
            changed.append(self._add_frame(unit))
        self._stream_rules(unit, changed[0])
        for flow in changed:
            self._judge(flow, final=False)
        return [f.txn for f in changed]

    def finish(self) -> list[Transaction]:
        """Judge every transaction as of the end of the capture."""
        for flow in self._flows:
            self._judge(flow, final=True)
        return self.transactions

    def expire(self, now: float) -> list[Transaction]:
        """Judge and forget the transactions idle since before `now - idle_timeout`."""
        old = [f for f in self._flows if f.last_time is not None and f.last_time < now - self.idle_timeout]
        if not old:
            return []
        gone = set(map(id, old))
        for flow in old:
            self._judge(flow, final=True)
            del self._by_id[id(flow.txn)]
        self._flows = [f for f in self._flows if id(f) not in gone]
        self._by_tid = {k: kept for k, v in self._by_tid.items() if (kept := [f for f in v if id(f) not in gone])}
        self._by_nonce = {k: v for k, v in self._by_nonce.items() if id(v[0]) not in gone}
        self._refs = {k: f for k, f in self._refs.items() if id(f) not in gone}
        self._last_on_stream = {k: f for k, f in self._last_on_stream.items() if id(f) not in gone}
        self._pending = {k: deque(p for p in q if id(p[0]) not in gone) for k, q in self._pending.items()}
        return [f.txn for f in old]

    def steps(self, txn: Transaction) -> list[Step]:
        """The steps behind `txn.messages` (inner messages of nested units included)."""
        return list(self._by_id[id(txn)].steps)

    def timing(self, txn: Transaction) -> Timing:
        """Round trips, duration and polling waits of a transaction."""
        return timing(self._by_id[id(txn)].steps)

    # -- routing ---------------------------------------------------------------------------------

    def _new(self, tid: bytes | None) -> _Flow:
        flow = _Flow(tid)
        self._flows.append(flow)
        self._by_id[id(flow.txn)] = flow
        if tid is not None:
            self._by_tid.setdefault(tid, []).append(flow)
        return flow

    def _adopt(self, flow: _Flow, tid: bytes) -> _Flow:
        """A server may set the transactionID the client left out (RFC 9810 5.1.1)."""
        flow.txn.transaction_id = tid
        self._by_tid.setdefault(tid, []).append(flow)
        return flow

    def _nonce_link(self, msg: PkiSummary) -> _Flow | None:
        hit = self._by_nonce.get(msg.recip_nonce) if msg.recip_nonce else None
        return hit[0] if hit else None

    def _starts_anew(self, flow: _Flow, msg: PkiSummary) -> bool:
        """Whether a first-request body with a known transactionID opens another transaction.

        Not when it is a resend: the same message again, a retry before any answer, or the RFC 9483
        4.4 resend of the request after error(waiting).
        """
        if any(s.msg is not None and same_message(s.msg, msg) for s in flow.steps):
            return False
        if flow.txn.outcome in ENDED:
            return True
        answers = [s for s in flow.steps if s.direction == 1 and s.msg is not None]
        return bool(answers) and not (answers[-1].body == "error" and "waiting" in answers[-1].msg.status)

    def _route(self, unit: Unit, msg: PkiSummary, direction: int, req_flow: _Flow | None) -> _Flow:
        tid = msg.transaction_id
        if tid is None:
            if req_flow is not None:
                return req_flow
            link = self._nonce_link(msg)
            if link is not None:
                return link
            last = self._last_on_stream.get(unit.stream)
            if direction == 0 and msg.body not in INITIAL_REQUESTS and unit.stream is not None and last:
                return last
            return self._new(None)
        if req_flow is not None and req_flow.tid == tid:
            return req_flow
        candidates = self._by_tid.get(tid, [])
        if not candidates:
            link = req_flow or self._nonce_link(msg)
            return self._adopt(link, tid) if link is not None and link.tid is None else self._new(tid)
        same_hosts = [f for f in candidates if f.matches(unit, direction)]
        initial = direction == 0 and msg.body in INITIAL_REQUESTS
        if not same_hosts:
            return self._new(tid) if initial else candidates[-1]  # another hop carries the same ID
        flow = same_hosts[-1]
        if initial and self._starts_anew(flow, msg):
            new = self._new(tid)
            first = flow.steps[0]
            new.links.append(finding("tid-reused", f"transactionID {tid.hex()} was already used by the "
                                     f"transaction starting at frame {first.frame} ({flow.txn.kind or first.label}).",
                                     unit.frame))
            return new
        return flow

    def _tid_changed(self, flow: _Flow, other: _Flow, step: Step, other_step: Step) -> None:
        """A message whose transactionID differs from the one it answers or follows: both get a finding."""
        mine, theirs = flow.tid, other.tid
        text = (f"The {step.label} (frame {step.frame}) carries transactionID {mine.hex() if mine else 'none'} but "
                f"the {other_step.label} (frame {other_step.frame}) it follows has {theirs.hex() if theirs else 'none'}.")
        flow.links.append(finding("tid-changed", text, step.frame))
        other.links.append(finding("tid-changed", text, step.frame))

    # -- adding ----------------------------------------------------------------------------------

    def _append(self, flow: _Flow, step: Step) -> int:
        txn, unit = flow.txn, step.unit
        if not flow.steps:
            client, server = (unit.src, unit.dst) if step.direction == 0 else (unit.dst, unit.src)
            txn.client, txn.server, txn.transport = client, server, unit.transport
            flow.client_host, flow.server_host = host(client), host(server)
        elif txn.transport != unit.transport:
            txn.transport = "mixed"
        if txn.kind is None and step.body is not None:
            if step.direction == 0:
                txn.kind = step.body
            elif step.body in REQUEST_OF:
                txn.kind = REQUEST_OF[step.body]  # the capture began after the request went out
        flow.steps.append(step)
        txn.units.append(unit)
        txn.messages.append(step.label)
        txn.frames.append(step.frame)
        if unit.time is not None:
            txn.start = unit.time if txn.start is None else min(txn.start, unit.time)
            txn.end = unit.time if txn.end is None else max(txn.end, unit.time)
            flow.last_time = txn.end
        if step.msg is not None and step.msg.sender_nonce:
            self._note_nonce(flow, step)
        return len(flow.steps) - 1

    def _note_nonce(self, flow: _Flow, step: Step) -> None:
        msg = step.msg
        assert msg is not None and msg.sender_nonce is not None
        seen = self._by_nonce.get(msg.sender_nonce)
        if seen is not None and seen[0] is not flow and not same_message(seen[1], msg):
            flow.links.append(finding("nonce-reused", f"senderNonce {msg.sender_nonce.hex()} was already used in "
                                      f"the transaction starting at frame {seen[0].steps[0].frame}.", step.frame))
        self._by_nonce[msg.sender_nonce] = (flow, msg)

    def _pop_request(self, key: StreamKey, body: str | None) -> tuple[_Flow, int] | None:
        """The request a response answers: the oldest one on the stream (HTTP answers in order)
        whose body this response can answer; older requests before it lost their answer."""
        queue = self._pending.get(key)
        if not queue:
            return None
        for n, (flow, index) in enumerate(queue):
            req = flow.steps[index]
            allowed = ANSWERS.get(req.body or "")
            if body is None or body == "error" or req.msg is None or allowed is None or body in allowed:
                for _ in range(n):
                    queue.popleft()
                return queue.popleft()
        return queue.popleft()

    def _add_message(self, unit: Unit, msg: PkiSummary) -> _Flow:
        direction = infer_direction(unit, msg, bool(self._pending.get(unit.stream)))
        req = self._pop_request(unit.stream, msg.body) if direction == 1 else None
        req_flow = req[0] if req else None
        flow = self._route(unit, msg, direction, req_flow)
        reply_to = req[1] if req and req_flow is flow else None
        step = Step(unit, msg, label(msg, unit.frame_type), direction, reply_to)
        index = self._append(flow, step)
        if req_flow is not None and req_flow is not flow:
            self._tid_changed(flow, req_flow, step, req_flow.steps[req[1]])
        elif direction == 0 and msg.transaction_id is not None and len(flow.steps) == 1:
            link = self._nonce_link(msg)
            if link is not None and link is not flow and link.tid not in (None, msg.transaction_id):
                self._tid_changed(flow, link, step, link.steps[-1])
        if direction == 0:
            self._pending.setdefault(unit.stream, deque()).append((flow, index))
        elif req_flow is flow and req is not None:
            flow.unknown_refs.pop(flow.steps[req[1]].frame, None)
        framing = unit.framing
        if direction == 1 and framing is not None and framing.poll_ref is not None:
            self._refs[framing.poll_ref] = flow  # partialMsgRep: the next part comes under this reference
        self._last_on_stream[unit.stream] = flow
        return flow

    def _add_inner(self, unit: Unit, msg: PkiSummary, outer: _Flow) -> _Flow | None:
        direction = outer.steps[-1].direction
        if msg.transaction_id is not None:
            candidates = self._by_tid.get(msg.transaction_id)
            flow = candidates[-1] if candidates else self._new(msg.transaction_id)
        else:
            flow = self._nonce_link(msg) or self._new(None)
        if flow is outer:
            return None
        reply_to = None
        if direction == 1:
            answered = {s.reply_to for s in flow.steps}
            reply_to = next((i for i in range(len(flow.steps) - 1, -1, -1)
                             if flow.steps[i].direction == 0 and i not in answered), None)
        self._append(flow, Step(unit, msg, label(msg, None), direction, reply_to, inner=True))
        return flow

    def _add_http_answer(self, unit: Unit) -> _Flow | None:
        """An HTTP response without a PKIMessage joins the transaction of the request it answers
        (RFC 9811 3.1), labelled `http:STATUS`, so the outcome and cause can say what went wrong."""
        h = unit.http
        if h is None or h.is_request or h.status is None or unit.direction != 1:
            return None
        media = (h.content_type or "").split(";")[0].strip().lower()
        if h.status == 200 and "pkixcmp" in media:
            return None  # a CMP answer whose body the capture lost or damaged: the unit's error says so
        req = self._pop_request(unit.stream, None)
        if req is None:
            return None
        flow, index = req
        self._append(flow, Step(unit, None, f"http:{h.status}", 1, index))
        return flow

    def _add_frame(self, unit: Unit) -> _Flow:
        """A transport frame without a PKIMessage: pollRep, pollReq, finRep, negPollRep, errorMsgRep."""
        framing = unit.framing
        ref = framing.poll_ref if framing is not None else None
        direction = infer_direction(unit, None, False)
        if direction == 0:
            # a pollReq continues the transaction that got its reference; a request frame whose
            # PKIMessage did not decode starts a transaction of its own
            flow = None
            if unit.frame_type == "pollReq":
                flow = self._refs.get(ref) if ref is not None else self._last_on_stream.get(unit.stream)
            unknown = flow is None and ref is not None
            flow = flow or self._new(None)
            index = self._append(flow, Step(unit, None, label(None, unit.frame_type), 0))
            if unknown:
                flow.unknown_refs[unit.frame] = ref
            self._pending.setdefault(unit.stream, deque()).append((flow, index))
        else:
            req = self._pop_request(unit.stream, None)
            flow = req[0] if req else None
            if flow is None and unit.frame_type in TRANSPORT_END:
                flow = self._last_on_stream.get(unit.stream)  # "nothing more" closes the last transaction
            flow = flow or self._new(None)  # e.g. an errorMsgRep for a request frame that did not decode
            self._append(flow, Step(unit, None, label(None, unit.frame_type), 1, req[1] if req else None))
            if req is not None and unit.frame_type != "errorMsgRep":
                flow.unknown_refs.pop(flow.steps[req[1]].frame, None)
            if ref is not None and unit.frame_type in ("pollRep", "partialMsgRep"):
                self._refs[ref] = flow
        self._last_on_stream[unit.stream] = flow
        return flow

    def _stream_rules(self, unit: Unit, flow: _Flow) -> None:
        """Rules about a whole connection: nothing may be sent after it was declared closing."""
        if unit.stream is None:
            return
        step = flow.steps[-1] if flow.steps and flow.steps[-1].unit is unit else None
        direction = step.direction if step is not None else unit.direction
        if direction == 0:
            if unit.stream in self._http_closed and unit.http is not None:
                flow.links.append(finding("http-after-close", "Request sent on a connection after "
                                          f"`Connection: close` (frame {self._http_closed[unit.stream]}).", unit.frame))
            if unit.stream in self._tcp_closed and unit.framing is not None:
                flow.links.append(finding("tcp-after-close", "The client sent on the connection after the close "
                                          f"flag (frame {self._tcp_closed[unit.stream]}).", unit.frame))
        if unit.http is not None and unit.http.connection_close:
            self._http_closed.setdefault(unit.stream, unit.frame)
        if unit.framing is not None and unit.framing.close:
            self._tcp_closed.setdefault(unit.stream, unit.frame)

    # -- judging ---------------------------------------------------------------------------------

    def _judge(self, flow: _Flow, final: bool) -> None:
        """Outcome and cause every time; findings every time for ordinary transactions, and for
        very long ones (hours of polling in a live sniff) each time they grew by an eighth, so that
        adding stays linear overall. `finish()` and `expire()` always run every check."""
        txn = flow.txn
        txn.outcome, cause = judge(flow.steps)
        changed = next((f for f in flow.links if f.code == "tid-changed"), None)
        if changed is not None and txn.outcome in ("unanswered", "incomplete"):
            cause = (f"The transaction breaks off because the transactionID changed at frame {changed.frame}: "
                     "the peer treats the message as belonging to another transaction.")
        size = len(flow.steps)
        if final or size <= RECHECK_ALWAYS or size >= flow.checked_at + flow.checked_at // 8:
            flow.checked_at = size
            unknown = [finding("tcp-pollreq-unknown-ref", f"pollReq with polling reference {ref}, which no pollRep "
                               "handed out.", frame) for frame, ref in flow.unknown_refs.items()]
            if flow.deep[0] != size:
                flow.deep = (size, run_deep_checks(flow.steps))
            found: Iterable[Finding] = [*flow.links, *unknown, *run_checks(flow.steps, final), *flow.deep[1]]
            flow.found = sorted(found, key=lambda f: f.frame if f.frame is not None else 0)
            txn.findings = self.policy.filter(flow.found)
        txn.cause = likely_cause(flow.steps, txn.outcome, cause, flow.found)


def correlate(units: Iterable[Unit], policy: CheckPolicy | None = None) -> list[Transaction]:
    """All transactions of a finished capture."""
    table = TransactionTable(policy=policy)
    for unit in units:
        table.add(unit)
    return table.finish()
