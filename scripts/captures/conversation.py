"""Synthesize a plausible TCP conversation (handshake, MSS-sized PSH/ACK data, delayed ACKs,
FIN teardown, RFC 7323 timestamps) around given application bytes, written with scapy's PcapWriter."""

from __future__ import annotations

from dataclasses import dataclass

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.packet import Packet
from scapy.utils import PcapWriter

CLIENT, SERVER = 0, 1
MSS = 1448  # 1500-byte MTU less IPv4, TCP and timestamp option, as on the real loopback runs
RTT = 0.00012


@dataclass(slots=True)
class _Side:
    ip: str
    port: int
    seq: int
    ip_id: int
    ts_base: int


class Conversation:
    """One TCP connection; ``send`` advances both sides' sequence numbers and the shared clock."""

    def __init__(self, writer: PcapWriter, start: float, client: tuple[str, int], server: tuple[str, int],
                 isn: tuple[int, int]) -> None:
        self.writer = writer
        self.now = start
        self.sides = (_Side(client[0], client[1], isn[0], isn[0] & 0xFFFF, isn[0] >> 8),
                      _Side(server[0], server[1], isn[1], isn[1] & 0xFFFF, isn[1] >> 8))
        self._start = start

    def _emit(self, direction: int, flags: str, payload: bytes = b"", options: list | None = None,
              seq: int | None = None) -> None:
        me, peer = self.sides[direction], self.sides[1 - direction]
        tsval = (me.ts_base + int((self.now - self._start) * 1000)) & 0xFFFFFFFF
        tsecr = 0 if flags == "S" else (peer.ts_base + int((self.now - self._start) * 1000)) & 0xFFFFFFFF
        opts = options or [("NOP", None), ("NOP", None), ("Timestamp", (tsval, tsecr))]
        if options:
            opts = [(k, (tsval, tsecr) if k == "Timestamp" else v) for k, v in options]
        tcp = TCP(sport=me.port, dport=peer.port, seq=me.seq if seq is None else seq,
                  ack=0 if flags == "S" else peer.seq, flags=flags, window=512 if "S" not in flags else 65495,
                  options=opts)
        pkt: Packet = Ether(src="00:00:00:00:00:00", dst="00:00:00:00:00:00") / IP(
            src=me.ip, dst=peer.ip, id=me.ip_id, flags="DF", ttl=64) / tcp
        if payload:
            pkt = pkt / payload
        me.ip_id = (me.ip_id + 1) & 0xFFFF
        pkt.time = self.now
        self.writer.write(pkt)
        self.now += 0.00001

    def open(self) -> None:
        """Three-way handshake with MSS, SACK-permitted, timestamps and window scaling."""
        syn_opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (0, 0)), ("NOP", None), ("WScale", 7)]
        self._emit(CLIENT, "S", options=syn_opts)
        self.sides[CLIENT].seq += 1
        self.now += RTT / 2
        self._emit(SERVER, "SA", options=syn_opts)
        self.sides[SERVER].seq += 1
        self.now += RTT / 2
        self._emit(CLIENT, "A")

    def send(self, direction: int, data: bytes, segment: int = MSS) -> None:
        """Write ``data`` as segments of at most ``segment`` bytes, PSH on the last; the peer ACKs every
        second segment and the last one."""
        me = self.sides[direction]
        chunks = [data[i:i + segment] for i in range(0, len(data), segment)]
        for n, chunk in enumerate(chunks, 1):
            self._emit(direction, "PA" if n == len(chunks) else "A", chunk)
            me.seq = (me.seq + len(chunk)) & 0xFFFFFFFF
            if n % 2 == 0 or n == len(chunks):
                self.now += RTT / 4
                self._emit(1 - direction, "A")
        self.now += RTT

    def wait(self, seconds: float) -> None:
        self.now += seconds

    def close(self, initiator: int = CLIENT) -> None:
        """FIN/ACK from ``initiator``, FIN/ACK back, final ACK."""
        for direction in (initiator, 1 - initiator):
            self._emit(direction, "FA")
            self.sides[direction].seq = (self.sides[direction].seq + 1) & 0xFFFFFFFF
            self.now += RTT / 2
        self._emit(initiator, "A")
        self.now += 0.001
