"""pcap/pcapng records as a stream: precisions, byte orders, several interfaces, damage."""

import struct

import pytest
from scapy.utils import RawPcapWriter

from cmpdissect.sources.capture import CaptureError, Packet, SourceNotice, read_capture

FRAME = bytes(range(60))


def _write_pcap(path, packets, **kw):
    w = RawPcapWriter(str(path), linktype=1, **kw)
    w.write_header(None)
    for data, t in packets:
        sec = int(t)
        w.write_packet(data, sec=sec, usec=round((t - sec) * (1e9 if kw.get("nano") else 1e6)))
    w.close()


@pytest.mark.parametrize("kw", [{}, {"endianness": ">"}, {"nano": True}, {"endianness": ">", "nano": True}])
def test_pcap_precisions_and_byte_orders(tmp_path, kw):
    path = tmp_path / "a.pcap"
    _write_pcap(path, [(FRAME, 1700000000.25), (FRAME[:20], 1700000001.5)], **kw)
    records = list(read_capture(path))
    assert [r.frame for r in records] == [1, 2]
    assert records[0].data == FRAME and records[1].data == FRAME[:20]
    assert records[0].linktype == 1
    assert records[0].time == pytest.approx(1700000000.25, abs=1e-6)
    assert records[1].time == pytest.approx(1700000001.5, abs=1e-6)


def test_loopback_sized_record_is_not_cut(tmp_path):
    big = bytes(70000)
    path = tmp_path / "big.pcap"
    w = RawPcapWriter(str(path), linktype=1, snaplen=262144)
    w.write_header(None)
    w.write_packet(big, sec=1, usec=0)
    w.close()
    (record,) = read_capture(path)
    assert len(record.data) == 70000


def _block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def test_pcapng_with_two_interfaces_and_link_types(tmp_path):
    shb = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb_eth = _block(1, struct.pack("<HHI", 1, 0, 0))
    # second interface: Linux SLL2 with nanosecond resolution (if_tsresol = 9)
    idb_sll2 = _block(1, struct.pack("<HHI", 276, 0, 0) + struct.pack("<HHB3x", 9, 1, 9) + b"\0\0\0\0")
    ts_us = 1700000000_500000
    ts_ns = 1700000002_000000001

    def epb(ifid, ts, data):
        return _block(6, struct.pack("<IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data)) + data)

    unknown = _block(0x0BAD, b"vendor block")  # unknown block types are skipped
    path = tmp_path / "two.pcapng"
    path.write_bytes(shb + idb_eth + idb_sll2 + epb(0, ts_us, FRAME) + unknown + epb(1, ts_ns, FRAME[:30]))
    records = [r for r in read_capture(path) if isinstance(r, Packet)]
    assert [(r.frame, r.linktype, len(r.data)) for r in records] == [(1, 1, 60), (2, 276, 30)]
    assert records[0].time == pytest.approx(1700000000.5)
    assert records[1].time == pytest.approx(1700000002.000000001)


def test_file_cut_mid_record_gives_a_notice_and_keeps_earlier_frames(tmp_path):
    path = tmp_path / "cut.pcap"
    _write_pcap(path, [(FRAME, 1.0), (FRAME, 2.0)])
    data = path.read_bytes()
    path.write_bytes(data[:-10])
    records = list(read_capture(path))
    assert isinstance(records[0], Packet) and records[0].data == FRAME
    notices = [r for r in records if isinstance(r, SourceNotice)]
    assert notices and "cut short" in notices[0].message


def test_file_cut_mid_record_header(tmp_path):
    path = tmp_path / "cut.pcap"
    _write_pcap(path, [(FRAME, 1.0)])
    path.write_bytes(path.read_bytes() + b"\x01\x02\x03")
    records = list(read_capture(path))
    assert isinstance(records[0], Packet)
    assert "ends mid-record" in records[-1].message


@pytest.mark.parametrize("content, words", [(b"", "empty"), (b"\x00garbage" * 10, "not a pcap")])
def test_unreadable_files_raise_capture_error(tmp_path, content, words):
    path = tmp_path / "bad.pcap"
    path.write_bytes(content)
    with pytest.raises(CaptureError, match=words):
        list(read_capture(path))


def test_missing_file(tmp_path):
    with pytest.raises(CaptureError, match="No such file"):
        read_capture(tmp_path / "nope.pcap")
