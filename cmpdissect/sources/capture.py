"""pcap and pcapng files as a stream of packet records, read with scapy's raw readers.

Never loads the file: memory stays flat whatever its size. scapy's readers handle every
timestamp precision, both byte orders, gzip, and pcapng with several interfaces and link types.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from scapy.error import Scapy_Exception
from scapy.utils import RawPcapNgReader, RawPcapReader

# A record larger than this is cut: no link layer carries more, and a hostile caplen must not
# make us allocate. scapy itself caps a read at 4 * 65535.
MAX_RECORD = 256 * 1024
# No single read asks for more: scapy reads a pcapng block body (and SHB options) in one call of the
# block's own 32-bit length, which allocated up to 4 GiB before finding the file shorter.
MAX_READ = 16 * 1024 * 1024

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
        f = open(path, "rb")  # noqa: SIM115 -- closed by the records iterator
    except OSError as exc:
        raise CaptureError(f"{path}: {exc.strerror or exc}") from None
    if size == 0:
        f.close()
        raise CaptureError(f"{path}: empty file")
    return open_capture(f, path)


def read_capture_bytes(data: bytes, name: str = "<bytes>") -> Iterator[Packet | SourceNotice]:
    """`read_capture` for a capture already in memory (tests, fuzzing, captures inside archives)."""
    if not data:
        raise CaptureError(f"{name}: empty file")
    return open_capture(io.BytesIO(data), name)


def open_capture(f: BinaryIO, name: str) -> Iterator[Packet | SourceNotice]:
    """Records of a capture read from a seekable binary file, which the iterator closes.

    Raises CaptureError before the first record when the bytes are not a capture.
    """
    size = f.seek(0, io.SEEK_END)
    f.seek(0)
    plain = f.read(2) != b"\x1f\x8b"
    f.seek(0)
    stream: BinaryIO = f if plain else gzip.GzipFile(fileobj=f)  # type: ignore[assignment]
    try:
        reader = RawPcapReader(_BoundedReads(stream))
    except (Scapy_Exception, OSError, EOFError, zlib.error) as exc:
        f.close()
        raise CaptureError(f"{name}: not a pcap or pcapng capture ({exc})") from None
    return _records(reader, f, size if plain else None)


class _BoundedReads:
    """A file whose reads never ask for more than MAX_READ bytes: a 4 GiB length field read from
    a damaged file becomes a short read (damage scapy reports) instead of a 4 GiB allocation."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self.name = getattr(f, "name", "<bytes>")

    def read(self, n: int = -1) -> bytes:
        return self._f.read(MAX_READ if n < 0 or n > MAX_READ else n)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()

    def close(self) -> None:
        self._f.close()


def _records(reader: RawPcapReader, raw: BinaryIO, size: int | None) -> Iterator[Packet | SourceNotice]:
    ng = isinstance(reader, RawPcapNgReader)
    frame = 0
    try:
        while True:
            pos = reader.f.tell() if size is not None else None
            try:
                # _read_packet with an explicit size: the public iterator cuts records at 65535
                # bytes, which loses data on loopback captures (MTU 65536).
                data, meta = reader._read_packet(MAX_RECORD)
            except EOFError:
                if pos is not None and size is not None and pos < size:
                    yield SourceNotice(None, f"the file ends mid-record after frame {frame} "
                                             f"({size - pos} stray bytes at offset {pos})")
                break
            except (Scapy_Exception, ValueError, IndexError, KeyError) as exc:
                yield SourceNotice(frame + 1, f"damaged record after frame {frame}: {exc}; rest of file skipped")
                break
            frame += 1
            if ng:
                linktype = meta.linktype
                # a Simple Packet Block carries no timestamp (pcapng 4.4): tshigh is None there
                time = (((meta.tshigh << 32) + meta.tslow) / meta.tsresol
                        if meta.tsresol and meta.tshigh is not None else None)
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
        raw.close()
