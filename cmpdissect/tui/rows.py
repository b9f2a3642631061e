"""Immutable snapshots of transactions and units, taken in the loading thread.

The loader correlates off the UI thread, so the UI must never read a `Transaction` while the
`TransactionTable` grows it: the loader turns each changed transaction into a `TxnRow` (its cells
and its filter record) and hands only these over. Every cell is a `Text`: DataTable would parse a
plain string as console markup, which costs time and would misread a subject like "CN=[ops]".
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from cmpdissect.model import Transaction, Unit

from .filter import Record, transaction_fields, unit_fields

OUTCOME_STYLES = {
    "accepted": "bold green", "partial": "yellow", "rejected": "bold red", "error": "bold red",
    "waiting": "bold yellow", "incomplete": "magenta", "unanswered": "magenta",
}
STATUS_STYLES = {
    "accepted": "green", "grantedWithMods": "green", "rejection": "red", "waiting": "yellow",
    "revocationWarning": "yellow", "revocationNotification": "green", "keyUpdateWarning": "yellow",
}
PROTECTION_MARKS = {"valid": ("✓", "green"), "invalid": ("✗", "bold red"), "unverifiable": ("?", "yellow")}


def short_tid(tid: bytes | None) -> str:
    return tid.hex()[:8] if tid is not None else "--------"


def flow_summary(messages: list[str]) -> str:
    """The flow with polling rounds folded: `ir ip(waiting) [pollReq pollRep]x3 ip(accepted) ...`."""
    out: list[str] = []
    i, n = 0, len(messages)
    while i < n:
        for size in (2, 1):
            unit = messages[i : i + size]
            count = 1
            while len(unit) == size and messages[i + count * size : i + (count + 1) * size] == unit:
                count += 1
            if count > 1:
                text = " ".join(unit)
                out.append(f"[{text}]x{count}" if size > 1 else f"{text}x{count}")
                i += count * size
                break
        else:
            out.append(messages[i])
            i += 1
    return " ".join(out)


def duration_text(start: float | None, end: float | None) -> str:
    return f"{end - start:.3f} s" if start is not None and end is not None else ""


@dataclass(frozen=True, slots=True)
class TxnRow:
    """What the transactions pane shows of one transaction, as of one moment."""

    key: int  # id() of the Transaction: stable while the table holds it
    txn: Transaction
    seq: int  # order of first appearance
    cells: tuple[Text, ...]
    record: Record


def transaction_row(txn: Transaction, seq: int) -> TxnRow:
    findings = txn.findings
    worst = next((s for s in ("error", "warning") if any(f.severity == s for f in findings)), None)
    count = Text(str(len(findings)) if findings else "", style={"error": "red", "warning": "yellow"}.get(worst or "", ""))
    cells = (
        Text(str(seq + 1)), Text(short_tid(txn.transaction_id)), Text(txn.kind or "?"), Text(txn.client or ""),
        Text(txn.server or ""), Text(txn.outcome, style=OUTCOME_STYLES.get(txn.outcome, "")),
        Text(duration_text(txn.start, txn.end)), count, Text(flow_summary(txn.messages)),
    )
    return TxnRow(id(txn), txn, seq, cells, transaction_fields(txn))


@dataclass(frozen=True, slots=True)
class UnitRow:
    unit: Unit
    seq: int
    cells: tuple[Text, ...]
    record: Record


def what_text(unit: Unit) -> Text:
    """`ip(accepted)` with the statuses coloured, or `tcp:pollRep` for a transport frame."""
    m = unit.message
    text = Text()
    if m is not None and m.body:
        text.append(m.body, style="bold")
        if m.status:
            text.append("(")
            for n, status in enumerate(m.status):
                text.append(("," if n else "") + status, style=STATUS_STYLES.get(status, ""))
            text.append(")")
    elif unit.frame_type:
        text.append(f"tcp:{unit.frame_type}", style="magenta")
    else:
        text.append("?", style="red")
    mark = PROTECTION_MARKS.get(unit.protection)
    if mark:
        text.append(f" {mark[0]}", style=mark[1])
    return text


def unit_row(unit: Unit, seq: int, first_time: float | None) -> UnitRow:
    m = unit.message
    rel = f"{unit.time - first_time:.6f}" if unit.time is not None and first_time is not None else ""
    info = []
    if unit.frame_type and m is not None and m.body:
        info.append(f"[{unit.frame_type}]")
    if m is not None and m.fail_info:
        info.append("failInfo=" + ",".join(m.fail_info))
    if m is not None and m.check_after:
        info.append("checkAfter=" + ",".join(map(str, m.check_after)))
    if unit.http is not None and unit.http.status not in (None, 200):
        info.append(f"HTTP {unit.http.status}")
    if unit.error:
        info.append(f"!! {unit.error}")
    cells = (
        Text(str(unit.frame)), Text(rel), Text(unit.src or "(file)"), Text(unit.dst or ""), Text(unit.transport),
        what_text(unit), Text(short_tid(m.transaction_id) if m is not None and m.transaction_id is not None else ""),
        Text(" ".join(info), style="red" if unit.error else ""),
    )
    return UnitRow(unit, seq, cells, unit_fields(unit))
