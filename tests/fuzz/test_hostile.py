"""Hostile lengths and shapes (issue 11): 4 GiB length fields, endless chunked bodies, 10,000-deep
ASN.1 nesting, floods of tiny TCP segments. Each must finish fast with flat memory (tracemalloc
peak of what the decoder allocates, the input itself excluded) and say what it saw."""

import time
import tracemalloc
from contextlib import contextmanager

import pytest

from cmpdissect.asn1.render import message_dict, render_message
from cmpdissect.asn1.summary import summarize
from cmpdissect.asn1.tree import build_tree, first_error
from cmpdissect.net import reassembly
from cmpdissect.net.ip import IpPacket
from cmpdissect.net.reassembly import StreamData, StreamGap, TcpReassembler
from cmpdissect.net.tcp import ACK, SYN, TcpSegment
from cmpdissect.sources.capture import SourceNotice, read_capture_bytes
from cmpdissect.transport import httpbody
from cmpdissect.transport.events import CmpPdu, StreamNotice
from cmpdissect.transport.http import HttpConnection
from cmpdissect.transport.recognize import pkimessage_prefix
from cmpdissect.transport.tcpmsg import TcpMessageReader, parse_frame
from fuzz.pcapwrite import conversation, pcap

MB = 1 << 20
HUGE_SEQUENCE = b"\x30\x84\xff\xff\xff\xff\x30\x03\x02\x01\x02"  # announces 4 GiB, holds 5 bytes


