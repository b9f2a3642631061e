"""HTTPS captures through the whole pipeline: with the key log they decode exactly like their clear-text
twin (the relay's upstream leg); without it, or with the wrong one, one notice says what the TLS
connection is and why it stays closed, and no CMP unit appears."""

import shutil
import subprocess
from pathlib import Path

import pytest

from cmpdissect.analysis.correlate import TransactionTable
from cmpdissect.asn1.names import BODY_NAMES
from cmpdissect.model import Notice, Unit
from cmpdissect.net.packet import decode_packet
from cmpdissect.net.reassembly import StreamData, TcpReassembler
from cmpdissect.pipeline import Pipeline, read_units
from cmpdissect.sources.capture import CaptureError, Packet, read_capture
from cmpdissect.tls import load_keylog, parse_keylog
from cmpdissect.transport.connection import ConnectionDecoder
from cmpdissect.transport.events import CmpPdu

CAPTURES = Path(__file__).resolve().parents[2] / "captures"


def _read(name: str, keylog: object = None) -> tuple[list[Unit], list[Notice], Pipeline]:
    pipeline = Pipeline(tls_keylog=keylog)
    items = list(read_units(CAPTURES / name, pipeline))
    return ([u for u in items if isinstance(u, Unit)], [n for n in items if isinstance(n, Notice)], pipeline)


def _flow(units: list[Unit]) -> list[tuple[str, str | None, bool]]:
    table = TransactionTable()
    for u in units:
        table.add(u)
    return [(t.outcome, t.kind, tuple(t.messages)) for t in table.finish()]


@pytest.mark.parametrize("name", ["https-ir", "https-ir-tls12"])
def test_decrypted_equals_the_clear_text_twin(name: str) -> None:
    units, notices, _ = _read(f"{name}.pcap", CAPTURES / f"{name}.keylog")
    clear, _, _ = _read(f"{name}-clear.pcap")
    assert [u.message.body for u in units] == ["ir", "ip", "certConf", "pkiconf"]
    assert [u.der for u in units] == [u.der for u in clear]
    assert [(u.direction, u.http.method, u.http.path, u.http.status) for u in units] == \
        [(u.direction, u.http.method, u.http.path, u.http.status) for u in clear]
    assert {u.transport for u in units} == {"https"} and {u.transport for u in clear} == {"http"}
    assert {u.stream for u in units} == {0} and units[0].dst.endswith(":8443")
    assert _flow(units) == _flow(clear) == [("accepted", "ir", ("ir", "ip(accepted)", "certConf", "pkiconf"))]
    (notice,) = notices
    assert notice.severity == "info" and notice.message.endswith("decrypted with the key log")


def test_tls13_large_response_spans_records_and_segments() -> None:
    units, _, _ = _read("https-ir.pcap", CAPTURES / "https-ir.keylog")
    ip = units[1]
    assert len(ip.der) > 10_000 and ip.message.extra_certs >= 14
    assert ip.frame - units[0].frame > 5  # completed many packets after the request


@pytest.mark.parametrize(("name", "expect"), [
    ("https-ir", "TLS 1.3, TLS_AES_256_GCM_SHA384, SNI cmp.lab.example): its content is encrypted"),
    ("https-ir-tls12", "TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, SNI cmp.lab.example, server certificate "
                       "CN=cmp.lab.example,O=cmpdissect Lab (+1 in chain), client certificate CN=Lab Operator,"
                       "O=cmpdissect Lab): its content is encrypted"),
])
def test_without_key_log_one_notice_and_the_stream_is_dropped(name: str, expect: str) -> None:
    units, notices, pipeline = _read(f"{name}.pcap")
    assert units == []
    (notice,) = notices
    assert expect in notice.message and "--tls-keylog FILE" in notice.message
    assert notice.message.startswith("stream 0: TLS connection (") and notice.stream == 0
    assert pipeline.stats.dropped_streams == 1 and pipeline.stats.tls_streams == 1
    assert notice.frame <= 8  # right after the handshake, not at the end of the capture


def test_key_log_of_another_connection() -> None:
    units, notices, _ = _read("https-ir.pcap", CAPTURES / "https-ir-tls12.keylog")
    assert units == []
    (notice,) = notices
    assert notice.severity == "warning"
    assert "https-ir-tls12.keylog has no secrets for its client random" in notice.message


