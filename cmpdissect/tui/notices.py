"""What the pipeline reported besides units: gaps, damaged records, unreadable input."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from cmpdissect.model import Notice

from .findings import SEVERITY_STYLES, FindingsTable


class NoticeTable(DataTable):
    """Notices in capture order; choosing one with a frame jumps to the units around it."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.notices: list[Notice] = []

    def on_mount(self) -> None:
        for name in ("severity", "frame", "stream", "message"):
            self.add_column(name, key=name)

    def add(self, notices: list[Notice]) -> None:
        for notice in notices:
            self.add_row(Text(notice.severity, style=SEVERITY_STYLES.get(notice.severity, "")),
                         str(notice.frame) if notice.frame else "",
                         str(notice.stream) if notice.stream is not None else "", notice.message,
                         key=str(len(self.notices)))
            self.notices.append(notice)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        notice = self.notices[int(event.row_key.value)]
        if notice.frame:
            self.post_message(FindingsTable.FrameChosen(notice.frame))
