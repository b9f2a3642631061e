"""A small script language for CMP captures: `cap.conv().req("ir")`, `.rep("ip", status=["accepted"])`.

Defaults produce a flow that is clean under every check (16-octet IDs and nonces, pvno 2, PBM with
senderKID, recipNonce chained, HTTP 200 application/pkixcmp), so a test changes one thing only.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from cmpdissect.model import (
    CertReqInfo,
    CertResponseInfo,
    CertStatusInfo,
    Framing,
    HttpInfo,
    PkiSummary,
    Unit,
)

T0 = 1_700_000_000.0
REQUEST_FRAME = {"tcp-msg-v10": "pkiReq", "tcp-rfc2510": "pkiMsg"}
RESPONSE_FRAME = {"tcp-msg-v10": "pkiRep", "tcp-rfc2510": "finalMsgRep"}
AUTO = object()


class Capture:
    """Frames and times shared by all conversations of one capture."""

    def __init__(self) -> None:
        self.units: list[Unit] = []
        self.time = T0
        self._nonces = 0

    def nonce(self) -> bytes:
        self._nonces += 1
        return self._nonces.to_bytes(16, "big")

    def conv(self, tid: bytes | None = b"\x11" * 16, *, stream: int | None = 0, transport: str = "http",
             client: str = "10.0.0.1:40000", server: str = "10.0.0.2:80") -> Conv:
        return Conv(self, tid, stream, transport, client, server)

    def add(self, unit: Unit, wait: float) -> Unit:
        self.time += wait
        unit.frame, unit.time, unit.index = len(self.units) + 1, self.time, len(self.units)
        self.units.append(unit)
        return unit

    def resend(self, unit: Unit, wait: float = 0.1) -> Unit:
        """The same PKIMessage sent again (RFC 9483 delayed delivery, a retransmission)."""
        return self.add(replace(unit, message=copy.deepcopy(unit.message)), wait)


class Conv:
    """One client talking to one server; messages chain their nonces unless told otherwise."""

    def __init__(self, cap: Capture, tid, stream, transport, client, server) -> None:
        self.cap, self.tid, self.stream, self.transport = cap, tid, stream, transport
        self.client, self.server = client, server
        self.last_nonce: bytes | None = None

    def _unit(self, direction: int, msg: PkiSummary | None, frame_type: str | None, framing: Framing | None,
              http: HttpInfo | None, wait: float) -> Unit:
        src, dst = (self.client, self.server) if direction == 0 else (self.server, self.client)
        unit = Unit(frame=0, time=None, stream=self.stream, src=src, dst=dst, transport=self.transport,
                    direction=direction, frame_type=frame_type, framing=framing, http=http, message=msg)
        return self.cap.add(unit, wait)

    def msg(self, direction: int, body: str, *, status=(), fail_info=(), ids=None, check_after=(),
            tid=AUTO, nonce=AUTO, recip=AUTO, implicit=False, wait: float = 0.1, http=AUTO, framing=AUTO,
            frame_type=AUTO, conf_status=None, **fields) -> Unit:
        ids = list(ids if ids is not None else ([-1] if body == "p10cr" else [0]))
        status = list(status)
        msg = PkiSummary(body=body, pvno=2, sender="CN=peer", recipient="CN=peer", protection_alg="PBM",
                         protection_alg_oid="1.2.840.113533.7.66.13", sender_kid=b"kid", has_protection=True,
                         transaction_id=self.tid if tid is AUTO else tid,
                         sender_nonce=self.cap.nonce() if nonce is AUTO else nonce,
                         recip_nonce=self.last_nonce if recip is AUTO else recip,
                         implicit_confirm=implicit, status=status, fail_info=list(fail_info), length=100)
        msg.message_time = self.cap.time + wait
        if body in ("ir", "cr", "kur", "ccr", "krr"):
            msg.cert_requests = [CertReqInfo(i) for i in ids]
            msg.cert_req_ids = ids
        elif body in ("ip", "cp", "kup", "ccp"):
            msg.cert_responses = [CertResponseInfo(i, s) for i, s in zip(ids, status, strict=False)]
            msg.cert_req_ids = ids
        elif body == "certConf":
            msg.cert_statuses = [CertStatusInfo(i, b"h" * 32, conf_status) for i in ids]
            msg.cert_req_ids = ids
        elif body in ("pollReq", "pollRep"):
            msg.cert_req_ids = ids
            msg.check_after = list(check_after)
        for name, value in fields.items():
            setattr(msg, name, value)
        self.last_nonce = msg.sender_nonce
        if http is AUTO:
            http = (HttpInfo(method="POST", path="/.well-known/cmp", status=None if direction == 0 else 200,
                             content_type="application/pkixcmp", version="HTTP/1.1", is_request=direction == 0)
                    if self.transport == "http" else None)
        if frame_type is AUTO:
            frame_type = (REQUEST_FRAME if direction == 0 else RESPONSE_FRAME).get(self.transport)
        if framing is AUTO:
            framing = (Framing(length=msg.length + 3, version=10) if self.transport == "tcp-msg-v10"
                       else Framing(length=msg.length + 1) if self.transport == "tcp-rfc2510" else None)
        return self._unit(direction, msg, frame_type, framing, http, wait)

    def req(self, body: str, **kw) -> Unit:
        return self.msg(0, body, **kw)

    def rep(self, body: str, **kw) -> Unit:
        return self.msg(1, body, **kw)

    def frame(self, direction: int, frame_type: str, *, wait: float = 0.1, version: int | None = AUTO,
              **framing) -> Unit:
        """A transport frame that carries no PKIMessage (pollRep, pollReq, finRep, errorMsgRep ...)."""
        if version is AUTO:
            version = 10 if self.transport == "tcp-msg-v10" else None
        return self._unit(direction, None, frame_type, Framing(length=9, version=version, **framing), None, wait)

    def enroll(self, body: str = "ir", reply: str = "ip") -> list[Unit]:
        """The RFC 9810 baseline: request, response accepted, certConf, pkiConf."""
        return [self.req(body), self.rep(reply, status=["accepted"]), self.req("certConf"), self.rep("pkiconf")]


@pytest.fixture
def cap() -> Capture:
    return Capture()
