"""The committed sample captures exist, are well-formed, and the synthesized legacy frames are
byte-exact to RFC 2510 section 5.2 and draft-ietf-pkix-cmp-tcp-00 (TCP-Messaging version 10)."""

from __future__ import annotations

import base64
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from scapy.utils import RawPcapNgReader, RawPcapReader

CAPTURES = Path(__file__).resolve().parents[2] / "captures"

REAL_HTTP = ["http-ir-pbm", "http-ir-sig", "http-cr", "http-kur", "http-p10cr", "http-rr", "http-genm",
             "http-polling", "http-error", "http-rejection", "http-wrong-secret", "http-implicit-confirm",
             "http-keepalive", "http-no-keepalive", "http-parallel", "http-large-response", "http-ipv6"]
SYNTHESIZED = ["tcp-rfc2510", "tcp-v10-polling", "tcp-v10-version", "tcp-v10-errors",
               "tcp-v10-small-segments", "tcp-der", "http-poll"]
DERIVED = ["http-lost-segment", "http-reordered", "http-midstream", "http-ir-sll2", "http-ir-nanosec",
           "http-ir-be", "http-ir-vlan", "http-ir-null"]


def _records(name: str) -> list[bytes]:
    return [data for data, _ in RawPcapReader(str(CAPTURES / name))]


def _tcp(frame: bytes) -> tuple[int, int, int, bytes]:
    """(sport, dport, flags, payload) of an Ethernet/IPv4/TCP frame."""
    ip = 14
    ihl = (frame[ip] & 0x0F) * 4
    total = struct.unpack_from(">H", frame, ip + 2)[0]
    tcp = ip + ihl
    sport, dport = struct.unpack_from(">HH", frame, tcp)
    offset = (frame[tcp + 12] >> 4) * 4
    return sport, dport, frame[tcp + 13], frame[tcp + offset:ip + total]


def _streams(name: str, server_port: int) -> tuple[bytes, bytes]:
    """Client and server byte streams of a synthesized single-connection capture (in order, no loss)."""
    sent = [b"", b""]
    for data in _records(name):
        sport, _, _, payload = _tcp(data)
        sent[sport == server_port] += payload
    return sent[0], sent[1]


def _frames(stream: bytes) -> list[tuple[int, ...]]:
    """Split a stream into TCP messages: (version-or-flag, flags, type) for v10, (flag,) for RFC 2510."""
    out, offset = [], 0
    while offset < len(stream):
        length = struct.unpack_from(">I", stream, offset)[0]
        head = stream[offset + 4]
        out.append(tuple(stream[offset + 4:offset + 7]) if head >= 10 else (head,))
        offset += 4 + length
    assert offset == len(stream), "length fields must tile the stream exactly"
    return out


def _body_tag(der: bytes) -> int:
    """Context tag number of the PKIBody (short-form or long-form lengths)."""
    def tlv(off: int) -> tuple[int, int]:
        first = der[off + 1]
        if first < 0x80:
            return off + 2, first
        n = first & 0x7F
        return off + 2 + n, int.from_bytes(der[off + 2:off + 2 + n], "big")
    start, _ = tlv(0)
    hstart, hlen = tlv(start)
    return der[hstart + hlen] & 0x1F


def test_every_capture_is_present_and_the_directory_is_small() -> None:
    names = [*REAL_HTTP, *SYNTHESIZED, *DERIVED, "truncated"]
    missing = [n for n in names if not (CAPTURES / f"{n}.pcap").exists()]
    assert missing == []
    assert (CAPTURES / "unreadable" / "garbage.bin").exists() and (CAPTURES / "unreadable" / "empty.bin").exists()
    assert (CAPTURES / "http-ir.pcapng").exists() and (CAPTURES / "mixed-interfaces.pcapng").exists()
    assert sum(p.stat().st_size for p in CAPTURES.rglob("*") if p.is_file()) < 2_000_000


@pytest.mark.parametrize("name", [*REAL_HTTP, *SYNTHESIZED, "http-lost-segment", "http-reordered",
                                  "http-midstream", "http-ir-vlan"])
