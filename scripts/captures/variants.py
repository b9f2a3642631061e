"""Damaged captures and other file formats and link types, all derived from the real captures.

File formats are written with ``struct`` so every variant is byte-exact and needs no extra tool:
classic pcap in either byte order and with micro- or nanosecond stamps (magic a1b2c3d4 / a1b23c4d),
and pcapng (section header, one interface description block per interface, enhanced packet blocks).
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass
from pathlib import Path

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.utils import RawPcapReader

LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2 = 0, 1, 276


@dataclass(frozen=True, slots=True)
class Record:
    """One captured packet: timestamp in nanoseconds and the link-layer bytes."""

    ns: int
    data: bytes


def read_pcap(path: Path) -> tuple[int, list[Record]]:
    """Link type and records of a classic pcap (microsecond stamps, as tcpdump writes)."""
    reader = RawPcapReader(str(path))
    linktype = reader.linktype
    records = [Record((meta.sec * 1_000_000 + meta.usec) * 1000, data) for data, meta in reader]
    reader.close()
    return linktype, records


def write_pcap(path: Path, linktype: int, records: list[Record], *, big_endian: bool = False,
               nanosecond: bool = False) -> None:
    """Classic pcap; the byte order applies to the file header and every record header."""
    order = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nanosecond else 0xA1B2C3D4
    parts = [struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 262144, linktype)]
    for rec in records:
        sec, frac = divmod(rec.ns, 1_000_000_000)
        frac = frac if nanosecond else frac // 1000
        parts.append(struct.pack(order + "IIII", sec, frac, len(rec.data), len(rec.data)) + rec.data)
    path.write_bytes(b"".join(parts))


def _option(code: int, value: bytes) -> bytes:
    pad = -len(value) % 4
    return struct.pack("<HH", code, len(value)) + value + b"\0" * pad


def _block(block_type: int, body: bytes) -> bytes:
    total = 12 + len(body)
    return struct.pack("<II", block_type, total) + body + struct.pack("<I", total)


def write_pcapng(path: Path, interfaces: list[tuple[int, str]], packets: list[tuple[int, Record]]) -> None:
    """pcapng with one IDB per ``(linktype, name)`` and an EPB per ``(interface index, record)``."""
    end = _option(0, b"")
    shb = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
                 + _option(4, b"cmpdissect scripts.captures") + end)
    idbs = [_block(1, struct.pack("<HHI", lt, 0, 262144) + _option(2, name.encode()) + end)
            for lt, name in interfaces]
    epbs = []
    for iface, rec in packets:
        usec = rec.ns // 1000
        pad = -len(rec.data) % 4
        epbs.append(_block(6, struct.pack("<IIIII", iface, usec >> 32, usec & 0xFFFFFFFF, len(rec.data),
                                          len(rec.data)) + rec.data + b"\0" * pad))
    path.write_bytes(shb + b"".join(idbs) + b"".join(epbs))


def _tcp(rec: Record) -> TCP | None:
    pkt = Ether(rec.data)
    return pkt[TCP] if TCP in pkt else None


def _rebuild(pkt: Ether) -> bytes:
    del pkt[IP].len, pkt[IP].chksum, pkt[TCP].chksum
    return bytes(pkt)


def _data_indices(records: list[Record], sport: int) -> list[int]:
    return [i for i, r in enumerate(records)
            if (t := _tcp(r)) is not None and t.sport == sport and len(t.payload) > 0]


def lost_segment(records: list[Record], server_port: int) -> list[Record]:
    """Drop the middle data segment of the longest server burst (the multi-segment ip)."""
    data = _data_indices(records, server_port)
    burst = data[: len(data) // 2 + 1]
    victim = burst[len(burst) // 2]
    return [r for i, r in enumerate(records) if i != victim]


def reordered(records: list[Record], server_port: int) -> list[Record]:
    """Swap two server data segments, retransmit one verbatim and add an overlapping retransmission
    that covers the second half of one segment and the first half of the next (same bytes)."""
    data = _data_indices(records, server_port)
    a, b, c, d, e = data[1:6]
    out = list(records)
    # swap the payloads, not the time slots: capture time stays monotonic, sequence numbers do not
    out[a], out[b] = Record(records[a].ns, records[b].data), Record(records[b].ns, records[a].data)
    pd, pe = Ether(records[d].data), Ether(records[e].data)
    len_d, len_e = len(pd[TCP].payload), len(pe[TCP].payload)
    stream = bytes(pd[TCP].payload) + bytes(pe[TCP].payload)
    overlap = pd.copy()
    overlap[TCP].seq = (pd[TCP].seq + len_d // 2) & 0xFFFFFFFF
    overlap[TCP].remove_payload()
    overlap = overlap / stream[len_d // 2:len_d + len_e // 2]
    at = records[e].ns
    out.insert(e + 1, Record(at, records[c].data))
    out.insert(e + 2, Record(at, _rebuild(overlap)))
    return out


def midstream(records: list[Record], client_port_side: int) -> list[Record]:
    """Start the capture after the handshake and the first request: cut every packet up to the
    client's last data segment before the server's first one."""
    first_reply = _data_indices(records, client_port_side)[0]
    cut = max(i for i in range(first_reply) if (t := _tcp(records[i])) is not None
              and t.dport == client_port_side and len(t.payload) > 0)
    return records[cut + 1:]


def vlan(records: list[Record]) -> list[Record]:
    """Insert an 802.1Q tag (VID 100, PCP 0) and give the frames unicast MACs."""
    macs = bytes.fromhex("020000000002020000000001")
    return [Record(r.ns, macs + struct.pack(">HH", 0x8100, 100) + r.data[12:]) for r in records]


def null_loopback(records: list[Record]) -> list[Record]:
    """BSD loopback (DLT_NULL): a 4-byte AF_INET in the writer's (little-endian) byte order, then IP."""
    return [Record(r.ns, struct.pack("<I", 2) + r.data[14:]) for r in records]


def nanosecond(records: list[Record]) -> list[Record]:
    """Add a sub-microsecond part so a reader that ignores the nanosecond magic gets times wrong."""
    return [Record(r.ns + 321, r.data) for r in records]


def truncated(pcap: bytes, record_index: int) -> bytes:
    """Cut a little-endian pcap in the middle of the record ``record_index`` (0-based)."""
    offset = 24
    for _ in range(record_index):
        offset += 16 + struct.unpack_from("<I", pcap, offset + 8)[0]
    caplen = struct.unpack_from("<I", pcap, offset + 8)[0]
    return pcap[: offset + 16 + caplen // 2]


def garbage(size: int = 4096, seed: int = 0xC3F) -> bytes:
    return random.Random(seed).randbytes(size)
