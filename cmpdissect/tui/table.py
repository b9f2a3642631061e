"""A DataTable over row snapshots that keeps its own store, so filtering and sorting never lose rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from .filter import Filter, Record

R = TypeVar("R")
FILL_CHUNK = 400


def sort_value(cell: object) -> tuple[int, float, str]:
    """Numbers (`12`, `2.003 s`) sort as numbers, before text; empty cells last."""
    text = cell.plain if isinstance(cell, Text) else str(cell)
    head = text.split(" ", 1)[0]
    try:
        return (0, float(head), "")
    except ValueError:
        return (1 if text else 2, 0.0, text.lower())


class SnapshotTable(DataTable, Generic[R]):
    """Rows are snapshots keyed by `key(row)`; `put` adds or updates them in place, honouring the
    filter and the sort column (clicking a header sorts by it, clicking again reverses).

    DataTable measures every row it is given (about 1 ms a row), so a hidden table (the other
    list is shown) only keeps the snapshots until `sync`, and refilling after a filter or `sync`
    goes `FILL_CHUNK` rows per screen refresh: ten thousand units never freeze the keyboard.
    """

    def __init__(self, columns: tuple[str, ...], key: Callable[[R], Any], record: Callable[[R], Record],
                 cells: Callable[[R], tuple], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._columns = columns
        self._key = key
        self._record = record
        self._cells = cells
        self.rows_by_key: dict[str, R] = {}
        self.filter: Filter | None = None
        self.sort_column: str | None = None
        self.sort_reverse = False
        self.stale = False  # rows kept while hidden, not yet in the DataTable
        self.filling = False  # a refill is adding rows chunk by chunk
        self._generation = 0  # of refills: a newer one makes an older one stop
        self._wanted: str | None = None  # the row the cursor goes to once the refill reaches it

    def on_mount(self) -> None:
        for name in self._columns:
            self.add_column(name, key=name)

    def _shown(self, row: R) -> bool:
        return self.filter is None or self.filter.matches(self._record(row))

    def put(self, rows: list[R]) -> None:
        """Add new rows and update known ones, keeping the cursor on the row it was on."""
        if not self.display:
            self.rows_by_key.update((str(self._key(row)), row) for row in rows)
            self.stale = True
            return
        added = False
        for row in rows:
            key = str(self._key(row))
            old = self.rows_by_key.get(key)
            known = old is not None
            self.rows_by_key[key] = row
            visible = key in self.rows
            if not self._shown(row):
                if visible:
                    self.remove_row(key)
                continue
            if visible and old is not None:
                for column, before, value in zip(self._columns, self._cells(old), self._cells(row), strict=True):
                    if value != before:
                        self._update(key, column, value)
            else:
                self.add_row(*self._cells(row), key=key)
                added = added or known or self.sort_column is not None
        if added:
            self._resort()

    def _update(self, key: str, column: str, value: Text) -> None:
        """Update one cell; widen its column only when the value does not fit, since DataTable
        re-measures the whole column when asked to fit a value narrower than its widest."""
        self.update_cell(key, column, value, update_width=value.cell_len > self.columns[ColumnKey(column)].content_width)

    def fit_columns(self) -> None:
        """Column widths as the rows now need them. DataTable widths only grow, and a cell can be
        wider while its transaction grows (an early outcome, a flow not yet folded into `[..]x2`)."""
        rows = [self._cells(row) for row in self.rows_by_key.values() if self._shown(row)]
        for i, column in enumerate(self.ordered_columns):
            column.content_width = max([column.label.cell_len, *(_width(r[i]) for r in rows)])
        self._require_update_dimensions = True
        self.refresh()

    def sync(self) -> None:
        """Show what arrived while hidden."""
        if self.stale:
            self.set_filter(self.filter)

    def set_filter(self, flt: Filter | None) -> None:
        self.filter = flt
        if not self.display:
            self.stale = True
            return
        self._wanted = self.current_key()
        self.stale = False
        self.clear()
        self._generation += 1
        keys = [key for key, row in self.rows_by_key.items() if self._shown(row)]
        self._fill(self._generation, keys, 0)

    def _fill(self, generation: int, keys: list[str], start: int) -> None:
        if generation != self._generation:
            return
        for key in keys[start : start + FILL_CHUNK]:
            row = self.rows_by_key[key]
            if key not in self.rows and self._shown(row):  # `put` may have added it meanwhile
                self.add_row(*self._cells(row), key=key)
        self.filling = start + FILL_CHUNK < len(keys)
        if self.filling:
            self.call_after_refresh(self._fill, generation, keys, start + FILL_CHUNK)
            return
        self._resort()
        wanted, self._wanted = self._wanted, None
        self.move_to(wanted)

    def sort_by(self, column: str) -> None:
        if self.sort_column == column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column, False
        current = self.current_key()
        self._resort()
        self.move_to(current)

    def _resort(self) -> None:
        if self.sort_column is not None:
            self.sort(self.sort_column, key=sort_value, reverse=self.sort_reverse)
        else:
            self.sort(key=lambda cells: sort_value(cells[0]))  # back to capture order

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))

    def current_key(self) -> str | None:
        if not self.row_count:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def current(self) -> R | None:
        key = self.current_key()
        return self.rows_by_key.get(key) if key is not None else None

    def move_to(self, key: str | None) -> bool:
        """Put the cursor on the row with this key, if it is shown (or once a refill adds it)."""
        if key is None or key not in self.rows:
            if self.filling:
                self._wanted = key
            return False
        self.move_cursor(row=self.get_row_index(key))
        return True


def _width(cell: object) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))
