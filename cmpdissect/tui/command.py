"""`cmpdissect tui CAPTURE`: open a capture or message file in the terminal UI.

Exit codes (CONTRACT.md): 0 after the UI closes, 2 when the file or an option cannot be used
(one line on stderr, before the screen is taken over).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmpdissect.options import OptionError, add_input_options, make_pipeline
from cmpdissect.pipeline import Pipeline, read_units
from cmpdissect.sources.capture import CaptureError

if TYPE_CHECKING:
    from .app import Feed


def capture_feed(path: str | os.PathLike[str], pipeline: Pipeline | None = None) -> Feed:
    """A feed over a capture or message file; raises CaptureError now if the file cannot be read."""
    # the app places rows itself: units need not wait to come out in strict capture order
    items = read_units(path, pipeline or Pipeline(), reorder_window=200)
    return lambda: items


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("tui", help="browse a capture's transactions and messages in the terminal UI")
    p.add_argument("capture", help="pcap, pcapng, or a DER/PEM/base64 PKIMessage file")
    add_input_options(p)
    p.set_defaults(run=run)
    return p


def run(ns: argparse.Namespace) -> int:
    try:
        feed = capture_feed(ns.capture, make_pipeline(ns))
    except (CaptureError, OptionError) as exc:
        print(f"cmpdissect: error: {exc}", file=sys.stderr)
        return 2
    from .app import CmpApp

    CmpApp(feed, title=f"cmpdissect · {Path(ns.capture).name}").run()
    return 0
