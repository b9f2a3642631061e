"""The `sniff` command: CMP decoded live from a network interface, like `tshark -i`.

A live session is a capture that has not ended yet: packets go through the same pipeline and
correlator as a file, one at a time. Units are printed as they complete (tshark-like lines, or
CONTRACT.md JSON lines), findings as they arise, and each transaction's line once it ends.
Transactions idle past `--idle-timeout` are judged (as incomplete or waiting) and forgotten, so a
long sniff keeps bounded memory. Ctrl-C or SIGTERM stops the capture; what was captured before is
still decoded and written, then a summary of transactions and findings closes the output.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import TextIO

from cmpdissect.analysis.correlate import TransactionTable
from cmpdissect.analysis.outcome import ENDED
from cmpdissect.contract import unit_dict
from cmpdissect.lines import transaction_line, unit_line
from cmpdissect.model import Finding, Notice, Transaction, Unit
from cmpdissect.options import OptionError, add_input_options, make_pipeline
from cmpdissect.pipeline import Pipeline
from cmpdissect.sources.live import (
    DEFAULT_FILTER,
    CmpOnlyWriter,
    LiveCapture,
    LiveError,
    LiveStats,
    PcapNgWriter,
    capture_filter,
)

TICK = 0.5  # seconds without packets after which idle work (expiry, --cmp-only decisions) runs
EXPIRE_EVERY = 1.0  # seconds between looks for idle transactions


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "sniff", help="decode CMP live on a network interface (needs root or CAP_NET_RAW)",
        description="Capture on an interface and decode CMP as it goes by. Ctrl-C stops with a summary.")
    p.add_argument("-i", dest="interface", required=True, metavar="IFACE", help="interface to capture on")
    p.add_argument("-f", dest="filter", metavar="BPF",
                   help=f"capture filter (default {DEFAULT_FILTER!r}: CMP over HTTP on any port, "
                        "TCP transports on any port, CoAP on its port)")
    p.add_argument("--port", type=_port, action="append", default=[],
                   help="also capture this TCP/UDP port (added to the filter with `or`); repeatable")
    p.add_argument("-c", dest="count", type=_positive_int, metavar="COUNT", help="stop after COUNT packets")
    p.add_argument("-a", dest="autostop", type=_autostop, action="append", default=[],
                   metavar="duration:SEC|packets:N", help="stop after SEC seconds or N packets")
    p.add_argument("-w", dest="write", metavar="FILE.pcapng",
                   help="write the captured packets to a pcapng file (valid even after Ctrl-C)")
    p.add_argument("--cmp-only", action="store_true",
                   help="with -w: keep only the connections that carried CMP (written up to 10 s late)")
    p.add_argument("--idle-timeout", type=float, default=600.0, metavar="SEC",
                   help="judge and forget a transaction idle this long (default 600)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="one CONTRACT.md unit object per line")
    mode.add_argument("--tui", action="store_true", help="the interactive view, updated live")
    add_input_options(p)
    p.set_defaults(run=cmd_sniff)
    return p


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return int(text)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return int(text)


def _autostop(text: str) -> tuple[str, float]:
    """tshark's `-a duration:SEC` and `-a packets:N`."""
    kind, _, value = text.partition(":")
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if kind not in ("duration", "packets") or number <= 0 or (kind == "packets" and not number.is_integer()):
        raise argparse.ArgumentTypeError(f"expected duration:SEC or packets:N, not {text!r}")
    return kind, number


