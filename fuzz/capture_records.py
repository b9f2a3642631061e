"""pcap and pcapng records (`sources.capture.read_capture_bytes`): damaged files of every kind.

Rule: CaptureError only before the first record; after that, damage is a SourceNotice and every
record is bounded by MAX_RECORD.
"""

from __future__ import annotations

from cmpdissect.sources.capture import MAX_RECORD, CaptureError, Packet, SourceNotice, read_capture_bytes
from fuzz.harness import capture_files, require


def one_input(data: bytes) -> None:
    try:
        records = read_capture_bytes(data)
    except CaptureError as exc:
        require(str(exc) and "\n" not in str(exc), "CaptureError without a one-line message")
        return
    for record in records:
        require(isinstance(record, Packet | SourceNotice), f"unexpected record {record!r}")
        if isinstance(record, Packet):
            require(len(record.data) <= MAX_RECORD, "record over MAX_RECORD")


def seeds() -> list[bytes]:
    return [p.read_bytes()[:4096] for p in capture_files()]
