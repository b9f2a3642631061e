"""Shared set-up for the TUI tests: apps on the sample captures, loaded to the end."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest
from textual.pilot import Pilot

from cmpdissect.tui import CmpApp
from cmpdissect.tui.command import capture_feed

CAPTURES = Path(__file__).resolve().parents[2] / "captures"
SIZE = (140, 44)


def app_for(name: str, **kwargs) -> CmpApp:
    return CmpApp(capture_feed(CAPTURES / name), title=f"cmpdissect · {name}", **kwargs)


async def loaded(pilot: Pilot) -> None:
    """Wait until the feed is exhausted and its last batch is on screen."""
    await pilot.app.workers.wait_for_complete()
    for _ in range(3000):  # up to 30 s: a loaded CI machine is slow, and a snapshot must not race
        if not pilot.app.loading:
            break
        await pilot.pause(0.01)
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests on a fresh event loop (Textual's pilot is asyncio; no plugin needed)."""
    func = pyfuncitem.obj
    if not inspect.iscoroutinefunction(func):
        return None
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(func(**args))
    return True
