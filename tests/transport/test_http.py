"""HTTP/1.x carrying CMP: framing, pairing, media types, CMP-relevant errors, floods and gaps."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from cmpdissect.transport import httpbody
from cmpdissect.transport.events import CmpPdu, StreamNotice
from cmpdissect.transport.http import HttpConnection, recognize_body

DATA = Path(__file__).parent / "data"
GENM = bytes.fromhex((DATA / "genm_req.hex").read_text())
GENP = bytes.fromhex((DATA / "genm_rsp.hex").read_text())
IP = bytes.fromhex((DATA / "ip.hex").read_text())
# One genm/genp exchange between `openssl cmp` 3.0 and its mock server, captured on loopback.
REAL_C2S = bytes.fromhex((DATA / "http_genm_c2s.hex").read_text())
REAL_S2C = bytes.fromhex((DATA / "http_genm_s2c.hex").read_text())


def post(body: bytes, path: str = "/.well-known/cmp", ctype: str | None = "application/pkixcmp",
         extra: str = "", version: str = "1.1") -> bytes:
    head = f"POST {path} HTTP/{version}\r\nHost: ca.example\r\n"
    if ctype is not None:
        head += f"Content-Type: {ctype}\r\n"
    return (head + f"Content-Length: {len(body)}\r\n{extra}\r\n").encode() + body


def response(body: bytes, status: str = "200 OK", ctype: str | None = "application/pkixcmp",
             extra: str = "", version: str = "1.1", length: bool = True) -> bytes:
    head = f"HTTP/{version} {status}\r\n"
    if ctype is not None:
        head += f"Content-Type: {ctype}\r\n"
    if length:
        head += f"Content-Length: {len(body)}\r\n"
    return (head + extra + "\r\n").encode() + body


def chunked(body: bytes, sizes: list[int]) -> bytes:
    out = b""
    for i, size in enumerate(sizes):
        part, body = body[:size], body[size:]
        out += f"{size:x};ext{i}=\"v\"\r\n".encode() + part + b"\r\n"
    assert not body
    return out + b"0\r\nX-Trailer: done\r\nX-Other: 1\r\n\r\n"


def pdus(events: list) -> list[CmpPdu]:
    return [e for e in events if isinstance(e, CmpPdu)]


def run(*steps: tuple[int, bytes], close: bool = True) -> list[CmpPdu | StreamNotice]:
    conn = HttpConnection()
    out: list[CmpPdu | StreamNotice] = []
    for frame, (direction, data) in enumerate(steps, start=1):
        out += conn.feed(direction, data, frame, float(frame))
    if close:
        out += conn.close(0, 99, None) + conn.close(1, 99, None)
    return out


def test_real_openssl_exchange_http10() -> None:
    out = run((0, REAL_C2S), (1, REAL_S2C))
    request, reply = pdus(out)
    assert len(out) == 2
    assert (request.transport, request.der, request.frame, request.frame_type) == ("http", REAL_C2S[-193:], 1, None)
    assert (reply.der, reply.frame) == (REAL_S2C[-213:], 2)
    assert request.http is not None and reply.http is not None
    assert (request.http.method, request.http.path, request.http.is_request) == ("POST", "/", True)
    assert (reply.http.method, reply.http.path, reply.http.status, reply.http.reason) == ("POST", "/", 200, "OK")
    assert reply.http.content_type == "application/pkixcmp" and reply.http.version == "HTTP/1.0"
    assert reply.http.connection_close is True  # HTTP/1.0 without keep-alive
    assert ("Content-type", "application/pkixcmp") in reply.http.headers


def test_byte_at_a_time_gives_the_same_pdus() -> None:
    conn = HttpConnection()
    out: list[CmpPdu | StreamNotice] = []
    for i in range(len(REAL_C2S)):
        out += conn.feed(0, REAL_C2S[i : i + 1], i, None)
    for i in range(len(REAL_S2C)):
        out += conn.feed(1, REAL_S2C[i : i + 1], 1000 + i, None)
    assert [(p.der, p.frame, p.http) for p in pdus(out)] == [
        (p.der, f, p.http) for p, f in zip(pdus(run((0, REAL_C2S), (1, REAL_S2C))),
                                           (len(REAL_C2S) - 1, 1000 + len(REAL_S2C) - 1), strict=True)]


def test_chunked_with_extensions_and_trailers_split_everywhere() -> None:
    wire = response(chunked(IP, [1, 500, 514]), ctype="application/pkixcmp", length=False,
                    extra="Transfer-Encoding: chunked\r\n")
    for cut in range(1, len(wire)):
        conn = HttpConnection()
        conn.feed(0, post(GENM), 1, None)
        out = conn.feed(1, wire[:cut], 2, None) + conn.feed(1, wire[cut:], 3, None)
        (pdu,) = out
        assert (pdu.der, pdu.frame, pdu.error) == (IP, 3, None), cut
    assert pdu.http is not None and pdu.http.chunked is True
    assert pdu.http.headers[-2:] == (("X-Trailer", "done"), ("X-Other", "1"))


def test_keep_alive_three_exchanges_paired_in_order() -> None:
    paths = ["/.well-known/cmp/p/ra1/getcacerts", "/.well-known/cmp/initialization", "/cmp/certconf"]
    bodies = [(GENM, GENP), (GENM, IP), (GENP, GENM)]
    steps: list[tuple[int, bytes]] = []
    for path, (req, rsp) in zip(paths, bodies, strict=True):
        steps += [(0, post(req, path)), (1, response(rsp))]
    out = run(*steps)
    assert [p.frame for p in out] == [1, 2, 3, 4, 5, 6]
    assert [p.der for p in out] == [b for pair in bodies for b in pair]
    assert [p.http.path for p in out if p.http] == [p for p in paths for _ in (0, 1)]
    assert all(p.http is not None and not p.http.connection_close for p in out)


def test_pipelined_requests_pair_fifo() -> None:
    out = run((0, post(GENM, "/a/cmp") + post(GENP, "/b/cmp")), (1, response(GENP) + response(IP)))
    assert [(p.http.path, p.http.is_request, p.der) for p in out if p.http] == [
        ("/a/cmp", True, GENM), ("/b/cmp", True, GENP), ("/a/cmp", False, GENP), ("/b/cmp", False, IP)]


def test_wrong_direction_guess_still_pairs() -> None:
    out = run((1, post(GENM)), (0, response(GENP)))
    request, reply = pdus(out)
    assert (request.direction, reply.direction) == (1, 0)
    assert reply.http is not None and (reply.http.method, reply.http.is_request) == ("POST", False)


def test_http10_response_read_until_close() -> None:
    conn = HttpConnection()
    conn.feed(0, post(GENM, version="1.0"), 1, None)
    wire = response(IP, version="1.0", length=False)
    assert conn.feed(1, wire[:300], 2, None) == []
    assert conn.feed(1, wire[300:], 3, None) == []
    (pdu,) = conn.close(1, 4, 4.5)
    assert (pdu.der, pdu.frame, pdu.time, pdu.error) == (IP, 4, 4.5, None)
    assert pdu.http is not None and pdu.http.connection_close is True


def test_100_continue_is_skipped() -> None:
    body = GENM
    head = post(body, extra="Expect: 100-continue\r\n")[: -len(body)]
    out = run((0, head), (1, b"HTTP/1.1 100 Continue\r\n\r\n"), (0, body), (1, response(GENP)))
    request, reply = pdus(out)
    assert (request.der, request.frame, reply.der, reply.frame) == (GENM, 3, GENP, 4)
    assert reply.http is not None and (reply.http.status, reply.http.method) == (200, "POST")


def test_head_and_204_have_no_body() -> None:
    head_req = b"HEAD /status HTTP/1.1\r\nHost: x\r\n\r\n"
    head_rsp = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nContent-Type: text/html\r\n\r\n"
    no_content = b"HTTP/1.1 204 No Content\r\nContent-Length: 12\r\n\r\n"
    out = run((0, head_req + b"OPTIONS * HTTP/1.1\r\n\r\n" + post(GENM)),
              (1, head_rsp + no_content + response(GENP)))
    assert [p.der for p in out] == [GENM, GENP]


def test_poll_media_type_with_a_v10_frame_and_with_bare_der() -> None:
    frame = (len(GENM) + 3).to_bytes(4, "big") + b"\x0a\x00\x00" + GENM
    poll_rep = b"\x00\x00\x00\x0b\x0a\x01\x01\x00\x00\x00\x07\x00\x00\x00\x0a"
    out = run((0, post(frame, ctype="application/x-pkixcmp-poll")),
              (1, response(poll_rep, ctype="application/pkixcmp-poll")),
              (0, post(GENM, ctype="application/pkixcmp-poll")), (1, response(GENP, ctype="application/pkixcmp-poll")))
    req, rep, req2, rep2 = out
    assert (req.transport, req.frame_type, req.der, req.framing.version) == ("http-poll", "pkiReq", GENM, 10)
    assert (rep.transport, rep.frame_type, rep.der) == ("http-poll", "pollRep", None)
    assert (rep.framing.poll_ref, rep.framing.check_after, rep.framing.close) == (7, 10, True)
    assert (req2.transport, req2.frame_type, req2.der) == ("http", None, GENM)
    assert (rep2.transport, rep2.der) == ("http", GENP)


def test_missing_or_wrong_media_type_recognized_by_content() -> None:
    out = run((0, post(GENM, ctype=None)), (1, response(GENP, ctype="text/plain")))
    assert [(p.der, p.error) for p in out] == [(GENM, None), (GENP, None)]
    assert out[0].http is not None and out[0].http.content_type is None


def test_media_type_is_case_insensitive_and_parameters_are_ignored() -> None:
    assert recognize_body(IP + b"\x00", declared=True) == (
        "http", IP, None, None, "1 bytes after the PKIMessage (offset 1015)")
    out = run((0, post(IP[:-1] + b"x", ctype="Application/PKIXCMP; charset=binary")))
    (pdu,) = out
    assert pdu.der == IP[:-1] + b"x"  # declared: taken as the PKIMessage, the summary will judge it
    assert pdu.http is not None and pdu.http.content_type == "Application/PKIXCMP; charset=binary"


def test_plain_web_traffic_yields_nothing() -> None:
    page = b"<html>" + b"x" * 500 + b"</html>"
    out = run((0, b"GET / HTTP/1.1\r\nHost: www\r\n\r\n" + post(b"q=1", "/search", "application/x-www-form-urlencoded")),
              (1, response(page, ctype="text/html") + response(b"{}", ctype="application/json")))
    assert out == []


def test_415_and_404_to_cmp_requests_are_reported() -> None:
    html = b"<html><body><h1>415 Unsupported Media Type</h1><p>Use something else.</p></body></html>" + b" " * 66
    assert len(html) == 153
    out = run((0, post(GENM)), (1, response(html, "415 Unsupported Media Type", "text/html; charset=utf-8")),
              (0, post(b"hello", "/.well-known/cmp/p/x", "text/plain")), (1, response(b"", "404 Not Found", None)))
    request, refused, missing = out
    assert request.der == GENM
    assert (refused.der, refused.http.status if refused.http else None) == (None, 415)
    assert refused.error == "HTTP 415 Unsupported Media Type response carries no PKIMessage (text/html, 153 bytes)"
    assert missing.error == "HTTP 404 Not Found response carries no PKIMessage (no Content-Type, no body)"
    assert missing.http is not None and missing.http.path == "/.well-known/cmp/p/x"


def test_declared_pkixcmp_request_without_cmp_is_reported() -> None:
    (pdu,) = run((0, post(b"not der", ctype="application/pkixcmp")))
    assert pdu.der is None
    assert pdu.error == "HTTP POST request declares application/pkixcmp but carries no PKIMessage " \
                        "(application/pkixcmp, 7 bytes)"


def test_empty_202_to_an_announcement_is_a_unit_without_error() -> None:
    out = run((0, post(GENM)), (1, response(b"", "202 Accepted", None)))
    assert [(p.der, p.error, p.http.status if p.http else None) for p in out] == [(GENM, None, None), (None, None, 202)]


def test_connection_close_semantics() -> None:
    out = run((0, post(GENM, extra="Connection: keep-alive\r\n", version="1.0")),
              (1, response(GENP, extra="Connection: Keep-Alive, Close\r\n")))
    assert [p.http.connection_close for p in out if p.http] == [False, True]


def test_folded_header_line_is_joined() -> None:
    wire = (b"POST /cmp HTTP/1.1\r\nContent-Type:\r\n application/pkixcmp\r\n"
            + f"Content-Length: {len(GENM)}\r\n\r\n".encode() + GENM)
    (pdu,) = run((0, wire))
    assert pdu.http is not None and pdu.http.content_type == "application/pkixcmp"


def test_header_flood_by_count_and_by_size() -> None:
    many = b"POST /cmp HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(201)) + b"\r\n"
    out = run((0, many + post(GENM)))
    assert [type(e) for e in out] == [StreamNotice, StreamNotice, CmpPdu]
    assert out[0].message == "HTTP header flood: more than 200 header fields (stream offset 0)"
    assert out[1].message.startswith("skipped ")
    big = b"POST /cmp HTTP/1.1\r\nX-Big: " + b"a" * 70000
    conn = HttpConnection()
    out = conn.feed(0, big[:40000], 1, None) + conn.feed(0, big[40000:], 2, None)
    assert len(out) == 1 and out[0].message == "HTTP header flood: header section over 65536 bytes (stream offset 0)"


def test_absurd_content_length_allocates_nothing_and_reports_truncation() -> None:
    conn = HttpConnection()
    tracemalloc.start()
    out = conn.feed(0, b"POST /cmp HTTP/1.1\r\nContent-Type: application/pkixcmp\r\n"
                       b"Content-Length: 1000000000000\r\n\r\n" + GENM, 1, None)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert out == [] and peak < 256 * 1024
    (pdu,) = conn.close(0, 2, None)
    assert pdu.error == "body ends after 193 of 1000000000000 bytes announced by Content-Length"
    assert pdu.der == GENM


def test_bad_content_length_and_chunk_size_are_notices() -> None:
    out = run((0, b"POST /cmp HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\nhello\r\n" + post(GENM)))
    assert isinstance(out[0], StreamNotice) and out[0].message == "bad Content-Length '5, 6' (stream offset 0)"
    assert pdus(out)[0].der == GENM
    out = run((0, post(GENM)), (1, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))
    assert [e.message for e in out if isinstance(e, StreamNotice)] == ["bad chunk size b'zz' (stream offset 47)"]


def test_gap_inside_a_body_keeps_step_and_gap_in_headers_resyncs() -> None:
    conn = HttpConnection()
    conn.feed(0, post(GENM) + post(GENM), 1, None)
    wire = response(IP)
    out = conn.feed(1, wire[:200], 2, None)
    out += conn.gap(1, 300, 3, None)
    out += conn.feed(1, wire[500:] + response(GENP), 4, None)
    damaged, intact = out
    assert damaged.der is None and damaged.frame == 4
    assert damaged.error == ("300 body bytes never captured (body offset 124); "
                             "HTTP 200 OK response carries no PKIMessage (application/pkixcmp, 1015 bytes)")
    assert intact.der == GENP
    # a gap inside the header: the next message is found again
    conn = HttpConnection()
    out = conn.feed(0, post(GENM)[:40], 1, None) + conn.gap(0, 200, 2, None)
    out += conn.feed(0, b"tail of the lost request\r\n" + post(GENP), 3, None)
    assert [type(e) for e in out] == [StreamNotice, StreamNotice, StreamNotice, CmpPdu]
    assert [e.message for e in out[:3]] == [
        "HTTP message header at stream offset 0 cut by a gap",
        "skipped 8 bytes at stream offset 32 that hold no HTTP message start",
        "skipped 26 bytes at stream offset 240 that hold no HTTP message start"]
    assert pdus(out)[0].der == GENP


def test_not_http_after_all_is_a_notice() -> None:
    conn = HttpConnection()
    out = conn.feed(0, b"\x00\x01garbage\r\n" + post(GENM), 1, None)
    assert isinstance(out[0], StreamNotice) and out[0].message.startswith("not an HTTP start line")
    assert pdus(out)[0].der == GENM


def test_body_over_the_keep_limit_is_counted_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(httpbody, "MAX_UNIT", 1000)
    (request, reply) = run((0, post(GENM)), (1, response(IP)))
    assert request.der == GENM
    assert reply.der is None and reply.error is not None
    assert reply.error.startswith("body of 1015 bytes is over the 67108864-byte limit; not kept; HTTP 200 OK")
