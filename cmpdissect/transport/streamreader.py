"""The byte-stream side of self-delimiting framings: buffering, gaps, resynchronisation.

RFC 2510 / TCP-Messaging frames and bare DER PKIMessages both announce their own size in their
first bytes. This base class does what is common: wait for whole units across segments (holding
only bytes that arrived, never allocating by an announced length), drop the rest of a unit a gap
cut into, and after garbage or a gap scan forward for the next plausible unit, reporting what it
skipped. Subclasses say how big a unit is, what a plausible start looks like, and how to decode.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod

from cmpdissect.transport.events import CmpPdu, StreamNotice
from cmpdissect.transport.recognize import INCOMPLETE

Event = CmpPdu | StreamNotice


class FramedStreamReader(ABC):
    """Cuts one direction of a TCP stream into self-delimiting units."""

    unit_name = "unit"
    candidates: re.Pattern[bytes]  # where a unit may start: cheap pre-filter for the resync scan

    def __init__(self, direction: int) -> None:
        self.direction = direction
        self._buf = bytearray()
        self._offset = 0  # stream offset of _buf[0]
        self._in_sync = True
        self._discard = 0  # bytes of a gap-damaged unit still to drop before the next one
        self._skipped = 0  # bytes skipped while resynchronising, not yet reported
        self._skipped_at = 0

    # What a subclass provides.
    @abstractmethod
    def unit_size(self, data: bytearray) -> int | None:
        """Total size of the unit at the start of `data`; INCOMPLETE; None when no unit starts there."""

    @abstractmethod
    def plausible(self, data: bytearray, offset: int) -> bool | None:
        """Whether a unit a decoder can trust starts at `offset`; None when more bytes are needed."""

    @abstractmethod
    def decode(self, data: bytes, frame: int, time: float | None, damage: str | None) -> CmpPdu | None:
        """The PDU for one unit (complete, or cut short when `damage` or its own check says so)."""

    # The stream interface.
    def feed(self, data: bytes, frame: int, time: float | None) -> list[Event]:
        out: list[Event] = []
        if self._discard:
            drop = min(self._discard, len(data))
            self._discard -= drop
            self._offset += drop
            data = data[drop:]
        self._buf += data
        while self._buf:
            if not self._in_sync and not self._resync(out, frame, time):
                break
            size = self.unit_size(self._buf)
            if size == INCOMPLETE:
                break
            if size is None:
                self._in_sync = False
                self._skipped_at = self._offset
                continue
            if len(self._buf) < size:
                break
            unit = bytes(self._buf[:size])
            del self._buf[:size]
            self._offset += size
            self._emit(out, self.decode(unit, frame, time, None))
        return out

    def gap(self, size: int, frame: int, time: float | None) -> list[Event]:
        """`size` bytes were never captured: report a unit they damaged and resume after it.

        If the unit's header was seen and the gap ends inside it, the reader stays in step and
        drops the rest of that unit; otherwise it scans for the next plausible unit.
        """
        out: list[Event] = []
        if self._discard:
            if size <= self._discard:
                self._discard -= size
                self._offset += size
                return out
            self._discard = 0
            self._offset += size
            self._lose_sync()
            return out
        total = self.unit_size(self._buf) if self._in_sync and self._buf else None
        have = len(self._buf)
        if total is not None and total != INCOMPLETE:
            missing = min(size, total - have)
            self._emit(out, self.decode(bytes(self._buf), frame, time,
                                        f"{self.unit_name} damaged by a gap: {missing} of its {total} bytes "
                                        f"never captured (offset {have})"))
            self._offset += have + size
            self._buf.clear()
            if total - have - size >= 0:
                self._discard = total - have - size
                return out
        else:
            if self._in_sync:
                self._skipped_at = self._offset
            self._skipped += have
            self._offset += have + size
            self._buf.clear()
            self._flush_skipped(out, frame, time)
        self._lose_sync()
        return out

    def close(self, frame: int, time: float | None) -> list[Event]:
        """End of the stream: a unit still incomplete is reported truncated."""
        out: list[Event] = []
        if self._in_sync and self._buf:
            size = self.unit_size(self._buf)
            if size is not None and size != INCOMPLETE:
                self._emit(out, self.decode(bytes(self._buf), frame, time, None))
            else:
                out.append(StreamNotice(self.direction, frame, time, "warning",
                                        f"{len(self._buf)} bytes at stream offset {self._offset} end the "
                                        f"stream before a whole {self.unit_name} header"))
        else:
            self._skipped += len(self._buf)
        self._offset += len(self._buf)
        self._buf.clear()
        self._flush_skipped(out, frame, time)
        return out

    def _emit(self, out: list[Event], pdu: CmpPdu | None) -> None:
        if pdu is not None:
            out.append(pdu)

    def _lose_sync(self) -> None:
        self._in_sync = False
        self._skipped_at = self._offset

    def _resync(self, out: list[Event], frame: int, time: float | None) -> bool:
        """Drop bytes up to the next plausible unit; False when none is found (yet)."""
        pos = 0
        while True:
            match = self.candidates.search(self._buf, pos)
            if match is None:
                pos = len(self._buf)
                break
            pos = match.start()
            verdict = self.plausible(self._buf, pos)
            if verdict is None:
                break
            if verdict:
                self._skip(pos)
                self._flush_skipped(out, frame, time)
                self._in_sync = True
                return True
            pos += 1
        self._skip(pos)
        return False

    def _skip(self, count: int) -> None:
        del self._buf[:count]
        self._offset += count
        self._skipped += count

    def _flush_skipped(self, out: list[Event], frame: int, time: float | None) -> None:
        if self._skipped:
            out.append(StreamNotice(self.direction, frame, time, "warning",
                                    f"skipped {self._skipped} bytes at stream offset {self._skipped_at} "
                                    f"that hold no recognizable {self.unit_name}"))
            self._skipped = 0
