"""Damaged capture files through `cmpdissect read` as a subprocess (issue 11, CONTRACT.md exit codes):
a clear one-line message on stderr, whatever is readable still listed, 0 when something could be
read, 2 when nothing could, and never a traceback."""

import struct
import subprocess
import sys

import pytest

from fuzz.pcapwrite import conversation, pcap

DER = bytes.fromhex("3010300e020102a4023000a402300040003000")  # not a real message: only framing matters here


def _v10(der: bytes) -> bytes:
    return (len(der) + 3).to_bytes(4, "big") + b"\x0a\x00\x00" + der


def _good_capture() -> bytes:
    """A TCP-Messaging v10 connection: pollReq (frame 4), pollRep (frame 6), then FIN."""
    poll_req = b"\0\0\0\x07\x0a\x00\x02\0\0\0\x07"
    poll_rep = b"\0\0\0\x0b\x0a\x00\x01\0\0\0\x07\0\0\0\x3c"
    return pcap(conversation([poll_req], [poll_rep]))


def _records(data: bytes) -> list[tuple[int, int]]:
    """(offset, total length) of each pcap record."""
    out, at = [], 24
    while at + 16 <= len(data):
        caplen = struct.unpack("<I", data[at + 8 : at + 12])[0]
        out.append((at, 16 + caplen))
        at += 16 + caplen
    return out


def _pcapng(records: list[tuple[int, bytes]], extra_blocks: bytes = b"") -> bytes:
    def block(btype: int, body: bytes) -> bytes:
        body += b"\0" * (-len(body) % 4)
        return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))

    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)) + block(1, struct.pack("<HHI", 1, 0, 0))
    out += extra_blocks and block(0x0BADBEEF, extra_blocks)
    for ts, data in records:
        out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data)) + data)
        out += block(0x40000BAD, b"custom block the reader does not know")
    return out


def _frames(data: bytes) -> list[bytes]:
    return [data[at + 16 : at + size] for at, size in _records(data)]


def _damaged() -> dict[str, tuple[bytes, int, int]]:
    """name: (file bytes, exit code, units listed)."""
    good = _good_capture()
    recs = _records(good)
    snap = bytearray(good)
    at, size = recs[3]  # the pollReq: cut to 60 bytes by a snaplen, wire length kept
    snap[at + 8 : at + 12] = struct.pack("<I", 60)
    snap = snap[: at + 16 + 60] + snap[at + size :]
    huge = bytearray(good)
    huge[recs[5][0] + 8 : recs[5][0] + 12] = struct.pack("<I", 0xFFFFFFF0)  # record 6 claims 4 GiB
    ts = 1767225600 * 1_000_000
    return {
        "zero-length": (b"", 2, 0),
        "wrong-magic": (b"\x00\x01\x02\x03" + good[4:], 2, 0),
        "header-only": (good[:24], 0, 0),
        "header-cut": (good[:12], 2, 0),
        "truncated-mid-record": (good[: recs[5][0] + 30], 0, 1),
        "snaplen-truncated": (bytes(snap), 0, 2),  # the pollRep, and the pollReq reported damaged
        "record-larger-than-file": (bytes(huge), 0, 2),
        "pcapng-unknown-blocks": (_pcapng([(ts + i, f) for i, f in enumerate(_frames(good))], b"unknown"), 0, 2),
    }


DAMAGED = _damaged()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """`cmpdissect read` on every damaged file, the subprocesses started all at once."""
    folder = tmp_path_factory.mktemp("damaged")
    procs = {}
    for name, (data, _, _) in DAMAGED.items():
        path = folder / f"{name}.pcap"
        path.write_bytes(data)
        procs[name] = subprocess.Popen([sys.executable, "-m", "cmpdissect", "read", str(path)],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        done[name] = (proc.returncode, out, err)
    return done


@pytest.mark.parametrize("name", DAMAGED)
def test_damaged_file(runs, name):
    _, code, units = DAMAGED[name]
    returncode, stdout, stderr = runs[name]
    assert returncode == code, stderr
    assert "Traceback" not in stderr
    for line in stderr.splitlines():
        assert line.startswith("cmpdissect: "), line  # one line per problem, our own words
    if code == 2:
        assert len(stderr.splitlines()) == 1
    listed = [line for line in stdout.splitlines() if "tcp-msg-v10" in line]
    assert len(listed) == units, stdout
