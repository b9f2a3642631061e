"""TCP reassembly (`net.reassembly.TcpReassembler`): orders, overlaps, duplicates, gaps, jumps.

Byte 0 picks the mode. Even: one client stream whose segments are cut, duplicated, overlapped,
dropped and reordered as the fuzz bytes say, with the receiver's ACKs optionally thrown in; the
rule is that every byte delivered equals the original at its stream offset (gaps counted), and
that without drops or early ACKs the whole stream comes out. Odd: raw segments of any flags,
sequence numbers and lengths on a few 4-tuples; the rule is the event contract (each stream
opened once and, unless dropped, closed exactly once as a whole).
"""

from __future__ import annotations

from cmpdissect.net.ip import IpPacket
from cmpdissect.net.reassembly import StreamClosed, StreamData, StreamGap, StreamOpened, TcpReassembler
from cmpdissect.net.tcp import ACK, FIN, SYN, TcpSegment
from fuzz.harness import Cursor, messages, require, segments, stream_pairs, stream_script

CLIENT, SERVER = IpPacket(4, "10.0.0.1", "10.0.0.2", 6, b""), IpPacket(4, "10.0.0.2", "10.0.0.1", 6, b"")
_MASK = 0xFFFFFFFF


def one_input(data: bytes) -> None:
    if data[:1] and data[0] & 1:
        _raw(data[1:])
    else:
        _ordered(data[1:])


def _ordered(data: bytes) -> None:
    original, isn_bytes, rng = stream_script(data)
    isn = int.from_bytes(isn_bytes[:4].ljust(4, b"\0"), "big") if rng.random() < 0.5 else _MASK - rng.randrange(64)
    s_isn = 7000
    packets: list[tuple[IpPacket, TcpSegment]] = []
    dropped = early_acks = False
    pos = 0
    for piece, lost in segments(rng, original):
        seq = (isn + 1 + pos) & _MASK
        chunk = piece
        if rng.random() < 0.1:  # overlap into the next piece, with the same bytes
            chunk = original[pos : pos + len(piece) + rng.randint(1, 64)]
        if lost:
            dropped = True
        else:
            packets.append((CLIENT, TcpSegment(40000, 829, seq, s_isn + 1, ACK, 512, chunk)))
            if rng.random() < 0.1:
                packets.append((CLIENT, TcpSegment(40000, 829, seq, s_isn + 1, ACK, 512, chunk)))
        pos += len(piece)
        if rng.random() < 0.05:
            early_acks = True
            ack = (isn + 1 + rng.randrange(len(original) + 1)) & _MASK
            packets.append((SERVER, TcpSegment(829, 40000, s_isn + 1, ack, ACK, 512, b"")))
    window = rng.choice((0, 2, 8, len(packets)))
    if window:
        for i in range(len(packets)):
            j = min(len(packets) - 1, i + rng.randrange(window))
            packets[i], packets[j] = packets[j], packets[i]
    head = [
        (CLIENT, TcpSegment(40000, 829, isn, 0, SYN, 512, b"")),
        (SERVER, TcpSegment(829, 40000, s_isn, (isn + 1) & _MASK, SYN | ACK, 512, b"")),
    ]
    tail = [(CLIENT, TcpSegment(40000, 829, (isn + 1 + len(original)) & _MASK, s_isn + 1, FIN | ACK, 512, b""))]
    reassembler = TcpReassembler()
    events = []
    for frame, (ip, seg) in enumerate(head + packets + tail, 1):
        events += reassembler.feed(frame, None, ip, seg)
    events += reassembler.finish()
    at = 0
    gaps = 0
    for event in events:
        if isinstance(event, StreamData) and event.direction == 0:
            require(original[at : at + len(event.data)] == event.data, f"wrong bytes delivered at stream offset {at}")
            at += len(event.data)
        elif isinstance(event, StreamGap) and event.direction == 0:
            require(event.size > 0, "empty gap")
            at += event.size
            gaps += 1
    require(at <= len(original), f"{at} bytes delivered or skipped of a {len(original)}-byte stream")
    if not dropped and not early_acks:
        require(at == len(original) and not gaps, f"complete stream delivered as {at} bytes with {gaps} gaps")


def _raw(data: bytes) -> None:
    cur = Cursor(data)
    reassembler = TcpReassembler(max_buffer=1 << cur.uint(1) % 24)
    events = []
    frame = 0
    while cur.left:
        frame += 1
        control = cur.uint(1)
        flags = cur.uint(1)
        seq, ack = cur.uint(4), cur.uint(4)
        payload = cur.take(cur.uint(1))
        port = 40000 + (control & 3)
        if control & 4:
            ip, seg = SERVER, TcpSegment(829, port, seq, ack, flags, 512, payload)
        else:
            ip, seg = CLIENT, TcpSegment(port, 829, seq, ack, flags, 512, payload)
        events += reassembler.feed(frame, None, ip, seg)
    events += reassembler.finish()
    opened = [e.stream for e in events if isinstance(e, StreamOpened)]
    closed = [e.stream for e in events if isinstance(e, StreamClosed) and e.direction is None]
    require(len(set(opened)) == len(opened), "a stream opened twice")
    require(sorted(closed) == sorted(opened), f"streams opened {opened} but closed {closed}")
    for e in events:
        if isinstance(e, StreamData):
            require(e.data, "empty StreamData")


def seeds() -> list[bytes]:
    out = []
    for n, (client, _server) in enumerate(stream_pairs()):
        out.append(b"\0" + len(client[:0xFFFF]).to_bytes(2, "big") + n.to_bytes(4, "big") + client[:0xFFFF])
    for der in messages()[:4]:
        out.append(b"\0" + len(der).to_bytes(2, "big") + b"\0\0\0\1" + der)
    raw = bytearray(b"\1\0")
    for i, (flags, seq, ack, payload) in enumerate([(SYN, 1000, 0, b""), (SYN | ACK, 5000, 1001, b""),
                                                    (ACK, 1001, 5001, b"hello"), (ACK, 1010, 5001, b"late"),
                                                    (ACK, 1006, 5001, b"wor"), (FIN | ACK, 1014, 5001, b"")]):
        raw += bytes([4 if i == 1 else 0, flags]) + seq.to_bytes(4, "big") + ack.to_bytes(4, "big")
        raw += bytes([len(payload)]) + payload
    out.append(bytes(raw))
    return out
