"""The bytes of one stream direction that arrived but are not parsed yet (cf. h11 `_receivebuffer`).

Taking from the front is cheap (an index moves; the storage is compacted now and then), and a line
search resumes where the last one stopped, so a header fed one byte at a time stays linear.
"""

from __future__ import annotations

import re

_COMPACT_AT = 64 * 1024


class ReceiveBuffer:
    def __init__(self) -> None:
        self._data = bytearray()
        self._start = 0
        self._line_from = 0  # where the next search for a line end resumes
        self.consumed = 0  # bytes taken so far: the stream offset of the buffer's first byte

    def __iadd__(self, data: bytes) -> ReceiveBuffer:
        self._data += data
        return self

    def __len__(self) -> int:
        return len(self._data) - self._start

    def __bytes__(self) -> bytes:
        return bytes(self._data[self._start :])

    def take(self, count: int) -> bytes:
        """Up to `count` bytes from the front."""
        end = min(self._start + count, len(self._data))
        chunk = bytes(self._data[self._start : end])
        self._advance(end)
        return chunk

    def skip(self, count: int) -> None:
        self._advance(min(self._start + count, len(self._data)))

    def take_line(self) -> bytes | None:
        """The next line without its LF or CRLF, or None while no line end has arrived."""
        at = self._data.find(b"\n", max(self._start, self._line_from))
        if at < 0:
            self._line_from = len(self._data)
            return None
        line = bytes(self._data[self._start : at])
        self._advance(at + 1)
        return line[:-1] if line.endswith(b"\r") else line

    def search(self, pattern: re.Pattern[bytes]) -> int | None:
        """Offset (from the buffer's front) where `pattern` first matches, or None."""
        match = pattern.search(self._data, self._start)
        return None if match is None else match.start() - self._start

    def starts_with(self, pattern: re.Pattern[bytes]) -> bool:
        return pattern.match(self._data, self._start) is not None

    def _advance(self, end: int) -> None:
        self.consumed += end - self._start
        self._start = end
        self._line_from = max(self._line_from, end)
        if self._start >= _COMPACT_AT and self._start * 2 >= len(self._data):
            del self._data[: self._start]
            self._line_from -= self._start
            self._start = 0
