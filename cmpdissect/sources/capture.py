"""pcap and pcapng files as a stream of packet records, read with scapy's raw readers.

Never loads the file: memory stays flat whatever its size. scapy's readers handle every
timestamp precision, both byte orders, gzip, and pcapng with several interfaces and link types.
"""

from __future__ import annotations

import gzip
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

from scapy.error import Scapy_Exception
from scapy.utils import RawPcapNgReader, RawPcapReader

# A record larger than this is cut: no link layer carries more, and a hostile caplen must not
# make us allocate. scapy itself caps a read at 4 * 65535.
MAX_RECORD = 256 * 1024

PCAP_MAGICS = {
    b"\xa1\xb2\xc3\xd4", b"\xd4\xc3\xb2\xa1",  # microseconds, big / little endian
    b"\xa1\xb2\x3c\x4d", b"\x4d\x3c\xb2\xa1",  # nanoseconds
    b"\x0a\x0d\x0d\x0a",  # pcapng section header block
    b"\x1f\x8b",  # gzip-compressed capture (scapy opens it transparently)
}

# scapy logs damaged records as warnings on stderr; we report them ourselves, once, in our words.
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)


class CaptureError(Exception):
    """The file cannot be read as a capture at all (exit code 2 in the CLI)."""


@dataclass(frozen=True, slots=True)
class Packet:
    """One captured record: what every later layer needs, and nothing of scapy's."""

    frame: int  # 1-based, as Wireshark's frame.number
    time: float | None
    linktype: int
    data: bytes
    wirelen: int  # original length on the wire; > len(data) when the snaplen cut the packet


@dataclass(frozen=True, slots=True)
class SourceNotice:
    """A damaged part of the file: reported, and reading goes on where it can."""

    frame: int | None
    message: str


def is_capture(head: bytes) -> bool:
    """Whether the first bytes of a file are a pcap, pcapng or gzip magic."""
    return head[:4] in PCAP_MAGICS or head[:2] == b"\x1f\x8b"


def read_capture(path: str | os.PathLike[str]) -> Iterator[Packet | SourceNotice]:
    """Yield the packets of a pcap or pcapng file in file order, and notices for damage.

    Raises CaptureError before the first record when the file is not a capture.
    """
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise CaptureError(f"{path}: {exc.strerror or exc}") from None
    if size == 0:
        raise CaptureError(f"{path}: empty file")
    try:
        reader = RawPcapReader(path)
    except (Scapy_Exception, OSError, EOFError) as exc:
        raise CaptureError(f"{path}: not a pcap or pcapng capture ({exc})") from None
    return _records(reader, path)


def _records(reader: RawPcapReader, path: str) -> Iterator[Packet | SourceNotice]:
    ng = isinstance(reader, RawPcapNgReader)
    plain = not isinstance(reader.f, gzip.GzipFile)
    size = os.path.getsize(path)
    frame = 0
    try:
        while True:
            pos = reader.f.tell() if plain else None
            try:
                # _read_packet with an explicit size: the public iterator cuts records at 65535
                # bytes, which loses data on loopback captures (MTU 65536).
                data, meta = reader._read_packet(MAX_RECORD)
            except EOFError:
                if pos is not None and pos < size:
                    yield SourceNotice(None, f"the file ends mid-record after frame {frame} "
                                             f"({size - pos} stray bytes at offset {pos})")
                break
            except (Scapy_Exception, ValueError, IndexError, KeyError) as exc:
                yield SourceNotice(frame + 1, f"damaged record after frame {frame}: {exc}; rest of file skipped")
                break
            frame += 1
            if ng:
                linktype = meta.linktype
                time = ((meta.tshigh << 32) + meta.tslow) / meta.tsresol if meta.tsresol else None
                wirelen = meta.wirelen
            else:
                linktype = reader.linktype
                time = meta.sec + meta.usec / (1e9 if reader.nano else 1e6)
                wirelen = meta.wirelen
                if len(data) < min(meta.caplen, MAX_RECORD):
                    yield SourceNotice(
                        frame,
                        f"record cut short ({len(data)} of {meta.caplen} bytes): the file ends mid-record",
                    )
            yield Packet(frame, time, linktype, bytes(data), wirelen)
    finally:
        reader.close()
