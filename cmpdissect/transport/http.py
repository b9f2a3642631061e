"""HTTP/1.0 and HTTP/1.1 carrying CMP (RFC 6712 / RFC 9811 section 3; framing per RFC 9112).

Each direction is read on its own and says by its first start line whether it carries requests or
responses, so a wrong direction guess from the reassembler does no harm. Responses are paired with
requests first in, first out. A message becomes a CmpPdu when its body is a PKIMessage (declared
`application/pkixcmp`, or recognized by content) or a TCP-Messaging frame (`application/pkixcmp-poll`,
CMP-REFERENCE 2.5), and also when it is CMP-relevant but carries no CMP: the 404/415 answer to a CMP
request, or a request that declares pkixcmp and carries something else. Plain web traffic yields nothing.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from cmpdissect.model import Framing, HttpInfo
from cmpdissect.transport.events import CmpPdu, StreamNotice
from cmpdissect.transport.httpbody import (
    MAX_HEADER_BYTES,
    MAX_HEADER_FIELDS,
    Body,
    BodyReader,
    ChunkedReader,
    ContentLengthReader,
    HttpError,
    UntilCloseReader,
)
from cmpdissect.transport.receivebuffer import ReceiveBuffer
from cmpdissect.transport.recognize import INCOMPLETE, MAX_UNIT, is_pkimessage, sequence_size
from cmpdissect.transport.tcpmsg import frame_header, parse_frame, plausible_frame

CMP_MEDIA_TYPES = frozenset({"application/pkixcmp", "application/x-pkixcmp"})
POLL_MEDIA_TYPES = frozenset({"application/pkixcmp-poll", "application/x-pkixcmp-poll"})
METHODS = frozenset({b"GET", b"POST", b"PUT", b"HEAD", b"DELETE", b"OPTIONS", b"PATCH", b"TRACE", b"CONNECT"})

_REQUEST_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+) +(\S+) +HTTP/(\d)\.(\d) *")
_STATUS_LINE = re.compile(rb"HTTP/(\d)\.(\d) +(\d{3})(?: +(.*))?")
_START = rb"(?:HTTP/1\.[01] \d{3}[ \r\n]|(?:GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH|TRACE|CONNECT) \S{1,8000} HTTP/1\.[01]\r?\n)"
_START_HERE = re.compile(_START)
_START_AFTER_LF = re.compile(rb"\n(?=" + _START + rb")")
_RESYNC_KEEP = 8 * 1024  # bytes kept while scanning: a start line split across segments is found later


@dataclass(slots=True, eq=False)
class HttpMessage:
    """One request or response as far as it was read; `request` pairs a response with its request."""

    is_request: bool
    version: str
    start_offset: int
    method: str | None = None
    target: str | None = None
    status: int | None = None
    reason: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Body = field(default_factory=Body)
    chunked: bool = False
    request: HttpMessage | None = None
    carried_cmp: bool = False  # a request whose body held CMP or declared a pkixcmp media type
    error: str | None = None
    frame: int = 0
    time: float | None = None

    def values(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def content_type(self) -> str | None:
        found = self.values("content-type")
        return found[0] if found else None

    @property
    def media_type(self) -> str | None:
        """Media type without parameters, lowercased (RFC 9110 section 8.3.1)."""
        value = self.content_type
        return value.split(";", 1)[0].strip().lower() if value is not None else None

    @property
    def connection_close(self) -> bool:
        """`Connection: close`, or HTTP/1.0 without keep-alive (RFC 9112 section 9.3)."""
        tokens = {t.strip().lower() for v in self.values("connection") for t in v.split(",")}
        return "close" in tokens or (self.version == "HTTP/1.0" and "keep-alive" not in tokens)


class HttpMessageReader:
    """One direction of an HTTP/1.x connection, cut into messages (cf. h11 `_connection`).

    `pair` hands a response head the request it answers (it needs the method: HEAD has no body);
    `on_request` tells the connection a request head was read.
    """

    def __init__(self, direction: int, pair: Callable[[], HttpMessage | None],
                 on_request: Callable[[HttpMessage], None]) -> None:
        self.direction = direction
        self._pair = pair
        self._on_request = on_request
        self._buf = ReceiveBuffer()
        self._state = "start"  # start | headers | body | resync | done
        self._msg: HttpMessage | None = None
        self._reader: BodyReader | None = None
        self._header_bytes = 0
        self._skipped = 0
        self._skipped_at = 0

    def feed(self, data: bytes, frame: int, time: float | None) -> list[HttpMessage | StreamNotice]:
        out: list[HttpMessage | StreamNotice] = []
        if self._state == "done":
            return out
        self._buf += data
        self._run(out, frame, time)
        return out

    def gap(self, size: int, frame: int, time: float | None) -> list[HttpMessage | StreamNotice]:
        """Bytes never captured: a body with a known length keeps its place; anything else resyncs."""
        out: list[HttpMessage | StreamNotice] = []
        msg = self._msg
        if self._state == "done":
            return out
        if self._state == "body" and msg is not None and self._reader is not None and not len(self._buf):
            at = msg.body.size
            if self._reader.gap(size, msg.body):
                msg.error = _join(msg.error, f"{size} body bytes never captured (body offset {at})")
                self._buf.consumed += size
                self._run(out, frame, time)
                return out
        if msg is not None and self._state == "body":
            msg.error = _join(msg.error, f"message cut by a gap of {size} bytes after {msg.body.size} body bytes")
            msg.body.missing += size
            self._complete(out, frame, time)
        elif msg is not None:
            out.append(StreamNotice(self.direction, frame, time, "warning",
                                    f"HTTP message header at stream offset {msg.start_offset} cut by a gap"))
        if not self._skipped:
            self._skipped_at = self._buf.consumed
        self._skipped += len(self._buf)
        self._buf.skip(len(self._buf))
        self._flush_skipped(out, frame, time)
        self._buf.consumed += size
        self._msg = None
        self._reader = None
        self._state = "resync"
        return out

    def close(self, frame: int, time: float | None) -> list[HttpMessage | StreamNotice]:
        """End of this direction: a read-until-close body ends here; other partial messages are truncated."""
        out: list[HttpMessage | StreamNotice] = []
        msg = self._msg
        if self._state == "body" and msg is not None and self._reader is not None:
            msg.error = _join(msg.error, self._reader.truncation(msg.body))
            self._complete(out, frame, time)
        elif self._state == "headers" or (self._state == "start" and bytes(self._buf).strip()):
            out.append(StreamNotice(self.direction, frame, time, "warning",
                                    f"stream ends inside an HTTP message header (stream offset "
                                    f"{msg.start_offset if msg else self._buf.consumed})"))
        elif self._state == "resync":
            self._skipped += len(self._buf)
        self._buf.skip(len(self._buf))
        self._flush_skipped(out, frame, time)
        self._state = "done"
        return out

    def _run(self, out: list[HttpMessage | StreamNotice], frame: int, time: float | None) -> None:
        while True:
            try:
                if not self._step(out, frame, time):
                    return
            except HttpError as exc:
                out.append(StreamNotice(self.direction, frame, time, "error", str(exc)))
                self._msg = None
                self._reader = None
                self._state = "resync"

    def _step(self, out: list[HttpMessage | StreamNotice], frame: int, time: float | None) -> bool:
        """Advance one state; False when more bytes are needed."""
        if self._state == "resync":
            return self._resync(out, frame, time)
        if self._state == "start":
            return self._start_line()
        if self._state == "headers":
            return self._header_line()
        if self._state == "body":
            assert self._msg is not None and self._reader is not None
            if not self._reader.read(self._buf, self._msg.body):
                return False
            if isinstance(self._reader, ChunkedReader):
                for line in self._reader.trailer_lines:
                    self._add_field(line, self._buf.consumed)
            self._complete(out, frame, time)
            return True
        return False

    def _start_line(self) -> bool:
        offset = self._buf.consumed
        line = self._buf.take_line()
        if line is None:
            if len(self._buf) > MAX_HEADER_BYTES:
                raise HttpError(f"HTTP start line over {MAX_HEADER_BYTES} bytes", offset)
            return False
        if not line.strip():
            return True  # RFC 9112 section 2.2: empty lines before a start line are ignored
        self._header_bytes = len(line) + 2
        status = _STATUS_LINE.fullmatch(line)
        if status is not None:
            self._msg = HttpMessage(
                is_request=False, version=f"HTTP/{status[1].decode()}.{status[2].decode()}",
                start_offset=offset, status=int(status[3]),
                reason=(status[4] or b"").decode("latin-1").strip())
        else:
            request = _REQUEST_LINE.fullmatch(line)
            if request is None:
                raise HttpError(f"not an HTTP start line: {line[:40]!r}", offset)
            self._msg = HttpMessage(
                is_request=True, version=f"HTTP/{request[3].decode()}.{request[4].decode()}",
                start_offset=offset, method=request[1].decode("latin-1"),
                target=request[2].decode("latin-1"))
        self._state = "headers"
        return True

    def _header_line(self) -> bool:
        assert self._msg is not None
        offset = self._buf.consumed
        line = self._buf.take_line()
        if line is None:
            if self._header_bytes + len(self._buf) > MAX_HEADER_BYTES:
                raise HttpError(f"HTTP header flood: header section over {MAX_HEADER_BYTES} bytes",
                                self._msg.start_offset)
            return False
        self._header_bytes += len(line) + 2
        if self._header_bytes > MAX_HEADER_BYTES:
            raise HttpError(f"HTTP header flood: header section over {MAX_HEADER_BYTES} bytes",
                            self._msg.start_offset)
        if line:
            self._add_field(line, offset)
            if len(self._msg.headers) > MAX_HEADER_FIELDS:
                raise HttpError(f"HTTP header flood: more than {MAX_HEADER_FIELDS} header fields",
                                self._msg.start_offset)
            return True
        self._begin_body()
        return True

    def _add_field(self, line: bytes, offset: int) -> None:
        """One field line; obs-fold continuation lines (RFC 9112 section 5.2) join the previous value."""
        assert self._msg is not None
        headers = self._msg.headers
        text = line.decode("latin-1")
        if text[:1] in (" ", "\t"):
            if headers:
                name, value = headers[-1]
                headers[-1] = (name, f"{value} {text.strip()}".strip())
            return
        name, colon, value = text.partition(":")
        if not colon or not name or name != name.strip():
            raise HttpError(f"malformed header field {line[:40]!r}", offset)
        headers.append((name, value.strip()))

    def _begin_body(self) -> None:
        """Choose the body framing (RFC 9112 section 6.3) once the header section ended."""
        msg = self._msg
        assert msg is not None
        self._reader = None
        if msg.is_request:
            self._on_request(msg)
        else:
            assert msg.status is not None
            if msg.status == 101:
                self._state = "done"  # another protocol follows: nothing more to decode here
                return
            if msg.status < 200:
                self._msg = None  # 100 Continue and friends answer no request on their own
                self._state = "start"
                return
            msg.request = self._pair()
        method = msg.request.method if msg.request is not None else None
        codings = [c.strip().lower() for v in msg.values("transfer-encoding") for c in v.split(",") if c.strip()]
        lengths = {c.strip() for v in msg.values("content-length") for c in v.split(",")}
        if not msg.is_request and (method == "HEAD" or msg.status in (204, 304)):
            self._reader = ContentLengthReader(0)
        elif not msg.is_request and method == "CONNECT" and 200 <= (msg.status or 0) < 300:
            self._state = "done"
            return
        elif codings:
            if codings[-1] == "chunked":
                self._reader = ChunkedReader()
                msg.chunked = True
            elif msg.is_request:
                raise HttpError(f"request Transfer-Encoding {', '.join(codings)} without chunked",
                                msg.start_offset)
            else:
                self._reader = UntilCloseReader()
        elif lengths:
            length = next(iter(lengths))
            if len(lengths) != 1 or not (length.isascii() and length.isdigit()):  # RFC 9110 8.6: 1*DIGIT
                raise HttpError(f"bad Content-Length {', '.join(msg.values('content-length'))!r}",
                                msg.start_offset)
            self._reader = ContentLengthReader(int(length))
        elif msg.is_request:
            self._reader = ContentLengthReader(0)
        else:
            self._reader = UntilCloseReader()
        self._state = "body"

    def _complete(self, out: list[HttpMessage | StreamNotice], frame: int, time: float | None) -> None:
        assert self._msg is not None
        self._msg.frame = frame
        self._msg.time = time
        out.append(self._msg)
        self._msg = None
        self._reader = None
        self._state = "start"

    def _resync(self, out: list[HttpMessage | StreamNotice], frame: int, time: float | None) -> bool:
        """Skip to the next line that starts like a request or status line."""
        if self._buf.starts_with(_START_HERE):
            found: int | None = 0
        else:
            found = self._buf.search(_START_AFTER_LF)
            if found is not None:
                found += 1
        if not self._skipped:
            self._skipped_at = self._buf.consumed
        if found is None:
            drop = max(0, len(self._buf) - _RESYNC_KEEP)
            self._skipped += drop
            self._buf.skip(drop)
            return False
        self._skipped += found
        self._buf.skip(found)
        self._flush_skipped(out, frame, time)
        self._state = "start"
        return True

    def _flush_skipped(self, out: list[HttpMessage | StreamNotice], frame: int, time: float | None) -> None:
        if self._skipped:
            out.append(StreamNotice(self.direction, frame, time, "warning",
                                    f"skipped {self._skipped} bytes at stream offset {self._skipped_at} "
                                    f"that hold no HTTP message start"))
            self._skipped = 0


class HttpConnection:
    """Both directions of one HTTP/1.x connection, with request/response pairing.

    `transport` names where the bytes came from: "http", or "https" when a TLS layer hands in
    the plaintext of a decrypted connection.
    """

    def __init__(self, transport: str = "http") -> None:
        self.transport = transport
        self._requests: deque[HttpMessage] = deque()
        self._readers: dict[int, HttpMessageReader] = {}

    def feed(self, direction: int, data: bytes, frame: int, time: float | None) -> list[CmpPdu | StreamNotice]:
        return self._convert(direction, self._reader(direction).feed(data, frame, time))

    def gap(self, direction: int, size: int, frame: int, time: float | None) -> list[CmpPdu | StreamNotice]:
        return self._convert(direction, self._reader(direction).gap(size, frame, time))

    def close(self, direction: int, frame: int, time: float | None) -> list[CmpPdu | StreamNotice]:
        return self._convert(direction, self._reader(direction).close(frame, time))

    def _reader(self, direction: int) -> HttpMessageReader:
        reader = self._readers.get(direction)
        if reader is None:
            reader = self._readers[direction] = HttpMessageReader(direction, self._pair, self._requests.append)
        return reader

    def _pair(self) -> HttpMessage | None:
        return self._requests.popleft() if self._requests else None

    def _convert(self, direction: int, events: list[HttpMessage | StreamNotice]) -> list[CmpPdu | StreamNotice]:
        out: list[CmpPdu | StreamNotice] = []
        for event in events:
            if isinstance(event, StreamNotice):
                out.append(event)
                continue
            pdu = self._pdu(direction, event)
            if pdu is not None:
                out.append(pdu)
        return out

    def _pdu(self, direction: int, msg: HttpMessage) -> CmpPdu | None:
        """The CmpPdu for a finished message, or None when it has nothing to do with CMP."""
        media = msg.media_type
        declared = media in CMP_MEDIA_TYPES or media in POLL_MEDIA_TYPES
        body = bytes(msg.body.data) if msg.body.kept and not msg.body.missing else None
        if not msg.body.kept:
            msg.error = _join(msg.error, f"body of {msg.body.size} bytes is over the {MAX_UNIT}-byte limit; not kept")
        if msg.is_request and declared:
            msg.carried_cmp = True
        if body:
            found = recognize_body(body, declared)
            if found is not None:
                transport, der, frame_type, framing, error = found
                if msg.is_request:
                    msg.carried_cmp = True
                return CmpPdu(direction, msg.frame, msg.time, transport if transport != "http" else self.transport,
                              der, frame_type, framing, _info(msg), _join(msg.error, error))
        if msg.is_request:
            if not declared:
                return None
            what = f"HTTP {msg.method} request declares {media} but carries no PKIMessage ({_describe(msg)})"
        else:
            request = msg.request
            if request is None or not (request.carried_cmp or _cmp_post(request)):
                return None
            if msg.status in (201, 202) and msg.body.size == 0 and msg.error is None:
                # RFC 6712 / RFC 9811 section 3.5: an announcement is acknowledged with an empty 201/202
                return CmpPdu(direction, msg.frame, msg.time, self.transport, None, http=_info(msg))
            label = f"{msg.status} {msg.reason}".strip()
            what = f"HTTP {label} response carries no PKIMessage ({_describe(msg)})"
        return CmpPdu(direction, msg.frame, msg.time, self.transport, None, http=_info(msg),
                      error=_join(msg.error, what))


def recognize_body(body: bytes, declared: bool) -> tuple[str, bytes | None, str | None, Framing | None, str | None] | None:
    """What CMP an HTTP body holds: (transport, der, frame_type, framing, error), or None.

    With a pkixcmp media type declared, a DER SEQUENCE is taken as the PKIMessage (length
    mismatches reported) and a TCP-Messaging frame as `-poll` content (RFC 9811 section 4 lets
    either arrive under either name). Without one, only content that is unmistakably CMP counts:
    one whole PKIMessage, or one whole plausible frame.
    """
    if body[0] == 0x30:
        size = sequence_size(body)
        if declared and size is not None and size != INCOMPLETE:
            if size == len(body):
                return "http", body, None, None, None
            if size > len(body):
                return "http", body, None, None, (f"PKIMessage length {size} exceeds the {len(body)}-byte body "
                                                  f"(offset 0)")
            return "http", body[:size], None, None, f"{len(body) - size} bytes after the PKIMessage (offset {size})"
        if is_pkimessage(body):
            return "http", body, None, None, None
        return None
    head = frame_header(body)
    if not isinstance(head, tuple):
        return None
    if not declared and (4 + head[0] != len(body) or plausible_frame(body) is not True):
        return None
    tcp_frame = parse_frame(body)
    if tcp_frame is None:
        return None
    return "http-poll", tcp_frame.der, tcp_frame.frame_type, tcp_frame.framing, tcp_frame.error


def _cmp_post(request: HttpMessage) -> bool:
    return request.method == "POST" and "cmp" in (request.target or "").lower()


def _describe(msg: HttpMessage) -> str:
    media = msg.media_type or "no Content-Type"
    if msg.body.size == 0:
        return f"{media}, no body"
    return f"{media}, {msg.body.size} bytes"


def _info(msg: HttpMessage) -> HttpInfo:
    request = msg if msg.is_request else msg.request
    return HttpInfo(
        method=request.method if request is not None else None,
        path=request.target if request is not None else None,
        status=msg.status,
        content_type=msg.content_type,
        version=msg.version,
        is_request=msg.is_request,
        reason=msg.reason,
        connection_close=msg.connection_close,
        chunked=msg.chunked,
        headers=tuple(msg.headers),
    )


def _join(first: str | None, second: str | None) -> str | None:
    if first and second:
        return f"{first}; {second}"
    return first or second