def test_wrong_secret_for_the_right_connection() -> None:
    text = (CAPTURES / "https-ir-tls12.keylog").read_text()
    label, random, secret = text.split()
    wrong = parse_keylog(f"{label} {random} {secret[:-2]}{'00' if secret[-2:] != '00' else '11'}\n".encode())
    units, notices, _ = _read("https-ir-tls12.pcap", wrong)
    assert units == []
    assert any("does not decrypt (authentication tag does not verify): the key log's secret does not fit"
               in n.message for n in notices)


def test_key_log_missing_tls13_labels() -> None:
    lines = (CAPTURES / "https-ir.keylog").read_text().splitlines()
    partial = parse_keylog("\n".join(line for line in lines if "HANDSHAKE" in line).encode(), "part.keylog")
    units, notices, _ = _read("https-ir.pcap", partial)
    assert units == []
    assert "lacks SERVER_TRAFFIC_SECRET_0, CLIENT_TRAFFIC_SECRET_0 (needed for TLS 1.3)" in notices[-1].message


def test_unusable_key_log_file_is_a_capture_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.keylog"
    bad.write_text("this is not a key log\n")
    with pytest.raises(CaptureError, match="bad.keylog: not an NSS key log"):
        Pipeline(tls_keylog=bad)
    cut = tmp_path / "cut.keylog"
    lines = (CAPTURES / "https-ir.keylog").read_text().splitlines()
    cut.write_text(lines[0] + "\n" + lines[1][:-9])
    units, notices, _ = _read("https-ir.pcap", cut)
    assert units == []
    assert "cut.keylog: 1 line(s) skipped: line 2" in notices[0].message and "cut short?" in notices[0].message


def test_key_log_without_tls_in_the_capture() -> None:
    units, notices, _ = _read("http-ir-pbm.pcap", CAPTURES / "https-ir.keylog")
    assert len(units) == 4
    assert [n.message for n in notices] == [f"a key log was given ({CAPTURES / 'https-ir.keylog'}) but the capture "
                                            "holds no TLS connection with a handshake"]


def test_tls_bytes_in_small_pieces() -> None:
    """Records and handshake messages split anywhere still decrypt: the TLS connection's bytes fed to
    the connection decoder 37 bytes at a time give the same four units."""
    reassembler, chunks = TcpReassembler(), []
    for record in read_capture(CAPTURES / "https-ir.pcap"):
        if isinstance(record, Packet):
            ip, segment = decode_packet(record.linktype, record.data)
            chunks += [(e.direction, e.data) for e in reassembler.feed(record.frame, record.time, ip, segment)
                       if isinstance(e, StreamData)]
    decoder = ConnectionDecoder(40000, 8443, load_keylog(CAPTURES / "https-ir.keylog"))
    out = []
    for n, (direction, data) in enumerate(chunks):
        for at in range(0, len(data), 37):
            out += decoder.feed(direction, data[at:at + 37], n, None)
    pdus = [e for e in out if isinstance(e, CmpPdu)]
    assert [p.transport for p in pdus] == ["https"] * 4 and decoder.tls is not None
    assert decoder.tls.session.sni == "cmp.lab.example" and decoder.tls.session.state == "decrypting"
    units, _, _ = _read("https-ir.pcap", CAPTURES / "https-ir.keylog")
    assert [p.der for p in pdus] == [u.der for u in units]


@pytest.mark.tshark
@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
@pytest.mark.parametrize("name", ["https-ir", "https-ir-tls12"])
def test_tshark_decrypts_the_same_messages_in_the_same_frames(name: str) -> None:
    out = subprocess.run(["tshark", "-n", "-r", str(CAPTURES / f"{name}.pcap"), "-o",
                          f"tls.keylog_file:{CAPTURES / f'{name}.keylog'}", "-Y", "cmp", "-T", "fields",
                          "-e", "frame.number", "-e", "cmp.body", "-e", "cmp.transactionID"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    theirs = [(int(f), BODY_NAMES[int(b)], t.replace(":", "")) for f, b, t in (line.split("\t") for line in
                                                                               out.splitlines())]
    units, _, _ = _read(f"{name}.pcap", CAPTURES / f"{name}.keylog")
    assert [(u.frame, u.message.body, u.message.transaction_id.hex()) for u in units] == theirs
