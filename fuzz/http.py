"""The HTTP/1.x decoder (`transport.http.HttpConnection`): chunk sizes, header floods, absurd
Content-Length, endless chunked bodies, gaps, both directions interleaved.

Input: `harness.stream_script` (client bytes, server bytes, a chooser of segment sizes and gaps).
Rules: no exception; a PKIMessage handed on is never larger than MAX_UNIT. (HTTP-level errors
count bytes, "body ends after N of M bytes"; offsets are checked where a PKIMessage or a TCP frame
broke, in the summary, tcpmsg and splice harnesses.)
"""

from __future__ import annotations

from cmpdissect.transport.events import CmpPdu, StreamNotice
from cmpdissect.transport.http import HttpConnection
from cmpdissect.transport.recognize import MAX_UNIT
from fuzz.harness import encode_streams, require, stream_ops, stream_pairs

_SEEDS = [
    (b"POST /cmp HTTP/1.1\r\nContent-Type: application/pkixcmp\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"4\r\n0\x82\x01\x00\r\nffffffffffffffff\r\n", b""),
    (b"POST /cmp HTTP/1.1\r\nContent-Length: 4294967296\r\nContent-Type: application/pkixcmp\r\n\r\n0\x84",
     b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"),
    (b"POST / HTTP/1.0\r\n" + b"X: y\r\n" * 300 + b"\r\n", b"HTTP/1.0 200 OK\r\n\r\n0\x03\x02\x01\x02"),
]


def check(events: list[CmpPdu | StreamNotice]) -> None:
    for event in events:
        if isinstance(event, CmpPdu):
            require(event.der is None or len(event.der) <= MAX_UNIT, "PKIMessage over MAX_UNIT handed on")
        else:
            require(isinstance(event, StreamNotice) and event.message, "bad notice")


def one_input(data: bytes) -> None:
    conn = HttpConnection()
    for direction, chunk, lost in stream_ops(data):
        check(conn.gap(direction, len(chunk), 1, None) if lost else conn.feed(direction, chunk, 1, None))
    check(conn.close(0, 2, None))
    check(conn.close(1, 2, None))


def seeds() -> list[bytes]:
    pairs = [p for p in stream_pairs() if p[0][:5] in (b"POST ", b"GET /")] + _SEEDS
    return [encode_streams(c, s, n) for n, (c, s) in enumerate(pairs)]
