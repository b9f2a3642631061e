"""Saving from the UI: the selected message as DER, the certificates it carries as PEM, and a
report of the selected transaction (`cmpdissect.report`: Markdown, or HTML / JSON by the name's
suffix). The file name is asked for, with a default that says what it is."""

from __future__ import annotations

import json
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from cmpdissect.analysis.correlate import TransactionTable
from cmpdissect.asn1.tree import carried_objects
from cmpdissect.contract import transaction_dict, unit_dict
from cmpdissect.export import pem, unit_prefix
from cmpdissect.model import Transaction, Unit
from cmpdissect.report.html import render_html
from cmpdissect.report.json_report import render_json
from cmpdissect.report.markdown import render_markdown
from cmpdissect.report.summary import Report, build_report


def message_name(unit: Unit) -> str:
    body = unit.message.body if unit.message and unit.message.body else "unknown"
    return f"{unit_prefix(unit)}-{body}-msg.der"


def certificates_name(unit: Unit) -> str:
    return message_name(unit).replace("-msg.der", "-certs.pem")


def report_name(txn: Transaction) -> str:
    tid = txn.transaction_id.hex()[:8] if txn.transaction_id is not None else f"f{txn.frames[0]:04d}"
    return f"txn-{tid}-{txn.kind or 'unknown'}.md"


def certificates_pem(unit: Unit) -> str:
    """Every certificate the message carries (issued, caPubs, extraCerts ...) as one PEM bundle."""
    return "".join(pem(obj.der, "CERTIFICATE") for obj in carried_objects(unit.der or b"") if obj.kind == "cert")


def transaction_report(capture: str, txn: Transaction, table: TransactionTable) -> Report | None:
    """The report of this one transaction; None once a live session's table has forgotten it."""
    try:
        return build_report(capture, list(txn.units), (), table, [txn])
    except KeyError:
        return None


def report_text(report: Report | None, txn: Transaction, path: Path) -> str:
    """The report in the format the file name asks for: `.html`, `.json`, else Markdown. Without a
    report, the CONTRACT.md transaction object with its units, as JSON."""
    if report is None:
        data = transaction_dict(txn)
        data["units"] = [unit_dict(u) for u in txn.units]
        return json.dumps(data, indent=2) + "\n"
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        return render_html(report)
    if suffix == ".json":
        return render_json(report)
    return render_markdown(report)


def write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)


class SaveScreen(ModalScreen[Path | None]):
    """Asks where to save; Enter confirms, Escape cancels."""

    AUTO_FOCUS = "#save-path"
    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, what: str, default: Path) -> None:
        super().__init__()
        self.what = what
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="save"):
            yield Label(f"Save {self.what} to:")
            yield Input(str(self.default), id="save-path")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(Path(event.value).expanduser() if event.value.strip() else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
