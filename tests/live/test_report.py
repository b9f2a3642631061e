"""What `sniff` prints as units arrive: lines or JSON, findings once, transactions as they end or
expire, and the closing summary. Units of real captures, fed one by one as a live source would."""

from __future__ import annotations

import io
import json
from pathlib import Path

from cmpdissect.analysis.correlate import TransactionTable
from cmpdissect.contract import unit_dict
from cmpdissect.lines import unit_line
from cmpdissect.model import Unit
from cmpdissect.pipeline import read_units
from cmpdissect.sniff import LiveReport

CAPTURES = Path(__file__).resolve().parents[2] / "captures"
NEVER = 1e12  # the sample captures are older than any idle timeout


def _feed(report: LiveReport, name: str) -> list[Unit]:
    units = [u for u in read_units(CAPTURES / name) if isinstance(u, Unit)]
    for u in units:
        report.show(u)
    return units


def test_lines_as_units_arrive_then_the_transaction_when_it_ends():
    out, err = io.StringIO(), io.StringIO()
    report = LiveReport(TransactionTable(NEVER), out, err)
    units = _feed(report, "http-polling.pcap")
    lines = out.getvalue().splitlines()
    unit_lines = [unit_line(u, units[0].time) for u in units]
    assert [line for line in lines if not line.startswith(("  => ", "       ! "))] == unit_lines
    ended = [line for line in lines if line.startswith("  => ")]
    assert len(ended) == 1 and ended[0].split()[2:4] == ["ir", "accepted"]
    assert lines.index(ended[0]) == len(lines) - 1  # printed with the pkiconf, not before
    codes = [line.split()[2] for line in lines if line.startswith("       ! ")]
    assert len(codes) == len(set(codes))  # each finding code once per transaction
    report.summary("--- test")
    tail = out.getvalue().splitlines()[len(lines):]
    assert tail[0] == "--- test" and tail[2] == "--- 1 transaction: 1 accepted"
    assert tail[1].split()[1:3] == ["ir", "accepted"]
    assert err.getvalue() == ""


def test_json_units_on_stdout_and_the_rest_on_stderr():
    out, err = io.StringIO(), io.StringIO()
    report = LiveReport(TransactionTable(NEVER), out, err, as_json=True)
    units = _feed(report, "http-rejection.pcap")
    assert [json.loads(line) for line in out.getvalue().splitlines()] == [
        json.loads(json.dumps(unit_dict(u))) for u in units]
    report.summary("--- test")
    text = err.getvalue()
    assert "  => " in text and "rejected" in text and "--- 1 transaction: 1 rejected" in text


def test_idle_transactions_are_judged_forgotten_and_counted():
    units = [u for u in read_units(CAPTURES / "http-polling.pcap") if isinstance(u, Unit)]
    cut = next(i for i, u in enumerate(units) if u.message.body == "pollRep")
    out = io.StringIO()
    table = TransactionTable(NEVER)
    report = LiveReport(table, out, io.StringIO())
    for u in units[:cut + 1]:
        report.show(u)
    assert len(table.transactions) == 1
    table.idle_timeout = 1.0
    report.show(None)  # a tick: the transaction still polling has been idle since the capture was made
    assert table.transactions == []
    idle = [line for line in out.getvalue().splitlines() if line.startswith("  => idle 1 s: ")]
    assert len(idle) == 1 and idle[0].split()[6] == "waiting"
    report.summary("--- test")
    assert "\n--- 1 transaction: 1 waiting\n--- findings: " in out.getvalue()
