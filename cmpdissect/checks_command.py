"""`cmpdissect checks`: every check cmpdissect can report, as a table, JSON lines or CSV.

The list is the one catalogue (`cmpdissect.catalogue`), so what is listed is exactly what
`read`, `transactions`, the TUI and the reports can show; `--profile` lists those of one profile.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import TextIO

from cmpdissect.catalogue import CHECKS, PROFILES, Check

FIELDS = ("code", "severity", "reference", "profiles", "area", "rationale")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("checks", help="list every check: code, severity, RFC reference, profiles")
    form = p.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="one object per line")
    form.add_argument("--csv", action="store_true", help="CSV with a header row")
    p.add_argument("--profile", choices=PROFILES, help="only the checks of this profile")
    p.set_defaults(run=run)
    return p


def _row(c: Check) -> dict[str, str | list[str]]:
    return {"code": c.code, "severity": c.severity, "reference": c.reference,
            "profiles": [p for p in PROFILES if p in c.profiles], "area": c.area, "rationale": c.rationale}


def run(ns: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    checks = [c for c in CHECKS.values() if ns.profile is None or ns.profile in c.profiles]
    if ns.json:
        for c in checks:
            out.write(json.dumps(_row(c)) + "\n")
    elif ns.csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(FIELDS)
        for c in checks:
            row = _row(c)
            writer.writerow([" ".join(row[f]) if isinstance(row[f], list) else row[f] for f in FIELDS])
    else:
        width = max(len(c.code) for c in checks) if checks else 0
        for c in checks:
            out.write(f"{c.code:<{width}}  {c.severity:<7}  {c.reference:<32}  {c.rationale}\n")
        out.write(f"{len(checks)} checks\n")
    return 0
