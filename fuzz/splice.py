"""End to end: a damaged PKIMessage between two good ones, in a synthesized capture, through the
whole pipeline, correlation and CONTRACT.md output.

Byte 0 picks the transport (HTTP, TCP-Messaging v10, RFC 2510); the rest is the damaged message,
framed correctly (Content-Length or frame length fit it), so the damage is in the message alone.
Rules: no exception anywhere; the good ir before and the good certConf after still decode whole;
the damaged unit, if it did not decode, says at which offset it broke.
"""

from __future__ import annotations

import json
from functools import cache

from cmpdissect.analysis.correlate import TransactionTable
from cmpdissect.contract import transaction_dict, unit_dict
from cmpdissect.model import Unit
from cmpdissect.pipeline import Pipeline
from cmpdissect.sources.capture import Packet, read_capture_bytes
from fuzz.harness import CAPTURES, has_offset, messages, require
from fuzz.pcapwrite import conversation, pcap


@cache
def good() -> tuple[bytes, bytes]:
    return (CAPTURES / "messages" / "ir-pbm-1-ir.der").read_bytes(), (CAPTURES / "messages" / "ir-pbm-3-certConf.der").read_bytes()


def _http(der: bytes) -> bytes:
    return (b"POST /pkix/ HTTP/1.1\r\nHost: ca\r\nContent-Type: application/pkixcmp\r\n"
            b"Content-Length: %d\r\n\r\n" % len(der)) + der


def _v10(der: bytes) -> bytes:
    return (len(der) + 3).to_bytes(4, "big") + b"\x0a\x00\x00" + der


def _rfc2510(der: bytes) -> bytes:
    return (len(der) + 1).to_bytes(4, "big") + b"\x00" + der


WRAPPERS = ((_http, 8080), (_v10, 829), (_rfc2510, 829))


def capture(kind: int, damaged: bytes) -> bytes:
    wrap, port = WRAPPERS[kind % len(WRAPPERS)]
    ir, cert_conf = good()
    frames = conversation([wrap(ir), wrap(damaged), wrap(cert_conf)], server=("10.0.0.2", port))
    return pcap(frames)


def one_input(data: bytes) -> None:
    if not data[1:]:
        return
    pipeline = Pipeline()
    units: list[Unit] = []
    for record in read_capture_bytes(capture(data[0], data[1:])):
        if isinstance(record, Packet):
            units += [u for u in pipeline.feed(record) if isinstance(u, Unit)]
    units += [u for u in pipeline.finish() if isinstance(u, Unit)]
    table = TransactionTable()
    for unit in units:
        json.dumps(unit_dict(unit))
        table.add(unit)
        if unit.message is not None:
            require(has_offset(unit.message.error), f"PKIMessage error without an offset: {unit.message.error!r}")
        if unit.transport.startswith("tcp-"):
            require(has_offset(unit.error), f"TCP framing error without an offset: {unit.error!r}")
    for txn in table.finish():
        json.dumps(transaction_dict(txn))
    require(len(units) >= 3, f"{len(units)} units where 3 were sent")
    first, last = units[0], units[-1]
    require(first.message is not None and first.message.body == "ir" and first.error is None,
            f"the good ir before the damage did not decode: {first.error}")
    require(last.message is not None and last.message.body == "certConf" and last.error is None,
            f"the good certConf after the damage did not decode: {last.error}")


def seeds() -> list[bytes]:
    out = []
    for n, der in enumerate(messages()[:12]):
        out.append(bytes([n % 3]) + der)
        out.append(bytes([n % 3]) + der[: len(der) // 2])
    return out
