"""The filter language alone: parsing, errors with positions, and matching real records."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmpdissect.analysis.correlate import correlate
from cmpdissect.pipeline import read_units
from cmpdissect.tui.filter import FIELDS, FilterError, parse, transaction_fields, unit_fields

CAPTURES = Path(__file__).resolve().parents[2] / "captures"

POLLING = {
    "tid": ("09cc679e7965de35fb6d69a976d6d703",), "kind": ("ir",), "outcome": ("accepted",),
    "body": ("ir", "ip", "pollReq", "pollRep", "certConf", "pkiconf"), "status": ("waiting", "accepted"),
    "msg": ("ir", "ip(waiting)", "pollReq"), "finding": ("mac-alg-legacy",), "severity": ("info",),
    "findings": (10.0,), "duration": (2.175,), "host": ("127.0.0.1:47552", "127.0.0.1:8080"),
}
ERROR = {"tid": ("ab120000",), "kind": ("ir",), "outcome": ("error",), "body": ("ir", "error"),
         "status": ("rejection",), "finding": (), "findings": (0.0,), "duration": (0.002,)}


def matches(text: str, record: dict) -> bool:
    flt = parse(text, FIELDS)
    assert flt is not None
    return flt.matches(record)


@pytest.mark.parametrize(("text", "polling", "error"), [
    ("kind==ir", True, True),
    ("kind==ir and outcome!=accepted", False, True),
    ("KIND == IR && outcome != accepted", False, True),
    ("tid~ab12", False, True),
    ("tid~09CC", True, False),
    ("finding", True, False),
    ("not finding", False, True),
    ("!finding", False, True),
    ("body==pollReq", True, False),
    ("body!=pollReq", False, True),
    ("body!~poll", False, True),
    ("status==waiting or outcome==error", True, True),
    ("(status==waiting or outcome==error) and duration<1", False, True),
    ("duration>=2.175", True, False),
    ("findings>3", True, False),
    ("msg==ip(waiting)", True, False),
    ("msg=='ip(waiting)'", True, False),
    ("severity==info", True, False),
    ("host~47552", True, False),
    ("127.0.0.1:8080", True, False),  # a bare word searches every field
    ("\"mac-alg\"", True, False),
    ("rejection", False, True),
    ("kind==ir outcome==error", False, True),  # juxtaposition is `and`
])
def test_expressions(text: str, polling: bool, error: bool) -> None:
    assert matches(text, POLLING) is polling
    assert matches(text, ERROR) is error


def test_blank_is_no_filter() -> None:
    assert parse("   ", FIELDS) is None


@pytest.mark.parametrize(("text", "position", "fragment"), [
    ("knd==ir", 0, "unknown field 'knd'"),
    ("kind==", 6, "expected a value after '=='"),
    ("kind==ir and", 12, "ends too early"),
    ("(kind==ir", 9, "missing ')'"),
    ("kind==ir)", 8, "unexpected ')'"),
    ("duration>long", 9, "needs a number"),
    ("tid~'ab", 4, "unterminated string"),
    ("== ir", 0, "unexpected '=='"),
])
def test_errors_say_what_and_where(text: str, position: int, fragment: str) -> None:
    with pytest.raises(FilterError) as info:
        parse(text, FIELDS)
    assert info.value.position == position
    assert fragment in info.value.message
    assert f"column {position + 1}" in str(info.value)


def test_fields_of_a_real_polling_transaction() -> None:
    units = [u for u in read_units(CAPTURES / "tcp-v10-polling.pcap") if hasattr(u, "frame_type")]
    (txn,) = correlate(units)
    record = transaction_fields(txn)
    assert record["body"][:3] == ("ir", "tcp:pollRep", "tcp:pollReq")
    assert record["transport"] == ("tcp-msg-v10",)
    assert record["frame"][0] == 4.0
    flt = parse("body==tcp:finRep and transport==tcp-msg-v10 and outcome==accepted", FIELDS)
    assert flt is not None and flt.matches(record)
    frames = [unit_fields(u) for u in units]
    assert [r["frame"][0] for r in frames if parse("body==tcp:pollRep", FIELDS).matches(r)] == [6.0, 10.0]
    assert [r["frame"][0] for r in frames if parse("frame_type==finRep", FIELDS).matches(r)] == [22.0]
