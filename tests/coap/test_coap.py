"""CMP over CoAP: the aiocoap capture end to end, the conversation decoder on bytes, and tshark's view."""

import shutil
import subprocess
from pathlib import Path

import pytest

from cmpdissect.analysis.correlate import TransactionTable
from cmpdissect.model import Notice, Unit
from cmpdissect.net.packet import decode_packet
from cmpdissect.pipeline import Pipeline, read_units
from cmpdissect.sources.capture import Packet, read_capture
from cmpdissect.transport.coap import CoapConversation
from cmpdissect.transport.coapmsg import parse_coap
from cmpdissect.transport.events import CmpPdu, StreamNotice

CAPTURES = Path(__file__).resolve().parents[2] / "captures"
COAP = CAPTURES / "coap-ir.pcap"
C, S = "10.0.0.1:40000", "10.0.0.2:5683"
IR = bytes.fromhex("3011020102a100a2000403010203a0050303000000")  # a small SEQUENCE sent as pkixcmp


def _read() -> tuple[list[Unit], list[Notice]]:
    items = list(read_units(COAP, Pipeline()))
    return [u for u in items if isinstance(u, Unit)], [n for n in items if isinstance(n, Notice)]


def test_the_enrollment_over_coap() -> None:
    units, notices = _read()
    assert [u.message.body for u in units] == ["ir", "ip", "pollReq", "ip", "certConf", "pkiconf"]
    assert {u.transport for u in units} == {"coap"} and {u.stream for u in units} == {None}
    assert [u.direction for u in units] == [0, 1, 0, 1, 0, 1]
    assert units[0].src.startswith("127.0.0.1:") and units[0].dst == "127.0.0.2:5683"
    assert all(u.http.path == "/.well-known/cmp/ir" and u.http.content_type == "application/pkixcmp" for u in units)
    assert [u.http.reason for u in units if u.direction == 1] == ["2.04 Changed"] * 3
    assert all(u.error is None for u in units)
    big = units[3]
    assert len(big.der) > 10_000 and big.message.status == ["accepted"]
    table = TransactionTable()
    for u in units:
        table.add(u)
    (txn,) = table.finish()
    assert txn.messages == ["ir", "ip(waiting)", "pollReq", "ip(accepted)", "certConf", "pkiconf"]
    assert (txn.outcome, txn.transport) == ("accepted", "coap")
    (retransmission,) = notices
    assert "CoAP CON 0.02 POST block 3/0/1024" in retransmission.message
    assert "retransmitted (first sent in frame 17)" in retransmission.message and retransmission.frame == 18


def test_block1_request_and_separate_response() -> None:
    units, _ = _read()
    ir, waiting = units[0], units[1]
    fields = dict(ir.http.headers)
    assert fields["Block1"].endswith("/0/256") and fields["Block1"] != "0/0/256"  # last of several blocks
    assert dict(waiting.http.headers)["Type"] == "CON"  # separate response after an empty ACK
    assert dict(units[3].http.headers)["Type"] == "ACK"  # piggybacked
    assert dict(units[3].http.headers)["Block2"].split("/")[1] == "0"


def _msg(mtype: int, code: int, mid: int, token: bytes, options: bytes = b"", payload: bytes = b"") -> bytes:
    return bytes((0x40 | mtype << 4 | len(token), code)) + mid.to_bytes(2) + token + options + \
        (b"\xff" + payload if payload else b"")


PATH = b"\xbb.well-known\x03cmp\x02ir"
CF259 = b"\x12\x01\x03"  # Content-Format 259 after a Uri-Path (delta 1)
CF259_FIRST = b"\xc2\x01\x03"  # as the first option (delta 12)


def _feed(conv: CoapConversation, frames: list[tuple[str, str, bytes]]) -> list[CmpPdu | StreamNotice]:
    out = []
    for n, (src, dst, data) in enumerate(frames, 1):
        out += conv.feed(src, dst, data, n, float(n))
    return out


def test_block2_with_a_lost_block_reports_the_hole() -> None:
    conv = CoapConversation()
    block = b"\x30\x82\x08\x00" + b"\x00" * 1020
    out = _feed(conv, [
        (C, S, _msg(0, 2, 1, b"t", PATH + CF259, IR)),
        (S, C, _msg(2, 0x44, 1, b"t", CF259_FIRST + b"\xb1\x0e", block)),  # Block2 0/1/1024
        (C, S, _msg(0, 2, 2, b"u", PATH + b"\xc1\x26")),  # asks block 2 (block 1 never asked)
        (S, C, _msg(2, 0x44, 2, b"u", CF259_FIRST + b"\xb1\x26", b"\x00" * 10)),  # Block2 2/0/1024
    ])
    assert [type(e).__name__ for e in out] == ["CmpPdu", "CmpPdu"]
    request, response = out
    assert request.der == IR and request.direction == 0 and request.frame == 1
    assert response.frame == 4 and response.der == block
    assert response.error == "block-wise body misses bytes 1024-2047"


