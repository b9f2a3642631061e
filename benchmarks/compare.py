"""What a capture yields with and without the fast path, in a form to compare with `==`.

Used by the benchmark runner (`--check`) and by tests/perf: the fast path may only change how much
is looked at, never the units, notices, transactions or packet counters. (How many streams were
dropped is what it changes on purpose: web connections go at their first request line.)
"""

from __future__ import annotations

import json
import os

from cmpdissect.analysis.correlate import TransactionTable
from cmpdissect.contract import transaction_dict, unit_dict
from cmpdissect.model import Notice
from cmpdissect.pipeline import Pipeline, read_units


def outcome(path: str | os.PathLike[str], careful: bool) -> tuple[list[str], list[tuple], list[str], tuple]:
    """(units, notices, transactions, counters) of one run over `path`."""
    pipeline = Pipeline(careful=careful)
    table = TransactionTable()
    units: list[str] = []
    notices: list[tuple] = []
    for item in read_units(path, pipeline):
        if isinstance(item, Notice):
            notices.append((item.severity, item.message, item.frame, item.stream))
        else:
            units.append(json.dumps(unit_dict(item), sort_keys=True))
            table.add(item)
    transactions = [json.dumps(transaction_dict(t), sort_keys=True) for t in table.finish()]
    s = pipeline.stats
    counters = (s.packets, s.undecoded, s.tcp_segments, s.udp_datagrams, s.streams, s.cmp_streams,
                s.units, s.tls_streams, s.coap_flows, s.first_time, sorted(s.linktypes))
    return units, notices, transactions, counters
