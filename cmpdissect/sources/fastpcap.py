"""pcap and pcapng read with mmap and precompiled structs: the fast twin of `sources/capture.py`.

Building a scapy record per packet costs more than the whole prefilter of a large capture, so the
regular part of a file is read here: classic pcap in either byte order and timestamp precision,
and pcapng sections of interface descriptions and enhanced packet blocks (pcapng 4.2, 4.3). Records
are plain tuples `(frame, time, linktype, data, wirelen)` for the pipeline's prefilter; `Packet`s
for everyone else. Whatever is not regular (gzip, damage, simple or obsolete packet blocks, odd
options) is left to the careful reader from the start, skipping the packets already given, so
records and notices are the same as `read_capture`'s, only faster.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Iterator

from cmpdissect.sources.capture import MAX_RECORD, Packet, SourceNotice, read_capture

Record = tuple[int, float, int, bytes, int]  # frame, time, linktype, data, wirelen

_SCAPY_READ = 4 * 65535  # scapy reads at most this much of a pcap record
_PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e6), b"\xa1\xb2\xc3\xd4": (">", 1e6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e9), b"\xa1\xb2\x3c\x4d": (">", 1e9),
}
_NG_MAGIC = b"\x0a\x0d\x0d\x0a"
_SHB, _IDB, _EPB = 0x0A0D0D0A, 1, 6
# obsolete and simple packet blocks, decryption secrets, process information: read carefully
_NG_CAREFUL = frozenset((2, 3, 10, 0x80000001))


class ReadPosition:
    """How far the fast reader got, in bytes of `size`; updated every POSITION_EVERY records (for
    a progress bar: cheaper than a value per record)."""

    __slots__ = ("offset", "size")

    def __init__(self) -> None:
        self.offset = 0
        self.size = 0


POSITION_EVERY = 4096
_PAGE = mmap.PAGESIZE


class _Irregular(Exception):
    """A part of the file the fast reader does not handle: the careful reader takes over."""


def read_capture_fast(path: str | os.PathLike[str]) -> Iterator[Packet | SourceNotice]:
    """`read_capture`, with the same records and notices, read with mmap where the file allows."""
    records = iter_records(path)
    return (Packet(*r) if type(r) is tuple else r for r in records)  # type: ignore[misc]


def iter_records(path: str | os.PathLike[str],
                 position: ReadPosition | None = None) -> Iterator[Record | Packet | SourceNotice]:
    """Records of a capture: tuples while the fast reader reads, `Packet`s and notices of the
    careful reader after it took over. Raises CaptureError before the first record, as
    `read_capture` does. `position`, if given, follows the reading."""
    position = position or ReadPosition()
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else None
    except (OSError, ValueError):
        return read_capture(path)  # its own one-line error, or a file mmap cannot map
    if mm is None:
        return read_capture(path)
    position.size = size
    if hasattr(mmap, "MADV_SEQUENTIAL"):
        mm.madvise(mmap.MADV_SEQUENTIAL)
    head = mm[:4]
    if head in _PCAP_MAGICS and size >= 24:
        endian, scale = _PCAP_MAGICS[head]
        return _with_fallback(path, mm, _pcap(mm, endian, scale, position))
    if head == _NG_MAGIC:
        try:
            _section(mm, 0)
        except _Irregular:
            mm.close()
            return read_capture(path)
        return _with_fallback(path, mm, _pcapng(mm, position))
    mm.close()
    return read_capture(path)


def _with_fallback(path: str, mm: mmap.mmap, fast: Iterator[Record]) -> Iterator[Record | Packet | SourceNotice]:
    given = 0
    try:
        for record in fast:
            given = record[0]
            yield record
        return
    except _Irregular:
        pass
    finally:
        mm.close()
    careful = read_capture(path)
    for record in careful:
        if isinstance(record, Packet) and record.frame <= given:
            continue
        yield record


def _pcap(mm: mmap.mmap, endian: str, scale: float, position: ReadPosition) -> Iterator[Record]:
    """Classic pcap records; the last record cut short by the file end is reported as scapy's
    reader lets `capture.py` report it."""
    linktype = struct.unpack_from(endian + "I", mm, 20)[0]
    header = struct.Struct(endian + "IIII").unpack_from
    size = len(mm)
    pos = 24
    frame = 0
    while pos + 16 <= size:
        sec, frac, caplen, wirelen = header(mm, pos)
        if caplen > _SCAPY_READ or pos + 16 + caplen > size:
            raise _Irregular
        pos += 16
        frame += 1
        if not frame % POSITION_EVERY:
            position.offset = _release(mm, position.offset, pos)
        yield frame, sec + frac / scale, linktype, mm[pos:pos + caplen], wirelen
        pos += caplen
    position.offset = pos
    if pos < size:
        raise _Irregular  # a partial record header: the careful reader reports the stray bytes


def _pcapng(mm: mmap.mmap, position: ReadPosition) -> Iterator[Record]:
    """Sections of IDBs and EPBs without options the careful reader would trip over."""
    size = len(mm)
    pos = 0
    frame = 0
    interfaces: list[tuple[int, int]] = []  # (linktype, tsresol)
    endian = "<"
    block = struct.Struct("<II").unpack_from
    u32 = struct.Struct("<I").unpack_from
    epb = struct.Struct("<IIIII").unpack_from
    while pos < size:
        if pos + 12 > size:
            raise _Irregular
        if mm[pos:pos + 4] == _NG_MAGIC:
            endian, interfaces = _section(mm, pos), []
            block = struct.Struct(endian + "II").unpack_from
            u32 = struct.Struct(endian + "I").unpack_from
            epb = struct.Struct(endian + "IIIII").unpack_from
            pos += block(mm, pos)[1]
            continue
        kind, length = block(mm, pos)
        if length < 12 or length % 4 or pos + length > size or u32(mm, pos + length - 4)[0] != length:
            raise _Irregular
        if kind == _EPB:
            if length < 32:
                raise _Irregular
            intid, high, low, caplen, wirelen = epb(mm, pos + 8)
            padded = caplen + (-caplen % 4)
            if intid >= len(interfaces) or 32 + padded > length or (32 + padded < length and not _options_ok(
                    mm[pos + 28 + padded:pos + length - 4], endian)):
                raise _Irregular
            linktype, tsresol = interfaces[intid]
            frame += 1
            if not frame % POSITION_EVERY:
                position.offset = _release(mm, position.offset, pos)
            data = mm[pos + 28:pos + 28 + min(caplen, MAX_RECORD)]
            yield frame, ((high << 32) + low) / tsresol, linktype, data, wirelen
        elif kind == _IDB:
            interfaces.append(_interface(mm[pos + 8:pos + length - 4], endian))
        elif kind in _NG_CAREFUL:
            raise _Irregular
        pos += length


def _release(mm: mmap.mmap, done: int, pos: int) -> int:
    """Give back the pages read so far: resident pages of a mapped file count as the process's
    memory, which must stay flat however large the capture. Returns the new position."""
    start, end = done - done % _PAGE, pos - pos % _PAGE
    if end > start and hasattr(mmap, "MADV_DONTNEED"):
        mm.madvise(mmap.MADV_DONTNEED, start, end - start)
    return pos


def _section(mm: mmap.mmap, pos: int) -> str:
    """Byte order of a section header block that the careful reader would read without a word."""
    magic = mm[pos + 8:pos + 12]
    endian = "<" if magic == b"\x4d\x3c\x2b\x1a" else ">" if magic == b"\x1a\x2b\x3c\x4d" else None
    if endian is None:
        raise _Irregular
    length, = struct.unpack_from(endian + "I", mm, pos + 4)
    major, = struct.unpack_from(endian + "H", mm, pos + 12)
    if length < 28 or length % 4 or major != 1 or pos + length > len(mm) \
            or struct.unpack_from(endian + "I", mm, pos + length - 4)[0] != length:
        raise _Irregular
    return endian


def _interface(body: bytes, endian: str) -> tuple[int, int]:
    """(link type, timestamp units per second) of an IDB; if_tsresol as pcapng 4.2 defines it."""
    if len(body) < 8:
        raise _Irregular
    linktype = struct.unpack_from(endian + "H", body, 0)[0]
    tsresol = 1_000_000
    found = _options(body[8:], endian).get(9)
    if found is not None and len(found) == 1:
        tsresol = (2 if found[0] & 0x80 else 10) ** (found[0] & 0x7F)
    return linktype, tsresol


def _options(raw: bytes, endian: str) -> dict[int, bytes]:
    """Option values by code (the last of repeated ones, as the careful reader), up to opt_endofopt."""
    found: dict[int, bytes] = {}
    head = struct.Struct(endian + "HH").unpack_from
    offset = 0
    while len(raw) - offset >= 4:
        code, length = head(raw, offset)
        if code == 0:
            break
        if offset + 4 + length <= len(raw):
            found[code] = raw[offset + 4:offset + 4 + length]
        offset += 4 + length + (-length % 4)
    return found


def _options_ok(raw: bytes, endian: str) -> bool:
    """EPB options the careful reader accepts silently: epb_flags of 4 bytes, no process ids."""
    opts = _options(raw, endian)
    flags = opts.get(2)
    return (flags is None or len(flags) == 4) and 0x8001 not in opts and 0x8003 not in opts
