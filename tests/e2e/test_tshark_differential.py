"""Differential test against tshark: where tshark decodes a CMP message, we agree with it.

For every sample capture and every frame in which tshark finds PKIMessages, our units completed in
that frame carry the same body types, transactionIDs, nonces, pvno and PKIStatus values, in order.
Frames where we find CMP that tshark misses are listed in the README (we decode more, on purpose).
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from cmpdissect.asn1.names import BODY_NAMES
from cmpdissect.model import Unit
from cmpdissect.pipeline import read_units

CAPTURES = Path(__file__).resolve().parents[2] / "captures"
FIELDS = ["frame.number", "cmp.body", "cmp.pvno", "cmp.transactionID", "cmp.senderNonce", "cmp.recipNonce",
          "cmp.pkistatus"]
PCAPS = sorted(CAPTURES.glob("*.pcap*"))

pytestmark = [
    pytest.mark.tshark,
    pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed (apt-get install tshark)"),
]


def tshark_messages(path: Path) -> dict[int, dict[str, list[str]]]:
    cmd = ["tshark", "-n", "-r", str(path), "-Y", "cmp", "-T", "fields", "-E", "occurrence=a",
           "-E", "aggregator=,", "-o", "tcp.desegment_tcp_streams:TRUE"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    frames = {}
    for line in out.splitlines():
        cols = line.split("\t")
        frames[int(cols[0])] = {f: (c.split(",") if c else []) for f, c in zip(FIELDS[1:], cols[1:], strict=False)}
    return frames


def _flatten(units: list[Unit]):
    """Our messages in a frame, outer before inner, as tshark walks them."""
    for u in units:
        stack = [u.message] if u.message is not None and u.message.body is not None else []
        while stack:
            m = stack.pop(0)
            yield m
            stack[0:0] = m.nested


@pytest.mark.parametrize("path", PCAPS, ids=lambda p: p.name)
def test_agrees_with_tshark(path):
    theirs = tshark_messages(path)
    ours: dict[int, list[Unit]] = {}
    for item in read_units(path):
        if isinstance(item, Unit):
            ours.setdefault(item.frame, []).append(item)
    for frame, t in theirs.items():
        if not t["cmp.body"]:
            continue  # a transport-only frame (pollRep, finRep ...): no PKIMessage to compare
        mine = list(_flatten(ours.get(frame, [])))
        assert [BODY_NAMES.index(m.body) for m in mine] == [int(b) for b in t["cmp.body"]], f"frame {frame}"
        assert [str(m.pvno) for m in mine] == t["cmp.pvno"], f"frame {frame}"
        assert [m.transaction_id.hex() for m in mine if m.transaction_id] == t["cmp.transactionID"]
        assert [m.sender_nonce.hex() for m in mine if m.sender_nonce] == t["cmp.senderNonce"]
        assert [m.recip_nonce.hex() for m in mine if m.recip_nonce] == t["cmp.recipNonce"]
        statuses = [s for m in mine for s in m.status]
        assert statuses == [STATUS[int(s)] for s in t["cmp.pkistatus"]], f"frame {frame}"


STATUS = ["accepted", "grantedWithMods", "rejection", "waiting", "revocationWarning",
          "revocationNotification", "keyUpdateWarning"]


def test_the_differential_test_compares_something():
    """Guard: if tshark stopped finding CMP in our captures, the test above would pass vacuously."""
    compared = sum(len(tshark_messages(p)) for p in CAPTURES.glob("http-ir-pbm.pcap"))
    assert compared == 4
