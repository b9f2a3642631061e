"""Live capture on one network interface, as the same `Packet` records a capture file gives.

The only module that opens sockets. scapy's Linux packet socket reads the interface (it restores
VLAN tags the kernel moved to ancillary data and takes nanosecond kernel timestamps); a thread
drains it into a queue so that decoding never holds the kernel buffer back. Like libpcap, a
packet is taken once on loopback, where the kernel shows it both going out and coming in.

The capture filter is compiled to classic BPF by libpcap (through scapy) or, when libpcap cannot be
loaded, by `tcpdump -ddd`, and attached to the socket. `PcapNgWriter` and `CmpOnlyWriter` keep what
was captured in a pcapng file that is valid after every packet.
"""

from __future__ import annotations

import ctypes
import errno
import queue
import select
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from scapy.arch.linux import L2ListenSocket, L2Socket
from scapy.data import ARPHRD_TO_DLT
from scapy.error import Scapy_Exception
from scapy.utils import RawPcapNgWriter

from cmpdissect.net.packet import decode_packet, endpoint
from cmpdissect.net.tcp import TcpSegment
from cmpdissect.sources.capture import MAX_RECORD, Packet

# Every TCP segment, so that CMP over HTTP is seen on any port and RFC 2510 / TCP-Messaging on 829
# or elsewhere: the stream classifier decides by content and drops other streams after their first
# bytes. UDP only on the CoAP port (RFC 7252 12.6; CMP over CoAP is RFC 9482), since datagrams
# cannot be told apart as cheaply.
DEFAULT_FILTER = "tcp or udp port 5683"
ARPHRD_LOOPBACK = 772
BPF_RET_K = 0x06  # BPF_RET | BPF_K: accept k bytes (0: drop)
SO_ATTACH_FILTER = 26
SO_RCVBUFFORCE = 33  # like SO_RCVBUF, but past net.core.rmem_max (needs CAP_NET_ADMIN)
SOL_PACKET = 263
PACKET_STATISTICS = 6
RCVBUF = 32 * 1024 * 1024  # a burst of enrollments must fit while the decoder catches up
QUEUE_MAX = 500_000  # packets taken from the kernel but not yet decoded
POLL = 0.2  # seconds between checks of the stop flag and the deadline
_END = object()  # what the reader thread queues last


class LiveError(Exception):
    """The capture cannot start (or stopped): one line saying why and what to do."""


@dataclass(frozen=True, slots=True)
class LiveStats:
    """Counters for the closing summary: what was taken and what was lost, and where."""

    captured: int  # packets that passed the filter and were handed on
    kernel_dropped: int  # lost in the kernel because its socket buffer was full
    queue_dropped: int  # lost because the decoder fell QUEUE_MAX packets behind


def capture_filter(expr: str | None, ports: Sequence[int] = ()) -> str:
    """The BPF expression to use: `expr` (or DEFAULT_FILTER), with `or port N` for each extra port."""
    base = DEFAULT_FILTER if expr is None else expr.strip()
    if not ports:
        return base
    extra = " or ".join(f"port {p}" for p in ports)
    return f"({base}) or {extra}" if base else ""  # an empty filter already takes every port


def interface_linktype(iface: str) -> int:
    """The DLT_ link type of a Linux interface, from its ARPHRD_ type in sysfs."""
    try:
        socket.if_nametoindex(iface)
    except OSError:
        names = ", ".join(name for _, name in socket.if_nameindex())
        raise LiveError(f"no interface {iface!r} (interfaces here: {names})") from None
    try:
        with open(f"/sys/class/net/{iface}/type") as f:
            hatype = int(f.read().strip())
    except (OSError, ValueError) as exc:
        raise LiveError(f"cannot read the link type of {iface}: {exc}") from None
    linktype = ARPHRD_TO_DLT.get(hatype)
    if linktype is None or linktype < 0:
        raise LiveError(f"{iface}: link type ARPHRD {hatype} is not supported for capture")
    return linktype


