"""`CmpApp`: the Textual application, fed by any iterator of units (a file or a live sniff).

The feed runs in a worker thread and correlation happens there too; the UI thread only receives
immutable row snapshots, in batches. The loader never waits for the UI: it posts a batch when the
UI has taken the previous one and `batch_seconds` have passed, and meanwhile keeps reading and
merging (a transaction updated a hundred times is sent once). Waiting on each hand-over, as
`call_from_thread` does, tied the loader to every repaint and made a large capture load ten times
slower than without a UI; and since every batch costs the UI a layout pass over its tables,
batches come at most four times a second (`batch_seconds`), the first one at once.
See the package docstring for the API the live sniffer uses.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import (
    ContentSwitcher,
    DataTable,
    Footer,
    Header,
    Input,
    ProgressBar,
    Static,
    TabbedContent,
    TabPane,
)
from textual.worker import get_current_worker

from cmpdissect.analysis.correlate import TransactionTable
from cmpdissect.model import Notice, Transaction, Unit

from . import filter as flt
from . import save
from .detail import MessageDetail
from .findings import FindingsTable
from .follow import FollowScreen
from .help import HelpScreen
from .ladder import Ladder, LadderView
from .notices import NoticeTable
from .rows import TxnRow, UnitRow, transaction_row, unit_row
from .transactions import TransactionList
from .units import UnitList

Feed = Callable[[], Iterator[Unit | Notice]]
LIVE_EXPIRE_EVERY = 10.0  # seconds of capture time between idle-transaction sweeps in a live session


@dataclass(slots=True)
class _Batch:
    """What the loader hands the UI in one message."""

    txns: dict[int, TxnRow] = field(default_factory=dict)
    units: list[UnitRow] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    done: bool = False

    def __len__(self) -> int:
        return len(self.units) + len(self.notices)


class BatchReady(Message):
    """Posted from the loader thread (`post_message` is thread-safe): a batch is pending."""


class CmpApp(App[None]):
    """Transactions, ladder, field tree with linked hex, findings: one capture or a live sniff."""

    CSS_PATH = "app.tcss"
    TITLE = "cmpdissect"
    AUTO_FOCUS = "#transactions"
    BINDINGS = [
        Binding("q", "quit", "quit"),
        Binding("question_mark", "help", "help"),
        Binding("slash", "filter", "filter"),
        Binding("u", "toggle_list", "units/txns"),
        Binding("s", "sort", "sort"),
        Binding("S", "sort_reverse", "reverse", show=False),
        Binding("f", "follow", "follow"),
        Binding("w", "save_message", "save DER"),
        Binding("c", "save_certificates", "save certs"),
        Binding("r", "save_report", "report"),
        Binding("x", "expand_tree", "expand", show=False),
        Binding("1", "tab('message')", "message", show=False),
        Binding("2", "tab('findings')", "findings", show=False),
        Binding("3", "tab('notices')", "notices", show=False),
        Binding("t", "toggle_theme", "theme"),
    ]

    def __init__(self, feed: Feed, title: str, live: bool = False, *, save_dir: Path | None = None,
                 batch_units: int = 2000, batch_seconds: float = 0.25) -> None:
        super().__init__()
        self._created = time.perf_counter()
        self.feed = feed
        self.title = title
        self.live = live
        self.save_dir = save_dir or Path.cwd()
        self.batch_units = batch_units
        self.batch_seconds = batch_seconds
        self.timings: dict[str, float] = {}  # seconds since construction: first_paint, first_rows, loaded
        self.loading = True
        self.table = TransactionTable()
        self._lock = threading.Lock()  # the TransactionTable, between the loader and the ladder
        self._units: list[Unit] = []
        self._unit_seq: dict[int, int] = {}  # id(unit) -> position, for the units pane's keys
        self._unit_txn: dict[int, Transaction] = {}  # id(unit) -> its (outer) transaction
        self._txn_seq: dict[int, int] = {}
        self._frozen: dict[int, Ladder] = {}  # ladders of transactions a live session expired
        self._first_time: float | None = None
        self._selected: Transaction | None = None
        self._pending = _Batch()  # filled by the loader, taken by the UI
        self._pending_lock = threading.Lock()
        self._ui_ready = threading.Event()  # clear while the UI has a batch to take or is taking one
        self._ui_ready.set()

    # -- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="/ filter: kind==ir and outcome!=accepted · tid~ab12 · finding · body==pollReq",
                    id="filter")
        yield Static("", id="filter-error")
        with ContentSwitcher(initial="transactions", id="lists"):
            yield TransactionList(id="transactions")
            yield UnitList(id="units")
        with Horizontal(id="bottom"):
            yield LadderView(id="ladder")
            with TabbedContent(id="tabs", initial="message"):
                with TabPane("Message", id="message"):
                    yield MessageDetail(id="detail")
                with TabPane("Findings", id="findings"):
                    yield FindingsTable(id="findings-table")
                with TabPane("Notices", id="notices"):
                    yield NoticeTable(id="notices-table")
        with Horizontal(id="status"):
            yield Static("", id="status-text")
            yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="progress")
        yield Footer()

    @property
    def transactions(self) -> TransactionList:
        return self.query_one(TransactionList)

    @property
    def units(self) -> UnitList:
        return self.query_one(UnitList)

    @property
    def ladder(self) -> LadderView:
        return self.query_one(LadderView)

    @property
    def detail(self) -> MessageDetail:
        return self.query_one(MessageDetail)

    @property
    def findings(self) -> FindingsTable:
        return self.query_one(FindingsTable)

    def on_mount(self) -> None:
        if self.live:
            self.sub_title = "● live"
        self.transactions.focus()
        self._status()
        self.call_after_refresh(self._start)

    def _start(self) -> None:
        """Start reading once the empty screen is painted: the loader competes for the CPU."""
        self._mark("first_paint")
        self.load()

    def _mark(self, name: str) -> None:
        self.timings.setdefault(name, time.perf_counter() - self._created)

    # -- loading (worker thread) -----------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        """Run the feed and correlate into the pending batch; signal the UI when it is ready for a
        batch and `batch_seconds` have passed or `batch_units` are waiting. A live session signals
        at every unit: the UI keeps draining what arrives while it is busy (`_drain`)."""
        worker = get_current_worker()
        last_post = 0.0  # the first unit goes out at once: first rows as early as possible
        last_expire: float | None = None
        try:
            for item in self.feed():
                if worker.is_cancelled:
                    return
                if isinstance(item, Notice):
                    with self._pending_lock:
                        self._pending.notices.append(item)
                else:
                    self._take(item)
                    if self.live and item.time is not None:
                        if last_expire is None:
                            last_expire = item.time
                        elif item.time - last_expire >= LIVE_EXPIRE_EVERY:
                            self._expire(item.time)
                            last_expire = item.time
                now = time.monotonic()
                due = self.live or len(self._pending) >= self.batch_units or now - last_post >= self.batch_seconds
                if due and self._signal():
                    last_post = now
        except Exception as exc:  # an unreadable record must not take the UI down: say it and stop
            with self._pending_lock:
                self._pending.notices.append(Notice("error", f"reading stopped: {exc}"))
        if worker.is_cancelled:  # the app is closing: nobody will look at the final judgement
            return
        with self._lock:
            finished = [(id(txn), self._row(txn)) for txn in self.table.finish()]
        with self._pending_lock:
            self._pending.txns.update(finished)
            self._pending.done = True
        self._signal()

    def _take(self, unit: Unit) -> None:
        with self._lock:
            changed = self.table.add(unit)
            rows = [(id(txn), self._row(txn)) for txn in changed]
        seq = len(self._units)
        self._units.append(unit)
        self._unit_seq[id(unit)] = seq
        if changed:
            self._unit_txn[id(unit)] = changed[0]
        if self._first_time is None:
            self._first_time = unit.time
        row = unit_row(unit, seq, self._first_time)
        with self._pending_lock:
            self._pending.txns.update(rows)
            self._pending.units.append(row)

    def _row(self, txn: Transaction) -> TxnRow:
        seq = self._txn_seq.setdefault(id(txn), len(self._txn_seq))
        return transaction_row(txn, seq)

    def _expire(self, now: float) -> None:
        """Judge and forget idle transactions, keeping their ladders for the UI."""
        with self._lock:
            cutoff = now - self.table.idle_timeout
            for txn in self.table.transactions:
                if txn.end is not None and txn.end < cutoff:
                    self._frozen[id(txn)] = Ladder(txn, tuple(self.table.steps(txn)), self.table.timing(txn))
            rows = [(id(txn), self._row(txn)) for txn in self.table.expire(now)]
        with self._pending_lock:
            self._pending.txns.update(rows)

    def _signal(self) -> bool:
        """Tell the UI a batch is waiting, unless it is still busy (then it drains on its own)."""
        with self._pending_lock:
            if not self._ui_ready.is_set():
                return False
            self._ui_ready.clear()
        self.post_message(BatchReady())
        return True

    # -- applying snapshots (UI thread) ----------------------------------------------------------

    def on_batch_ready(self, _: BatchReady) -> None:
        self._drain()

    def _drain(self) -> None:
        """Apply everything pending; if more arrived meanwhile, come back after `batch_seconds`."""
        with self._pending_lock:
            batch, self._pending = self._pending, _Batch()
        self._apply(batch)
        with self._pending_lock:
            more = bool(self._pending.txns or self._pending.units or self._pending.notices or self._pending.done)
            if not more:
                self._ui_ready.set()
        if more:
            self.set_timer(max(self.batch_seconds, 0.01), self._drain)

    def _apply(self, batch: _Batch) -> None:
        if batch.txns:
            self.transactions.put(list(batch.txns.values()))
            self._mark("first_rows")
        if batch.units:
            self.units.put(batch.units)
        if batch.notices:
            self.query_one(NoticeTable).add(batch.notices)
        selected = self._selected
        if selected is not None and id(selected) in batch.txns:
            self._show_transaction(selected, keep=True)
        elif selected is None and self.transactions.row_count:
            row = self.transactions.current()
            if row is not None:
                self._show_transaction(row.txn)
        if batch.done:
            self.loading = False
            self.transactions.fit_columns()
            self._mark("loaded")
        self._status()

    def _status(self) -> None:
        n_txn, n_units = len(self.transactions.rows_by_key), len(self.units.rows_by_key)
        n_notices = len(self.query_one(NoticeTable).notices)
        text = Text(f"{n_txn} transactions · {n_units} units · {n_notices} notices")
        shown = self._visible_list()
        if shown.filter is not None:
            text.append(f" · {shown.row_count} shown", style="bold")
        if self.loading:
            text.append(" · capturing" if self.live else " · loading…", style="yellow")
        self.query_one("#status-text", Static).update(text)
        self.query_one("#progress", ProgressBar).display = self.loading

    # -- selection -------------------------------------------------------------------------------

    def _ladder_of(self, txn: Transaction) -> Ladder:
        with self._lock:
            try:
                return Ladder(txn, tuple(self.table.steps(txn)), self.table.timing(txn))
            except KeyError:
                return self._frozen.get(id(txn)) or Ladder(txn, (), None)

    def _show_transaction(self, txn: Transaction, unit: Unit | None = None, keep: bool = False) -> None:
        self._selected = txn
        self.ladder.show(self._ladder_of(txn), keep=keep)
        if unit is not None:
            self.ladder.highlight_step(unit)
        self.findings.show(txn.findings)

    @on(DataTable.RowHighlighted, "#transactions")
    def _transaction_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table: TransactionList = event.data_table  # type: ignore[assignment]
        row = table.rows_by_key.get(str(event.row_key.value))
        if row is not None and row.txn is not self._selected:
            self._show_transaction(row.txn)

    @on(DataTable.RowSelected, "#transactions")
    def _transaction_chosen(self) -> None:
        self.ladder.arrows.focus()

    @on(DataTable.RowHighlighted, "#units")
    def _unit_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table: UnitList = event.data_table  # type: ignore[assignment]
        row = table.rows_by_key.get(str(event.row_key.value))
        if row is not None:
            self._open_unit(row.unit)

    @on(DataTable.RowSelected, "#units")
    def _unit_chosen(self) -> None:
        self.detail.tree.focus()

    def _open_unit(self, unit: Unit) -> None:
        txn = self._unit_txn.get(id(unit))
        if txn is not None and txn is not self._selected:
            self._show_transaction(txn, unit)
        elif txn is not None:
            self.ladder.highlight_step(unit)
        self.detail.show(unit)

    def on_ladder_view_step_highlighted(self, event: LadderView.StepHighlighted) -> None:
        self.detail.show(event.step.unit)

    def on_findings_table_frame_chosen(self, event: FindingsTable.FrameChosen) -> None:
        self.jump_to_frame(event.frame)

    def jump_to_frame(self, frame: int) -> Unit | None:
        """Show the message completed in `frame`: in the ladder, the units list and the detail."""
        step = self.ladder.highlight_frame(frame)
        unit = step.unit if step is not None else next((u for u in self._units if u.frame == frame), None)
        if unit is None:
            self.notify(f"no message completes in frame {frame}", severity="warning")
            return None
        if step is None:
            self._open_unit(unit)
        self.detail.show(unit)
        self.units.move_to(str(self._unit_seq[id(unit)]))
        self.query_one(TabbedContent).active = "message"
        return unit

    # -- filter ----------------------------------------------------------------------------------

    def _visible_list(self) -> TransactionList | UnitList:
        return self.units if self.query_one(ContentSwitcher).current == "units" else self.transactions

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    @on(Input.Changed, "#filter")
    def _filter_typed(self, event: Input.Changed) -> None:
        self._parse_filter(event.value)

    def _parse_filter(self, text: str) -> flt.Filter | None | bool:
        """The parsed filter, or False after showing why it is bad."""
        error = self.query_one("#filter-error", Static)
        box = self.query_one("#filter", Input)
        try:
            parsed = flt.parse(text, flt.FIELDS)
        except flt.FilterError as exc:
            error.update(Text(f"{' ' * (exc.position + 1)}^ {exc.message}", style="bold red"))
            error.add_class("-shown")
            box.add_class("-invalid")
            return False
        error.remove_class("-shown")
        box.remove_class("-invalid")
        return parsed

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.apply_filter(event.value)

    def apply_filter(self, text: str) -> bool:
        """Filter both lists by `text`; False (and the error shown) when it does not parse."""
        parsed = self._parse_filter(text)
        if parsed is False:
            return False
        self.transactions.set_filter(parsed or None)
        self.units.set_filter(parsed or None)
        self._status()
        self._visible_list().focus()
        return True

    def on_key(self, event: events.Key) -> None:
        box = self.query_one("#filter", Input)
        if event.key == "escape" and box.has_focus:
            box.value = ""
            self.apply_filter("")

    # -- actions ---------------------------------------------------------------------------------

    def action_toggle_list(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        switcher.current = "units" if switcher.current == "transactions" else "transactions"
        shown = self._visible_list()
        shown.sync()
        if shown is self.units and self.detail.unit is not None:
            self.units.move_to(str(self._unit_seq.get(id(self.detail.unit))))
        shown.focus()
        self._status()

    def action_sort(self) -> None:
        shown = self._visible_list()
        columns = list(shown.columns)
        current = columns.index(shown.sort_column) if shown.sort_column in columns else -1
        shown.sort_by(str(columns[(current + 1) % len(columns)].value))
        self.notify(f"sorted by {shown.sort_column}", timeout=1.5)

    def action_sort_reverse(self) -> None:
        shown = self._visible_list()
        if shown.sort_column is not None:
            shown.sort_by(shown.sort_column)

    def action_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = name

    def action_expand_tree(self) -> None:
        self.detail.tree.expand_all()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme != "textual-light" else "textual-dark"

    def action_follow(self) -> None:
        unit = self.detail.unit
        if unit is None or unit.stream is None:
            self.notify("the selected message did not come over TCP", severity="warning")
            return
        units = [u for u in list(self._units) if u.stream == unit.stream]
        peers = f"{units[0].src} ↔ {units[0].dst}" if units else ""
        self.push_screen(FollowScreen(f"TCP stream {unit.stream}  {peers}  ({len(units)} units)", units))

    def _save(self, what: str, name: str, data: Callable[[Path], bytes | str]) -> None:
        def done(path: Path | None) -> None:
            if path is None:
                return
            try:
                save.write(path, data(path))
            except OSError as exc:
                self.notify(f"cannot write {path}: {exc.strerror or exc}", severity="error")
                return
            self.notify(f"saved {what} to {path}")

        self.push_screen(save.SaveScreen(what, self.save_dir / name), done)

    def action_save_message(self) -> None:
        unit = self.detail.unit
        if unit is None or not unit.der:
            self.notify("no PKIMessage selected", severity="warning")
            return
        self._save("the message (DER)", save.message_name(unit), lambda _: unit.der or b"")

    def action_save_certificates(self) -> None:
        unit = self.detail.unit
        bundle = save.certificates_pem(unit) if unit is not None and unit.der else ""
        if unit is None or not bundle:
            self.notify("the selected message carries no certificate", severity="warning")
            return
        self._save("its certificates (PEM)", save.certificates_name(unit), lambda _: bundle)

    def action_save_report(self) -> None:
        txn = self._selected
        if txn is None:
            self.notify("no transaction selected", severity="warning")
            return
        with self._lock:
            report = save.transaction_report(self.title, txn, self.table)
        self._save("a report of the transaction (.md, .html or .json)", save.report_name(txn),
                   lambda path: save.report_text(report, txn, path))