def test_ethernet_captures_read_completely(name: str) -> None:
    reader = RawPcapReader(str(CAPTURES / f"{name}.pcap"))
    assert reader.linktype == 1
    assert len(list(reader)) >= 4


def test_large_response_spans_many_segments() -> None:
    segments = [_tcp(d) for d in _records("http-large-response.pcap")]
    server_data = [len(seg[3]) for seg in segments if seg[0] == 8080 and seg[3]]
    assert sum(server_data) > 10_000 and max(server_data) <= 1448 and len(server_data) >= 8


def test_file_format_variants_have_the_right_headers() -> None:
    assert (CAPTURES / "http-ir-be.pcap").read_bytes()[:4] == bytes.fromhex("a1b2c3d4")
    assert (CAPTURES / "http-ir-nanosec.pcap").read_bytes()[:4] == bytes.fromhex("4d3cb2a1")
    assert struct.unpack_from("<I", (CAPTURES / "http-ir-null.pcap").read_bytes(), 20)[0] == 0
    assert struct.unpack_from("<I", (CAPTURES / "http-ir-sll2.pcap").read_bytes(), 20)[0] == 276
    vlan = _records("http-ir-vlan.pcap")[0]
    assert vlan[12:16] == bytes.fromhex("81000064") and vlan[16:18] == b"\x08\x00"
    be = (CAPTURES / "http-ir-be.pcap").read_bytes()
    le = (CAPTURES / "http-ir-pbm.pcap").read_bytes()
    assert len(be) == len(le) and struct.unpack_from(">I", be, 20)[0] == 1


