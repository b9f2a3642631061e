"""Shared for the asn1 tests: the fixture files and a cross-check of the fast summary against the
full pyasn1 decode."""

from pathlib import Path

import pytest

from cmpdissect.asn1 import schema
from cmpdissect.asn1.summary import summarize

DATA = Path(__file__).parent / "data"

_REQUESTS = ("ir", "cr", "kur", "krr", "ccr")
_RESPONSES = ("ip", "cp", "kup", "ccp")


def _opt(value):
    return bytes(value) if value.isValue else None


def _status(info, statuses, fails):
    statuses.append(str(info["status"].prettyPrint()))
    fi = info["failInfo"]
    if fi.isValue:
        for i, bit in enumerate(fi):
            name = fi.namedValues.getName(i) if bit else None
            if name and name not in fails:
                fails.append(name)


def expected_from_tree(msg) -> dict:
    """What the summary should say, read from the pyasn1 tree."""
    hdr = msg["header"]
    body = msg["body"]
    name = body.getName()
    c = body.getComponent()
    statuses: list[str] = []
    fails: list[str] = []
    ids: list[int] = []
    if name in _REQUESTS:
        ids = [int(m["certReq"]["certReqId"]) for m in c]
    elif name in _RESPONSES:
        for r in c["response"]:
            ids.append(int(r["certReqId"]))
            _status(r["status"], statuses, fails)
    elif name == "rp":
        for info in c["status"]:
            _status(info, statuses, fails)
    elif name == "krp":
        _status(c["status"], statuses, fails)
    elif name == "error":
        _status(c["pKIStatusInfo"], statuses, fails)
    elif name == "rann":
        statuses.append(str(c["status"].prettyPrint()))
    elif name == "certConf":
        for cs in c:
            ids.append(int(cs["certReqId"]))
            if cs["statusInfo"].isValue:
                _status(cs["statusInfo"], statuses, fails)
    elif name in ("pollReq", "pollRep"):
        ids = [int(e["certReqId"]) for e in c]
    return {
        "body": name,
        "pvno": int(hdr["pvno"]),
        "transaction_id": _opt(hdr["transactionID"]),
        "sender_nonce": _opt(hdr["senderNonce"]),
        "recip_nonce": _opt(hdr["recipNonce"]),
        "status": statuses,
        "fail_info": fails,
        "cert_req_ids": ids,
        "has_protection": msg["protection"].isValue,
        "extra_certs": len(msg["extraCerts"]) if msg["extraCerts"].isValue else 0,
    }


def cross_check(data: bytes):
    """Assert the summary agrees with the full decode on every shared field; return the summary."""
    s = summarize(data)
    assert s.error is None, s.error
    msg, rest = schema.decode_message(data)
    assert rest == b""
    expected = expected_from_tree(msg)
    assert {k: getattr(s, k) for k in expected} == expected
    for inner_summary, inner in zip(
        s.nested, msg["body"]["nested"] if s.body == "nested" else [], strict=True
    ):
        assert inner_summary.transaction_id == _opt(inner["header"]["transactionID"])
        assert inner_summary.body == inner["body"].getName()
    return s


@pytest.fixture(scope="session")
def fixtures() -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in sorted(DATA.glob("*.der"))}


@pytest.fixture(scope="session")
def check():
    """The cross-check, as a fixture (test modules cannot import conftest under importlib mode)."""
    return cross_check
