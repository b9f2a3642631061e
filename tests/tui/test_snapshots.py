"""Snapshots (pytest-textual-snapshot) of the main screens on sample captures.

Update them with `pytest tests/tui --snapshot-update` after a deliberate change of the layout.
"""

from __future__ import annotations

import pytest

from .conftest import SIZE, app_for, loaded

pytest.importorskip("pytest_textual_snapshot", reason="pytest-textual-snapshot is not installed")


def test_main_screen_polling(snap_compare) -> None:
    assert snap_compare(app_for("http-polling.pcap"), terminal_size=SIZE, run_before=loaded)


def test_units_pane_tcp_framings(snap_compare) -> None:
    async def units(pilot) -> None:
        await loaded(pilot)
        await pilot.press("u", "down", "down")

    assert snap_compare(app_for("tcp-rfc2510.pcap"), terminal_size=SIZE, run_before=units)


def test_findings_of_a_failed_transaction(snap_compare) -> None:
    async def findings(pilot) -> None:
        await loaded(pilot)
        pilot.app.transactions.move_cursor(row=1)
        await pilot.press("2")

    assert snap_compare(app_for("tcp-rfc2510.pcap"), terminal_size=SIZE, run_before=findings)


def test_filter_error(snap_compare) -> None:
    async def bad_filter(pilot) -> None:
        await loaded(pilot)
        await pilot.press("slash", *"kind==ir and (outcome")

    assert snap_compare(app_for("http-keepalive.pcap"), terminal_size=SIZE, run_before=bad_filter)


def test_help_screen(snap_compare) -> None:
    async def help_screen(pilot) -> None:
        await loaded(pilot)
        await pilot.press("question_mark")

    assert snap_compare(app_for("http-genm.pcap"), terminal_size=SIZE, run_before=help_screen)
