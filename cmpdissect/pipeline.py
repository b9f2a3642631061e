"""The one pipeline: packet records in, CMP units and notices out.

It is incremental: `feed` takes one packet and returns what that packet completed, so a live
capture and a file share everything after the source. Streams that turn out not to carry CMP are
dropped from reassembly at once, which is what keeps a large mixed capture cheap; so are TLS
connections no key log opens, once their handshake is summed up. UDP goes to CoAP (RFC 9482) only on
the CoAP ports or when a datagram passes a header test and names CMP, so other UDP costs a few
comparisons.

The fast path (everything but `careful=True`) changes how much is looked at, never what comes
out: files are read with mmap (`sources/fastpcap.py`), and each record passes a prefilter on its
raw bytes first. TCP segments of streams already dropped, and UDP datagrams that cannot start a
CoAP conversation, are counted and skipped before any object is built; a SYN on a dropped 4-tuple
still goes through, since it may open a new stream (tshark's numbering, `net/reassembly.py`).
"""

from __future__ import annotations

import heapq
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from cmpdissect.asn1.summary import summarize
from cmpdissect.model import Notice, Unit
from cmpdissect.net.ip import IpPacket, address_text
from cmpdissect.net.packet import decode_packet, endpoint
from cmpdissect.net.reassembly import StreamClosed, StreamData, StreamGap, StreamOpened, TcpReassembler
from cmpdissect.net.tcp import TcpSegment, parse_tcp
from cmpdissect.net.udp import UdpDatagram
from cmpdissect.progress import ProgressBar, progress_bar
from cmpdissect.protection import Credentials, extra_certs, verify_pop, verify_unit
from cmpdissect.sources.capture import CaptureError, Packet, SourceNotice, is_capture, read_capture
from cmpdissect.sources.fastpcap import POSITION_EVERY, ReadPosition, Record, iter_records
from cmpdissect.sources.message_file import split_messages
from cmpdissect.tls import KeyLog, KeyLogError, load_keylog
from cmpdissect.transport.coap import CoapConversation
from cmpdissect.transport.coapmsg import PKIXCMP, CoapError, looks_like_coap, parse_coap
from cmpdissect.transport.connection import ConnectionDecoder
from cmpdissect.transport.events import CmpPdu, StreamNotice

MAX_MESSAGE_FILE = 64 * 1024 * 1024
REORDER_WINDOW = 50_000  # packets a unit may lag behind the packet that completed it
POP_BODIES = frozenset({"ir", "cr", "kur", "ccr", "krr", "p10cr"})
COAP_PORT, COAPS_PORT = 5683, 5684  # RFC 7252 6.1, 6.2
_DTLS_VERSIONS = (b"\xfe\xff", b"\xfe\xfd", b"\xfe\xfc")  # DTLS 1.0, 1.2, 1.3 record versions
_COAP_PORTS = frozenset((COAP_PORT, COAPS_PORT))
_SYN_ACK, _SYN = 0x12, 0x02
_IPV4, _IPV6 = b"\x08\x00", b"\x86\xdd"
_u16 = struct.Struct("!H").unpack_from
_u16x2 = struct.Struct("!HH").unpack_from


@dataclass(slots=True)
class PipelineStats:
    """Counters for the closing summary and the benchmark."""

    packets: int = 0
    undecoded: int = 0  # not IP, or a link type we do not know
    tcp_segments: int = 0
    streams: int = 0
    cmp_streams: int = 0
    dropped_streams: int = 0
    units: int = 0
    tls_streams: int = 0
    udp_datagrams: int = 0
    coap_flows: int = 0
    first_time: float | None = None
    linktypes: set[int] = field(default_factory=set)


@dataclass(slots=True)
class _Connection:
    client: str
    server: str
    decoder: ConnectionDecoder
    carried_cmp: bool = False
    tls_counted: bool = False


