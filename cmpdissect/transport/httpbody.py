"""HTTP/1.x message body framings (RFC 9112 section 6-7; cf. h11 `_readers`).

One reader per framing: Content-Length, chunked (extensions ignored, trailer fields collected),
and read-until-close. Readers count what a length announces but only hold bytes that arrived, and
stop keeping a body beyond MAX_UNIT, so an absurd Content-Length allocates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cmpdissect.transport.receivebuffer import ReceiveBuffer
from cmpdissect.transport.recognize import MAX_UNIT

MAX_CHUNK_LINE = 4096  # a chunk-size line with extensions; longer is garbage or an attack
MAX_HEADER_BYTES = 64 * 1024  # a header (or trailer) section larger than this is a flood
MAX_HEADER_FIELDS = 200
_HEX = frozenset(b"0123456789abcdefABCDEF")


class HttpError(Exception):
    """A message that cannot be framed; `offset` is the stream offset where it broke."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (stream offset {offset})")
        self.message = message
        self.offset = offset


@dataclass(slots=True)
class Body:
    """The body bytes that arrived, as long as they stay under MAX_UNIT."""

    data: bytearray = field(default_factory=bytearray)
    size: int = 0  # bytes the framing accounted for, including any never captured
    kept: bool = True
    missing: int = 0  # bytes lost in gaps: the kept data has a hole

    def append(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if not self.kept:
            return
        if len(self.data) + len(chunk) > MAX_UNIT:
            self.kept = False
            self.data = bytearray()
        else:
            self.data += chunk

    def lose(self, count: int) -> None:
        self.size += count
        self.missing += count


class ContentLengthReader:
    """Exactly `length` bytes (RFC 9112 section 6.2)."""

    def __init__(self, length: int) -> None:
        self.length = length
        self.remaining = length

    def read(self, buf: ReceiveBuffer, body: Body) -> bool:
        if self.remaining:
            chunk = buf.take(self.remaining)
            body.append(chunk)
            self.remaining -= len(chunk)
        return self.remaining == 0

    def gap(self, size: int, body: Body) -> bool:
        if size > self.remaining:
            return False
        body.lose(size)
        self.remaining -= size
        return True

    def truncation(self, body: Body) -> str | None:
        return f"body ends after {body.size} of {self.length} bytes announced by Content-Length"


class ChunkedReader:
    """Transfer-Encoding: chunked (RFC 9112 section 7.1): size lines, data, last chunk, trailers."""

    def __init__(self) -> None:
        self.state = "size"
        self.remaining = 0
        self.chunks = 0
        self.trailer_lines: list[bytes] = []
        self.trailer_bytes = 0

    def read(self, buf: ReceiveBuffer, body: Body) -> bool:
        while True:
            start = buf.consumed
            if self.state == "size":
                line = buf.take_line()
                if line is None:
                    if len(buf) > MAX_CHUNK_LINE:
                        raise HttpError("chunk-size line too long", buf.consumed)
                    return False
                digits = line.split(b";", 1)[0].strip()
                if not digits or not _HEX.issuperset(digits):
                    raise HttpError(f"bad chunk size {line[:40]!r}", start)
                self.remaining = int(digits, 16)
                self.chunks += 1
                self.state = "data" if self.remaining else "trailer"
            elif self.state == "data":
                chunk = buf.take(self.remaining)
                body.append(chunk)
                self.remaining -= len(chunk)
                if self.remaining:
                    return False
                self.state = "data-end"
            elif self.state == "data-end":
                line = buf.take_line()
                if line is None:
                    if len(buf) > 2:
                        raise HttpError("chunk data not followed by CRLF", buf.consumed)
                    return False
                if line:
                    raise HttpError("chunk data not followed by CRLF", start)
                self.state = "size"
            else:
                line = buf.take_line()
                if line is None:
                    if self.trailer_bytes + len(buf) > MAX_HEADER_BYTES:
                        raise HttpError(f"trailer section over {MAX_HEADER_BYTES} bytes", buf.consumed)
                    return False
                if not line:
                    return True
                self.trailer_lines.append(line)
                self.trailer_bytes += len(line) + 2
                if len(self.trailer_lines) > MAX_HEADER_FIELDS or self.trailer_bytes > MAX_HEADER_BYTES:
                    raise HttpError(f"trailer flood: over {MAX_HEADER_FIELDS} fields or {MAX_HEADER_BYTES} bytes",
                                    buf.consumed)

    def gap(self, size: int, body: Body) -> bool:
        if self.state != "data" or size > self.remaining:
            return False
        body.lose(size)
        self.remaining -= size
        return True

    def truncation(self, body: Body) -> str | None:
        where = "in the trailer section" if self.state == "trailer" else f"in chunk {self.chunks}"
        return f"chunked body ends {where} after {body.size} bytes, before its last chunk"


class UntilCloseReader:
    """A response with no length: the body runs until the connection closes (RFC 9112 section 6.3)."""

    def read(self, buf: ReceiveBuffer, body: Body) -> bool:
        body.append(buf.take(len(buf)))
        return False

    def gap(self, size: int, body: Body) -> bool:
        body.lose(size)
        return True

    def truncation(self, body: Body) -> str | None:
        return None


BodyReader = ContentLengthReader | ChunkedReader | UntilCloseReader
