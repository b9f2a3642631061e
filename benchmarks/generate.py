"""Large mixed captures for the benchmark: real CMP flows among ordinary background traffic.

CMP: copies of the real OpenSSL flows in `captures/` (plain ones, polling, errors, rejections, a
large response, a keep-alive connection with two transactions, TCP-Messaging v10). Each copy gets
its own client address and port, server address, initial sequence numbers, and its own
transactionID and nonces: every 16-byte identifier of the flow is replaced in place in the
direction's byte stream (so identifiers split across segments are found too), lengths stay the
same and the HTTP Content-Length and DER stay valid. Signatures and MACs no longer verify, which is
only seen with credentials.

Background: HTTP/1.1 GETs with bodies (some keep-alive), TLS 1.3 and 1.2 (copies of the real
handshakes in `captures/`), DNS, SSH-like and other TCP, NTP and other UDP.

Records are written with `struct` straight to the file (Ethernet, IPv4 with its checksum, TCP
without options and with checksum 0, as with checksum offload), in time order from a heap of
concurrent flows. A 1M-packet file takes about a minute and is ~600 MB.

    python -m benchmarks.generate --packets 1000000 --out benchmarks/data/mixed-1m.pcap
"""

from __future__ import annotations

import argparse
import heapq
import random
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cmpdissect.model import Unit
from cmpdissect.net.packet import decode_packet
from cmpdissect.net.tcp import ACK, FIN, PSH, SYN, TcpSegment
from cmpdissect.pipeline import Pipeline, read_units
from cmpdissect.sources.capture import Packet, read_capture

CAPTURES = Path(__file__).resolve().parent.parent / "captures"
# (capture, weight): how often each real flow is copied, relative to the others
CMP_FLOWS = (
    ("http-ir-pbm", 6), ("http-ir-sig", 4), ("http-cr", 3), ("http-kur", 2), ("http-p10cr", 2),
    ("http-rr", 2), ("http-genm", 2), ("http-polling", 3), ("http-keepalive", 2), ("http-error", 2),
    ("http-rejection", 2), ("http-implicit-confirm", 2), ("http-wrong-secret", 1),
    ("http-large-response", 1), ("tcp-v10-polling", 1),
)
TLS_FLOWS = ("https-ir", "https-ir-tls12")
CMP_SHARE = 0.05  # of all packets
MSS = 1448
EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z