class Pipeline:
    """Feeds packets through link/IP/TCP, reassembly, the stream classifier and the CMP summary.

    `tls_keylog` opens TLS connections: a KeyLog, or the path of an NSS key log file (read here;
    a file that cannot be used raises CaptureError with a one-line reason).
    """

    def __init__(self, credentials: Credentials | None = None,
                 tls_keylog: KeyLog | str | os.PathLike[str] | None = None, *,
                 careful: bool = False, progress: bool = False) -> None:
        self.careful = careful  # no fast path at all: scapy's reader, every packet decoded
        self.progress = progress  # `read_units` may show a progress bar (on a terminal only)
        self._dropped: set[int] = set()  # streams dropped from reassembly
        self._skip: set[bytes] = set()  # raw directional 4-tuples of dropped streams (see feed_record)
        self._coap_off_port = False  # a CoAP conversation off the CoAP ports: UDP is no longer skipped
        self._reassembler = TcpReassembler()
        self._conns: dict[int, _Connection] = {}
        self._coap: dict[tuple[str, str], CoapConversation] = {}  # (lower, higher endpoint)
        self._dtls: set[tuple[str, str]] = set()
        self.credentials = credentials
        self._checker = UnitChecker(credentials)
        self.stats = PipelineStats()
        self.tls_keylog = _keylog(tls_keylog)
        self._startup: list[Unit | Notice] = []
        if self.tls_keylog is not None and self.tls_keylog.problem_summary():
            self._startup.append(Notice("warning", self.tls_keylog.problem_summary() or ""))

    def feed(self, packet: Packet) -> list[Unit | Notice]:
        self.stats.linktypes.add(packet.linktype)
        decoded = decode_packet(packet.linktype, packet.data)
        return self._feed(packet.frame, packet.time, decoded)

    def _feed(self, frame: int, time: float | None,
              decoded: tuple[IpPacket, TcpSegment | UdpDatagram] | None) -> list[Unit | Notice]:
        out: list[Unit | Notice] = []
        if self._startup:
            out, self._startup = self._startup, []
        self.stats.packets += 1
        if self.stats.first_time is None:
            self.stats.first_time = time
        if decoded is None:
            self.stats.undecoded += 1
            return out
        ip, segment = decoded
        if isinstance(segment, UdpDatagram):
            return out + self._udp(frame, time, ip, segment)
        self.stats.tcp_segments += 1
        for event in self._reassembler.feed(frame, time, ip, segment):
            out.extend(self._on_stream_event(event))
        return out

    def feed_record(self, record: Record) -> list[Unit | Notice]:
        """`feed` for a raw `(frame, time, linktype, data, wirelen)` record, through the prefilter.

        A record the full decode would turn into nothing (a segment of a dropped stream, UDP that
        is no CoAP) is only counted, as `feed` counts it.
        """
        linktype, data = record[2], record[3]
        stats = self.stats
        if linktype == 1 and stats.first_time is not None:  # Ethernet II without tags
            ethertype = data[12:14]
            at = 14 if ethertype in (_IPV4, _IPV6) else -1
        else:
            at = -1
        if at < 0:
            return self.feed(Packet(*record))
        size = len(data)
        if ethertype == _IPV4:
            if size < at + 20 or data[at] != 0x45 or data[at + 6] & 0x3F or data[at + 7]:
                return self.feed(Packet(*record))  # options, fragments, short: the full decode
            total = _u16(data, at + 2)[0]
            end = size if total == 0 else min(size, at + total)
            proto, transport = data[at + 9], at + 20
            key_from, ports = at + 12, at + 20
        else:
            if size < at + 40 or data[at] >> 4 != 6:
                return self.feed(Packet(*record))
            length = _u16(data, at + 4)[0]
            end = size if length == 0 else min(size, at + 40 + length)
            proto, transport = data[at + 6], at + 40
            key_from, ports = at + 8, at + 40
        if proto == 6:
            if end - transport < 20 or not 20 <= (data[transport + 12] >> 4) * 4 <= end - transport:
                return self.feed(Packet(*record))
            key = data[key_from:ports + 4]
            syn = data[transport + 13] & _SYN_ACK == _SYN
            stats.linktypes.add(linktype)
            if key in self._skip and not syn:
                stats.packets += 1
                stats.tcp_segments += 1
                return []
            half = (ports - key_from) // 2
            segment = parse_tcp(data[transport:end])
            ip = IpPacket(4 if half == 4 else 6, address_text(key[:half]), address_text(key[half:2 * half]), 6,
                          data[transport:end])
            out = self._feed(record[0], record[1], (ip, segment) if segment is not None else None)
            if self._reassembler.last_stream in self._dropped:
                self._skip.add(key)
            elif syn and key in self._skip:  # the 4-tuple was reused: a new stream, not dropped
                self._skip.discard(key)
                self._skip.discard(key[half:2 * half] + key[:half] + key[-2:] + key[-4:-2])
            return out
        if proto == 17 and not self._coap_off_port and end - transport >= 8:
            sport, dport = _u16x2(data, transport)
            length = _u16(data, transport + 4)[0]
            payload = (end if length == 0 else min(end, transport + length)) - transport - 8
            if length and length < 8 or sport in _COAP_PORTS or dport in _COAP_PORTS:
                return self.feed(Packet(*record))
            if payload < 4 or data[transport + 8] >> 6 != 1:  # no CoAP version 1 header (RFC 7252 3)
                stats.packets += 1
                stats.udp_datagrams += 1
                stats.linktypes.add(linktype)
                return []
        return self.feed(Packet(*record))

    def finish(self) -> list[Unit | Notice]:
        """End of input: flush what is still buffered and close every open stream."""
        out: list[Unit | Notice] = []
        for event in self._reassembler.finish():
            out.extend(self._on_stream_event(event))
        for stream, conn in list(self._conns.items()):
            out.extend(self._convert(stream, conn, conn.decoder.close(None, None, None)))
        self._conns.clear()
        if self.tls_keylog is not None and not self.stats.tls_streams:
            out.append(Notice("info", f"a key log was given ({self.tls_keylog.source}) but the capture holds no "
                                      f"TLS connection with a handshake"))
        return self._startup + out if self._startup else out

    def _udp(self, frame: int, time: float | None, ip: IpPacket, datagram: UdpDatagram) -> list[Unit | Notice]:
        """CoAP datagrams, told apart cheaply: the CoAP ports, a conversation already known, or a
        datagram that parses as CoAP and declares application/pkixcmp or a CMP path."""
        self.stats.udp_datagrams += 1
        payload = datagram.payload
        ports = (datagram.src_port, datagram.dst_port)
        src = endpoint(ip.src, datagram.src_port, ip.version)
        dst = endpoint(ip.dst, datagram.dst_port, ip.version)
        key = (src, dst) if src < dst else (dst, src)
        conv = self._coap.get(key)
        if conv is None:
            if COAPS_PORT in ports and payload[:1] and 20 <= payload[0] <= 25 and payload[1:3] in _DTLS_VERSIONS:
                if key in self._dtls:
                    return []
                self._dtls.add(key)
                return [Notice("info", f"CoAP over DTLS (coaps) {src} -> {dst}: DTLS is not decrypted, its CMP "
                                       f"content stays hidden", frame)]
            if not looks_like_coap(payload):
                return []
            if COAP_PORT not in ports and not _names_cmp(payload):
                return []
            conv = self._coap[key] = CoapConversation()
            self.stats.coap_flows += 1
            self._coap_off_port = self._coap_off_port or COAP_PORT not in ports
        out: list[Unit | Notice] = []
        for ev in conv.feed(src, dst, payload, frame, time):
            if isinstance(ev, StreamNotice):
                out.append(Notice(ev.severity, ev.message, ev.frame))
            else:
                out.append(self._unit(ev, None, src, dst))
        return out

    def _on_stream_event(self, event) -> list[Unit | Notice]:
        if isinstance(event, StreamOpened):
            self.stats.streams += 1
            self._conns[event.stream] = _Connection(
                event.client, event.server,
                ConnectionDecoder(_port(event.client), _port(event.server), self.tls_keylog,
                                  skip_web=not self.careful),
            )
            return []
        conn = self._conns.get(event.stream)
        if conn is None:
            return []
        if isinstance(event, StreamData):
            out = self._convert(event.stream, conn,
                                conn.decoder.feed(event.direction, event.data, event.frame, event.time))
            if not conn.tls_counted and conn.decoder.kind == "tls":
                conn.tls_counted = True
                self.stats.tls_streams += 1
            if not conn.decoder.wants_data:
                self._drop(event.stream)
            return out
        if isinstance(event, StreamGap):
            notices: list[Unit | Notice] = [Notice(
                "warning",
                f"stream {event.stream}: {event.size} bytes never captured "
                f"({_side(event.direction)}); decoding resumes at the next recognizable message",
                event.frame, event.stream)]
            return notices + self._convert(event.stream, conn,
                                           conn.decoder.gap(event.direction, event.size, event.frame, event.time))
        if isinstance(event, StreamClosed):
            out = self._convert(event.stream, conn,
                                conn.decoder.close(event.direction, event.frame, event.time))
            if event.direction is None or event.reason == "rst":
                del self._conns[event.stream]
            return out
        return []

    def _drop(self, stream: int) -> None:
        self.stats.dropped_streams += 1
        self._dropped.add(stream)
        self._reassembler.drop(stream)
        del self._conns[stream]

    def _convert(self, stream: int, conn: _Connection, events: Iterable[CmpPdu | StreamNotice]) -> list[Unit | Notice]:
        out: list[Unit | Notice] = []
        for ev in events:
            if isinstance(ev, StreamNotice):
                out.append(Notice(ev.severity, f"stream {stream}: {ev.message}", ev.frame, stream))
                continue
            if not conn.carried_cmp:
                conn.carried_cmp = True
                self.stats.cmp_streams += 1
            src, dst = (conn.client, conn.server) if ev.direction == 0 else (conn.server, conn.client)
            out.append(self._unit(ev, stream, src, dst))
        return out

    def _unit(self, pdu: CmpPdu, stream: int | None, src: str | None, dst: str | None) -> Unit:
        summary = summarize(pdu.der) if pdu.der is not None else None
        error = pdu.error or (summary.error if summary is not None else None)
        unit = Unit(
            frame=pdu.frame, time=pdu.time, stream=stream, src=src, dst=dst,
            transport=pdu.transport, direction=pdu.direction, frame_type=pdu.frame_type,
            framing=pdu.framing, http=pdu.http, message=summary, der=pdu.der,
            error=error, index=self.stats.units,
        )
        self._checker.check(unit)
        self.stats.units += 1
        return unit


