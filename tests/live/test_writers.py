"""The pcapng written during a live sniff: every packet, or only CMP connections (--cmp-only).

Packets of real captures replayed through LiveSession, as the live source hands them on.
"""

from __future__ import annotations

from pathlib import Path

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from cmpdissect.contract import unit_dict
from cmpdissect.model import Unit
from cmpdissect.pipeline import Pipeline, read_units
from cmpdissect.sniff import LiveSession
from cmpdissect.sources.capture import Packet, read_capture
from cmpdissect.sources.live import CmpOnlyWriter, PcapNgWriter

CAPTURES = Path(__file__).resolve().parents[2] / "captures"


class Replay:
    """A finished live capture: its packets, then the end."""

    iface = "replay"

    def __init__(self, packets: list[Packet]) -> None:
        self._packets = packets
        self.closed = False

    def packets(self, tick: float) -> list[Packet]:
        return self._packets

    def close(self) -> None:
        self.closed = True


def _noise(sport: int, flags: str, payload: bytes = b"") -> bytes:
    """A packet of a plain (non-CMP) TCP connection 10.9.9.1:sport -> 10.9.9.2:9000."""
    return bytes(Ether() / IP(src="10.9.9.1", dst="10.9.9.2") / TCP(sport=sport, dport=9000, flags=flags) / payload)


def _renumber(packets: list[Packet]) -> list[Packet]:
    return [Packet(i, p.time, p.linktype, p.data, p.wirelen) for i, p in enumerate(packets, 1)]


def _session(packets: list[Packet], writer: PcapNgWriter) -> list[Unit]:
    replay = Replay(packets)
    session = LiveSession(replay, Pipeline(), writer)  # type: ignore[arg-type]
    items = [i for i in session.items() if i is not None] + session.finish()
    assert replay.closed
    return [i for i in items if isinstance(i, Unit)]


def _fields(units) -> list[tuple]:
    return sorted((d["frame"], d["time"], d["body"], d["transaction_id"], d["src"], d["dst"])
                  for d in map(unit_dict, units))


def test_every_packet_written_byte_for_byte(tmp_path: Path):
    packets = list(read_capture(CAPTURES / "http-polling.pcap"))
    out = tmp_path / "all.pcapng"
    live = _session(packets, PcapNgWriter(str(out), packets[0].linktype))
    again = list(read_capture(out))
    assert [(p.frame, p.time, p.data) for p in again] == [(p.frame, p.time, p.data) for p in packets]
    assert _fields(live) == _fields(read_units(out)) == _fields(read_units(CAPTURES / "http-polling.pcap"))


def test_cmp_only_leaves_out_other_connections_in_capture_order(tmp_path: Path):
    cmp = list(read_capture(CAPTURES / "http-ir-pbm.pcap"))
    t0 = cmp[0].time
    noise = [Packet(0, t0 - 0.5, 1, _noise(40000, "S"), 54),
             Packet(0, t0 + 0.001, 1, _noise(40000, "PA", b"POST / HTTP/1.1\r\n" * 40), 734)]
    mixed = _renumber(sorted(noise + cmp, key=lambda p: p.time))
    out = tmp_path / "cmp.pcapng"
    writer = CmpOnlyWriter(str(out), 1)
    live = _session(mixed, writer)
    again = list(read_capture(out))
    assert [p.data for p in again] == [p.data for p in cmp]  # every CMP packet, in order, nothing else
    assert writer.written == len(cmp)
    assert [u.message.body for u in read_units(out)] == [u.message.body for u in live] == \
        ["ir", "ip", "certConf", "pkiconf"]


def _packet(frame: int, t: float, data: bytes) -> Packet:
    return Packet(frame, t, 1, data, len(data))


def test_cmp_only_waits_at_most_hold_seconds_behind_an_undecided_connection(tmp_path: Path):
    cmp = list(read_capture(CAPTURES / "http-ir-pbm.pcap"))
    writer = CmpOnlyWriter(str(tmp_path / "hold.pcapng"), 1, hold=10.0)
    writer.add(_packet(1, 100.0, _noise(40001, "S")))
    writer.add(_packet(2, 101.0, cmp[0].data))
    src, dst = next((u.src, u.dst) for u in read_units(CAPTURES / "http-ir-pbm.pcap"))
    writer.keep(src, dst)
    assert writer.written == 0  # the undecided connection first in line holds the file back
    writer.tick(109.9)
    assert writer.written == 0
    writer.tick(110.0)
    assert writer.written == 1  # dropped after 10 s without a unit; the CMP packet follows
    writer.add(_packet(3, 111.0, _noise(40001, "PA", b"x")))
    writer.close()
    assert [p.data for p in read_capture(tmp_path / "hold.pcapng")] == [cmp[0].data]


def test_cmp_only_bounds_what_waits(tmp_path: Path):
    writer = CmpOnlyWriter(str(tmp_path / "bound.pcapng"), 1, hold=1e9, max_bytes=2000)
    for i in range(10):
        writer.add(_packet(i + 1, 100.0 + i, _noise(40002 + i, "PA", b"y" * 500)))
        assert writer._waiting_bytes <= 2000 + 554
    writer.keep("10.9.9.1:40011", "10.9.9.2:9000")
    writer.close()
    assert [len(p.data) for p in read_capture(tmp_path / "bound.pcapng")] == [554]


def test_cmp_only_a_syn_starts_the_connection_afresh(tmp_path: Path):
    """Ports reused by a new connection: the old decision (dropped) does not carry over."""
    writer = CmpOnlyWriter(str(tmp_path / "syn.pcapng"), 1, hold=1.0)
    writer.add(_packet(1, 100.0, _noise(40100, "S")))
    writer.tick(102.0)  # dropped: no unit in time
    writer.add(_packet(2, 103.0, _noise(40100, "S")))
    writer.add(_packet(3, 103.1, _noise(40100, "PA", b"z")))
    writer.keep("10.9.9.1:40100", "10.9.9.2:9000")
    writer.close()
    assert [p.time for p in read_capture(tmp_path / "syn.pcapng")] == [103.0, 103.1]


def test_written_file_is_valid_before_close(tmp_path: Path):
    """Flushed per packet: what a Ctrl-C or a crash leaves behind reads back whole."""
    packets = list(read_capture(CAPTURES / "http-ir-pbm.pcap"))
    out = tmp_path / "open.pcapng"
    writer = PcapNgWriter(str(out), 1)
    for p in packets[:5]:
        writer.add(p)
    assert [p.data for p in read_capture(out)] == [p.data for p in packets[:5]]
    writer.close()


def test_tui_live_feed_shows_the_units_and_ends_the_capture(tmp_path: Path):
    """--tui: the app's worker runs the session; quitting leaves the capture closed and the file whole."""
    import asyncio

    from cmpdissect.sniff import live_app

    packets = list(read_capture(CAPTURES / "http-polling.pcap"))
    replay = Replay(packets)
    out = tmp_path / "tui.pcapng"
    session = LiveSession(replay, Pipeline(), PcapNgWriter(str(out), 1))  # type: ignore[arg-type]
    app = live_app(session)

    async def run() -> tuple[int, int]:
        async with app.run_test() as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                if len(app.units.rows_by_key) == 10:
                    break
            counts = len(app.transactions.rows_by_key), len(app.units.rows_by_key)
            await pilot.press("q")
        return counts

    assert asyncio.run(run()) == (1, 10)
    session.close()
    assert replay.closed
    assert len(list(read_capture(out))) == len(packets)
