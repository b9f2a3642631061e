"""The `report` and `diff` commands (registered by cli.py through `add_parser` / `add_diff_parser`).

Exit codes (CONTRACT.md): 0 the command ran, 2 bad usage or unreadable input, 1 when
`report --fail-on` finds a failed transaction or a finding of that severity or worse.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import textwrap
from dataclasses import dataclass
from itertools import zip_longest
from typing import TYPE_CHECKING, Any, TextIO

from cmpdissect.analysis.correlate import TransactionTable
from cmpdissect.analysis.timing import Timing
from cmpdissect.contract import transaction_dict
from cmpdissect.model import Notice, Transaction, Unit
from cmpdissect.options import OptionError, add_input_options, make_pipeline
from cmpdissect.pipeline import Pipeline, read_units
from cmpdissect.sources.capture import CaptureError

from .timefmt import seconds

if TYPE_CHECKING:
    from cmpdissect.analysis.diff import FieldDiff, TransactionDiff

    from .summary import Report

# The renderers and the diff pull in the full ASN.1 schema (about a second to import): they are
# imported when a report or diff is made, so every other command starts fast.
FORMATS = ("html", "json", "md")


def _render(fmt: str, report: Report) -> str:
    from .html import render_html
    from .json_report import render_json
    from .markdown import render_markdown

    return {"html": render_html, "md": render_markdown, "json": render_json}[fmt](report)
SUFFIXES = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".json": "json"}


class UsageError(Exception):
    """Bad arguments or unreadable input: one line on stderr, exit 2."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """`cmpdissect report CAPTURE -o FILE`."""
    p = subparsers.add_parser("report", help="write a report of a capture's transactions (HTML, Markdown, JSON)",
                              description="A summary, failures first, then one section per transaction: "
                                          "ladder, timing, key fields, certificates issued, findings, polling.")
    p.add_argument("capture", help="pcap, pcapng, or a DER/PEM/base64 PKIMessage file")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="file to write; the format follows its suffix (.html, .md, .json); default stdout")
    p.add_argument("--format", choices=FORMATS, help="the format, whatever the suffix (default md on stdout)")
    p.add_argument("--redact", action="store_true", help="mask subject names and serial numbers")
    p.add_argument("--fail-on", choices=("error", "warning"),
                   help="exit 1 when a transaction failed or a finding of this severity or worse exists")
    add_input_options(p)
    p.set_defaults(run=run_report)
    return p


def add_diff_parser(subparsers: Any) -> argparse.ArgumentParser:
    """`cmpdissect diff A B`."""
    p = subparsers.add_parser(
        "diff", help="compare two transactions field by field",
        description="Compare two transactions, from one capture or two: flow, timing, and every header and body "
                    "field that differs. A and B are CAPTURE, CAPTURE#N (the N-th transaction as `transactions` "
                    "lists them, from 1) or CAPTURE@TID (a transactionID or a prefix of it, in hex). A bare "
                    "CAPTURE must hold exactly one transaction.")
    p.add_argument("a", metavar="A", help="CAPTURE, CAPTURE#N or CAPTURE@TID")
    p.add_argument("b", metavar="B", help="CAPTURE, CAPTURE#N or CAPTURE@TID")
    p.add_argument("--json", action="store_true", help="the comparison as one JSON object")
    p.add_argument("--all", action="store_true",
                   help="also fields that differ in every run: nonces, transactionID, messageTime, "
                        "protection and signature bits, keys, serials and validity of issued certificates")
    add_input_options(p)
    p.set_defaults(run=run_diff)
    return p


def _pipeline(ns: argparse.Namespace) -> Pipeline:
    try:
        return make_pipeline(ns)
    except OptionError as exc:
        raise UsageError(str(exc)) from None


@dataclass(slots=True)
class Loaded:
    """A capture read to the end and correlated."""

    units: list[Unit]
    notices: list[Notice]
    table: TransactionTable
    transactions: list[Transaction]


def load(path: str, pipeline: Pipeline) -> Loaded:
    units: list[Unit] = []
    notices: list[Notice] = []
    table = TransactionTable()
    try:
        for item in read_units(path, pipeline):
            if isinstance(item, Notice):
                notices.append(item)
            else:
                units.append(item)
                table.add(item)
    except CaptureError as exc:
        raise UsageError(str(exc)) from None
    return Loaded(units, notices, table, table.finish())


# -- report ----------------------------------------------------------------------------------------


def run_report(ns: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        fmt = ns.format or _format_of(ns.output)
        loaded = load(ns.capture, _pipeline(ns))
        from .summary import build_report

        report = build_report(os.path.basename(ns.capture), loaded.units, loaded.notices, loaded.table,
                              loaded.transactions, redact=ns.redact)
        text = _render(fmt, report)
        _write(ns.output, text, out)
    except UsageError as exc:
        print(f"cmpdissect: error: {exc}", file=err)
        return 2
    if ns.output and ns.output != "-":
        print(f"cmpdissect: {_counts(report)}; {fmt} report written to {ns.output}", file=err)
    from .summary import fails

    return 1 if ns.fail_on and fails(report, ns.fail_on) else 0


def _format_of(output: str | None) -> str:
    if not output or output == "-":
        return "md"
    suffix = os.path.splitext(output)[1].lower()
    if suffix not in SUFFIXES:
        raise UsageError(f"cannot tell the report format from {output!r}: use .html, .md or .json, or --format")
    return SUFFIXES[suffix]


def _write(output: str | None, text: str, out: TextIO) -> None:
    if not output or output == "-":
        out.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _counts(report: Report) -> str:
    found = ", ".join(f"{n} {s}" for s, n in report.findings.items() if n) or "no findings"
    return f"{len(report.transactions)} transactions ({report.failed} failed), {found}"


# -- diff ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Chosen:
    spec: str
    capture: str
    number: int  # 1-based among the capture's transactions
    txn: Transaction
    timing: Timing


def run_diff(ns: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        cache: dict[str, Loaded] = {}
        a, b = (choose(spec, cache, lambda path: load(path, _pipeline(ns))) for spec in (ns.a, ns.b))
    except UsageError as exc:
        print(f"cmpdissect: error: {exc}", file=err)
        return 2
    from cmpdissect.analysis.diff import diff_transactions

    result = diff_transactions(a.txn, b.txn, all_fields=ns.all)
    if ns.json:
        out.write(json.dumps(diff_dict(a, b, result)) + "\n")
    else:
        out.write(diff_text(a, b, result, shutil.get_terminal_size((120, 24)).columns))
    return 0


def split_spec(spec: str) -> tuple[str, int | None, str | None]:
    """CAPTURE, CAPTURE#N or CAPTURE@TID -> (path, index, tid prefix); an existing file wins."""
    if os.path.exists(spec):
        return spec, None, None
    path, sep, rest = spec.rpartition("#")
    if sep and rest.isdigit():
        return path, int(rest), None
    path, sep, rest = spec.rpartition("@")
    if sep and rest:
        return path, None, rest.lower()
    return spec, None, None