def test_non_cmp_coap_is_ignored_and_errors_to_cmp_requests_are_units() -> None:
    conv = CoapConversation()
    out = _feed(conv, [
        (C, S, _msg(0, 1, 7, b"a", b"\xbb.well-known\x04core")),  # GET /.well-known/core
        (S, C, _msg(2, 0x45, 7, b"a", b"\xc1\x28", b"</.well-known/cmp>")),  # 2.05, link-format
        (C, S, _msg(0, 2, 8, b"b", PATH + CF259, IR)),
        (S, C, _msg(2, 0x84, 8, b"b")),  # 4.04 Not Found
        (S, C, _msg(3, 0, 9, b"")),  # RST
    ])
    assert [type(e).__name__ for e in out] == ["CmpPdu", "CmpPdu", "StreamNotice"]
    assert out[1].der is None and out[1].error == "CoAP 4.04 Not Found response carries no PKIMessage (no " \
                                                  "Content-Format, no payload)"
    assert out[1].http.path == "/.well-known/cmp/ir" and out[1].http.method == "POST"
    assert "CoAP RST from 10.0.0.2:5683 for message ID 0x0009" in out[2].message


def test_duplicates_are_reported_not_decoded_twice() -> None:
    conv = CoapConversation()
    request = _msg(0, 2, 5, b"q", PATH + CF259, IR)
    out = _feed(conv, [(C, S, request), (C, S, request), (C, S, _msg(0, 2, 5, b"q", PATH + CF259, IR[:-1] + b"\x01"))])
    assert [type(e).__name__ for e in out] == ["CmpPdu", "StreamNotice", "CmpPdu"]  # same MID, new bytes: new
    assert "message ID 0x0005 from 10.0.0.1:40000 retransmitted (first sent in frame 1)" in out[1].message
    assert conv.feed(C, S, b"\x40\x02", 9, 9.0)[0].message.startswith("CoAP datagram 10.0.0.1:40000 -> 10.0.0.2:5683: ")


def test_other_udp_costs_nothing() -> None:
    pipeline = Pipeline()
    records = [r for r in read_capture(COAP) if isinstance(r, Packet)]
    first = records[0]
    ip, _ = decode_packet(first.linktype, first.data)
    # the same datagram moved to port 53 and turned into a DNS header: not CoAP, no conversation
    dns = bytearray(first.data)
    udp_at = len(first.data) - len(ip.payload)
    dns[udp_at + 2:udp_at + 4] = (53).to_bytes(2)
    dns[udp_at + 8] = 0x1a
    assert pipeline.feed(Packet(1, 0.0, first.linktype, bytes(dns), len(dns))) == []
    assert pipeline.stats.coap_flows == 0 and pipeline.stats.udp_datagrams == 1


@pytest.mark.tshark
@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def test_tshark_agrees_on_the_coap_layer() -> None:
    out = subprocess.run(["tshark", "-n", "-r", str(COAP), "-T", "fields", "-E", "occurrence=a", "-e", "frame.number",
                          "-e", "coap.type", "-e", "coap.code", "-e", "coap.mid", "-e", "coap.opt.block_number"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    theirs = {}
    for line in out.splitlines():
        frame, mtype, code, mid, blocks = (line.split("\t") + [""] * 5)[:5]
        theirs[int(frame)] = (int(mtype), int(code), int(mid), blocks)
    ours = {}
    for record in read_capture(COAP):
        if isinstance(record, Packet):
            _, datagram = decode_packet(record.linktype, record.data)
            msg = parse_coap(datagram.payload)
            blocks = [int.from_bytes(value) >> 4 for number, value in msg.options if number in (23, 27)]
            ours[record.frame] = (msg.type, msg.code, msg.message_id, ",".join(map(str, blocks)))
    assert len(ours) == 41 and ours == theirs


def test_coaps_is_named_once_per_endpoint_pair() -> None:
    pipeline = Pipeline()
    first = next(r for r in read_capture(COAP) if isinstance(r, Packet))
    ip, datagram = decode_packet(first.linktype, first.data)
    udp_at = len(first.data) - len(ip.payload)
    dtls = bytearray(first.data)
    dtls[udp_at + 2:udp_at + 4] = (5684).to_bytes(2)
    dtls[udp_at + 8:udp_at + 11] = b"\x16\xfe\xfd"  # DTLS 1.2 handshake record
    out = pipeline.feed(Packet(1, 0.0, first.linktype, bytes(dtls), len(dtls)))
    out += pipeline.feed(Packet(2, 0.0, first.linktype, bytes(dtls), len(dtls)))
    (notice,) = out
    assert "CoAP over DTLS (coaps)" in notice.message and notice.message.endswith("content stays hidden")
    assert pipeline.stats.coap_flows == 0