_PCAP_HEADER = struct.Struct("<IHHiIII").pack(0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
_RECORD = struct.Struct("<IIII")
# Ethernet (dst, src, type), IPv4 (ver/ihl, tos, total, id, frag, ttl, proto, checksum, src, dst)
_ETH_IP = struct.Struct("!6s6sHBBHHHBBH4s4s")
_IP_WORDS = struct.Struct("!10H")
_TCP = struct.Struct("!HHIIBBHHH")
_UDP = struct.Struct("!HHHH")
_MAC_C, _MAC_S = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


@dataclass(slots=True)
class Seg:
    """One packet of a flow template: time offset, direction (0 client), TCP flags or -1 for UDP,
    sequence/ack offsets from the ISNs, and the payload."""

    dt: float
    direction: int
    flags: int
    seq: int
    ack: int
    payload: bytes
    stream: int = 0


@dataclass(slots=True)
class Template:
    name: str
    server_port: int
    segments: list[Seg]
    identifiers: list[bytes]  # 16-byte transactionIDs and nonces, replaced per copy
    streams: int


def load_template(name: str, identifiers: bool = True) -> Template:
    """A real flow as direction-relative segments; its 16-byte identifiers found via the pipeline."""
    path = CAPTURES / f"{name}.pcap"
    segs: list[Seg] = []
    conns: dict[tuple, tuple[int, tuple, list[int]]] = {}  # 4-tuple -> (stream, client, ISNs)
    start = None
    server_port = 0
    for rec in read_capture(path):
        if not isinstance(rec, Packet):
            continue
        decoded = decode_packet(rec.linktype, rec.data)
        if decoded is None or not isinstance(decoded[1], TcpSegment):
            continue
        ip, tcp = decoded
        start = rec.time if start is None else start
        key = (ip.src, tcp.src_port, ip.dst, tcp.dst_port)
        rkey = (ip.dst, tcp.dst_port, ip.src, tcp.src_port)
        if key not in conns and rkey not in conns:
            conns[key] = (len(conns), (ip.src, tcp.src_port), [-1, -1])
            server_port = tcp.dst_port
        stream, client, isns = conns.get(key) or conns[rkey]
        d = 0 if (ip.src, tcp.src_port) == client else 1
        if isns[d] < 0:
            isns[d] = tcp.seq
        ack = (tcp.ack - isns[1 - d]) & 0xFFFFFFFF if isns[1 - d] >= 0 and tcp.flags & ACK else 0
        segs.append(Seg(rec.time - start, d, tcp.flags, (tcp.seq - isns[d]) & 0xFFFFFFFF, ack, tcp.payload, stream))
    ids: list[bytes] = []
    for unit in read_units(path, Pipeline()) if identifiers else ():
        msg = unit.message if isinstance(unit, Unit) else None
        for value in (msg.transaction_id, msg.sender_nonce, msg.recip_nonce) if msg else ():
            if value and len(value) == 16 and value not in ids:
                ids.append(value)
    return Template(name, server_port, segs, ids, len(conns))


def tls_template(name: str) -> Template:
    """A real TLS connection, kept as background: its CMP is encrypted, no dissector sees it."""
    return load_template(name, identifiers=False)


def _rewrite(t: Template, rng: random.Random) -> list[bytes]:
    """The template's payloads with every identifier replaced by a fresh random one (same length),
    across segment boundaries: each direction's stream is joined, replaced, and cut again."""
    if not t.identifiers:
        return [s.payload for s in t.segments]
    mapping = {old: rng.randbytes(16) for old in t.identifiers}
    out: list[bytes] = [s.payload for s in t.segments]
    for stream in range(t.streams):
        for d in (0, 1):
            spans = [(i, s.seq - 1, s.payload) for i, s in enumerate(t.segments)
                     if s.stream == stream and s.direction == d and s.payload]
            data = bytearray(max((at + len(p) for _, at, p in spans), default=0))
            for _, at, payload in reversed(spans):  # the first copy of retransmitted bytes wins
                data[at:at + len(payload)] = payload
            blob = bytes(data)
            for old, new in mapping.items():
                blob = blob.replace(b"\x04\x10" + old, b"\x04\x10" + new)
            for i, at, payload in spans:
                out[i] = blob[at:at + len(payload)]
    return out


class Writer:
    """Streams pcap records with struct; IPv4 + TCP/UDP over Ethernet."""

    def __init__(self, path: Path) -> None:
        self.f = open(path, "wb", buffering=4 << 20)  # noqa: SIM115 -- closed by close()
        self.f.write(_PCAP_HEADER)
        self.count = 0
        self.ip_id = 0

    def packet(self, t: float, src: bytes, dst: bytes, proto: int, transport: bytes) -> None:
        self.ip_id = (self.ip_id + 1) & 0xFFFF
        total = 20 + len(transport)
        head = bytearray(_ETH_IP.pack(_MAC_C, _MAC_S, 0x0800, 0x45, 0, total, self.ip_id, 0x4000, 64, proto, 0,
                                      src, dst))
        s = sum(_IP_WORDS.unpack_from(head, 14))
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        struct.pack_into("!H", head, 24, ~s & 0xFFFF)
        size = len(head) + len(transport)
        sec = int(t)
        self.f.write(_RECORD.pack(sec, int((t - sec) * 1e6), size, size))
        self.f.write(head)
        self.f.write(transport)
        self.count += 1

    def close(self) -> None:
        self.f.close()


def _tcp(sport: int, dport: int, seq: int, ack: int, flags: int, payload: bytes) -> bytes:
    return _TCP.pack(sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags, 65535, 0, 0) + payload


# A flow yields (time offset, direction, flags or -1 for UDP, payload); the driver assigns addresses.
Flow = Iterator[tuple[float, int, int, int, int, bytes, int]]


def replay(t: Template, payloads: list[bytes]) -> Flow:
    for s, payload in zip(t.segments, payloads, strict=True):
        yield s.dt, s.direction, s.flags, s.seq, s.ack, payload, s.stream


def _tcp_exchange(rng: random.Random, chunks: list[tuple[int, bytes]], gap: float = 0.0004) -> Flow:
    """A TCP conversation: handshake, the (direction, bytes) chunks cut into MSS segments with an ACK
    every two segments, FIN from the client, FIN/ACK from the server."""
    t = 0.0
    seq = [1, 1]
    yield t, 0, SYN, 0, 0, b"", 0
    t += gap
    yield t, 1, SYN | ACK, 0, 1, b"", 0
    t += gap
    yield t, 0, ACK, 1, 1, b"", 0
    for d, data in chunks:
        for n, at in enumerate(range(0, len(data), MSS)):
            part = data[at:at + MSS]
            t += gap * rng.random()
            yield t, d, PSH | ACK, seq[d], seq[1 - d], part, 0
            seq[d] += len(part)
            if n % 2 == 1:
                t += gap * 0.1
                yield t, 1 - d, ACK, seq[1 - d], seq[d], b"", 0
        t += gap
        yield t, 1 - d, ACK, seq[1 - d], seq[d], b"", 0
    t += gap
    yield t, 0, FIN | ACK, seq[0], seq[1], b"", 0
    t += gap
    yield t, 1, FIN | ACK, seq[1], seq[0] + 1, b"", 0
    t += gap
    yield t, 0, ACK, seq[0] + 1, seq[1] + 1, b"", 0


_WORDS = b"lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor".split()


def http_get(rng: random.Random) -> Flow:
    chunks = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        path = b"/" + b"/".join(rng.choices(_WORDS, k=3)) + b".html"
        chunks.append((0, b"GET " + path + b" HTTP/1.1\r\nHost: www.lab.example\r\nUser-Agent: bench/1\r\n"
                          b"Accept: */*\r\n\r\n"))
        body = b" ".join(rng.choices(_WORDS, k=rng.randint(100, 6000)))
        chunks.append((1, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n"
                          % len(body) + body))
    return _tcp_exchange(rng, chunks)


def other_tcp(rng: random.Random) -> Flow:
    if rng.random() < 0.5:
        chunks = [(1, b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), (0, b"SSH-2.0-OpenSSH_9.6\r\n")]
        chunks += [(rng.randint(0, 1), rng.randbytes(rng.randint(40, 3000))) for _ in range(rng.randint(2, 12))]
    else:  # a binary database-like protocol
        chunks = [(n % 2, b"Q\x00\x00" + rng.randbytes(rng.randint(20, 2500))) for n in range(rng.randint(2, 10))]
    return _tcp_exchange(rng, chunks)


def dns(rng: random.Random) -> Flow:
    qid = rng.randbytes(2)
    name = b"".join(bytes([len(w)]) + w for w in rng.choices(_WORDS, k=2)) + b"\x07example\x00"
    query = qid + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + name + b"\x00\x01\x00\x01"
    answer = qid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + name + b"\x00\x01\x00\x01" \
        + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04" + rng.randbytes(4)
    yield 0.0, 0, -1, 0, 0, query, 0
    yield 0.0008, 1, -1, 0, 0, answer, 0


def other_udp(rng: random.Random) -> Flow:
    t = 0.0
    for _ in range(rng.randint(1, 6)):
        yield t, rng.randint(0, 1), -1, 0, 0, rng.randbytes(rng.randint(30, 1200)), 0
        t += 0.01 * rng.random()


class Mix:
    """Chooses flows so that about CMP_SHARE of the packets are CMP, and gives each its endpoints."""

    def __init__(self, rng: random.Random, cmp_flows: tuple[tuple[str, int], ...] = CMP_FLOWS) -> None:
        self.rng = rng
        self.cmp = [(load_template(name), w) for name, w in cmp_flows]
        self.tls = [tls_template(name) for name in TLS_FLOWS]
        self.cmp_packets = 0
        self.total = 0
        self.host = 0

    def addresses(self) -> tuple[bytes, bytes]:
        self.host += 1
        client = bytes((10, 1 + (self.host >> 16) % 200, (self.host >> 8) & 0xFF, self.host & 0xFF or 1))
        server = bytes((192, 168, self.rng.randint(0, 3), self.rng.randint(1, 40)))
        return client, server

    def next_flow(self) -> tuple[Flow, int, bool]:
        """(flow, server port, is CMP)."""
        rng = self.rng
        if self.cmp_packets <= CMP_SHARE * self.total:
            templates, weights = zip(*self.cmp, strict=True)
            t = rng.choices(templates, weights)[0]
            return replay(t, _rewrite(t, rng)), t.server_port, True
        r = rng.random()
        if r < 0.45:
            return http_get(rng), 80, False
        if r < 0.55:
            t = rng.choice(self.tls)
            return replay(t, _rewrite(t, rng)), 443, False
        if r < 0.80:
            return dns(rng), 53, False
        if r < 0.92:
            return other_tcp(rng), rng.choice((22, 5432, 3306, 6379)), False
        return other_udp(rng), rng.choice((123, 514, 4789, 40000)), False


def generate(out: Path, packets: int, seed: int = 1, concurrent: int = 64,
             cmp_flows: tuple[tuple[str, int], ...] = CMP_FLOWS) -> int:
    """Write a capture of `packets` packets to `out`; return how many were written."""
    rng = random.Random(seed)
    mix = Mix(rng, cmp_flows)
    w = Writer(out)
    heap: list[tuple[float, int, Iterator, tuple]] = []
    order = 0
    now = float(EPOCH)

    def start(at: float) -> None:
        nonlocal order
        flow, sport, is_cmp = mix.next_flow()
        client, server = mix.addresses()
        ports = [rng.randint(32768, 60999) for _ in range(4)]
        isn = [rng.getrandbits(32) for _ in range(8)]
        first = next(flow)
        order += 1
        heapq.heappush(heap, (at + first[0], order, flow, (at, client, server, sport, ports, isn, is_cmp, first)))

    for n in range(concurrent):
        start(now + n * 0.001)
    while heap and w.count < packets:
        t, _, flow, state = heapq.heappop(heap)
        at, client, server, sport, ports, isn, is_cmp, (_, d, flags, seq, ack, payload, stream) = state
        cport = ports[stream % 4]
        src, dst = (client, server) if d == 0 else (server, client)
        sp, dp = (cport, sport) if d == 0 else (sport, cport)
        if flags < 0:
            w.packet(t, src, dst, 17, _UDP.pack(sp, dp, 8 + len(payload), 0) + payload)
        else:
            base = isn[2 * (stream % 4) + d]
            peer = isn[2 * (stream % 4) + 1 - d]
            w.packet(t, src, dst, 6, _tcp(sp, dp, base + seq, peer + ack if flags & ACK else 0, flags, payload))
        mix.total += 1
        mix.cmp_packets += is_cmp
        nxt = next(flow, None)
        if nxt is None:
            start(t + 0.002 * rng.random())
        else:
            order += 1
            heapq.heappush(heap, (at + nxt[0], order, flow, (at, client, server, sport, ports, isn, is_cmp, nxt)))
    w.close()
    return w.count


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--packets", type=int, default=100_000)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=1)
    ns = p.parse_args(argv)
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    count = generate(ns.out, ns.packets, ns.seed)
    print(f"{ns.out}: {count} packets, {ns.out.stat().st_size / 1e6:.0f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