class UnitChecker:
    """Checks what one message proves on its own: its protection and its proof of possession.

    Signatures are verified whenever the signer's certificate is at hand (RFC 9810 5.1.3.3); MACs
    only with a matching secret. Certificates seen in earlier extraCerts of the same transaction
    count as known, since later messages may leave them out.
    """

    def __init__(self, credentials: Credentials | None) -> None:
        self._credentials = credentials
        self._known: dict[bytes, list[bytes]] = {}  # transactionID -> extraCerts seen

    def check(self, unit: Unit) -> None:
        m = unit.message
        if unit.der is None or m is None or m.body is None:
            return
        if not m.has_protection and m.protection_alg is None:
            unit.protection = "unprotected"
        else:
            known = self._known.setdefault(m.transaction_id, []) if m.transaction_id else []
            verdict = verify_unit(unit.der, self._credentials, known)
            if m.extra_certs:
                known.extend(c for c in extra_certs(unit.der) if c not in known)
            unit.protection, unit.protection_reason = verdict.status, verdict.reason
            unit.signer = verdict.signer or verdict.secret
            unit.findings.extend(verdict.findings)
        if m.body in POP_BODIES:
            for pop in verify_pop(unit.der):
                unit.findings.extend(pop.findings)
        for finding in unit.findings:
            finding.frame = unit.frame


