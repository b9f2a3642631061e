"""One TCP connection: decide by content what it carries, then hand its bytes to that decoder.

The first bytes of either direction settle it, on any port: an HTTP method or "HTTP/1." start
line, a TLS handshake record, an RFC 2510 / TCP-Messaging frame header that holds up (the
framing of later frames is decided per frame), or a DER PKIMessage. Bytes are held only until that
decision; a connection that is none of these reports `wants_data = False` so the caller can drop it.
A TLS connection goes to `TlsStreamDecoder`: without a key log that opens it, it is summed up in
one notice after its handshake and dropped; with one, its plaintext is classified and decoded like a
connection of its own, HTTP becoming transport `https`.
"""

from __future__ import annotations

from cmpdissect.tls import KeyLog, Plaintext, TlsNotice, TlsStreamDecoder
from cmpdissect.transport.derstream import DerStreamReader
from cmpdissect.transport.events import CmpPdu, StreamNotice
from cmpdissect.transport.http import METHODS, HttpConnection
from cmpdissect.transport.recognize import pkimessage_prefix
from cmpdissect.transport.streamreader import FramedStreamReader
from cmpdissect.transport.tcpmsg import VERSION_10, TcpMessageReader, frame_header, plausible_frame

CMP_TCP_PORT = 829  # RFC 2510 section 5.2 / draft-ietf-pkix-cmp-tcp-00 section 2
_HTTP_STARTS = tuple(m + b" " for m in METHODS) + (b"HTTP/1.",)
_TLS_HANDSHAKE = 0x16
# A frame header with a TCP-Messaging version above 10: CMP only if the peer answers in a framing we
# know (draft-ietf-pkix-cmp-tcp-00 section 2.2: VersionNotSupported). Held until then, within a bound.
FUTURE_VERSION = "tcp-future-version"
_MAX_HELD = 64 * 1024

Event = CmpPdu | StreamNotice


def classify(data: bytes) -> str | None:
    """What a direction's first bytes say the connection carries; None while they are too few.

    FUTURE_VERSION is no verdict yet: a frame of a TCP-Messaging version this decoder does not know.
    """
    if not data:
        return None
    first = data[0]
    if 0x41 <= first <= 0x5A:
        for start in _HTTP_STARTS:
            if data.startswith(start):
                return "http"
            if len(data) < len(start) and start.startswith(data):
                return None
        return "other"
    if first == _TLS_HANDSHAKE:
        if len(data) < 3:
            return None
        return "tls" if data[1] == 3 and data[2] <= 4 else "other"
    if first == 0x30:
        verdict = pkimessage_prefix(data)
        return None if verdict is None else "tcp-der" if verdict else "other"
    verdict = plausible_frame(data)
    if verdict is None:
        return None
    if verdict:
        return "tcp-msg-v10" if data[4] == VERSION_10 else "tcp-rfc2510"
    head = frame_header(data)
    if isinstance(head, tuple) and VERSION_10 < head[1] < 128:
        return FUTURE_VERSION
    return "other"


