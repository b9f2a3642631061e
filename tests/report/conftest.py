"""Sample captures read once per test session, with and without the lab's shared secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmpdissect.pipeline import Pipeline
from cmpdissect.protection import load_credentials
from cmpdissect.report.command import Loaded, load
from cmpdissect.report.summary import Report, build_report

CAPTURES = Path(__file__).resolve().parents[2] / "captures"
SECRET = "lab-shared-secret"
_CACHE: dict[tuple[str, bool], Loaded] = {}


def _loaded(name: str, secret: bool = False) -> Loaded:
    key = (name, secret)
    if key not in _CACHE:
        creds = load_credentials([f"pass:{SECRET}"]) if secret else None
        _CACHE[key] = load(str(CAPTURES / name), Pipeline(creds))
    return _CACHE[key]


def _report(name: str, secret: bool = False, redact: bool = False) -> Report:
    c = _loaded(name, secret)
    return build_report(name, c.units, c.notices, c.table, c.transactions, redact=redact)


@pytest.fixture(scope="session")
def captures() -> Path:
    return CAPTURES


@pytest.fixture(scope="session")
def loaded():
    """`loaded(name, secret=False)`: a capture read and correlated (cached across tests)."""
    return _loaded


@pytest.fixture(scope="session")
def report_of():
    """`report_of(name, secret=False, redact=False)`: the Report of a sample capture."""
    return _report