def choose(spec: str, cache: dict[str, Loaded], loader: Any) -> Chosen:
    path, index, prefix = split_spec(spec)
    if path not in cache:
        cache[path] = loader(path)
    loaded = cache[path]
    txns = loaded.transactions
    if index is not None:
        if not 1 <= index <= len(txns):
            raise UsageError(f"{path} holds {len(txns)} transactions: there is no #{index}")
        number = index
    elif prefix is not None:
        hits = [n for n, t in enumerate(txns, 1)
                if t.transaction_id is not None and t.transaction_id.hex().startswith(prefix)]
        if len(hits) != 1:
            what = "no" if not hits else f"{len(hits)}"
            raise UsageError(f"{what} transactions in {path} have a transactionID starting with {prefix!r}")
        number = hits[0]
    elif len(txns) == 1:
        number = 1
    else:
        raise UsageError(f"{path} holds {len(txns)} transactions: pick one with {path}#N or {path}@TID")
    txn = txns[number - 1]
    return Chosen(spec, path, number, txn, loaded.table.timing(txn))


def _fd(d: FieldDiff) -> dict[str, Any]:
    return {"path": d.path, "a": d.a, "b": d.b}


def _timing_dict(t: Timing) -> dict[str, Any]:
    return {
        "duration": t.duration,
        "round_trips": [{"request_frame": r.request_frame, "response_frame": r.response_frame, "seconds": r.seconds}
                        for r in t.round_trips],
        "polls": [{"pollrep_frame": p.pollrep_frame, "check_back": p.check_back, "waited": p.waited,
                   "too_soon": p.too_soon} for p in t.polls],
    }


