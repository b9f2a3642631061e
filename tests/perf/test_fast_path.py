"""The fast path (mmap reader, raw-byte prefilter) against the careful one (scapy, every packet
decoded): identical units, notices, transactions and counters."""

from __future__ import annotations

import gzip
import io
import struct
from pathlib import Path

import pytest

from benchmarks.compare import outcome
from benchmarks.generate import Writer, _tcp, generate
from cmpdissect.net.tcp import ACK, FIN, PSH, SYN
from cmpdissect.pipeline import Pipeline, read_units
from cmpdissect.progress import ProgressBar, progress_bar
from cmpdissect.sources.capture import CaptureError, read_capture
from cmpdissect.sources.fastpcap import iter_records, read_capture_fast

CAPTURES = Path(__file__).resolve().parents[2] / "captures"
SAMPLES = sorted(p for p in CAPTURES.iterdir() if p.suffix in (".pcap", ".pcapng"))
IR = (CAPTURES / "messages" / "ir-pbm-1-ir.der").read_bytes()
C, S = bytes((10, 0, 0, 1)), bytes((10, 0, 0, 2))


def test_samples_exist():
    assert len(SAMPLES) > 30


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_fast_equals_careful(path):
    assert outcome(path, careful=False) == outcome(path, careful=True)


@pytest.mark.parametrize("path", SAMPLES + sorted((CAPTURES / "unreadable").iterdir()), ids=lambda p: p.name)
def test_fast_reader_gives_the_careful_records(path):
    assert _records(read_capture_fast, path) == _records(read_capture, path)


def test_generated_mixed_capture(tmp_path):
    path = tmp_path / "mixed.pcap"
    flows = (("http-ir-pbm", 2), ("http-polling", 1), ("http-error", 1), ("tcp-v10-polling", 1))
    assert generate(path, 3000, seed=7, cmp_flows=flows) == 3000
    fast = outcome(path, careful=False)
    assert fast == outcome(path, careful=True)
    units, _, transactions, counters = fast
    assert counters[0] == 3000 and counters[6] > 10  # packets; streams dropped, so the prefilter had work
    assert len(transactions) >= 5 and all('"transaction_id": null' not in t for t in transactions)


def test_reused_port_after_drop_opens_a_new_stream(tmp_path):
    """A dropped stream's 4-tuple reused with a new ISN: the SYN passes the prefilter, and the CMP
    request of the new connection is found, in stream 1, as by the careful path."""
    path = tmp_path / "reuse.pcap"
    w = Writer(path)
    t = 1_767_225_600.0
    for isn, first in ((1000, b"SSH-2.0-OpenSSH_9.6\r\n"), (900_000, None)):
        w.packet(t, C, S, 6, _tcp(40000, 8080, isn, 0, SYN, b""))
        w.packet(t + 0.001, S, C, 6, _tcp(8080, 40000, 5000, isn + 1, SYN | ACK, b""))
        w.packet(t + 0.002, C, S, 6, _tcp(40000, 8080, isn + 1, 5001, ACK, b""))
        if first is not None:
            for n in range(5):
                w.packet(t + 0.003 + n / 1000, C, S, 6, _tcp(40000, 8080, isn + 1 + n * len(first), 5001,
                                                               PSH | ACK, first))
        else:
            body = b"POST /pkix/ HTTP/1.0\r\nContent-Type: application/pkixcmp\r\nContent-Length: %d\r\n\r\n" % len(IR)
            w.packet(t + 0.003, C, S, 6, _tcp(40000, 8080, isn + 1, 5001, PSH | ACK, body + IR))
            w.packet(t + 0.004, C, S, 6, _tcp(40000, 8080, isn + 1 + len(body + IR), 5001, FIN | ACK, b""))
        t += 1
    w.close()
    fast = outcome(path, careful=False)
    assert fast == outcome(path, careful=True)
    units = [u for u in read_units(path, Pipeline()) if not hasattr(u, "severity")]
    assert [(u.stream, u.message.body) for u in units] == [(1, "ir")]


def test_udp_that_is_not_coap_is_skipped_but_counted(tmp_path):
    path = tmp_path / "udp.pcap"
    w = Writer(path)
    for n in range(20):  # DNS-like datagrams (version bits 0) and one too short to be CoAP
        w.packet(1.0 + n, C, S, 17, struct.pack("!HHHH", 5353, 53, 8 + 12, 0) + bytes(12))
    w.packet(30.0, C, S, 17, struct.pack("!HHHH", 5353, 53, 10, 0) + b"\x40\x01")
    w.close()
    fast = outcome(path, careful=False)
    assert fast == outcome(path, careful=True)
    assert fast[3][:4] == (21, 0, 0, 21)


def test_damaged_and_gzipped_files_are_read_carefully(tmp_path):
    good = (CAPTURES / "http-ir-pbm.pcap").read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(good + good[24:30])  # a partial record header after the last record
    zipped = tmp_path / "ir.pcap.gz"
    zipped.write_bytes(gzip.compress(good))
    for path in (cut, zipped):
        assert _records(read_capture_fast, path) == _records(read_capture, path)
        assert outcome(path, careful=False) == outcome(path, careful=True)
    assert "stray bytes" in _records(read_capture_fast, cut)[-1].message


def test_pcapng_irregular_block_hands_over(tmp_path):
    """A block the fast reader leaves to the careful one (a decryption secrets block): the careful
    reader takes over from the start and gives the packets after it, none twice."""
    ng = (CAPTURES / "http-ir.pcapng").read_bytes()
    epbs, at = [], 0
    while at < len(ng):
        kind, length = struct.unpack_from("<II", ng, at)
        if kind == 6:
            epbs.append(ng[at:at + length])
        at += length
    dsb = struct.pack("<IIII", 10, 28, 0x57474B4C, 8) + bytes(8) + struct.pack("<I", 28)  # WireGuard keys
    path = tmp_path / "dsb.pcapng"
    path.write_bytes(ng + dsb + b"".join(epbs[:3]))
    records = list(iter_records(path))
    frames = [r[0] if isinstance(r, tuple) else r.frame for r in records]
    assert frames == list(range(1, len(epbs) + 4))
    assert type(records[0]) is tuple and type(records[-1]) is not tuple
    assert _records(read_capture_fast, path) == _records(read_capture, path)


def test_not_a_capture_raises_before_reading(tmp_path):
    path = tmp_path / "x.pcap"
    path.write_bytes(b"\xd4\xc3\xb2\xa1" + bytes(10))
    with pytest.raises(CaptureError):
        read_capture_fast(path)


def test_progress_bar_waits_a_second_then_wipes_its_line():
    now = [0.0]
    out = io.StringIO()
    bar = ProgressBar(1000, out, clock=lambda: now[0])
    bar.update(10, 10)
    assert out.getvalue() == ""
    now[0] = 2.0
    bar.update(5000, 500)
    assert "50%" in out.getvalue() and "2,500 packets/s" in out.getvalue()
    bar.close()
    assert out.getvalue().endswith("\r")
    assert progress_bar(1000, True, io.StringIO()) is None  # not a terminal
    assert progress_bar(1000, False, _Tty()) is None  # --quiet
    assert isinstance(progress_bar(1000, True, _Tty()), ProgressBar)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _records(reader, path):
    try:
        return list(reader(path))
    except CaptureError as exc:
        return [str(exc)]
