"""TCP reassembly: segments in, per-direction in-order byte streams out (sans-I/O).

Sequence space follows RFC 9293 section 3.4: 32-bit arithmetic with wraparound, SYN and FIN each
take one sequence number. Retransmitted and overlapping bytes are delivered once: bytes already
delivered win over any later copy (as tshark: first copy wins), a buffered segment keeps its bytes
against a later one at the same sequence number, and of buffered segments overlapping from
different starts the one starting first wins. Bytes the capture never saw become a `StreamGap`, reported when waiting
for them is pointless: the receiver acknowledged past the hole, the connection was reset, the
capture ended, or the out-of-order buffer outgrew its cap (in bytes or in segments: a flood of
one-byte segments costs far more memory than its bytes). Decoding then resumes with the bytes after
the hole. Buffered segments are kept in a heap by stream offset, so hostile orders and overlaps
cost O(log n) per segment, never a scan of the whole buffer.

Stream numbers follow tshark's `tcp.stream` (Wireshark 4.0 packet-tcp.c, checked against tshark
4.0.17; see tests/net/test_tshark_streams.py): streams are numbered from 0 in order of their first
packet, and a 4-tuple gets a new number only when a SYN (without ACK) arrives whose sequence
number differs from the base sequence number of its sender in the current conversation. That base
is the ISN of the sender's SYN, or one less than the first sequence number seen from it when the
capture started mid-connection. A SYN repeating the old ISN (even after FIN or RST) stays in the
old stream, as in tshark.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from cmpdissect.net.ip import IpPacket
from cmpdissect.net.packet import endpoint
from cmpdissect.net.tcp import ACK, FIN, RST, SYN, TcpSegment

_MASK = 0xFFFFFFFF
MAX_JUMP = 1 << 30  # a segment further ahead than this is not this connection's data: ignored
DEFAULT_MAX_BUFFER = 4 << 20  # out-of-order bytes held per direction before giving up on a hole
MAX_PENDING_SEGMENTS = 1 << 16  # out-of-order segments held per direction, whatever their size
GRACE_SEGMENTS = 8  # segments a hole may still be filled in after the receiver acknowledged past it


@dataclass(frozen=True, slots=True)
class StreamOpened:
    """First packet of a TCP stream. `saw_syn` False: the client was guessed (higher port)."""

    stream: int
    client: str
    server: str
    frame: int
    time: float | None
    saw_syn: bool


@dataclass(frozen=True, slots=True)
class StreamData:
    """Bytes now available in order; frame/time of the packet that made them so."""

    stream: int
    direction: int  # 0 client to server, 1 server to client
    data: bytes
    frame: int
    time: float | None


@dataclass(frozen=True, slots=True)
class StreamGap:
    """`size` bytes of the stream that the capture does not hold; data after them follows."""

    stream: int
    direction: int
    size: int
    frame: int
    time: float | None


@dataclass(frozen=True, slots=True)
class StreamClosed:
    """A direction closed by its FIN, or the whole stream (direction None).

    Every stream that is not dropped ends with exactly one direction-None event: reason 'fin'
    right after the second direction's FIN, 'rst', or 'end' (capture end, or the 4-tuple was
    reused by a new connection before this one closed)."""

    stream: int
    direction: int | None
    reason: str  # 'fin' | 'rst' | 'end'
    frame: int
    time: float | None


Event = StreamOpened | StreamData | StreamGap | StreamClosed


def _delta(a: int, b: int) -> int:
    """a - b in 32-bit sequence space, as a signed number (RFC 9293 section 3.4)."""
    d = (a - b) & _MASK
    return d - (1 << 32) if d >= 1 << 31 else d


class _Direction:
    """Reassembly state of one direction of one stream."""

    __slots__ = ("nxt", "offset", "pending", "order", "pending_bytes", "fin", "closed", "hole_ack", "grace")

    def __init__(self) -> None:
        self.nxt: int | None = None  # next sequence number expected in order
        self.offset = 0  # stream offset of `nxt`: sequence numbers unwrapped, for ordering
        self.pending: dict[int, bytes] = {}  # out-of-order data by sequence number
        self.order: list[tuple[int, int]] = []  # heap of (stream offset, sequence number) of `pending`
        self.pending_bytes = 0
        self.fin: int | None = None  # sequence number of a FIN seen beyond a hole
        self.closed = False  # FIN reached in order
        self.hole_ack: int | None = None  # the receiver acknowledged past a hole up to here
        self.grace = 0  # segments of the stream still allowed to fill that hole


class _Connection:
    """One tshark conversation. `dirs` is None once the stream is closed or dropped; what is
    left is what numbering a reused 4-tuple needs."""

    __slots__ = ("stream", "client_ip", "client_port", "bases", "dirs", "last_frame", "last_time")

    def __init__(self, stream: int, client_ip: str, client_port: int) -> None:
        self.stream = stream
        self.client_ip = client_ip
        self.client_port = client_port
        self.bases: list[int | None] = [None, None]  # tshark base_seq per direction
        self.dirs: tuple[_Direction, _Direction] | None = (_Direction(), _Direction())
        self.last_frame = 0
        self.last_time: float | None = None


class TcpReassembler:
    """Feed TCP segments in capture order; get stream events back.

    `last_stream` is the stream index of the segment fed last (for tagging per-packet notices).
    """

    def __init__(self, max_buffer: int = DEFAULT_MAX_BUFFER) -> None:
        self.max_buffer = max_buffer
        self.last_stream: int | None = None
        self._table: dict[tuple[str, int, str, int], _Connection] = {}  # both key orders
        self._tracked: dict[int, _Connection] = {}  # open, not dropped, by stream index
        self._next_stream = 0

    def feed(self, frame: int, time: float | None, ip: IpPacket, seg: TcpSegment) -> list[Event]:
        """Process one segment; return the events it caused, in order."""
        src, sport, dst, dport = ip.src, seg.src_port, ip.dst, seg.dst_port
        conn = self._table.get((src, sport, dst, dport))
        flags = seg.flags
        events: list[Event] = []
        if conn is None:
            conn = self._open(ip, seg, frame, time, events)
        elif flags & (SYN | ACK) == SYN:
            base = conn.bases[0 if sport == conn.client_port and src == conn.client_ip else 1]
            if base is not None and base != seg.seq:  # port reuse (tshark: TCP_A_REUSED_PORTS)
                if conn.dirs is not None:
                    self._end(conn, "end", frame, time, events)
                conn = self._open(ip, seg, frame, time, events)
        self.last_stream = conn.stream
        d = 0 if sport == conn.client_port and src == conn.client_ip else 1
        if conn.bases[d] is None:
            conn.bases[d] = seg.seq if flags & SYN else (seg.seq - 1) & _MASK
        if conn.dirs is None:
            return events
        conn.last_frame, conn.last_time = frame, time
        if flags & RST:
            self._end(conn, "rst", frame, time, events)
            return events
        half, other = conn.dirs[d], conn.dirs[1 - d]
        if flags & ACK and other.nxt is not None and (other.pending or other.fin is not None):
            self._note_ack(other, seg.ack)
        start = (seg.seq + 1) & _MASK if flags & SYN else seg.seq
        if half.nxt is None:
            half.nxt = start  # SYN: ISN + 1; mid-connection: the first sequence number seen
        payload = seg.payload
        if payload and not half.closed:
            self._data(conn, d, half, start, payload, frame, time, events)
        if flags & FIN and not half.closed and half.fin is None:
            fin = (start + len(payload)) & _MASK
            ahead = _delta(fin, half.nxt)
            if ahead == 0:
                self._close_direction(conn, d, half, frame, time, events)
            elif 0 < ahead <= MAX_JUMP:
                half.fin = fin  # closes when the bytes before it are in, or are given up
        if conn.dirs is not None:
            for x in (0, 1):
                if conn.dirs[x].hole_ack is not None:
                    self._count_grace(conn, x, conn.dirs[x], frame, time, events)
        return events

    @staticmethod
    def _note_ack(half: _Direction, ack: int) -> None:
        """The receiver acknowledged up to `ack` while bytes before it are missing.

        The segment may still be in the capture, just later: capture points reorder (several
        CPUs under `tcpdump -i any`, mirror ports), so the hole gets a grace of GRACE_SEGMENTS
        segments of the stream before it is reported as a gap.
        """
        assert half.nxt is not None
        if not 0 < _delta(ack, half.nxt) <= MAX_JUMP:
            return
        if half.hole_ack is None:
            half.hole_ack, half.grace = ack, GRACE_SEGMENTS
        elif 0 < _delta(ack, half.hole_ack) <= MAX_JUMP:
            half.hole_ack = ack

    def _count_grace(
        self, conn: _Connection, d: int, half: _Direction, frame: int, time: float | None, events: list[Event]
    ) -> None:
        ack = half.hole_ack
        assert ack is not None and half.nxt is not None
        if not (half.pending or half.fin is not None) or not 0 < _delta(ack, half.nxt) <= MAX_JUMP:
            half.hole_ack, half.grace = None, 0  # the hole was filled in time
            return
        half.grace -= 1
        if half.grace <= 0:
            half.hole_ack, half.grace = None, 0
            self._acknowledged(conn, d, half, ack, frame, time, events)

    def drop(self, stream: int) -> None:
        """Stop reassembling `stream` (found not to be CMP); its index stays reserved."""
        conn = self._tracked.pop(stream, None)
        if conn is not None:
            conn.dirs = None

    def finish(self) -> list[Event]:
        """End of capture: give up on every hole, then close every stream still open."""
        events: list[Event] = []
        for conn in list(self._tracked.values()):  # in stream order: inserted when opened
            self._end(conn, "end", conn.last_frame, conn.last_time, events)
        return events

    def _open(
        self, ip: IpPacket, seg: TcpSegment, frame: int, time: float | None, events: list[Event]
    ) -> _Connection:
        """New stream. Client: the SYN sender, the SYN-ACK receiver, else the higher port."""
        src, sport, dst, dport = ip.src, seg.src_port, ip.dst, seg.dst_port
        syn_ack = seg.flags & (SYN | ACK)
        if syn_ack == SYN or (not seg.flags & SYN and sport >= dport):
            client, server = (src, sport), (dst, dport)
        else:
            client, server = (dst, dport), (src, sport)
        conn = _Connection(self._next_stream, client[0], client[1])
        self._next_stream += 1
        self._table[(src, sport, dst, dport)] = conn
        self._table[(dst, dport, src, sport)] = conn
        self._tracked[conn.stream] = conn
        events.append(
            StreamOpened(
                conn.stream,
                endpoint(client[0], client[1], ip.version),
                endpoint(server[0], server[1], ip.version),
                frame,
                time,
                bool(seg.flags & SYN),
            )
        )
        return conn

    def _data(
        self,
        conn: _Connection,
        d: int,
        half: _Direction,
        start: int,
        payload: bytes,
        frame: int,
        time: float | None,
        events: list[Event],
    ) -> None:
        nxt = half.nxt
        assert nxt is not None
        if start == nxt and not half.pending:  # the common case: next in order, nothing buffered
            half.nxt = (nxt + len(payload)) & _MASK
            half.offset += len(payload)
            events.append(StreamData(conn.stream, d, payload, frame, time))
            if half.fin is not None and _delta(half.nxt, half.fin) >= 0:
                self._close_direction(conn, d, half, frame, time, events)
            return
        ahead = _delta(start, nxt)
        if ahead <= 0:
            if -ahead >= len(payload):
                return  # retransmission of bytes already delivered
            chunk = payload[-ahead:] if ahead else payload
            half.nxt = (nxt + len(chunk)) & _MASK
            half.offset += len(chunk)
            self._deliver(conn, d, half, [chunk], frame, time, events)
        elif ahead <= MAX_JUMP:
            known = half.pending.get(start)
            if known is None:
                half.pending[start] = payload
                half.pending_bytes += len(payload)
                heapq.heappush(half.order, (half.offset + ahead, start))
            elif len(payload) > len(known):  # the first copy keeps the bytes both carry
                half.pending[start] = known + payload[len(known) :]
                half.pending_bytes += len(payload) - len(known)
            while half.pending_bytes > self.max_buffer or len(half.pending) > MAX_PENDING_SEGMENTS:
                if not self._skip_hole(conn, d, half, None, frame, time, events):
                    break

    def _deliver(
        self,
        conn: _Connection,
        d: int,
        half: _Direction,
        chunks: list[bytes],
        frame: int,
        time: float | None,
        events: list[Event],
    ) -> None:
        """Emit `chunks` (already in order, nxt advanced) plus whatever buffered data now follows,
        as one StreamData; close the direction if its FIN is reached.

        Buffered segments come off the heap in stream order: of two overlapping from different
        starts, the one starting first delivers the bytes both carry; one wholly behind is dropped.
        """
        pending, order = half.pending, half.order
        while order and order[0][0] <= half.offset:
            at, seq = heapq.heappop(order)
            buf = pending.pop(seq)
            half.pending_bytes -= len(buf)
            behind = half.offset - at
            if behind >= len(buf):
                continue
            data = buf[behind:]
            chunks.append(data)
            assert half.nxt is not None
            half.nxt = (half.nxt + len(data)) & _MASK
            half.offset += len(data)
        if chunks:
            data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            events.append(StreamData(conn.stream, d, data, frame, time))
        if half.fin is not None and _delta(half.nxt, half.fin) >= 0:
            self._close_direction(conn, d, half, frame, time, events)

    def _next_known(self, half: _Direction) -> int | None:
        """Sequence number of the nearest buffered segment or pending FIN beyond the hole."""
        assert half.nxt is not None
        best = half.fin
        if half.order and (best is None or half.order[0][0] - half.offset < _delta(best, half.nxt)):
            best = half.order[0][1]
        return best

    def _skip_hole(
        self,
        conn: _Connection,
        d: int,
        half: _Direction,
        limit: int | None,
        frame: int,
        time: float | None,
        events: list[Event],
    ) -> bool:
        """Report the hole before the next buffered bytes (but not past `limit`) as a gap and
        deliver what follows. Return False if there was no hole to skip."""
        assert half.nxt is not None
        target = self._next_known(half)
        if target is None:
            return False
        if limit is not None and _delta(limit, target) < 0:
            target = limit
        size = _delta(target, half.nxt)
        if size <= 0:
            return False
        events.append(StreamGap(conn.stream, d, size, frame, time))
        half.nxt = target
        half.offset += size
        self._deliver(conn, d, half, [], frame, time, events)
        return True

    def _acknowledged(
        self,
        conn: _Connection,
        d: int,
        half: _Direction,
        ack: int,
        frame: int,
        time: float | None,
        events: list[Event],
    ) -> None:
        """The receiver of direction `d` acknowledged up to `ack`: bytes before it that the
        capture lacks will never be retransmitted, so stop waiting for them."""
        assert half.nxt is not None
        while (half.pending or half.fin is not None) and 0 < _delta(ack, half.nxt) <= MAX_JUMP:
            if not self._skip_hole(conn, d, half, ack, frame, time, events):
                break

    def _close_direction(
        self, conn: _Connection, d: int, half: _Direction, frame: int, time: float | None, events: list[Event]
    ) -> None:
        assert half.nxt is not None
        half.nxt = ((half.nxt if half.fin is None else half.fin) + 1) & _MASK  # the FIN's number
        half.fin = None
        half.closed = True
        half.pending.clear()
        half.order.clear()
        half.pending_bytes = 0
        events.append(StreamClosed(conn.stream, d, "fin", frame, time))
        assert conn.dirs is not None
        if conn.dirs[1 - d].closed:
            events.append(StreamClosed(conn.stream, None, "fin", frame, time))
            self._forget(conn)

    def _end(
        self, conn: _Connection, reason: str, frame: int, time: float | None, events: list[Event]
    ) -> None:
        """Close the whole stream: holes become gaps, buffered data and pending FINs are delivered."""
        assert conn.dirs is not None
        for d, half in enumerate(conn.dirs):
            while half.nxt is not None and (half.pending or half.fin is not None):
                if not self._skip_hole(conn, d, half, None, frame, time, events):
                    break
                if conn.dirs is None:  # both FINs reached: the stream closed itself
                    return
        events.append(StreamClosed(conn.stream, None, reason, frame, time))
        self._forget(conn)

    def _forget(self, conn: _Connection) -> None:
        conn.dirs = None
        self._tracked.pop(conn.stream, None)
