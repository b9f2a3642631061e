"""What every harness shares: a cursor over the fuzz bytes, the rules, the seed sources.

The rules of issue 11: no exception out of the public API (a harness lets it propagate, the
driver records it), every input within TIME_LIMIT seconds (measured by the driver, not killed),
and a malformed unit reported with the byte offset where it broke (`has_offset`).
"""

from __future__ import annotations

import random
import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = ROOT / "captures"
DATA_DIRS = (ROOT / "tests" / "asn1" / "data", ROOT / "tests" / "protection" / "data", CAPTURES / "messages")
TIME_LIMIT = 2.0  # seconds one input may take
_OFFSET = re.compile(r"offset \d+")


class RuleBroken(AssertionError):
    """An invariant a harness checks does not hold for this input."""


def require(condition: object, message: str) -> None:
    if not condition:
        raise RuleBroken(message)


def has_offset(error: str | None) -> bool:
    """Whether an error text says where the bytes broke (`offset N`)."""
    return error is None or _OFFSET.search(error) is not None


class Cursor:
    """Reads numbers and slices off the front of fuzz bytes; past the end everything is 0/empty,
    so every input, however short, is a valid script."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def uint(self, size: int) -> int:
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return int.from_bytes(chunk, "big")

    def take(self, size: int) -> bytes:
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def rest(self) -> bytes:
        chunk = self.data[self.pos :]
        self.pos = len(self.data)
        return chunk

    @property
    def left(self) -> int:
        return max(0, len(self.data) - self.pos)


def capture_files() -> list[Path]:
    return sorted(p for p in CAPTURES.iterdir() if p.suffix in (".pcap", ".pcapng"))


def messages() -> list[bytes]:
    """Every DER PKIMessage kept as test data, smallest first."""
    found = {p.read_bytes() for d in DATA_DIRS if d.is_dir() for p in d.glob("*.der")}
    return sorted(found, key=len)


def stream_pairs() -> Iterator[tuple[bytes, bytes]]:
    """(client bytes, server bytes) of every TCP stream of the sample captures, as reassembled."""
    from cmpdissect.net.packet import decode_packet
    from cmpdissect.net.reassembly import StreamData, TcpReassembler
    from cmpdissect.net.tcp import TcpSegment
    from cmpdissect.sources.capture import Packet, read_capture

    for path in capture_files():
        streams: dict[int, list[bytearray]] = {}
        reassembler = TcpReassembler()
        for record in read_capture(path):
            if not isinstance(record, Packet):
                continue
            decoded = decode_packet(record.linktype, record.data)
            if decoded is None or not isinstance(decoded[1], TcpSegment):
                continue
            for event in reassembler.feed(record.frame, record.time, *decoded):
                if isinstance(event, StreamData):
                    streams.setdefault(event.stream, [bytearray(), bytearray()])[event.direction] += event.data
        for client, server in streams.values():
            if client or server:
                yield bytes(client), bytes(server)


def stream_script(data: bytes) -> tuple[bytes, bytes, random.Random]:
    """Split fuzz bytes into two directions and a deterministic chooser of segment sizes and gaps.

    Layout: 2 bytes length of the client part, 4 bytes chooser seed, then client and server bytes.
    """
    cur = Cursor(data)
    n0 = cur.uint(2)
    seed = cur.uint(4)
    body = cur.rest()
    n0 = min(n0, len(body))
    return body[:n0], body[n0:], random.Random(seed)


def encode_streams(client: bytes, server: bytes, seed: int) -> bytes:
    """The inverse of `stream_script` (client parts over 65535 bytes are cut)."""
    client = client[:0xFFFF]
    return len(client).to_bytes(2, "big") + seed.to_bytes(4, "big") + client + server


def segments(rng: random.Random, data: bytes) -> Iterator[tuple[bytes, bool]]:
    """Cut `data` into pieces of hostile sizes; True marks a piece the capture 'lost' (a gap)."""
    pos = 0
    while pos < len(data):
        kind = rng.random()
        size = 1 if kind < 0.2 else rng.randint(1, 16) if kind < 0.5 else rng.randint(1, 1500) if kind < 0.9 else len(data)
        yield data[pos : pos + size], rng.random() < 0.02
        pos += size


def stream_ops(data: bytes) -> Iterator[tuple[int, bytes, bool]]:
    """(direction, bytes, lost) in an interleaving of both directions the fuzz bytes choose."""
    client, server, rng = stream_script(data)
    pieces = [deque(segments(rng, client)), deque(segments(rng, server))]
    while pieces[0] or pieces[1]:
        d = 0 if not pieces[1] else 1 if not pieces[0] else rng.randrange(2)
        chunk, lost = pieces[d].popleft()
        yield d, chunk, lost