class ConnectionDecoder:
    """Classifies one TCP connection by content and decodes both directions of it.

    `direction` is the caller's guess (0 client to server); HTTP directions are told apart by
    their own start lines, so a wrong guess only mislabels, never breaks the pairing.
    """

    def __init__(self, client_port: int | None = None, server_port: int | None = None,
                 keylog: KeyLog | None = None, *, within_tls: bool = False, skip_web: bool = False) -> None:
        self.client_port = client_port
        self.server_port = server_port
        self._keylog = keylog
        self._within_tls = within_tls  # the bytes are a TLS connection's plaintext: HTTP is https
        # Fast path: an HTTP connection whose first request is not a POST is web traffic (CMP is
        # POSTed only, RFC 9811 3.1); dropping it at once is most of what a mixed capture costs.
        self._skip_web = skip_web
        self._kind = "undecided"
        # (direction, bytes, frame, time) in arrival order, until the kind is known; replayed with their own
        # frame numbers so a held unit keeps the packet that completed it
        self._pending: list[tuple[int, bytes, int, float | None]] = []
        self._seen: dict[int, bytearray] = {0: bytearray(), 1: bytearray()}
        self._http: HttpConnection | None = None
        self._framed: dict[int, FramedStreamReader] = {}
        self._future: set[int] = set()  # directions that opened with a FUTURE_VERSION frame
        self._tls: TlsStreamDecoder | None = None
        self._plain: ConnectionDecoder | None = None  # decodes what `_tls` decrypts
        self._last_frame = 0

    @property
    def kind(self) -> str:
        """undecided | http | tcp-rfc2510 | tcp-msg-v10 | tcp-der | tls | other (by the first frame)."""
        return self._kind

    @property
    def tls(self) -> TlsStreamDecoder | None:
        """The TLS layer of a `tls` connection (its session holds SNI, version, cipher suite)."""
        return self._tls

    @property
    def wants_data(self) -> bool:
        if self._tls is not None and self._plain is not None:
            return self._tls.wants_data and self._plain.wants_data
        return self._kind not in ("tls", "other")

    def feed(self, direction: int, data: bytes, frame: int, time: float | None) -> list[Event]:
        self._last_frame = frame
        if not self.wants_data or not data:
            return []
        if self._kind == "undecided":
            return self._classify(direction, data, frame, time)
        return self._dispatch(direction, data, frame, time)

    def gap(self, direction: int, size: int, frame: int, time: float | None) -> list[Event]:
        """`size` bytes of `direction` were never captured."""
        self._last_frame = frame
        if self._kind == "undecided":
            # What came before the gap cannot be trusted to start a message: classify afresh.
            self._pending = [p for p in self._pending if p[0] != direction]
            self._seen[direction].clear()
            self._future.discard(direction)
            return []
        if self._tls is not None:
            return self._from_tls(self._tls.gap(direction, size, frame, time))
        if self._http is not None:
            return self._http.gap(direction, size, frame, time)
        if self.wants_data:
            return self._reader(direction).gap(size, frame, time)
        return []

    def close(self, direction: int | None, frame: int | None, time: float | None) -> list[Event]:
        """One direction (or, with None, both) ended: flush read-until-close bodies, report truncation."""
        frame = self._last_frame if frame is None else frame
        directions = (0, 1) if direction is None else (direction,)
        out: list[Event] = []
        if self._kind == "undecided":
            if not self._future:
                leftover = sum(len(p[1]) for p in self._pending)
                if leftover:
                    out.append(StreamNotice(direction, frame, time, "info",
                                            f"connection ends after {leftover} bytes, too few to tell what it "
                                            f"carries"))
                return out
            # Unanswered frames of an unknown TCP-Messaging version: still worth showing.
            out.extend(self._decide("tcp-msg-v10", direction, frame, time))
        if self._tls is not None and self._plain is not None:
            out.extend(self._from_tls(self._tls.close(frame, time)))
            return out + self._plain.close(direction, frame, time)
        for side in directions:
            if self._http is not None:
                out.extend(self._http.close(side, frame, time))
            elif side in self._framed:
                out.extend(self._framed[side].close(frame, time))
        return out

    def _classify(self, direction: int, data: bytes, frame: int, time: float | None) -> list[Event]:
        self._pending.append((direction, data, frame, time))
        self._seen[direction] += data
        kind = FUTURE_VERSION if direction in self._future else classify(bytes(self._seen[direction]))
        if kind == FUTURE_VERSION:
            self._future.add(direction)
            if sum(len(p[1]) for p in self._pending) <= _MAX_HELD:
                return []
            kind = "other"
        if kind is None:
            return []
        if kind == "http" and self._skip_web and _web_request(self._seen[direction]):
            kind = "other"
        return self._decide(kind, direction, frame, time)

    def _decide(self, kind: str, direction: int | None, frame: int, time: float | None) -> list[Event]:
        """Settle the connection's kind and replay what was held, in arrival order."""
        if kind == "tls" and self._within_tls:
            kind = "other"  # TLS inside TLS: nothing a CMP peer does
        self._kind = kind
        pending, self._pending = self._pending, []
        self._seen = {0: bytearray(), 1: bytearray()}
        self._future.clear()
        if kind == "other":
            if CMP_TCP_PORT in (self.client_port, self.server_port):
                return [StreamNotice(direction, frame, time, "info",
                                     f"connection on port {CMP_TCP_PORT} carries no RFC 2510, TCP-Messaging, "
                                     f"HTTP or DER PKIMessage data")]
            return []
        if kind == "http":
            self._http = HttpConnection("https" if self._within_tls else "http")
        elif kind == "tls":
            self._tls = TlsStreamDecoder(self._keylog)
            self._plain = ConnectionDecoder(self.client_port, self.server_port, within_tls=True,
                                            skip_web=self._skip_web)
        out: list[Event] = []
        for side, chunk, held_frame, held_time in pending:
            out.extend(self._dispatch(side, chunk, held_frame, held_time))
        return out

    def _dispatch(self, direction: int, data: bytes, frame: int, time: float | None) -> list[Event]:
        if self._tls is not None:
            return self._from_tls(self._tls.feed(direction, data, frame, time))
        if self._http is not None:
            return self._http.feed(direction, data, frame, time)
        return self._reader(direction).feed(data, frame, time)

    def _from_tls(self, events: list[Plaintext | TlsNotice]) -> list[Event]:
        """Notices pass through; plaintext is decoded as the content of the connection."""
        assert self._plain is not None
        out: list[Event] = []
        for ev in events:
            if isinstance(ev, Plaintext):
                if self._plain.wants_data:
                    out.extend(self._plain.feed(ev.direction, ev.data, ev.frame, ev.time))
            else:
                out.append(StreamNotice(ev.direction, ev.frame, ev.time, ev.severity, ev.message))
        return out

    def _reader(self, direction: int) -> FramedStreamReader:
        reader = self._framed.get(direction)
        if reader is None:
            reader = TcpMessageReader(direction) if self._kind != "tcp-der" else DerStreamReader(direction)
            self._framed[direction] = reader
        return reader


def _web_request(head: bytes | bytearray) -> bool:
    """A request line whose method is not POST (a response, or a POST, is not web traffic here)."""
    method = bytes(head[:8]).split(b" ", 1)[0]
    return not head.startswith(b"HTTP/") and method.isalpha() and method.isupper() and method != b"POST"
