"""The transactions pane: one row per CMP transaction, updated in place while it grows."""

from __future__ import annotations

from typing import Any

from .rows import TxnRow
from .table import SnapshotTable

COLUMNS = ("#", "tid", "kind", "client", "server", "outcome", "duration", "findings", "flow")


class TransactionList(SnapshotTable[TxnRow]):
    """Short id, kind, peers, flow, outcome (coloured), duration and number of findings."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(COLUMNS, key=lambda r: r.key, record=lambda r: r.record, cells=lambda r: r.cells, **kwargs)
