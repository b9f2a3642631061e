"""The terminal UI (Textual): transactions, ladder diagram, field tree with linked hex, findings.

One app serves a capture file and a live sniff. It reads the model only (`Unit`, `Transaction`,
`Finding`, `TreeNode`); it never parses packets.

    from cmpdissect.tui import CmpApp

    CmpApp(feed, title, live=False, *, save_dir=None, batch_units=2000, batch_seconds=0.25).run()

- `feed: Callable[[], Iterator[Unit | Notice]]` is called once, in a worker thread. For a file it is
  `lambda: read_units(path, Pipeline(credentials))` (`command.capture_feed` builds it and reports an
  unreadable file before the UI starts); a live sniffer passes its own generator, which may block
  between packets. Correlation (`TransactionTable`) runs in that thread too.
- Units reach the UI as immutable row snapshots, in batches: after `batch_seconds` or
  `batch_units`, and never while the UI is still applying the previous batch (the loader does not
  wait; it merges). With `live=True` each unit goes out as soon as the UI is free, idle
  transactions are judged and expired every 10 s of capture time (`TransactionTable.expire`), and
  the subtitle says "● live". The loader stops at the next unit once the app quits, so a live
  feed should end when its capture is closed.
- When the feed ends (a file) every transaction is judged as of the end; an exception from the feed
  becomes an error notice, never a traceback.
- `save_dir` is where the save dialogs propose to write (default: the working directory).
- `app.timings` holds `first_paint`, `first_rows` and `loaded` in seconds from construction.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CmpApp", "Feed"]


def __getattr__(name: str) -> Any:
    # Textual and the full ASN.1 schema take a second to import: only when the app is used, so
    # registering the `tui` command costs every other command nothing.
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(name)
