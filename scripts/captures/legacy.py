"""The legacy TCP transport captures, synthesized around real PKIMessages from the openssl runs.

Nobody ships RFC 2510 or TCP-Messaging v10 peers any more, so the frames are built byte-exactly
(``framing.py``) and wrapped in TCP conversations (``conversation.py``) with fixed ports, ISNs and
clock, so the files only change when the real messages do.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scapy.utils import PcapWriter

from cmpdissect.asn1.summary import summarize

from . import framing as f
from .conversation import CLIENT, SERVER, Conversation

FALLBACK_START = 1767225600.0  # 2026-01-01T00:00:00Z, for messages without messageTime
LOCALHOST = "127.0.0.1"
CMP_TCP_PORT = 829
POLL_REF = 0x00002510
UNKNOWN_REF = 0x0BADF00D


@dataclass(frozen=True, slots=True)
class Messages:
    """Real DER PKIMessages by run, each in wire order (request, response, request, ...)."""

    pbm: list[bytes]      # ir, ip, certConf, pkiConf
    sig: list[bytes]      # ir, ip, certConf, pkiConf (signature protected)
    polling: list[bytes]  # ir, ip(waiting), pollReq, pollRep, ..., ip, certConf, pkiConf
    genm: list[bytes]     # genm, genp
    large: list[bytes]    # ir, ip (> 10 kB), certConf, pkiConf


def _start(m: Messages) -> float:
    """The capture clock starts at the real messages' messageTime, so frames and messages agree."""
    t = summarize(m.pbm[0]).message_time
    return float(int(t)) if t is not None else FALLBACK_START


class _Capture:
    """A pcap file holding several conversations with fixed client ports and ISNs."""

    def __init__(self, path: Path, seed: int, start: float) -> None:
        self.writer = PcapWriter(str(path), linktype=1, sync=True)
        self.rng = random.Random(seed)
        self.now = start
        self.port = 40000 + seed % 1000 * 10

    def connect(self, server_port: int = CMP_TCP_PORT) -> Conversation:
        self.port += 1
        conv = Conversation(self.writer, self.now, (LOCALHOST, self.port), (LOCALHOST, server_port),
                            (self.rng.getrandbits(32), self.rng.getrandbits(32)))
        conv.open()
        return conv

    def done(self, conv: Conversation, pause: float = 0.5) -> None:
        self.now = conv.now + pause

    def close(self) -> None:
        self.writer.close()


def tcp_rfc2510(path: Path, m: Messages) -> None:
    """RFC 2510 section 5.2: polling with an absolute time-to-check-back, errorMsgRep, negPollRep and
    partialMsgRep, each on its own connection."""
    cap = _Capture(path, 2510, _start(m))
    conv = cap.connect()
    ir, ip, cert_conf, pki_conf = m.pbm
    conv.send(CLIENT, f.rfc2510(f.PKI_MSG, ir))
    conv.send(SERVER, f.rfc2510(f.POLL_REP, f.poll_rep(POLL_REF, int(conv.now) + 2)))
    conv.wait(2.0)
    conv.send(CLIENT, f.rfc2510(f.POLL_REQ, f.poll_req(POLL_REF)))
    conv.send(SERVER, f.rfc2510(f.FINAL_MSG_REP, ip))
    conv.send(CLIENT, f.rfc2510(f.PKI_MSG, cert_conf))
    conv.send(SERVER, f.rfc2510(f.FINAL_MSG_REP, pki_conf))
    conv.close(CLIENT)
    cap.done(conv)
    conv = cap.connect()
    conv.send(CLIENT, f.rfc2510(f.POLL_REQ, f.poll_req(UNKNOWN_REF)))
    conv.send(SERVER, f.rfc2510(f.ERROR_MSG_REP, b"unknown polling reference 0x0badf00d"))
    conv.close(CLIENT)
    cap.done(conv)
    conv = cap.connect()
    conv.send(CLIENT, f.rfc2510(f.POLL_REQ, f.poll_req(POLL_REF)))
    conv.send(SERVER, f.rfc2510(f.NEG_POLL_REP, b"\x00"))
    conv.close(CLIENT)
    cap.done(conv)
    conv = cap.connect()
    p_ir, p_waiting, *_, p_ip, p_conf, p_pkiconf = m.polling
    conv.send(CLIENT, f.rfc2510(f.PKI_MSG, p_ir))
    conv.send(SERVER, f.rfc2510(f.PARTIAL_MSG_REP, f.poll_rep(POLL_REF + 1, int(conv.now) + 1) + p_waiting))
    conv.wait(1.0)
    conv.send(CLIENT, f.rfc2510(f.POLL_REQ, f.poll_req(POLL_REF + 1)))
    conv.send(SERVER, f.rfc2510(f.FINAL_MSG_REP, p_ip))
    conv.send(CLIENT, f.rfc2510(f.PKI_MSG, p_conf))
    conv.send(SERVER, f.rfc2510(f.FINAL_MSG_REP, p_pkiconf))
    conv.close(CLIENT)
    cap.close()


def tcp_v10_polling(path: Path, m: Messages) -> None:
    """Version 10 polling with relative check-back (section 2.5.4), then finRep with the close flag
    after which the server closes (section 2.3)."""
    cap = _Capture(path, 10, _start(m))
    conv = cap.connect()
    ir, ip, cert_conf, pki_conf = m.pbm
    conv.send(CLIENT, f.v10(f.PKI_REQ, ir))
    for _ in range(2):
        conv.send(SERVER, f.v10(f.V10_POLL_REP, f.poll_rep(POLL_REF, 1)))
        conv.wait(1.0)
        conv.send(CLIENT, f.v10(f.V10_POLL_REQ, f.poll_req(POLL_REF)))
    conv.send(SERVER, f.v10(f.PKI_REP, ip))
    conv.send(CLIENT, f.v10(f.PKI_REQ, cert_conf))
    conv.send(SERVER, f.v10(f.PKI_REP, pki_conf))
    conv.send(CLIENT, f.v10(f.V10_POLL_REQ, f.poll_req(POLL_REF)))
    conv.send(SERVER, f.v10(f.FIN_REP, b"\x00", flags=f.CLOSE))
    conv.close(SERVER)
    cap.close()