@contextmanager
def bounded(max_bytes: int, seconds: float = 2.0):
    """The block must allocate at most `max_bytes` at its peak and finish within `seconds`."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak <= max_bytes, f"peak {peak / MB:.1f} MiB"
    assert elapsed <= seconds * 4, f"{elapsed:.2f} s"  # tracemalloc slows Python code about 3x


def test_4gib_der_length_in_summary_tree_and_recognizer():
    with bounded(1 * MB):
        s = summarize(HUGE_SEQUENCE)
        tree = build_tree(HUGE_SEQUENCE)
        assert pkimessage_prefix(HUGE_SEQUENCE) is False  # 4 GiB is over MAX_UNIT: no message
    assert s.pvno == 2 and "offset 11" in s.error  # every field before the break is still read
    assert "offset 0" in first_error(tree)


def test_4gib_tcp_frame_length_is_no_frame_and_buffers_nothing():
    reader = TcpMessageReader(0)
    good = b"\0\0\0\x04\x0a\x00\x03\x00"  # finRep
    with bounded(1 * MB):
        out = reader.feed(b"\xff\xff\xff\xff\x0a\x00\x00" + b"x" * 100_000 + good, 1, None)
        out += reader.close(2, None)
    assert parse_frame(b"\xff\xff\xff\xff\x0a\x00\x00") is None
    assert [e.frame_type for e in out if isinstance(e, CmpPdu)] == ["finRep"]
    assert any("skipped" in e.message for e in out if isinstance(e, StreamNotice))


def test_4gib_content_length_allocates_by_what_arrived(monkeypatch):
    monkeypatch.setattr(httpbody, "MAX_UNIT", 256 * 1024)
    conn = HttpConnection()
    head = b"POST /cmp HTTP/1.1\r\nContent-Type: application/pkixcmp\r\nContent-Length: 4294967296\r\n\r\n"
    with bounded(1 * MB):
        conn.feed(0, head, 1, None)
        for n in range(64):
            conn.feed(0, b"\0" * 16384, 2 + n, None)
        out = conn.close(0, 100, None)
    (pdu,) = out
    assert pdu.der is None and "1048576 of 4294967296 bytes announced by Content-Length" in pdu.error


def test_endless_chunked_body_stops_being_kept(monkeypatch):
    monkeypatch.setattr(httpbody, "MAX_UNIT", 1 * MB)  # the real cap is 64 MiB: same code, smaller test
    conn = HttpConnection()
    conn.feed(0, b"POST /cmp HTTP/1.1\r\nContent-Type: application/pkixcmp\r\nTransfer-Encoding: chunked\r\n\r\n", 1, None)
    chunk = b"4000\r\n" + b"A" * 0x4000 + b"\r\n"
    with bounded(3 * MB):
        for n in range(512):  # 8 MiB of chunks, never a last chunk
            assert conn.feed(0, chunk, 2 + n, None) == []
        out = conn.close(0, 600, None)
    assert "over the" in out[0].error and out[0].der is None


def test_single_endless_chunk_size():
    conn = HttpConnection()
    conn.feed(0, b"POST /cmp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n", 1, None)
    with bounded(2 * MB):
        for n in range(64):
            conn.feed(0, b"\x30" * 16384, 2 + n, None)


def test_header_flood_is_cut():
    conn = HttpConnection()
    with bounded(2 * MB):
        out = conn.feed(0, b"POST /cmp HTTP/1.1\r\n" + b"X-A: b\r\n" * 20000, 1, None)
    assert any("header flood" in e.message for e in out if isinstance(e, StreamNotice))


def _deep(depth: int, indefinite: bool) -> bytes:
    if indefinite:
        return b"\x30\x80" * depth + b"\x00\x00" * depth
    data = b"\x05\x00"
    for _ in range(depth):
        n = len(data)
        data = b"\x30\x83" + n.to_bytes(3, "big") + data
    return data


@pytest.mark.parametrize("indefinite", [False, True])
def test_10000_deep_nesting(indefinite):
    data = _deep(10_000, indefinite)
    start = time.perf_counter()
    render_message(data, hexdump=True)
    message_dict(data)
    assert time.perf_counter() - start < 4.0  # two full dissections
    with bounded(16 * MB, seconds=3.0):
        s = summarize(data)
        tree = build_tree(data)
    assert s.error is not None and "offset" in s.error
    assert not (first_error(tree) or "").startswith("internal error")


CLIENT = IpPacket(4, "10.0.0.1", "10.0.0.2", 6, b"")


def _segment(seq: int, data: bytes) -> TcpSegment:
    return TcpSegment(40000, 829, seq & 0xFFFFFFFF, 0, ACK, 512, data)


def test_flood_of_one_byte_segments_behind_a_hole_is_capped(monkeypatch):
    cap = 4096  # the real cap is 65,536: same code, a faster test
    monkeypatch.setattr(reassembly, "MAX_PENDING_SEGMENTS", cap)
    r = TcpReassembler()
    r.feed(1, None, CLIENT, TcpSegment(40000, 829, 999, 0, SYN, 512, b""))
    events = []
    total = cap + 1000
    with bounded(2 * MB):
        for i in range(total):
            events += r.feed(i + 2, None, CLIENT, _segment(1002 + i, bytes([i & 0xFF])))
    gaps = [e for e in events if isinstance(e, StreamGap)]
    assert gaps and gaps[0].size == 2  # the two missing bytes were given up once the cap was reached
    assert gaps[0].frame == cap + 2  # at the segment over the cap
    assert sum(len(e.data) for e in events if isinstance(e, StreamData)) == total


def test_many_tiny_segments_in_order_stay_linear():
    r = TcpReassembler()
    r.feed(1, None, CLIENT, TcpSegment(40000, 829, 999, 0, SYN, 512, b""))
    start = time.perf_counter()
    delivered = 0
    for i in range(200_000):
        for e in r.feed(i + 2, None, CLIENT, _segment(1000 + i, b"x")):
            delivered += len(e.data)
    assert delivered == 200_000
    assert time.perf_counter() - start < 4.0


def test_huge_sequence_jumps_are_ignored():
    r = TcpReassembler()
    r.feed(1, None, CLIENT, TcpSegment(40000, 829, 999, 0, SYN, 512, b""))
    events = []
    for n, seq in enumerate((1000 + (1 << 31), 1000 + (1 << 30) + 5, 1000 - 6, 1000), 2):
        events += r.feed(n, None, CLIENT, _segment(seq, b"abcdef"))
    events += r.finish()
    assert b"".join(e.data for e in events if isinstance(e, StreamData)) == b"abcdef"


def test_4gib_pcap_record_length_reads_bounded():
    frames = conversation([b"\0\0\0\x04\x0a\x00\x03\x00"])
    data = bytearray(pcap(frames))
    data[24 + 8 : 24 + 12] = (0xFFFFFFFF).to_bytes(4, "little")  # caplen of frame 1
    with bounded(4 * MB):
        records = list(read_capture_bytes(bytes(data)))
    assert any(isinstance(r, SourceNotice) for r in records)