def compile_filter(expr: str, linktype: int) -> list[tuple[int, int, int, int]]:
    """Classic BPF instructions (code, jt, jf, k) for `expr`, by libpcap or else by tcpdump.

    An accepting `ret #k` keeps k bytes of the packet, and scapy compiles with a snap length of
    65535: loopback (MTU 65536) and GRO packets are longer, so every accept keeps MAX_RECORD.
    """
    try:
        program = _compile_libpcap(expr, linktype)
    except ImportError:
        program = _compile_tcpdump(expr, linktype)
    return [(code, jt, jf, MAX_RECORD if code == BPF_RET_K and k else k) for code, jt, jf, k in program]


def _compile_libpcap(expr: str, linktype: int) -> list[tuple[int, int, int, int]]:
    from scapy.arch.common import compile_filter as pcap_compile
    from scapy.arch.common import free_filter

    try:
        program = pcap_compile(expr, linktype=linktype)  # a "dead" handle: no privileges needed
    except Scapy_Exception as exc:
        raise LiveError(f"bad capture filter {expr!r}: {_pcap_reason(str(exc))}") from None
    try:
        return [(i.code, i.jt, i.jf, i.k) for i in program.bf_insns[:program.bf_len]]
    finally:
        free_filter(program)


def _pcap_reason(text: str) -> str:
    """libpcap's reason from scapy's wrapping: "Failed to compile filter expression 'x' (why)"."""
    return text[text.rfind("(") + 1:-1] if text.endswith(")") and "(" in text else text


def _compile_tcpdump(expr: str, linktype: int) -> list[tuple[int, int, int, int]]:
    tcpdump = shutil.which("tcpdump")
    if tcpdump is None:
        raise LiveError("cannot compile the capture filter: neither libpcap nor tcpdump is installed "
                        "(install libpcap, or pass -f '' to capture without a filter)")
    # An empty pcap of the interface's link type on stdin: tcpdump compiles for it without opening
    # (or having the right to open) a device.
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, MAX_RECORD, linktype)
    try:
        done = subprocess.run([tcpdump, "-ddd", "-r", "-", expr], input=header, capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LiveError(f"cannot run tcpdump to compile the capture filter: {exc}") from None
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        raise LiveError(f"bad capture filter {expr!r}: {why[-1].removeprefix('tcpdump: ') if why else 'rejected'}")
    lines = done.stdout.decode().split("\n")
    return [tuple(map(int, line.split())) for line in lines[1:1 + int(lines[0])]]  # type: ignore[misc]


def _attach(sock: socket.socket, program: list[tuple[int, int, int, int]]) -> None:
    """SO_ATTACH_FILTER: struct sock_fprog { unsigned short len; struct sock_filter *filter; }."""
    code = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *insn) for insn in program))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, struct.pack("HL", len(program), ctypes.addressof(code)))


