"""Synthesized captures for the end-to-end harness and the hostile-input tests: Ethernet, IPv4,
TCP, written as classic pcap bytes with `struct` (no scapy on the fuzzing path)."""

from __future__ import annotations

import struct

_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
SYN, FIN, ACK, PSH = 0x02, 0x01, 0x10, 0x08


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def frame(src: tuple[str, int], dst: tuple[str, int], seq: int, ack: int, flags: int, payload: bytes = b"") -> bytes:
    """One Ethernet/IPv4/TCP frame from `src` to `dst` (addresses dotted, ports as ints)."""
    tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
    saddr = bytes(int(x) for x in src[0].split("."))
    daddr = bytes(int(x) for x in dst[0].split("."))
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0x4000, 64, 6, 0, saddr, daddr)
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip + tcp + payload


def pcap(frames: list[bytes], start: float = 1767225600.0) -> bytes:
    out = [_HEADER]
    for n, data in enumerate(frames):
        t = start + n * 0.001
        sec = int(t)
        out.append(struct.pack("<IIII", sec, round((t - sec) * 1e6), len(data), len(data)) + data)
    return b"".join(out)


def conversation(requests: list[bytes], responses: list[bytes] | None = None, mss: int = 1448,
                 client: tuple[str, int] = ("10.0.0.1", 40000), server: tuple[str, int] = ("10.0.0.2", 829)) -> list[bytes]:
    """A whole TCP connection: handshake, each request (then its response) in MSS-sized segments, FIN."""
    c, s = 1000, 5000
    frames = [frame(client, server, c, 0, SYN), frame(server, client, s, c + 1, SYN | ACK),
              frame(client, server, c + 1, s + 1, ACK)]
    c, s = c + 1, s + 1
    responses = responses or []
    for i, request in enumerate(requests):
        for at in range(0, len(request), mss):
            piece = request[at : at + mss]
            frames.append(frame(client, server, c, s, PSH | ACK, piece))
            c += len(piece)
        frames.append(frame(server, client, s, c, ACK))
        if i < len(responses):
            for at in range(0, len(responses[i]), mss):
                piece = responses[i][at : at + mss]
                frames.append(frame(server, client, s, c, PSH | ACK, piece))
                s += len(piece)
            frames.append(frame(client, server, c, s, ACK))
    frames += [frame(client, server, c, s, FIN | ACK), frame(server, client, s, c + 1, FIN | ACK),
               frame(client, server, c + 1, s + 1, ACK)]
    return frames
