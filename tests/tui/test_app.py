"""Pilot tests of the app on real captures: open, navigate, filter, tree and hex, findings, follow,
save, themes, and a feed that delivers a transaction in two halves (as a live sniff does)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

from cryptography import x509
from rich.text import Text
from textual.app import App
from textual.widgets import ContentSwitcher, Input, Static, TabbedContent

from cmpdissect.model import Notice, Unit
from cmpdissect.pipeline import read_units
from cmpdissect.tui import CmpApp
from cmpdissect.tui.detail import HexView
from cmpdissect.tui.filter import parse
from cmpdissect.tui.follow import FollowScreen
from cmpdissect.tui.help import HelpScreen
from cmpdissect.tui.save import SaveScreen
from cmpdissect.tui.table import FILL_CHUNK, SnapshotTable

from .conftest import CAPTURES, SIZE, app_for, loaded


def cell(app: CmpApp, row: int, column: str) -> str:
    table = app.transactions
    value = table.get_cell_at((row, table.get_column_index(column)))
    return getattr(value, "plain", value)


def status(app: CmpApp) -> str:
    return str(app.query_one("#status-text", Static).render())


async def test_open_polling_capture_shows_flow_ladder_and_message() -> None:
    app = app_for("http-polling.pcap")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.transactions.row_count == 1
        assert len(app.units.rows_by_key) == 10
        assert app.units.row_count == 0  # a hidden list only keeps its snapshots
        await pilot.press("u")
        assert app.units.row_count == 10 and app.units.get_row_at(0)[0].plain == "6"
        assert cell(app, 0, "kind") == "ir"
        assert cell(app, 0, "outcome") == "accepted"
        assert cell(app, 0, "flow") == "ir ip(waiting) [pollReq pollRep]x2 pollReq ip(accepted) certConf pkiconf"
        ladder = app.ladder
        assert [s.frame for s in ladder.ladder.steps] == [6, 8, 12, 14, 18, 20, 24, 26, 30, 32]
        arrows = ladder.arrows
        waits = [arrows.get_option_at_index(i) for i in range(arrows.option_count)]
        waits = [str(o.prompt) for o in waits if o.disabled]
        assert len(waits) == 2 and all("checkAfter 1 s · polled after 1.04" in w for w in waits)
        assert app.detail.unit.frame == 6
        assert "1 transactions · 10 units · 0 notices" in status(app)
        assert "loading" not in status(app)
        assert set(app.timings) == {"first_paint", "first_rows", "loaded"}


async def test_navigate_ladder_selects_messages() -> None:
    app = app_for("http-polling.pcap")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("enter")  # the transaction: into its ladder
        assert app.focused is app.ladder.arrows
        await pilot.press("down")
        await pilot.pause()
        assert app.detail.unit.frame == 8
        assert app.detail.unit.message.status == ["waiting"]
        await pilot.press("down", "down")  # over the pollRep, then past the wait line
        await pilot.pause()
        assert app.ladder.current_step().frame == 14
        await pilot.press("down")
        await pilot.pause()
        assert app.ladder.current_step().frame == 18  # the disabled wait line is skipped
        assert app.detail.unit.frame == 18


async def test_filter_expression_and_error() -> None:
    app = app_for("tcp-rfc2510.pcap")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.transactions.row_count == 3
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"knd==")
        await pilot.pause()
        error = app.query_one("#filter-error", Static)
        assert error.has_class("-shown") and "unknown field 'knd'" in str(error.render())
        await pilot.press("enter")
        assert app.transactions.row_count == 3  # a bad expression filters nothing
        box = app.query_one("#filter", Input)
        box.value = "outcome==error or finding==nonce-not-echoed"
        await pilot.press("enter")
        await pilot.pause()
        assert not error.has_class("-shown")
        assert app.transactions.row_count == 2
        assert [cell(app, r, "tid") for r in range(2)] == ["--------", "09cc679e"]
        assert "2 shown" in status(app)
        await pilot.press("u")
        assert app.query_one(ContentSwitcher).current == "units"
        assert app.units.row_count == 0  # transaction fields: no unit has an outcome
        await pilot.press("slash")
        box.value = "body==tcp:pollReq"
        await pilot.press("enter")
        await pilot.pause()
        frames = [app.units.get_row_at(r)[0].plain for r in range(app.units.row_count)]
        assert frames == ["8", "22", "32", "46"]
        await pilot.press("slash", "escape")
        await pilot.pause()
        assert app.units.row_count == len(app.units.rows_by_key) == 16 and box.value == ""


async def test_sort_by_column_and_back() -> None:
    app = app_for("tcp-rfc2510.pcap")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        app.transactions.sort_by("outcome")
        assert [cell(app, r, "outcome") for r in range(3)] == ["accepted", "accepted", "error"]
        app.transactions.sort_by("outcome")
        assert cell(app, 0, "outcome") == "error"
        app.transactions.sort_by("duration")
        assert [cell(app, r, "#") for r in range(3)] == ["2", "3", "1"]


async def test_tree_node_highlights_its_bytes() -> None:
    app = app_for("http-polling.pcap")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        tree, hexview = app.detail.tree, app.detail.hex
        assert hexview.highlight == (0, 533)  # the whole ir
        tree.focus()
        await pilot.press("down")  # PKIMessage -> header
        await pilot.pause()
        assert tree.cursor_node.data.name == "header"
        assert hexview.highlight == (4, 257)
        await pilot.press("down", "down")  # pvno, sender
        await pilot.press("space")  # open sender
        await pilot.press("down")  # directoryName
        await pilot.pause()
        assert tree.cursor_node.data.name == "directoryName"
        assert hexview.highlight == (10, 65)
        rows = hexview.dump_text()
        marked = [rows.plain[span.start : span.end] for span in rows.spans if str(span.style) == "reverse"]
        assert marked[:2] == ["a4 35 30 33 31 17", ".5031."]  # bytes 10-15 of row 0, hex and ASCII
        assert marked[-2:] == ["31", "1"]  # byte 64, the last of the sender, alone on row 4
        await pilot.press("x")  # expand everything
        assert all(n.is_expanded for n in tree.root.children if n.allow_expand)


async def test_clicking_a_byte_selects_the_deepest_field() -> None:
    app = app_for("http-polling.pcap")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        tree, hexview = app.detail.tree, app.detail.hex
        # byte 20 (row 1, column 4) is inside the OID of the sender's first RDN
        await pilot.click("#hex-scroll", offset=(1 + hexview.hex_column(4), 1 + 1))
        await pilot.pause()
        node = tree.cursor_node.data
        assert (node.name, node.offset, node.length) == ("type", 18, 5)
        assert hexview.highlight == (18, 23)
        # byte 220, in transactionID, through its ASCII column after scrolling to row 13
        app.query_one("#hex-scroll").scroll_to(y=13, animate=False)
        await pilot.pause()
        await pilot.click("#hex-scroll", offset=(1 + hexview.ascii_column(220 % 16), 1))
        await pilot.pause()
        node = tree.cursor_node.data
        assert (node.name, node.offset) == ("transactionID", 217)
        assert tree.cursor_node.parent.is_expanded


async def test_hex_offsets_map_back_to_bytes() -> None:
    view = HexView()
    view.data = bytes(range(40))
    assert [view.offset_at(view.hex_column(i), 0) for i in (0, 7, 8, 15)] == [0, 7, 8, 15]
    assert view.offset_at(view.hex_column(8) - 1, 0) == 7  # the gap belongs to the left byte
    assert view.offset_at(view.ascii_column(3), 2) == 35
    assert view.offset_at(view.ascii_column(9), 2) is None  # past the end
    assert view.offset_at(0, 0) is None  # the offset column


async def test_finding_jumps_to_its_frame() -> None:
    app = app_for("tcp-rfc2510.pcap")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        app.transactions.move_cursor(row=2)
        await pilot.pause()
        assert app.ladder.ladder.txn.transaction_id.hex().startswith("09cc679e")
        await pilot.press("2")
        assert app.query_one(TabbedContent).active == "findings"
        findings = app.findings
        row = next(n for n, f in enumerate(findings.findings) if f.code == "nonce-not-echoed")
        findings.focus()
        findings.move_cursor(row=row)
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one(TabbedContent).active == "message"
        assert app.ladder.current_step().frame == 48
        assert app.detail.unit.frame == 48
        await pilot.press("u")
        assert app.units.current().unit.frame == 48


async def test_follow_stream_from_units() -> None:
    app = app_for("http-keepalive.pcap")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("f")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FollowScreen)
        assert [u.frame for u in screen.units] == [6, 8, 12, 14, 17, 19]
        text = str(screen.query_one("#follow-text", Static).render())
        assert "POST /pkix/ HTTP/1.0" in text
        assert "Content-Type: application/pkixcmp" in text
        assert "HTTP/1.0 200" in text
        assert "bytes] ir\n" in text and "bytes] ip(waiting)\n" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, FollowScreen)


async def test_follow_shows_tcp_framing() -> None:
    app = app_for("tcp-v10-polling.pcap")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("f")
        await pilot.pause()
        text = str(app.screen.query_one("#follow-text", Static).render())
        assert "[TCP-Messaging pollRep length=" in text and "pollRef=0x00002510" in text
        assert "[TCP-Messaging finRep" in text and "close]" in text


async def test_save_message_certificates_and_report(tmp_path: Path) -> None:
    app = app_for("http-ir-pbm.pcap", save_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, SaveScreen)
        await pilot.press("enter")
        await pilot.pause()
        unit = app.detail.unit
        assert (tmp_path / "f0006-ir-msg.der").read_bytes() == unit.der
        await pilot.press("c")  # the ir carries no certificate
        await pilot.pause()
        assert not isinstance(app.screen, SaveScreen)
        app.jump_to_frame(8)
        await pilot.pause()
        await pilot.press("c", "enter")
        await pilot.pause()
        certs = x509.load_pem_x509_certificates((tmp_path / "f0008-ip-certs.pem").read_bytes())
        assert any("Lab Device 0001" in c.subject.rfc4514_string() for c in certs)
        await pilot.press("r", "enter")
        await pilot.pause()
        (markdown,) = tmp_path.glob("txn-*-ir.md")
        assert markdown.read_text().startswith("# CMP report: cmpdissect · http-ir-pbm.pcap")
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "report.json")
        await pilot.press("enter")
        await pilot.pause()
        data = json.loads((tmp_path / "report.json").read_text())
        (txn,) = data["transactions"]
        assert txn["outcome"] == "accepted"
        assert txn["frames"] == [6, 8, 12, 14]
        assert [m["label"] for m in txn["details"]] == ["ir", "ip(accepted)", "certConf", "pkiconf"]
        await pilot.press("w", "escape")  # escape cancels
        await pilot.pause()
        assert len(list(tmp_path.iterdir())) == 4


async def test_help_theme_and_notices() -> None:
    app = app_for("http-lost-segment.pcap")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "Filter expressions" in str(app.screen.query_one(Static).render())
        await pilot.press("escape")
        dark = app.theme
        await pilot.press("t")
        assert app.theme == "textual-light" != dark
        await pilot.press("3")
        notices = app.query_one("#notices-table")
        assert notices.row_count == 1 and "never captured" in notices.notices[0].message


def _halves(gate: threading.Event) -> Iterator[Unit | Notice]:
    units = [u for u in read_units(CAPTURES / "http-polling.pcap") if isinstance(u, Unit)]
    yield from units[:2]  # ir, ip(waiting)
    gate.wait(10)
    yield from units[2:]


async def test_live_feed_updates_rows_in_place() -> None:
    gate = threading.Event()
    app = CmpApp(lambda: _halves(gate), title="live", live=True)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if len(app.units.rows_by_key) == 2:
                break
        assert app.transactions.row_count == 1
        assert cell(app, 0, "outcome") == "waiting"
        assert "capturing" in status(app) and app.sub_title == "● live"
        gate.set()
        await loaded(pilot)
        assert app.transactions.row_count == 1
        assert cell(app, 0, "outcome") == "accepted"
        assert len(app.ladder.ladder.steps) == 10  # the open ladder grew with its transaction


async def test_feed_failure_becomes_a_notice() -> None:
    def broken() -> Iterator[Unit | Notice]:
        yield from read_units(CAPTURES / "http-genm.pcap")
        raise OSError("device went away")

    app = CmpApp(broken, title="broken")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.transactions.row_count == 1
        assert "device went away" in app.query_one("#notices-table").notices[-1].message


async def test_message_file_has_no_stream_to_follow() -> None:
    app = app_for("messages/ir-pbm.pem")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.transactions.row_count == 1 and len(app.units.rows_by_key) == 4
        await pilot.press("f")
        await pilot.pause()
        assert not isinstance(app.screen, FollowScreen)


async def test_rows_appear_while_the_feed_is_still_running() -> None:
    """Transactions show as found, before the feed ends; what arrives while the UI is busy is merged."""
    gate = threading.Event()
    units = [u for u in read_units(CAPTURES / "tcp-rfc2510.pcap") if isinstance(u, Unit)]

    def feed() -> Iterator[Unit | Notice]:
        yield from units[:6]  # the first transaction, to its pkiconf
        gate.wait(10)
        yield from units[6:]

    app = CmpApp(feed, title="slow", batch_seconds=0.0)
    applied: list[int] = []
    original = app._apply
    app._apply = lambda batch: (applied.append(len(batch.units)), original(batch))  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(200):
            await pilot.pause(0.02)
            if len(app.units.rows_by_key) == 6:
                break
        assert app.loading and app.transactions.row_count == 1
        assert "loading" in status(app)
        gate.set()
        await loaded(pilot)
        assert app.transactions.row_count == 3 and len(app.units.rows_by_key) == len(units)
        assert sum(applied) == len(units) and len(applied) <= len(units)
        assert "loading" not in status(app)


async def test_a_long_list_refills_in_chunks_and_keeps_the_cursor() -> None:
    """Thousands of rows go into the table a chunk per refresh; the cursor lands where it was asked."""
    rows = [(n, f"row {n}") for n in range(3 * FILL_CHUNK + 7)]
    table: SnapshotTable = SnapshotTable(("n", "text"), key=lambda r: r[0],
                                         record=lambda r: {"frame": (float(r[0]),)},
                                         cells=lambda r: (Text(str(r[0])), Text(r[1])))

    class Host(App[None]):
        def compose(self):
            yield table

    async with Host().run_test() as pilot:
        table.put(rows[:5])
        table.set_filter(parse("frame>=0", ["frame"]))
        assert table.row_count == 5
        table.rows_by_key.update((str(r[0]), r) for r in rows)
        table.set_filter(parse("frame>=3", ["frame"]))
        assert table.row_count == FILL_CHUNK and table.filling
        table.move_to(str(len(rows) - 1))
        for _ in range(50):
            await pilot.pause()
            if not table.filling:
                break
        assert table.row_count == len(rows) - 3
        assert table.current_key() == str(len(rows) - 1)
        assert table.get_row_at(0)[0].plain == "3"
