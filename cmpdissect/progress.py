"""A progress bar on stderr for reading large captures: packets read, packets/s, share of the file.

Only on a terminal, and only once a read has taken more than a second, so pipes, tests and small
files never see it; the line is wiped when reading ends, leaving stderr as it was.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

DELAY = 1.0  # seconds before the bar appears
INTERVAL = 0.25  # seconds between redraws
WIDTH = 24  # characters of the bar itself


class ProgressBar:
    """Redraws one stderr line; `update` is cheap enough to call every few thousand packets."""

    def __init__(self, size: int | None, stream: TextIO, clock=time.monotonic) -> None:
        self.size = size or None
        self.stream = stream
        self._clock = clock
        self._start = clock()
        self._next = self._start + DELAY
        self._drawn = 0

    def update(self, packets: int, offset: int | None = None) -> None:
        now = self._clock()
        if now < self._next:
            return
        self._next = now + INTERVAL
        self._draw(self.line(packets, offset, now - self._start))

    def line(self, packets: int, offset: int | None, elapsed: float) -> str:
        rate = f"{packets / elapsed:,.0f} packets/s" if elapsed > 0 else ""
        if self.size and offset is not None:
            share = min(1.0, offset / self.size)
            filled = int(share * WIDTH)
            return f"[{'#' * filled}{'.' * (WIDTH - filled)}] {share:4.0%}  {packets:,} packets  {rate}"
        return f"{packets:,} packets  {rate}"

    def close(self) -> None:
        """Wipe the line if one was drawn."""
        if self._drawn:
            self.stream.write("\r" + " " * self._drawn + "\r")
            self.stream.flush()
            self._drawn = 0

    def _draw(self, text: str) -> None:
        pad = max(0, self._drawn - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._drawn = len(text)


def progress_bar(size: int | None, enabled: bool = True, stream: TextIO | None = None) -> ProgressBar | None:
    """A bar for a file of `size` bytes, or None when disabled (`--quiet`) or stderr is no terminal."""
    stream = stream or sys.stderr
    if not enabled or not stream.isatty():
        return None
    return ProgressBar(size, stream)
