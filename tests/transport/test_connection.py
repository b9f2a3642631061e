"""Classifying a connection by its first bytes, and decoding each kind through ConnectionDecoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmpdissect.transport.connection import FUTURE_VERSION, ConnectionDecoder, classify
from cmpdissect.transport.events import CmpPdu, StreamNotice

DATA = Path(__file__).parent / "data"
GENM = bytes.fromhex((DATA / "genm_req.hex").read_text())
GENP = bytes.fromhex((DATA / "genm_rsp.hex").read_text())
IP = bytes.fromhex((DATA / "ip.hex").read_text())
REAL_C2S = bytes.fromhex((DATA / "http_genm_c2s.hex").read_text())
REAL_S2C = bytes.fromhex((DATA / "http_genm_s2c.hex").read_text())


def v10(mtype: int, value: bytes, flags: int = 0, version: int = 10) -> bytes:
    return (len(value) + 3).to_bytes(4, "big") + bytes([version, flags, mtype]) + value


def rfc2510(flag: int, value: bytes) -> bytes:
    return (len(value) + 1).to_bytes(4, "big") + bytes([flag]) + value


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"POST /.well-known/cmp HTTP/1.1\r\n", "http"),
        (b"POS", None),
        (b"POST", None),
        (b"HTTP/1.0 200 OK\r\n", "http"),
        (b"HTT", None),
        (b"PUSH stuff", "other"),
        (b"SSH-2.0-OpenSSH_9.6\r\n", "other"),
        (b"\x16\x03\x01\x02\x00\x01", "tls"),
        (b"\x16\x03", None),
        (b"\x16\x09\x01", "other"),
        (GENM[:15], "tcp-der"),
        (GENM[:5], None),
        (b"\x30\x03\x02\x01\x02", "other"),
        (v10(0, GENM)[:22], "tcp-msg-v10"),
        (v10(0, GENM)[:8], None),
        (rfc2510(3, b"\x00"), "tcp-rfc2510"),
        (rfc2510(6, b"no such reference"), "tcp-rfc2510"),
        (v10(0, GENM, version=11)[:12], FUTURE_VERSION),
        (b"\x00\x00\x00\x05\x07\x00", "other"),
        (b"\xff\xff\xff\xff\x00", "other"),
        (b"", None),
    ],
)
def test_classify_first_bytes(data: bytes, kind: str | None) -> None:
    assert classify(data) == kind


def test_http_on_any_port_byte_by_byte() -> None:
    decoder = ConnectionDecoder(50000, 8080)
    out: list[CmpPdu | StreamNotice] = []
    for i in range(len(REAL_C2S)):
        out += decoder.feed(0, REAL_C2S[i : i + 1], i, None)
        if i == 0:
            assert decoder.kind == "undecided"
    assert decoder.kind == "http" and decoder.wants_data
    out += decoder.feed(1, REAL_S2C, 500, 5.0)
    assert [(p.transport, p.der, p.direction) for p in out] == [
        ("http", REAL_C2S[-193:], 0), ("http", REAL_S2C[-213:], 1)]


def test_other_is_dropped_at_once_with_a_hint_on_port_829() -> None:
    decoder = ConnectionDecoder(40000, 829)
    (notice,) = decoder.feed(0, b"SSH-2.0-x\r\n", 1, None)
    assert isinstance(notice, StreamNotice) and "port 829" in notice.message
    assert (decoder.kind, decoder.wants_data) == ("other", False)
    assert decoder.feed(1, REAL_S2C, 2, None) == []
    quiet = ConnectionDecoder(40000, 443)
    (bad_tls,) = quiet.feed(0, b"\x16\x03\x01\x00\x05hello", 1, None)
    assert "malformed TLS handshake" in bad_tls.message
    assert (quiet.kind, quiet.wants_data) == ("tls", False)


def test_tcp_framing_mixed_per_frame() -> None:
    decoder = ConnectionDecoder(40000, 829)
    out = decoder.feed(0, v10(0, GENM), 1, None)
    out += decoder.feed(1, rfc2510(6, b"version 10 not supported"), 2, None)
    out += decoder.feed(0, rfc2510(0, GENM), 3, None)
    out += decoder.feed(1, rfc2510(1, b"\x00\x00\x00\x01\x65\x53\xf1\x00"), 4, None)
    assert decoder.kind == "tcp-msg-v10"
    assert [(p.transport, p.frame_type, p.direction) for p in out] == [
        ("tcp-msg-v10", "pkiReq", 0), ("tcp-rfc2510", "errorMsgRep", 1),
        ("tcp-rfc2510", "pkiMsg", 0), ("tcp-rfc2510", "pollRep", 1)]


def test_future_version_request_answered_by_version_not_supported() -> None:
    decoder = ConnectionDecoder(40000, 829)
    request = v10(0, GENM, version=11)
    assert decoder.feed(0, request, 1, None) == []
    assert decoder.kind == "undecided"
    out = decoder.feed(1, v10(6, b"\x01\x01\x00\x01\x0a", flags=1), 2, None)
    assert decoder.kind == "tcp-msg-v10"
    first, answer = out
    assert (first.framing.version, first.frame_type, first.der) == (11, None, None)
    assert first.error == "TCP-Messaging version 11 is not known (offset 4)"
    assert (answer.framing.error_name, answer.framing.error_data, answer.framing.close) == (
        "VersionNotSupported", b"\x0a", True)


def test_unanswered_future_version_is_shown_at_close() -> None:
    decoder = ConnectionDecoder(40000, 829)
    decoder.feed(0, v10(0, GENM, version=12), 1, None)
    (pdu,) = decoder.close(None, None, None)
    assert (pdu.frame, pdu.framing.version) == (1, 12)


def test_bare_der_stream_split_everywhere() -> None:
    stream = GENM + IP
    for cut in (1, 2, 3, 14, 15, 193, 194, 600):
        decoder = ConnectionDecoder(None, None)
        out = decoder.feed(0, stream[:cut], 1, None) + decoder.feed(0, stream[cut:], 2, None)
        assert decoder.kind == "tcp-der"
        assert [(p.transport, p.der, p.frame_type) for p in out] == [("tcp-der", GENM, None), ("tcp-der", IP, None)]
    decoder = ConnectionDecoder(None, None)
    decoder.feed(1, GENP + IP[:100], 1, None)
    (truncated,) = decoder.close(1, 2, None)
    assert truncated.error == "truncated PKIMessage: length 1015 announced, 100 bytes captured (offset 0)"


def test_bare_der_gap_resumes_at_next_pkimessage() -> None:
    decoder = ConnectionDecoder(None, None)
    out = decoder.feed(0, GENM + IP[:50], 1, None)
    out += decoder.gap(0, 2000, 2, None)
    out += decoder.feed(0, b"\x01\x02\x30\x00" + GENP, 3, None)
    assert [e.der if isinstance(e, CmpPdu) else e.message for e in out] == [
        GENM, None, "skipped 4 bytes at stream offset 2243 that hold no recognizable PKIMessage", GENP]
    assert out[1].error == "PKIMessage damaged by a gap: 965 of its 1015 bytes never captured (offset 50)"


def test_gap_before_classification_starts_afresh() -> None:
    decoder = ConnectionDecoder(None, None)
    assert decoder.feed(0, b"PO", 1, None) == []
    assert decoder.gap(0, 100, 2, None) == []
    out = decoder.feed(0, REAL_C2S, 3, None)
    assert decoder.kind == "http" and [p.der for p in out] == [REAL_C2S[-193:]]


def test_close_of_an_undecided_connection_says_why() -> None:
    decoder = ConnectionDecoder(None, None)
    decoder.feed(0, b"\x00\x00", 4, None)
    (notice,) = decoder.close(None, None, None)
    assert notice.frame == 4 and "too few" in notice.message


def test_fast_path_drops_a_connection_whose_first_request_is_not_a_post():
    get = b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
    fast = ConnectionDecoder(40000, 80, skip_web=True)
    assert fast.feed(0, get, 1, 1.0) == [] and not fast.wants_data
    careful = ConnectionDecoder(40000, 80)
    careful.feed(0, get, 1, 1.0)
    assert careful.wants_data and careful.kind == "http"
    post = ConnectionDecoder(40000, 80, skip_web=True)
    post.feed(0, b"POST /.well-known/cmp HTTP/1.1\r\n", 1, 1.0)
    assert post.wants_data and post.kind == "http"