def cmd_sniff(ns: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    if ns.cmp_only and not ns.write:
        print("cmpdissect: error: --cmp-only needs -w FILE", file=err)
        return 2
    counts = [int(v) for k, v in ns.autostop if k == "packets"] + ([ns.count] if ns.count else [])
    durations = [v for k, v in ns.autostop if k == "duration"]
    try:
        pipeline = make_pipeline(ns)
        capture = LiveCapture(ns.interface, capture_filter(ns.filter, ns.port),
                              count=min(counts) if counts else None,
                              duration=min(durations) if durations else None)
    except (LiveError, OptionError) as exc:
        print(f"cmpdissect: error: {exc}", file=err)
        return 2
    try:
        writer = _writer(ns.write, ns.cmp_only, capture.linktype) if ns.write else None
    except LiveError as exc:
        capture.close()
        print(f"cmpdissect: error: {exc}", file=err)
        return 2
    session = LiveSession(capture, pipeline, writer)
    if ns.tui:
        return _run_tui(session, err)
    report = LiveReport(TransactionTable(ns.idle_timeout), out, err, as_json=ns.json)
    print(f"cmpdissect: capturing on {capture.iface} with filter {capture.bpf!r}"
          + (f", writing {ns.write}" if ns.write else ""), file=err)
    started = time.monotonic()
    try:
        with _signals_stop(capture):
            capture.start()
            for item in session.items():
                report.show(item)
            for item in session.finish():
                report.show(item)
    finally:
        session.close()  # also when the output pipe closed: the file keeps what was captured
    report.summary(_capture_line(capture.iface, capture.stats, time.monotonic() - started, pipeline,
                                 report.units, writer))
    if capture.error:
        print(f"cmpdissect: error: {capture.error}", file=err)
        return 2
    return 0


def _writer(path: str, cmp_only: bool, linktype: int) -> PcapNgWriter:
    return CmpOnlyWriter(path, linktype) if cmp_only else PcapNgWriter(path, linktype)


class LiveSession:
    """A live capture through the pipeline, written to the pcapng file on the way."""

    def __init__(self, capture: LiveCapture, pipeline: Pipeline, writer: PcapNgWriter | None = None,
                 tick: float = TICK) -> None:
        self.capture = capture
        self.pipeline = pipeline
        self.writer = writer
        self.tick = tick

    def items(self) -> Iterator[Unit | Notice | None]:
        """Units and notices as packets complete them; None whenever `tick` seconds pass without a
        packet. Ends when the capture stops (count, duration, `capture.stop()`)."""
        for packet in self.capture.packets(self.tick):
            if packet is None:
                if self.writer is not None:
                    self.writer.tick(time.time())
                yield None
                continue
            found = self.pipeline.feed(packet)
            if self.writer is not None:
                for item in found:
                    if isinstance(item, Unit):
                        self.writer.keep(item.src, item.dst)
                self.writer.add(packet)
            yield from found

    def finish(self) -> list[Unit | Notice]:
        """After the capture ended: what the pipeline still held; the file and socket are closed."""
        found = self.pipeline.finish()
        if self.writer is not None:
            for item in found:
                if isinstance(item, Unit):
                    self.writer.keep(item.src, item.dst)
            self.writer.close()
        self.capture.close()
        return found

    def close(self) -> None:
        """Stop without decoding further (the TUI quit): end the reader thread, close the file."""
        self.capture.close()
        if self.writer is not None:
            self.writer.close()


class LiveReport:
    """The output: units as they arrive (lines, or JSON on stdout), findings as they arise and
    transactions as they end or expire (with --json on stderr, for people), and the closing
    summary. Keeps counts, not objects, of what expired."""

    def __init__(self, table: TransactionTable, out: TextIO, err: TextIO, as_json: bool = False) -> None:
        self.table = table
        self.out = out
        self.err = err
        self.as_json = as_json
        self.text = err if as_json else out  # findings, transaction lines, summary: for people
        self.first_time: float | None = None
        self._shown: dict[int, set[str]] = {}  # id(txn) -> finding codes printed
        self._ended: dict[int, str] = {}  # id(txn) -> the outcome its line was printed with
        self._next_expiry = 0.0
        self.outcomes: Counter[str] = Counter()  # of transactions already expired
        self.findings: Counter[tuple[str, str]] = Counter()  # (severity, code) of expired transactions
        self.units = 0

    def show(self, item: Unit | Notice | None) -> None:
        if isinstance(item, Notice):
            where = f" (frame {item.frame})" if item.frame else ""
            print(f"cmpdissect: {item.severity}: {item.message}{where}", file=self.err)
        elif isinstance(item, Unit):
            self._unit(item)
        now = time.time()
        if item is None or now >= self._next_expiry:  # on every idle tick, and at least once a second
            self._expire(now)

    def _unit(self, unit: Unit) -> None:
        self.units += 1
        if self.first_time is None:
            self.first_time = unit.time
        if self.as_json:
            self.out.write(json.dumps(unit_dict(unit)) + "\n")
        else:
            self.out.write(unit_line(unit, self.first_time) + "\n")
        for txn in self.table.add(unit):
            self._progress(txn)
        self.out.flush()
        self.text.flush()

    def _progress(self, txn: Transaction) -> None:
        """New findings, each code once per transaction (the summary counts every one), and the
        transaction's line when it reaches an end."""
        shown = self._shown.setdefault(id(txn), set())
        for f in txn.findings:
            if f.code not in shown:
                shown.add(f.code)
                self.text.write(_finding_line(f) + "\n")
        if txn.outcome in ENDED and self._ended.get(id(txn)) != txn.outcome:
            self._ended[id(txn)] = txn.outcome
            self.text.write("  => " + transaction_line(txn) + "\n")

    def _expire(self, now: float) -> None:
        self._next_expiry = now + EXPIRE_EVERY
        for txn in self.table.expire(now):
            self._count(txn)
            self.text.write(f"  => idle {self.table.idle_timeout:g} s: " + transaction_line(txn) + "\n")
            self.text.flush()

    def _count(self, txn: Transaction) -> None:
        self._shown.pop(id(txn), None)
        self._ended.pop(id(txn), None)
        self.outcomes[txn.outcome] += 1
        self.findings.update((f.severity, f.code) for f in txn.findings)

    def summary(self, capture_line: str) -> None:
        """What was captured, the transactions still held (judged as of now), then totals: the text
        a user reads after Ctrl-C."""
        held = self.table.finish()
        lines = [capture_line, *(transaction_line(t) for t in held)]
        for txn in held:
            self._count(txn)
        total = sum(self.outcomes.values())
        by_outcome = ", ".join(f"{n} {o}" for o, n in self.outcomes.most_common())
        lines.append(f"--- {total} transaction{'s' * (total != 1)}" + (f": {by_outcome}" if total else ""))
        if self.findings:
            severities = Counter[str]()
            for (severity, _), n in self.findings.items():
                severities[severity] += n
            lines.append("--- findings: " + ", ".join(f"{n} {s}" for s, n in severities.most_common()) + " ("
                         + ", ".join(f"{code} x{n}" for (_, code), n in self.findings.most_common()) + ")")
        else:
            lines.append("--- no findings")
        self.text.write("\n".join(lines) + "\n")
        self.text.flush()


def _finding_line(f: Finding) -> str:
    where = f"frame {f.frame}, " if f.frame else ""
    return f"       ! {f.severity} {f.code}: {f.message} ({where}{f.reference})"


def _capture_line(iface: str, stats: LiveStats, seconds: float, pipeline: Pipeline, units: int,
                  writer: PcapNgWriter | None) -> str:
    lost = stats.kernel_dropped + stats.queue_dropped
    text = (f"--- {iface}: {stats.captured} packets in {seconds:.1f} s, {lost} lost "
            f"(kernel {stats.kernel_dropped}, queue {stats.queue_dropped}); "
            f"{pipeline.stats.cmp_streams} CMP streams, {units} units")
    if writer is not None:
        text += f"; {writer.written} packets written"
    return text


@contextlib.contextmanager
def _signals_stop(capture: LiveCapture) -> Iterator[None]:
    """Ctrl-C and SIGTERM stop the capture instead of killing the process, so what was captured
    is still decoded and written; a second Ctrl-C interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        if capture.stopping and signum == signal.SIGINT:
            raise KeyboardInterrupt
        capture.stop()

    old = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _run_tui(session: LiveSession, err: TextIO) -> int:
    """The Textual app in live mode, fed from the capture; the capture ends when the app quits."""
    try:
        app = live_app(session)
    except ImportError as exc:
        session.close()
        print(f"cmpdissect: error: the TUI cannot start: {exc}", file=err)
        return 2
    session.capture.start()
    try:
        app.run()
    finally:
        session.close()  # the reader thread ends; the app's worker then sees the feed end
    return 0


def live_app(session: LiveSession):  # -> cmpdissect.tui.CmpApp, imported only when asked for
    """The TUI in live mode over `session`: the feed (run in the app's worker thread) yields units
    and notices as packets complete them, then what the pipeline still held when the capture ended."""
    from cmpdissect.tui import CmpApp

    def feed() -> Iterator[Unit | Notice]:
        for item in session.items():
            if item is not None:
                yield item
        yield from session.finish()

    return CmpApp(feed, title=f"cmpdissect sniff -i {session.capture.iface}", live=True)
