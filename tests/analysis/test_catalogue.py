"""The one catalogue: every code the source can raise is in it, every code in it is triggered by a
test, and profiles, --ignore, --fail-on and `cmpdissect checks` work with it."""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
from pathlib import Path

import pytest

from cmpdissect import checks_command
from cmpdissect.analysis.correlate import correlate
from cmpdissect.analysis.policy import CheckPolicy, add_check_options, apply_check_options, check_policy
from cmpdissect.catalogue import CHECKS, PROFILES

ROOT = Path(__file__).parents[2]
# finding("code", ...), _failed(STATUS, "code", ...) and the codes MacParamError carries into findings
RAISED = re.compile(r'(?:\bfinding\(|MacParamError\(|_failed\(\w+,)\s*"([a-z0-9-]+)"')
SOURCES = [p for p in (ROOT / "cmpdissect").rglob("*.py") if p.name != "catalogue.py"]


def test_every_code_raised_in_the_source_is_catalogued():
    raised = {code for path in SOURCES for code in RAISED.findall(path.read_text())}
    assert len(raised) > 80  # the regex still finds the calls
    assert raised - set(CHECKS) == set()


def test_every_catalogued_code_is_named_in_the_source():
    """No dead entries: each code is raised somewhere (some through a variable, so: named as a literal)."""
    text = "\n".join(p.read_text() for p in SOURCES)
    assert [code for code in CHECKS if f'"{code}"' not in text] == []


def test_every_catalogued_code_is_asserted_by_some_test():
    """Each code appears in a test outside this file: a trigger with its near twin (test_checks.py,
    test_interop.py) or a protection test on real or built messages."""
    texts = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py") if p.name != "test_catalogue.py")
    assert [code for code in CHECKS if f'"{code}"' not in texts] == []


def test_profiles_select_checks():
    lw = {c for c, k in CHECKS.items() if "lightweight" in k.profiles}
    old = {c for c, k in CHECKS.items() if "rfc4210" in k.profiles}
    assert "lw-pvno" in lw and "lw-pvno" not in old
    assert "unprotected" in old and "unprotected" not in lw  # lw-protection-required replaces it
    assert "pvno-hashalg" not in old and "certhash-hashalg-pvno" not in old  # hashAlg is RFC 9480 syntax
    assert "tid-changed" in lw & old


def _flow(cap):
    c = cap.conv(tid=b"\x11" * 8)  # an 8-octet transactionID: fine for RFC 4210, an lw-tid-length error
    c.req("ir", implicit=True)
    c.rep("ip", status=["accepted"], implicit=True)
    return cap.units


def test_policy_filters_by_profile_and_ignore(cap):
    units = _flow(cap)
    every = {f.code for t in correlate(units) for f in t.findings}
    assert "lw-tid-length" in every
    assert "lw-tid-length" not in {f.code for t in correlate(units, CheckPolicy("rfc4210")) for f in t.findings}
    assert "lw-tid-length" in {f.code for t in correlate(units, CheckPolicy("lightweight")) for f in t.findings}
    ignored = CheckPolicy("lightweight", frozenset({"lw-tid-length"}))
    assert "lw-tid-length" not in {f.code for t in correlate(units, ignored) for f in t.findings}


def _parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_check_options(p)
    return p.parse_args(argv)


def test_options_and_fail_on(cap):
    ns = _parse("--profile", "lightweight", "--ignore", "lw-nonce-length", "--fail-on", "error")
    assert check_policy(ns) == CheckPolicy("lightweight", frozenset({"lw-nonce-length"}), "error")
    txns = correlate(_flow(cap))
    assert apply_check_options(ns, txns) == 1  # lw-tid-length is an error in the lightweight profile
    assert apply_check_options(_parse("--profile", "rfc4210", "--fail-on", "error"), correlate(cap.units)) == 0
    assert apply_check_options(_parse(), txns) == 0  # no --fail-on: never fails


def test_unknown_ignore_code_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as e:
        _parse("--ignore", "no-such-check")
    assert e.value.code == 2 and "unknown check code 'no-such-check'" in capsys.readouterr().err


def _checks(*argv: str) -> str:
    p = argparse.ArgumentParser()
    checks_command.add_parser(p.add_subparsers())
    ns = p.parse_args(["checks", *argv])
    out = io.StringIO()
    assert ns.run(ns, out) == 0
    return out.getvalue()


def test_checks_command_json_lists_every_code():
    rows = [json.loads(line) for line in _checks("--json").splitlines()]
    assert [r["code"] for r in rows] == list(CHECKS)
    tid = next(r for r in rows if r["code"] == "tid-changed")
    assert tid == {"code": "tid-changed", "severity": "error", "reference": "RFC 9810 5.1.1",
                   "profiles": list(PROFILES), "area": "transaction", "rationale": CHECKS["tid-changed"].rationale}


def test_checks_command_csv_and_text_and_profile():
    rows = list(csv.DictReader(io.StringIO(_checks("--csv"))))
    assert len(rows) == len(CHECKS) and rows[0].keys() == set(checks_command.FIELDS)
    assert next(r for r in rows if r["code"] == "lw-pvno")["profiles"] == "lightweight"
    text = _checks("--profile", "rfc4210")
    assert "lw-pvno" not in text and text.rstrip().endswith(
        f"{sum('rfc4210' in c.profiles for c in CHECKS.values())} checks")