class LiveCapture:
    """Packets of one interface, numbered from 1, until `count` packets, `duration` seconds or `stop()`.

    The constructor checks everything that can fail (interface, filter, privileges) and raises
    LiveError; `start()` begins reading; `packets()` yields what was captured, and None whenever
    `tick` seconds pass without a packet, so the caller can do timed work.
    """

    def __init__(self, iface: str, bpf: str = DEFAULT_FILTER, count: int | None = None,
                 duration: float | None = None) -> None:
        self.iface = iface
        self.bpf = bpf
        self.count = count
        self.duration = duration
        self.linktype = interface_linktype(iface)
        program = compile_filter(bpf, self.linktype) if bpf else None
        self._sock = _open_socket(iface)
        try:
            if program is not None:
                _attach(self._sock.ins, program)
            _drain(self._sock.ins)  # what arrived before the filter was in place
            try:
                self._sock.ins.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF)
            except PermissionError:  # without CAP_NET_ADMIN: as much as net.core.rmem_max allows
                self._sock.ins.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        except OSError as exc:
            self._sock.close()
            raise LiveError(f"cannot attach the capture filter to {iface}: {exc.strerror or exc}") from None
        self._queue: queue.Queue[object] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name=f"cmpdissect-live-{iface}", daemon=True)
        self._captured = 0
        self._kernel_dropped = 0
        self._queue_dropped = 0
        self._error: str | None = None

    def __enter__(self) -> LiveCapture:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the reader to end; `packets()` still yields everything captured before."""
        self._stop.set()

    def close(self) -> None:
        """Stop, wait for the reader thread, and release the socket."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._sock.close()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def stats(self) -> LiveStats:
        return LiveStats(self._captured, self._kernel_dropped, self._queue_dropped)

    @property
    def error(self) -> str | None:
        """Why the capture ended on its own (the interface went away), if it did."""
        return self._error

    def packets(self, tick: float = 0.5) -> Iterator[Packet | None]:
        """Captured packets in order; None after each `tick` seconds without one. Ends after the
        reader stopped and its queue is empty. May be called again after an interruption."""
        while True:
            try:
                item = self._queue.get(timeout=tick)
            except queue.Empty:
                yield None
                continue
            if item is _END:
                self._queue.put(_END)  # a later call ends at once too
                return
            yield item  # type: ignore[misc]

    def _read(self) -> None:
        fd = self._sock.ins.fileno()
        deadline = time.monotonic() + self.duration if self.duration is not None else None
        try:
            while not self._stop.is_set() and (self.count is None or self._captured < self.count):
                wait = POLL if deadline is None else min(POLL, deadline - time.monotonic())
                if wait <= 0:
                    break
                if not select.select([fd], [], [], wait)[0]:
                    continue
                _, data, ts = self._sock.recv_raw(MAX_RECORD)
                if data is None:
                    continue  # loopback: the outgoing copy of a packet seen again incoming
                if self._queue.qsize() >= QUEUE_MAX:
                    self._queue_dropped += 1
                    continue
                self._captured += 1  # frame numbers count what is handed on, as in a file written of it
                # microseconds, as the pcapng file keeps them: units read live and from the file agree
                when = round(ts * 1_000_000) / 1_000_000
                self._queue.put(Packet(self._captured, when, self.linktype, data, len(data)))
        except OSError as exc:  # ENETDOWN, ENXIO: the interface went down or away
            self._error = f"capture on {self.iface} ended: {exc.strerror or exc}"
        finally:
            self._kernel_dropped += _kernel_drops(self._sock.ins)
            self._queue.put(_END)


def _open_socket(iface: str) -> L2Socket:
    """scapy's packet socket; on loopback the one that skips the outgoing copy of each packet."""
    try:
        with open(f"/sys/class/net/{iface}/type") as f:
            loopback = int(f.read().strip()) == ARPHRD_LOOPBACK
        kind = L2Socket if loopback else L2ListenSocket
        return kind(iface=iface, filter=None, promisc=False)
    except PermissionError:
        raise LiveError(f"no permission to capture on {iface}: live capture needs root, or the "
                        "capabilities CAP_NET_RAW (and CAP_NET_ADMIN for a large socket buffer)") from None
    except OSError as exc:
        if exc.errno in (errno.ENODEV, errno.ENXIO, errno.ENETDOWN):
            raise LiveError(f"cannot capture on {iface}: {exc.strerror}") from None
        raise LiveError(f"cannot open a packet socket on {iface}: {exc.strerror or exc}") from None


def _drain(sock: socket.socket) -> None:
    while select.select([sock], [], [], 0)[0]:
        sock.recv(MAX_RECORD)


def _kernel_drops(sock: socket.socket) -> int:
    """tp_drops of PACKET_STATISTICS (struct tpacket_stats); the kernel resets it on each read."""
    try:
        return struct.unpack("II", sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))[1]
    except OSError:
        return 0


class PcapNgWriter:
    """Every packet given, appended to a pcapng file and flushed, so the file is valid at any time
    (a Ctrl-C or a crash leaves every packet written so far readable)."""

    def __init__(self, path: str, linktype: int) -> None:
        try:
            self._writer = RawPcapNgWriter(path)
        except OSError as exc:
            raise LiveError(f"cannot write {path}: {exc.strerror or exc}") from None
        self._writer.linktype = linktype
        self._writer.write_header(None)
        self._writer.flush()
        self._lock = threading.RLock()  # the TUI's worker writes while the main thread may close
        self._closed = False
        self.written = 0

    def add(self, packet: Packet) -> None:
        self._write(packet)

    def keep(self, src: str | None, dst: str | None) -> None:
        """A unit was decoded on this connection; every packet is kept here anyway."""

    def tick(self, now: float) -> None:
        """Time passed without packets; nothing waits here."""

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._writer.close()

    def _write(self, packet: Packet) -> None:
        with self._lock:
            if self._closed:
                return
            # scapy truncates sec * 1e6: half a microsecond more lands on the intended one
            sec = (round(packet.time * 1_000_000) + 0.5) / 1_000_000 if packet.time is not None else None
            self._writer.write_packet(packet.data, sec=sec, wirelen=packet.wirelen)
            self._writer.flush()
            self.written += 1


