"""Runs every check of one transaction; every code is in the one catalogue, `catalogue.CHECKS`.

A check is a function `(steps, final) -> Finding...`; `final` is True once the capture has ended (or
the transaction expired), so checks about a missing message only fire then.
"""

from __future__ import annotations

from collections.abc import Sequence

from cmpdissect.analysis import (
    checks_flow,
    checks_header,
    checks_lightweight,
    checks_polling,
    checks_protection,
    checks_transport,
    extracerts,
    issued,
)
from cmpdissect.analysis.steps import Step
from cmpdissect.model import Finding

RUNS = (*checks_header.RUNS, *checks_flow.RUNS, *checks_polling.RUNS, *checks_transport.RUNS,
        *checks_lightweight.RUNS)
# Checks that parse certificates and verify hashes: they look at the messages only (never at
# whether the capture has ended), so their result holds until the transaction grows.
DEEP_RUNS = (*checks_protection.RUNS, *extracerts.RUNS, *issued.RUNS)


def run_checks(steps: Sequence[Step], final: bool) -> list[Finding]:
    return [f for run in RUNS for f in run(steps, final)]


def run_deep_checks(steps: Sequence[Step]) -> list[Finding]:
    return [f for run in DEEP_RUNS for f in run(steps, True)]