def test_pcapng_files_hold_one_interface_per_link_type() -> None:
    single = RawPcapNgReader(str(CAPTURES / "http-ir.pcapng"))
    assert len(list(single)) == len(_records("http-ir-pbm.pcap"))
    mixed = RawPcapNgReader(str(CAPTURES / "mixed-interfaces.pcapng"))
    linktypes = [meta.linktype for _, meta in mixed]
    assert [lt for lt, *_ in mixed.interfaces] == [1, 276]
    assert linktypes.count(1) == linktypes.count(276) == len(_records("http-ir-pbm.pcap"))
    assert linktypes[:len(linktypes) // 2] != sorted(linktypes[:len(linktypes) // 2])  # interleaved


def test_broken_files_are_broken() -> None:
    assert (CAPTURES / "unreadable" / "empty.bin").stat().st_size == 0
    assert (CAPTURES / "unreadable" / "garbage.bin").read_bytes()[:4] not in (bytes.fromhex("d4c3b2a1"),
                                                                 bytes.fromhex("0a0d0d0a"))
    cut = (CAPTURES / "truncated.pcap").read_bytes()
    offset, complete = 24, 0
    while offset + 16 <= len(cut) and offset + 16 + struct.unpack_from("<I", cut, offset + 8)[0] <= len(cut):
        offset += 16 + struct.unpack_from("<I", cut, offset + 8)[0]
        complete += 1
    assert complete == 7 and offset + 16 < len(cut)  # the eighth record is cut inside its data


def test_rfc2510_polling_connection_frames() -> None:
    client, server = _streams("tcp-rfc2510.pcap", 829)
    # four connections: polling, unknown reference, negPollRep, partialMsgRep
    assert _frames(client) == [(0,), (2,), (0,), (2,), (2,), (0,), (2,), (0,)]
    assert _frames(server) == [(1,), (5,), (5,), (6,), (3,), (4,), (5,), (5,)]
    assert b"unknown polling reference" in server


def test_rfc2510_time_to_check_back_is_absolute() -> None:
    _, server = _streams("tcp-rfc2510.pcap", 829)
    ir_len = struct.unpack_from(">I", server, 0)[0]
    assert ir_len == 9 and server[4] == 1
    check_back = struct.unpack_from(">I", server, 9)[0]
    assert check_back > 10**9


def test_v10_polling_ends_with_finrep_close_and_server_fin() -> None:
    client, server = _streams("tcp-v10-polling.pcap", 829)
    assert _frames(client) == [(10, 0, 0), (10, 0, 2), (10, 0, 2), (10, 0, 0), (10, 0, 2)]
    assert _frames(server) == [(10, 0, 1), (10, 0, 1), (10, 0, 5), (10, 0, 5), (10, 1, 3)]
    assert server[7:15] == bytes.fromhex("0000251000000001")  # reference, 1 s relative
    fins = [seg for seg in map(_tcp, _records("tcp-v10-polling.pcap")) if seg[2] & 0x01]
    assert fins[0][0] == 829


def test_v10_version_negotiation() -> None:
    client, server = _streams("tcp-v10-version.pcap", 829)
    assert _frames(client)[0] == (11, 0, 0) and _frames(client)[1:] == [(10, 0, 0)] * 2
    length = struct.unpack_from(">I", server, 0)[0]
    value = server[7:4 + length]
    assert value[:5] == bytes.fromhex("010100010a") and value[5:].decode().startswith("[en] ")


def test_v10_error_codes_and_close_flag() -> None:
    client, server = _streams("tcp-v10-errors.pcap", 829)
    assert _frames(client) == [(10, 0, 2), (10, 0, 7), (10, 0, 0), (10, 1, 0)]
    assert _frames(server) == [(10, 0, 6), (10, 0, 6), (10, 0, 6), (10, 1, 5)]
    codes = re.findall(rb"\x0a\x00\x06(.{4})", server, re.S)
    assert codes == [bytes.fromhex("02020004"), bytes.fromhex("02010001"), bytes.fromhex("02000000")]


def test_small_segments_on_a_non_default_port() -> None:
    sizes = [len(_tcp(d)[3]) for d in _records("tcp-v10-small-segments.pcap")]
    assert max(sizes) == 40
    client, server = _streams("tcp-v10-small-segments.pcap", 8829)
    assert _frames(client) == [(10, 0, 0)] * 2 and _frames(server) == [(10, 0, 5)] * 2


def test_bare_der_on_tcp() -> None:
    client, server = _streams("tcp-der.pcap", 829)
    assert client[0] == 0x30 and server[0] == 0x30 and len(server) > 10_000


def test_http_poll_bodies_are_v10_frames() -> None:
    client, server = _streams("http-poll.pcap", 8080)
    assert client.count(b"Content-Type: application/pkixcmp-poll") == 2
    assert client.count(b"Content-Type: application/x-pkixcmp-poll") == 1
    bodies = [m.split(b"\r\n\r\n", 1)[1][:7] for m in re.split(rb"(?=POST |HTTP/1\.1 200)", client + server) if m]
    assert [b[4:7] for b in bodies] == [bytes([10, 0, t]) for t in (0, 2, 0, 1, 5, 5)]


def test_message_files_agree() -> None:
    ders = sorted((CAPTURES / "messages").glob("ir-pbm-*.der"))
    assert [_body_tag(p.read_bytes()) for p in ders] == [0, 1, 24, 19]  # ir ip certConf pkiconf
    for p in ders:
        der = p.read_bytes()
        n = der[1] & 0x7F if der[1] & 0x80 else 0
        length = int.from_bytes(der[2:2 + n], "big") if n else der[1]
        assert der[0] == 0x30 and 2 + n + length == len(der)
    pem = (CAPTURES / "messages" / "ir-pbm.pem").read_text()
    blocks = re.findall(r"-----BEGIN PKIMESSAGE-----\n(.*?)-----END PKIMESSAGE-----", pem, re.S)
    assert [base64.b64decode(b) for b in blocks] == [p.read_bytes() for p in ders]
    lines = (CAPTURES / "messages" / "ir.b64").read_text().split()
    assert [base64.b64decode(x) for x in lines] == [p.read_bytes() for p in ders]


@pytest.mark.tshark
@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
@pytest.mark.parametrize(("name", "bodies"), [
    ("http-polling.pcap", ["ir", "ip", "pollReq", "pollRep", "pollReq", "pollRep", "pollReq", "ip",
                           "certConf", "pkiconf"]),
])
def test_tshark_sees_the_cmp_bodies(name: str, bodies: list[str]) -> None:
    out = subprocess.run(["tshark", "-r", str(CAPTURES / name), "-Y", "cmp", "-T", "fields", "-e",
                          "_ws.col.Info"], capture_output=True, text=True, check=True).stdout
    assert re.findall(r"Body=(\w+)", out) == bodies