class CmpOnlyWriter(PcapNgWriter):
    """Only the packets of connections that carried CMP, in capture order.

    Whether a connection carries CMP is known only when its first unit is decoded, after its first
    packets went by, so packets wait in one queue in capture order. The oldest waiting connection
    is decided: kept as soon as the caller reports a unit on it (`keep`), dropped once it has
    waited `hold` seconds with no unit, or when more than `max_bytes` wait. The price: the file
    trails the capture by up to `hold` seconds, and a connection that sends its first CMP message
    more than `hold` seconds after opening (or behind `max_bytes` of undecided traffic) is written
    from that message on, without its handshake. A SYN starts a connection afresh on reused ports;
    the oldest decisions are forgotten past MAX_DECISIONS, so memory stays bounded on a long sniff.
    """

    MAX_DECISIONS = 65536

    def __init__(self, path: str, linktype: int, hold: float = 10.0, max_bytes: int = 16 * 1024 * 1024) -> None:
        super().__init__(path, linktype)
        self.hold = hold
        self.max_bytes = max_bytes
        self._linktype = linktype
        self._waiting: deque[tuple[frozenset[str] | None, Packet]] = deque()
        self._waiting_bytes = 0
        self._decided: dict[frozenset[str], bool] = {}
        self._first_seen: dict[frozenset[str], float] = {}  # undecided connection -> its first waiting packet

    def keep(self, src: str | None, dst: str | None) -> None:
        """A unit was decoded on the connection between these endpoints: keep all of it."""
        if src is not None and dst is not None:
            with self._lock:
                self._decide(frozenset((src, dst)), True)
                self._flush(None)

    def add(self, packet: Packet) -> None:
        key, syn = self._connection(packet)
        now = packet.time if packet.time is not None else time.time()
        with self._lock:
            if key is not None and syn:
                self._decided.pop(key, None)
            if key is not None and key not in self._decided:
                self._first_seen.setdefault(key, now)
            self._waiting.append((key, packet))
            self._waiting_bytes += len(packet.data)
            self._flush(now)

    def tick(self, now: float) -> None:
        """Time passed without packets: decide connections that have waited long enough."""
        with self._lock:
            self._flush(now)

    def close(self) -> None:
        """Write what waits for connections already kept, drop the rest, close the file."""
        with self._lock:
            while self._waiting:
                key, packet = self._waiting.popleft()
                if key is not None and self._decided.get(key):
                    self._write(packet)
            super().close()

    def _flush(self, now: float | None) -> None:
        while self._waiting:
            key, packet = self._waiting[0]
            decided = self._decided.get(key) if key is not None else False
            if decided is None:
                first = self._first_seen.get(key)  # type: ignore[arg-type]
                waited = now is not None and (first is None or now - first >= self.hold)
                if not waited and self._waiting_bytes <= self.max_bytes:
                    return
                self._decide(key, False)
                decided = False
            self._waiting.popleft()
            self._waiting_bytes -= len(packet.data)
            if decided:
                self._write(packet)

    def _decide(self, key: frozenset[str], keep: bool) -> None:
        self._first_seen.pop(key, None)
        self._decided.pop(key, None)
        self._decided[key] = keep
        if len(self._decided) > self.MAX_DECISIONS:
            del self._decided[next(iter(self._decided))]

    def _connection(self, packet: Packet) -> tuple[frozenset[str] | None, bool]:
        decoded = decode_packet(self._linktype, packet.data)
        if decoded is None:
            return None, False
        ip, seg = decoded
        key = frozenset((endpoint(ip.src, seg.src_port, ip.version), endpoint(ip.dst, seg.dst_port, ip.version)))
        syn = isinstance(seg, TcpSegment) and seg.flags & 0x12 == 0x02  # SYN without ACK
        return key, syn