def tcp_v10_version(path: Path, m: Messages) -> None:
    """A version-11 request, VersionNotSupported (data: 10), then the same exchange in version 10."""
    cap = _Capture(path, 11, _start(m))
    conv = cap.connect()
    ir, ip, cert_conf, pki_conf = m.sig
    conv.send(CLIENT, f.v10(f.PKI_REQ, ir, version=11))
    conv.send(SERVER, f.v10(f.V10_ERROR_MSG_REP, f.error_v10(
        f.VERSION_NOT_SUPPORTED, b"\x0a", "[en] TCP-message version 11 is not supported, highest is 10")))
    conv.send(CLIENT, f.v10(f.PKI_REQ, ir))
    conv.send(SERVER, f.v10(f.PKI_REP, ip))
    conv.send(CLIENT, f.v10(f.PKI_REQ, cert_conf))
    conv.send(SERVER, f.v10(f.PKI_REP, pki_conf))
    conv.close(CLIENT)
    cap.close()


def tcp_v10_errors(path: Path, m: Messages) -> None:
    """InvalidPollID, MessageTypeUnknown, GeneralClientError, then a request with the close flag
    answered with the close flag and a server close."""
    cap = _Capture(path, 202, _start(m))
    conv = cap.connect()
    conv.send(CLIENT, f.v10(f.V10_POLL_REQ, f.poll_req(UNKNOWN_REF)))
    conv.send(SERVER, f.v10(f.V10_ERROR_MSG_REP, f.error_v10(
        f.INVALID_POLL_ID, f.poll_req(UNKNOWN_REF), "[en] unknown polling reference")))
    conv.send(CLIENT, f.v10(0x07, b"\x00"))
    conv.send(SERVER, f.v10(f.V10_ERROR_MSG_REP, f.error_v10(
        f.MESSAGE_TYPE_UNKNOWN, b"\x07", "[en] message-type 7 is unknown")))
    conv.send(CLIENT, f.v10(f.PKI_REQ, b"\x04\x03not a PKIMessage"))
    conv.send(SERVER, f.v10(f.V10_ERROR_MSG_REP, f.error_v10(
        f.GENERAL_CLIENT_ERROR, b"", "[en] pkiReq does not hold a DER PKIMessage")))
    genm, genp = m.genm
    conv.send(CLIENT, f.v10(f.PKI_REQ, genm, flags=f.CLOSE))
    conv.send(SERVER, f.v10(f.PKI_REP, genp, flags=f.CLOSE))
    conv.close(SERVER)
    cap.close()


def tcp_v10_small_segments(path: Path, m: Messages) -> None:
    """One v10 enrollment cut into 40-byte segments on port 8829: recognition must be by content."""
    cap = _Capture(path, 8829, _start(m))
    conv = cap.connect(8829)
    for n, der in enumerate(m.pbm):
        conv.send(n % 2, f.v10(f.PKI_REP if n % 2 else f.PKI_REQ, der), segment=40)
    conv.close(CLIENT)
    cap.close()


def tcp_der(path: Path, m: Messages) -> None:
    """Bare DER PKIMessages on TCP (no framing at all), including an ip over 10 kB."""
    cap = _Capture(path, 830, _start(m))
    conv = cap.connect()
    for n, der in enumerate(m.large):
        conv.send(n % 2, der)
    conv.close(CLIENT)
    cap.close()


def _http(conv: Conversation, content_type: str, frame: bytes, reply: bytes) -> None:
    request = (f"POST /pkix/ HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: {content_type}\r\n"
               f"Content-Length: {len(frame)}\r\n\r\n").encode() + frame
    response = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(reply)}\r\n"
                "\r\n").encode() + reply
    conv.send(CLIENT, request)
    conv.send(SERVER, response)


def http_poll(path: Path, m: Messages) -> None:
    """TCP-style HTTP (CMP-REFERENCE 2.5): v10 frames as bodies of application/pkixcmp-poll POSTs,
    the last exchange labelled application/x-pkixcmp-poll."""
    cap = _Capture(path, 8080, _start(m))
    conv = cap.connect(8080)
    ir, ip, cert_conf, pki_conf = m.pbm
    poll = "application/pkixcmp-poll"
    _http(conv, poll, f.v10(f.PKI_REQ, ir), f.v10(f.V10_POLL_REP, f.poll_rep(POLL_REF, 1)))
    conv.wait(1.0)
    _http(conv, poll, f.v10(f.V10_POLL_REQ, f.poll_req(POLL_REF)), f.v10(f.PKI_REP, ip))
    _http(conv, "application/x-pkixcmp-poll", f.v10(f.PKI_REQ, cert_conf), f.v10(f.PKI_REP, pki_conf))
    conv.close(CLIENT)
    cap.close()


BUILDERS: dict[str, Callable[[Path, Messages], None]] = {
    "tcp-rfc2510.pcap": tcp_rfc2510,
    "tcp-v10-polling.pcap": tcp_v10_polling,
    "tcp-v10-version.pcap": tcp_v10_version,
    "tcp-v10-errors.pcap": tcp_v10_errors,
    "tcp-v10-small-segments.pcap": tcp_v10_small_segments,
    "tcp-der.pcap": tcp_der,
    "http-poll.pcap": http_poll,
}
