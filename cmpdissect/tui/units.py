"""The units pane (Wireshark's packet list): every decoded PKIMessage and transport frame."""

from __future__ import annotations

from typing import Any

from .rows import UnitRow
from .table import SnapshotTable

COLUMNS = ("frame", "time", "source", "destination", "transport", "message", "tid", "info")


class UnitList(SnapshotTable[UnitRow]):
    """Frame, relative time, endpoints, transport, body with statuses, tid and what went wrong."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(COLUMNS, key=lambda r: r.seq, record=lambda r: r.record, cells=lambda r: r.cells, **kwargs)
