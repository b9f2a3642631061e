"""`python -m cmpdissect.tui CAPTURE [--secret ...]`: the `tui` command on its own."""

from __future__ import annotations

import argparse
import sys

from .command import add_parser


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cmpdissect")
    add_parser(parser.add_subparsers(dest="command", required=True))
    ns = parser.parse_args(["tui", *(sys.argv[1:] if argv is None else argv)])
    return ns.run(ns)


if __name__ == "__main__":
    sys.exit(main())
