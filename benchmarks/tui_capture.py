"""A capture with thousands of CMP transactions, built from the real flows in captures/.

Each copy of a flow gets its own client port and its own transactionID and nonces (every 16-byte
identifier is replaced in place, so lengths and DER stay valid; protection no longer verifies,
which is not checked without a secret). Copies start 20 ms apart, so polling flows overlap many
others as on a busy CA. Records are rewritten with `struct`, checksums left as they were (the
decoder does not check them, as on captures with checksum offload).
"""

from __future__ import annotations

import hashlib
import heapq
import struct
from collections.abc import Iterator
from pathlib import Path

from scapy.utils import RawPcapReader

from cmpdissect.pipeline import read_units

CAPTURES = Path(__file__).resolve().parent.parent / "captures"
FLOWS = ("http-ir-pbm", "http-polling", "http-error", "http-rejection", "http-genm", "http-rr", "http-cr")
SERVER_PORT = 8080
START_GAP = 0.02  # seconds between the starts of two copies


def _identifiers(path: Path) -> set[bytes]:
    ids: set[bytes] = set()
    for unit in read_units(path):
        m = getattr(unit, "message", None)
        if m is not None:
            ids.update(v for v in (m.transaction_id, m.sender_nonce, m.recip_nonce) if v and len(v) == 16)
    return ids


def _flow(name: str) -> tuple[list[tuple[float, bytes]], set[bytes]]:
    path = CAPTURES / f"{name}.pcap"
    records = [(meta.sec + meta.usec / 1e6, bytes(data)) for data, meta in RawPcapReader(str(path))]
    return records, _identifiers(path)


def _rewrite(frame: bytes, old_port: int, new_port: int, ids: dict[bytes, bytes]) -> bytes:
    if len(frame) < 34 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
        return frame
    tcp = 14 + (frame[14] & 0x0F) * 4
    out = bytearray(frame)
    sport, dport = struct.unpack_from("!HH", out, tcp)
    struct.pack_into("!HH", out, tcp, new_port if sport == old_port else sport, new_port if dport == old_port else dport)
    payload = tcp + (out[tcp + 12] >> 4) * 4
    body = bytes(out[payload:])
    for old, new in ids.items():
        body = body.replace(old, new)
    out[payload:] = body
    return bytes(out)


def _copy(records: list[tuple[float, bytes]], ids: set[bytes], copy: int, start: float) -> Iterator[tuple[float, bytes]]:
    first = records[0][0]
    frame = records[0][1]
    tcp = 14 + (frame[14] & 0x0F) * 4
    sport, dport = struct.unpack_from("!HH", frame, tcp)
    client_port = sport if dport == SERVER_PORT else dport
    new_port = 1024 + copy % 64000
    renamed = {old: hashlib.blake2b(old + copy.to_bytes(4, "big"), digest_size=16).digest() for old in ids}
    for t, data in records:
        yield start + (t - first), _rewrite(data, client_port, new_port, renamed)


def write_capture(path: Path, transactions: int) -> int:
    """Write a pcap with about `transactions` transactions; returns the number of packets."""
    flows = [_flow(name) for name in FLOWS]
    base = 1_800_000_000.0
    copies = [_copy(*flows[n % len(flows)], n, base + n * START_GAP) for n in range(transactions)]
    count = 0
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for t, data in heapq.merge(*copies, key=lambda r: r[0]):
            sec = int(t)
            f.write(struct.pack("<IIII", sec, int(round((t - sec) * 1e6)) % 1_000_000, len(data), len(data)))
            f.write(data)
            count += 1
    return count


if __name__ == "__main__":
    import sys

    n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    print(write_capture(Path(sys.argv[1]), n), "packets")