def _rel(c: Chosen, index: int | None) -> float | None:
    if index is None:
        return None
    t = c.txn.units[index].time
    return t - c.txn.start if t is not None and c.txn.start is not None else None


def diff_dict(a: Chosen, b: Chosen, d: TransactionDiff) -> dict[str, Any]:
    return {
        "a": {"capture": a.capture, "number": a.number, "transaction": transaction_dict(a.txn),
              "timing": _timing_dict(a.timing)},
        "b": {"capture": b.capture, "number": b.number, "transaction": transaction_dict(b.txn),
              "timing": _timing_dict(b.timing)},
        "same": d.same,
        "fields": [_fd(f) for f in d.fields],
        "flow": [{"a_label": p.a_label, "b_label": p.b_label, "a_frame": p.a_frame, "b_frame": p.b_frame,
                  "a_time": _rel(a, p.a_index), "b_time": _rel(b, p.b_index),
                  "fields": [_fd(f) for f in p.fields]} for p in d.pairs],
    }


def _rows(rows: list[tuple[str, str, str]], width: int) -> list[str]:
    """Three columns, the two value columns wrapped to share the terminal width."""
    first = min(max((len(r[0]) for r in rows), default=10), 56)
    col = max(20, (width - first - 6) // 2)
    out = []
    for name, va, vb in rows:
        wa = textwrap.wrap(va, col) or [""]
        wb = textwrap.wrap(vb, col) or [""]
        names = textwrap.wrap(name, first) or [""]
        for n, x, y in zip_longest(names, wa, wb, fillvalue=""):
            out.append(f"  {n:<{first}}  {x:<{col}}  {y}".rstrip())
    return out


def _v(value: str | None) -> str:
    return "(absent)" if value is None else value


def diff_text(a: Chosen, b: Chosen, d: TransactionDiff, width: int = 120) -> str:
    lines = []
    for tag, c in (("A", a), ("B", b)):
        t = c.txn
        tid = t.transaction_id.hex() if t.transaction_id is not None else "-"
        lines.append(f"{tag}: {c.capture}#{c.number}  {t.kind or '?'} {t.outcome}  tid {tid}  "
                     f"{t.client} -> {t.server}")
    lines += ["", "Flow"]
    flow = []
    for p in d.pairs:
        mark = "*" if p.fields or p.a_label != p.b_label else " "
        side = [f"{label} (frame {frame}, +{seconds(_rel(c, i))})" if label is not None else "(absent)"
                for label, frame, c, i in ((p.a_label, p.a_frame, a, p.a_index), (p.b_label, p.b_frame, b, p.b_index))]
        flow.append((f"{mark} {len(flow) + 1}", side[0], side[1]))
    lines += _rows(flow, width)
    lines += ["", "Timing"]
    lines += _rows([
        ("duration", seconds(a.timing.duration), seconds(b.timing.duration)),
        ("round trips", ", ".join(seconds(r.seconds) for r in a.timing.round_trips) or "-",
         ", ".join(seconds(r.seconds) for r in b.timing.round_trips) or "-"),
        ("polls", str(len(a.timing.polls)), str(len(b.timing.polls))),
    ], width)
    if d.same:
        lines += ["", "No differences."]
        return "\n".join(lines) + "\n"
    if d.fields:
        lines += ["", "Transaction"]
        lines += _rows([(f.path, _v(f.a), _v(f.b)) for f in d.fields], width)
    for p in d.pairs:
        if not p.fields:
            continue
        lines += ["", f"{p.name} (frame {p.a_frame} / frame {p.b_frame})"]
        lines += _rows([(f.path, _v(f.a), _v(f.b)) for f in p.fields], width)
    return "\n".join(lines) + "\n"
