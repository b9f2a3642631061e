"""RFC 2510 section 5.2 and TCP-Messaging v10 frames: every type, every errorMsgRep, streams, gaps."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from cmpdissect.transport.events import CmpPdu, StreamNotice
from cmpdissect.transport.tcpmsg import TcpMessageReader, error_name, parse_frame, plausible_frame

DATA = Path(__file__).parent / "data"
GENM = bytes.fromhex((DATA / "genm_req.hex").read_text())  # openssl cmp genm, PBM-protected, 193 bytes
GENP = bytes.fromhex((DATA / "genm_rsp.hex").read_text())
IP = bytes.fromhex((DATA / "ip.hex").read_text())  # 1015 bytes: long-form DER length


def rfc2510(flag: int, value: bytes) -> bytes:
    return (len(value) + 1).to_bytes(4, "big") + bytes([flag]) + value


def v10(mtype: int, value: bytes, flags: int = 0) -> bytes:
    return (len(value) + 3).to_bytes(4, "big") + bytes([10, flags, mtype]) + value


REF = b"\x00\x00\x30\x39"  # polling reference 12345
WHEN = b"\x65\x53\xf1\x00"  # 1700000000: absolute seconds, as RFC 2510 implementations send it


@pytest.mark.parametrize(
    ("frame", "name", "der", "ref", "after"),
    [
        (rfc2510(0, GENM), "pkiMsg", GENM, None, None),
        (rfc2510(1, REF + WHEN), "pollRep", None, 12345, 1700000000),
        (rfc2510(2, REF), "pollReq", None, 12345, None),
        (rfc2510(3, b"\x00"), "negPollRep", None, None, None),
        (rfc2510(4, REF + WHEN + IP), "partialMsgRep", IP, 12345, 1700000000),
        (rfc2510(5, IP), "finalMsgRep", IP, None, None),
    ],
    ids=["pkiMsg", "pollRep", "pollReq", "negPollRep", "partialMsgRep", "finalMsgRep"],
)
def test_rfc2510_value_layouts(frame: bytes, name: str, der: bytes | None, ref: int | None, after: int | None) -> None:
    parsed = parse_frame(frame)
    assert parsed is not None
    assert (parsed.transport, parsed.frame_type, parsed.der, parsed.error) == ("tcp-rfc2510", name, der, None)
    assert parsed.framing.length == len(frame) - 4
    assert (parsed.framing.version, parsed.framing.flags, parsed.framing.close) == (None, None, False)
    assert (parsed.framing.poll_ref, parsed.framing.check_after) == (ref, after)


def test_rfc2510_error_msg_rep_is_text() -> None:
    parsed = parse_frame(rfc2510(6, b"unknown polling reference"))
    assert parsed is not None and parsed.frame_type == "errorMsgRep" and parsed.error is None
    assert parsed.framing.error_text == "unknown polling reference"
    assert parsed.framing.error_type is None


@pytest.mark.parametrize(
    ("frame", "name", "der", "ref", "after"),
    [
        (v10(0, GENM), "pkiReq", GENM, None, None),
        (v10(1, REF + b"\x00\x00\x00\x3c"), "pollRep", None, 12345, 60),
        (v10(2, REF), "pollReq", None, 12345, None),
        (v10(3, b"\x00"), "finRep", None, None, None),
        (v10(5, GENP), "pkiRep", GENP, None, None),
    ],
    ids=["pkiReq", "pollRep", "pollReq", "finRep", "pkiRep"],
)
def test_v10_value_layouts(frame: bytes, name: str, der: bytes | None, ref: int | None, after: int | None) -> None:
    parsed = parse_frame(frame)
    assert parsed is not None
    assert (parsed.transport, parsed.frame_type, parsed.der, parsed.error) == ("tcp-msg-v10", name, der, None)
    assert (parsed.framing.length, parsed.framing.version, parsed.framing.flags) == (len(frame) - 4, 10, 0)
    assert (parsed.framing.poll_ref, parsed.framing.check_after) == (ref, after)


def test_v10_close_flag_is_bit_0() -> None:
    parsed = parse_frame(v10(3, b"\x00", flags=0x01))
    assert parsed is not None and parsed.framing.close is True and parsed.framing.flags == 1
    parsed = parse_frame(v10(3, b"\x00", flags=0x02))  # reserved bit only: not a close
    assert parsed is not None and parsed.framing.close is False and parsed.framing.flags == 2


@pytest.mark.parametrize(
    ("code", "data", "name", "ref"),
    [
        (b"\x01\x01", b"\x0a", "VersionNotSupported", None),
        (b"\x02\x00", b"", "GeneralClientError", None),
        (b"\x02\x01", b"\x04", "MessageTypeUnknown", None),
        (b"\x02\x02", REF, "InvalidPollID", 12345),
        (b"\x01\x07", b"", "unknown version error 0x0107", None),
        (b"\x02\x33", b"", "unknown client error 0x0233", None),
        (b"\x03\x00", b"", "unknown server error 0x0300", None),
        (b"\x07\x01", b"", "undefined error class 0x0701", None),
    ],
    ids=["0101", "0200", "0201", "0202", "0107", "0233", "0300", "0701"],
)
def test_v10_error_msg_rep_codes(code: bytes, data: bytes, name: str, ref: int | None) -> None:
    text = "i-default: r\u00e9f\u00e9rence inconnue"
    frame = v10(6, code + len(data).to_bytes(2, "big") + data + text.encode())
    parsed = parse_frame(frame)
    assert parsed is not None and parsed.frame_type == "errorMsgRep" and parsed.error is None
    assert parsed.der is None
    f = parsed.framing
    assert (f.error_type, f.error_name, f.error_data, f.error_text, f.poll_ref) == (code.hex(), name, data, text, ref)


def test_v10_error_data_length_beyond_the_frame_is_an_error_not_a_crash() -> None:
    parsed = parse_frame(v10(6, b"\x02\x02\x00\x10\x00\x01"))
    assert parsed is not None and parsed.frame_type == "errorMsgRep"
    assert parsed.error == "errorMsgRep data-length 16 exceeds the 2 bytes left (offset 9)"
    assert (parsed.framing.error_name, parsed.framing.error_data) == ("InvalidPollID", b"\x00\x01")


def test_v10_error_too_short_and_bad_utf8() -> None:
    short = parse_frame(v10(6, b"\x01\x01\x00"))
    assert short is not None and short.error == "errorMsgRep value is 3 bytes, at least 4 expected (offset 7)"
    assert short.framing.error_name == "VersionNotSupported"
    bad = parse_frame(v10(6, b"\x02\x00\x00\x00ok\xff"))
    assert bad is not None and bad.error == "errorMsgRep text is not UTF-8 (offset 13)"
    assert bad.framing.error_text == "ok\ufffd"


def test_error_name_names_the_draft_codes() -> None:
    assert [error_name(c) for c in (0x0101, 0x0200, 0x0201, 0x0202)] == [
        "VersionNotSupported", "GeneralClientError", "MessageTypeUnknown", "InvalidPollID"]


def test_truncated_frame_keeps_what_decoded() -> None:
    frame = v10(5, IP)
    parsed = parse_frame(frame[:600])
    assert parsed is not None and parsed.frame_type == "pkiRep"
    assert parsed.error is not None
    assert parsed.error.startswith("truncated frame: length 1018 announced, 596 bytes captured (offset 4)")
    assert parsed.der == IP[:593]  # what arrived, for a partial summary


def test_malformed_values_are_reported_with_offsets() -> None:
    cases = {
        rfc2510(1, REF + b"\x00\x01"): "pollRep value is 6 bytes, 8 expected (offset 5)",
        rfc2510(2, REF + b"\x00"): "1 bytes after the pollReq value (offset 9)",
        rfc2510(3, b"\x01"): "negPollRep value is 0x01, 0x00 expected (offset 5)",
        rfc2510(0, b"hello"): "pkiMsg value is not a DER SEQUENCE (first byte 0x68, offset 5)",
        rfc2510(5, IP + b"\x00\x00"): "2 bytes after the PKIMessage in finalMsgRep (offset 1020)",
        rfc2510(4, REF): "partialMsgRep value is 4 bytes, at least 8 expected (offset 5)",
        rfc2510(8, b"x"): "RFC 2510 flag 8 is not defined (offset 4)",
        v10(4, GENM): "message type 4 is not defined in version 10: partialMsgRep was dropped (offset 6)",
        v10(200, b"x"): "message type 200 is reserved for application use (offset 6)",
        v10(0, b""): "pkiReq carries no PKIMessage (offset 7)",
        v10(0, GENM) + b"xy": "2 bytes after the frame (offset 200)",
    }
    for frame, error in cases.items():
        parsed = parse_frame(frame)
        assert parsed is not None
        assert parsed.error == error, frame[:8]


def test_unknown_version_is_a_frame_with_an_error() -> None:
    parsed = parse_frame((5).to_bytes(4, "big") + b"\x0b\x00\x00\x30\x00")
    assert parsed is not None
    assert (parsed.transport, parsed.frame_type, parsed.framing.version) == ("tcp-msg-v10", None, 11)
    assert parsed.error == "TCP-Messaging version 11 is not known (offset 4)"


@pytest.mark.parametrize("data", [b"", b"\x00\x00\x00", b"\x00\x00\x00\x00\x00", b"\xff\xff\xff\xff\x00",
                                  b"\x04\x00\x00\x01\x00", b"\x00\x00\x00\x02\x0a\x00"])
def test_not_a_frame(data: bytes) -> None:
    assert parse_frame(data) is None


def test_plausible_frame_is_strict() -> None:
    assert plausible_frame(v10(0, GENM)) is True
    assert plausible_frame(v10(0, GENM)[:8]) is None  # needs the DER header to judge
    assert plausible_frame(rfc2510(0, GENM + b"\x00")) is False  # PKIMessage must fill the value
    assert plausible_frame(rfc2510(1, REF)) is False  # pollRep is 8 bytes
    assert plausible_frame(v10(3, b"\x00", flags=0x80)) is False  # reserved flag bits set
    assert plausible_frame(v10(6, b"\x02\x02\x00\x04" + REF)) is True
    assert plausible_frame(v10(6, b"\x09\x02\x00\x00")) is False


def stream_frames() -> list[bytes]:
    return [
        v10(0, GENM, flags=0), v10(1, REF + b"\x00\x00\x00\x05"), v10(2, REF), v10(5, IP, flags=1),
        rfc2510(6, b"bad reference"), v10(6, b"\x01\x01\x00\x01\x0a"), rfc2510(3, b"\x00"), v10(3, b"\x00"),
    ]


def summary(events: list[CmpPdu | StreamNotice]) -> list[tuple]:
    return [(e.transport, e.frame_type, e.der, e.framing, e.error) if isinstance(e, CmpPdu) else e.message
            for e in events]


def test_stream_split_at_every_byte_gives_the_same_pdus() -> None:
    stream = b"".join(stream_frames())
    whole = TcpMessageReader(0).feed(stream, 1, 0.5)
    reader = TcpMessageReader(0)
    one_by_one: list[CmpPdu | StreamNotice] = []
    for i in range(len(stream)):
        one_by_one += reader.feed(stream[i : i + 1], i, None)
    one_by_one += reader.close(len(stream), None)
    assert summary(whole) == summary(one_by_one)
    assert [e.frame_type for e in whole] == [
        "pkiReq", "pollRep", "pollReq", "pkiRep", "errorMsgRep", "errorMsgRep", "negPollRep", "finRep"]
    assert [e.transport for e in whole][4:] == ["tcp-rfc2510", "tcp-msg-v10", "tcp-rfc2510", "tcp-msg-v10"]
    # each PDU carries the number of the packet that completed it
    ends = [sum(map(len, stream_frames()[: i + 1])) - 1 for i in range(len(stream_frames()))]
    assert [e.frame for e in one_by_one] == ends


def test_two_frames_in_one_segment_and_one_frame_over_three() -> None:
    reader = TcpMessageReader(1)
    first = reader.feed(v10(2, REF) + v10(3, b"\x00"), 7, 1.0)
    assert [(e.frame_type, e.frame, e.direction) for e in first] == [("pollReq", 7, 1), ("finRep", 7, 1)]
    frame = v10(5, IP)
    assert reader.feed(frame[:3], 8, 2.0) == []
    assert reader.feed(frame[3:500], 9, 3.0) == []
    (pdu,) = reader.feed(frame[500:], 10, 4.0)
    assert (pdu.frame, pdu.time, pdu.der) == (10, 4.0, IP)


def test_gap_inside_a_frame_keeps_step() -> None:
    reader = TcpMessageReader(1)
    frame = v10(5, IP)
    out = reader.feed(v10(1, REF + WHEN) + frame[:100], 1, None)
    out += reader.gap(400, 2, None)
    out += reader.feed(frame[500:] + v10(3, b"\x00"), 3, None)
    assert [type(e).__name__ for e in out] == ["CmpPdu", "CmpPdu", "CmpPdu"]
    damaged = out[1]
    assert (damaged.frame_type, damaged.der, damaged.frame) == ("pkiRep", None, 2)
    assert damaged.error == "frame damaged by a gap: 400 of its 1022 bytes never captured (offset 100)"
    assert out[2].frame_type == "finRep" and out[2].error is None


def test_gap_across_frames_resumes_at_next_plausible_frame() -> None:
    reader = TcpMessageReader(0)
    out = reader.feed(v10(0, GENM), 1, None)
    out += reader.gap(50, 2, None)
    tail_of_lost_frame = GENP[-37:]
    out += reader.feed(tail_of_lost_frame + v10(0, GENM) + v10(2, REF), 3, None)
    assert [e.frame_type for e in out if isinstance(e, CmpPdu)] == ["pkiReq", "pkiReq", "pollReq"]
    notices = [e for e in out if isinstance(e, StreamNotice)]
    assert [n.message for n in notices] == [
        "skipped 37 bytes at stream offset 250 that hold no recognizable frame"]


def test_hostile_length_is_not_a_frame() -> None:
    reader = TcpMessageReader(0)
    out = reader.feed(b"\xff\xff\xff\xf0\x00" + b"A" * 100 + v10(2, REF), 1, None)
    assert [e.message if isinstance(e, StreamNotice) else e.frame_type for e in out] == [
        "skipped 105 bytes at stream offset 0 that hold no recognizable frame", "pollReq"]


def test_large_announced_length_buffers_only_what_arrives() -> None:
    reader = TcpMessageReader(0)
    tracemalloc.start()
    out = reader.feed(b"\x03\xff\xff\xff\x0a\x00\x05" + b"\x30" * 200, 1, None)  # 64 MiB - 1: allowed
    for frame in range(2, 50):
        out += reader.feed(b"\x00" * 1000, frame, None)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert out == []
    assert peak < 1024 * 1024
    (pdu,) = reader.close(50, None)
    assert pdu.frame_type == "pkiRep" and pdu.error is not None
    assert pdu.error.startswith("truncated frame: length 67108863 announced, 48203 bytes captured (offset 4)")


def test_close_inside_header_and_inside_frame() -> None:
    reader = TcpMessageReader(0)
    assert reader.feed(b"\x00\x00", 1, None) == []
    (notice,) = reader.close(2, None)
    assert isinstance(notice, StreamNotice) and "before a whole frame header" in notice.message
    reader = TcpMessageReader(0)
    reader.feed(rfc2510(5, IP)[:20], 1, None)
    (pdu,) = reader.close(2, None)
    assert pdu.frame_type == "finalMsgRep" and pdu.frame == 2
    assert pdu.error == ("truncated frame: length 1016 announced, 16 bytes captured (offset 4); "
                         "PKIMessage length 1015 exceeds the 15 bytes of the finalMsgRep value (offset 5)")
