"""Load benchmark of the TUI: first paint, first rows, full load, and how responsive the UI stays.

    python benchmarks/tui_load.py [TRANSACTIONS]     (default 3000)

Builds a capture with `tui_capture.write_capture`, then runs the app headless (Textual's
`run_test`) and reports the app's own timings (seconds from construction) next to the time the
same capture takes without a UI (pipeline + correlation), and the event loop's lag while loading:
a 50 ms timer's worst and 95th-percentile lateness, which is what a key press waits at most.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tui_capture import write_capture  # noqa: E402

from cmpdissect.analysis.correlate import TransactionTable  # noqa: E402
from cmpdissect.model import Unit  # noqa: E402
from cmpdissect.pipeline import read_units  # noqa: E402
from cmpdissect.tui import CmpApp  # noqa: E402
from cmpdissect.tui.command import capture_feed  # noqa: E402
from cmpdissect.tui.table import FILL_CHUNK  # noqa: E402

TICK = 0.05


def headless_baseline(path: Path) -> float:
    start = time.perf_counter()
    table = TransactionTable()
    for item in read_units(path):
        if isinstance(item, Unit):
            table.add(item)
    table.finish()
    return time.perf_counter() - start


async def run_app(path: Path) -> tuple[CmpApp, dict[str, float], list[float]]:
    app = CmpApp(capture_feed(path), title=path.name)
    lags: list[float] = []
    async with app.run_test(size=(160, 50)) as pilot:
        last = time.monotonic()

        def tick() -> None:
            nonlocal last
            now = time.monotonic()
            lags.append(max(now - last - TICK, 0.0))
            last = now

        app.set_interval(TICK, tick)
        while app.loading:
            await pilot.pause(0.02)
        figures: dict[str, float] = {"transactions": app.transactions.row_count,
                                     "units": len(app.units.rows_by_key)}
        for name, action in (("units pane", lambda: pilot.press("u")),
                             ("filter", lambda: _filter(app, "status==rejection or body==pollReq")),
                             ("last row", lambda: _last_row(app))):
            start = time.perf_counter()
            await action()
            await pilot.pause()
            while app.units.filling:
                await pilot.pause(0.01)
            figures[name] = time.perf_counter() - start
        figures["shown"] = app.units.row_count
    return app, figures, lags


async def _filter(app: CmpApp, text: str) -> None:
    app.apply_filter(text)


async def _last_row(app: CmpApp) -> None:
    app.units.move_cursor(row=app.units.row_count - 1)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"cmp-{n}.pcap"
        packets = write_capture(path, n)
        print(f"capture: {n} transactions, {packets} packets, {path.stat().st_size / 1e6:.1f} MB", flush=True)
        print(f"without UI (pipeline + correlation): {headless_baseline(path):.2f} s", flush=True)
        app, figures, lags = asyncio.run(run_app(path))
    t = app.timings
    lags.sort()
    p95 = lags[int(len(lags) * 0.95)] if lags else 0.0
    print(f"rows: {figures['transactions']:.0f} transactions, {figures['units']:.0f} units")
    print(f"first paint {t['first_paint']:.3f} s, first rows {t['first_rows']:.3f} s, loaded {t['loaded']:.2f} s")
    print(f"event loop lag while loading: median {statistics.median(lags) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, max {lags[-1] * 1000:.0f} ms over {len(lags)} ticks")
    chunks = -(-figures["units"] // FILL_CHUNK)
    print(f"after loading: units pane filled in {figures['units pane']:.2f} s ({chunks:.0f} chunks of {FILL_CHUNK} "
          f"rows, keys answered between chunks); filter `status==rejection or body==pollReq` "
          f"({figures['shown']:.0f} units shown) in {figures['filter']:.2f} s; "
          f"cursor to the last unit and its message opened in {figures['last row']:.2f} s")


if __name__ == "__main__":
    main()
