"""Differential check: our tree and tshark's CMP dissector agree on the fields both show."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime

import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.utils import wrpcap

from cmpdissect.asn1.tree import build_tree
from cmpdissect.model import TreeNode

pytestmark = [
    pytest.mark.tshark,
    pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed"),
]

MESSAGES = ("ir", "ip", "genp", "error", "pollRep1", "kup", "certConf", "rr")
FIELDS = ("cmp.pvno", "cmp.transactionID", "cmp.senderNonce", "cmp.recipNonce", "cmp.senderKID",
          "cmp.salt", "cmp.iterationCount", "cmp.certReqId", "cmp.checkAfter", "cmp.messageTime",
          "x509af.serialNumber")  # fmt: skip
OURS = {
    "cmp.pvno": "pvno", "cmp.transactionID": "transactionID", "cmp.senderNonce": "senderNonce",
    "cmp.recipNonce": "recipNonce", "cmp.senderKID": "senderKID", "cmp.salt": "salt",
    "cmp.iterationCount": "iterationCount", "cmp.certReqId": "certReqId",
    "cmp.checkAfter": "checkAfter", "cmp.messageTime": "messageTime",
    "x509af.serialNumber": "serialNumber",
}  # fmt: skip


def _pcap(path, messages: list[bytes]) -> None:
    packets = []
    for i, der in enumerate(messages):
        http = (b"POST /pkix/ HTTP/1.1\r\nHost: ca\r\nContent-Type: application/pkixcmp\r\n"
                b"Content-Length: %d\r\n\r\n" % len(der)) + der
        packets.append(Ether() / IP(src="10.0.0.1", dst="10.0.0.2")
                       / TCP(sport=40000 + i, dport=80, flags="PA", seq=1, ack=1) / Raw(http))
    wrpcap(str(path), packets)


def _ours(node: TreeNode, name: str, parent: str = "") -> list[str]:
    """Values of every node called `name`, in wire order; x509af.serialNumber is only the
    certificate's own (tshark files CertTemplate and CertId serials under crmf/pkix1implicit)."""
    wanted = node.name == name and (name != "serialNumber" or parent == "tbsCertificate")
    out = [node.value or ""] if wanted else []
    for child in node.children:
        out += _ours(child, name, node.name)
    return out


def _normalize(field: str, value: str) -> str:
    if field == "cmp.pvno":
        return value.split(" ")[0]
    if field == "cmp.messageTime":  # tshark: "Nov 23, 2026 17:26:46.000000000 UTC"
        if "UTC" in value:
            return datetime.strptime(value[:21], "%b %d, %Y %H:%M:%S").strftime("%Y-%m-%dT%H:%M:%SZ")
        return value
    if field == "x509af.serialNumber":
        return value.removeprefix("0x")
    return value


def test_fields_agree_with_tshark(tmp_path, load):
    messages = [load(name) for name in MESSAGES]
    pcap = tmp_path / "msgs.pcap"
    _pcap(pcap, messages)
    cmd = ["tshark", "-r", str(pcap), "-Y", "cmp", "-T", "fields", "-E", "occurrence=a",
           "-E", "separator=\t", "-E", "aggregator=|"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True).stdout
    rows = [line.split("\t") for line in out.splitlines()]
    assert len(rows) == len(messages)
    compared = 0
    for der, row in zip(messages, rows, strict=True):
        tree = build_tree(der)
        for field, theirs in zip(FIELDS, row, strict=True):
            if not theirs:
                continue
            ours = [_normalize(field, v) for v in _ours(tree, OURS[field])]
            theirs_list = [_normalize(field, v) for v in theirs.split("|")]
            assert ours == theirs_list, (field, ours, theirs_list)
            compared += len(ours)
    assert compared > 40