def units_from_messages(data: bytes, credentials: Credentials | None = None) -> list[Unit]:
    """Units of a DER/PEM/base64 message file's bytes (frame 0, transport `file`)."""
    units = []
    checker = UnitChecker(credentials)
    for record in split_messages(data):
        summary = summarize(record.der) if record.der else None
        error = record.error or (summary.error if summary is not None else None)
        unit = Unit(frame=0, time=None, stream=None, src=None, dst=None, transport="file",
                    message=summary, der=record.der or None, error=error, index=len(units))
        checker.check(unit)
        units.append(unit)
    return units


def read_units(path: str | os.PathLike[str], pipeline: Pipeline | None = None,
               reorder_window: int = REORDER_WINDOW) -> Iterator[Unit | Notice]:
    """Everything a file holds, as units and notices: a capture or a message file, told by content.

    `reorder_window` trades order for latency: units come out in capture order as long as none
    lags more than that many packets; a viewer that sorts for itself (the TUI) passes a small one so
    the first rows appear at once.

    Raises CaptureError when the file cannot be read at all.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as exc:
        raise CaptureError(f"{os.fspath(path)}: {exc.strerror or exc}") from None
    if not head:
        raise CaptureError(f"{os.fspath(path)}: empty file")
    pipeline = pipeline or Pipeline()
    if not is_capture(head):
        return iter(_message_file_units(path, pipeline.credentials))
    if pipeline.careful or head[:2] == b"\x1f\x8b":
        return _capture_units(read_capture(path), pipeline, None, None, reorder_window)
    position = ReadPosition()
    records = iter_records(path, position)
    return _capture_units(records, pipeline, progress_bar(position.size, pipeline.progress), position,
                          reorder_window)


def _message_file_units(path: str | os.PathLike[str], credentials: Credentials | None) -> list[Unit]:
    if os.path.getsize(path) > MAX_MESSAGE_FILE:
        raise CaptureError(f"{os.fspath(path)}: not a capture, and too large for a message file")
    with open(path, "rb") as f:
        units = units_from_messages(f.read(), credentials)
    if all(u.message is None or u.message.body is None for u in units):
        raise CaptureError(f"{os.fspath(path)}: neither a pcap/pcapng capture nor a file of PKIMessages "
                           f"({units[0].error})")
    return units


def _capture_units(records: Iterator[Record | Packet | SourceNotice], pipeline: Pipeline,
                   bar: ProgressBar | None, position: ReadPosition | None,
                   reorder_window: int = REORDER_WINDOW) -> Iterator[Unit | Notice]:
    """Units in capture order (CONTRACT.md): the order of the packets that completed them.

    A unit can come out later than the packet that completed it (a connection held until it was
    classified; a body that ends only with the capture), so units wait in a small heap until the
    capture is `reorder_window` packets past them. Raw records (the fast reader's tuples) go through
    the prefilter.
    """
    heap: list[tuple[int, int, Unit | Notice]] = []
    seq = 0
    frame = 0
    try:
        for record in records:
            if type(record) is tuple:
                frame = record[0]
                items = pipeline.feed_record(record)
                if bar is not None and not frame % POSITION_EVERY:
                    bar.update(frame, position.offset if position is not None else None)
                if not items:
                    continue
            elif isinstance(record, SourceNotice):
                items = [Notice("warning", record.message, record.frame)]
            else:
                frame = record.frame
                items = pipeline.feed(record)
            for item in items:
                heapq.heappush(heap, (item.frame if item.frame is not None else frame, seq, item))
                seq += 1
            while heap and heap[0][0] <= frame - reorder_window:
                yield heapq.heappop(heap)[2]
    finally:
        if bar is not None:
            bar.close()
    for item in pipeline.finish():
        heapq.heappush(heap, (item.frame if item.frame is not None else frame, seq, item))
        seq += 1
    while heap:
        yield heapq.heappop(heap)[2]


def _port(address: str) -> int | None:
    port = address.rpartition(":")[2]
    return int(port) if port.isdigit() else None


def _keylog(given: KeyLog | str | os.PathLike[str] | None) -> KeyLog | None:
    if given is None or isinstance(given, KeyLog):
        return given
    try:
        return load_keylog(given)
    except KeyLogError as exc:
        raise CaptureError(str(exc)) from None


def _names_cmp(payload: bytes) -> bool:
    """A CoAP message off the CoAP ports counts only when it declares pkixcmp or a CMP path."""
    try:
        msg = parse_coap(payload)
    except CoapError:
        return False
    return msg.content_format == PKIXCMP or "cmp" in msg.uri_path.lower()


def _side(direction: int) -> str:
    return "client to server" if direction == 0 else "server to client"
