"""The findings of the selected transaction; choosing one jumps to the message of its frame."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from cmpdissect.model import Finding

SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


class FindingsTable(DataTable):
    """Severity, frame, code, message and the RFC section each finding enforces."""

    class FrameChosen(Message):
        """The user chose a finding or notice: show the message of `frame`."""

        def __init__(self, frame: int) -> None:
            super().__init__()
            self.frame = frame

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.findings: list[Finding] = []

    def on_mount(self) -> None:
        for name in ("severity", "frame", "code", "message", "reference"):
            self.add_column(name, key=name)

    def show(self, findings: list[Finding]) -> None:
        if findings == self.findings:
            return
        row = self.cursor_row
        self.findings = list(findings)
        self.clear()
        for n, f in enumerate(self.findings):
            self.add_row(Text(f.severity, style=SEVERITY_STYLES.get(f.severity, "")),
                         str(f.frame) if f.frame is not None else "", f.code, f.message, f.reference, key=str(n))
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        finding = self.findings[int(event.row_key.value)]
        if finding.frame:
            self.post_message(self.FrameChosen(finding.frame))
        else:
            self.notify(f"{finding.code} is not tied to a frame", severity="warning")
