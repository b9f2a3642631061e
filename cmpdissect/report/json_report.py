"""The JSON report, for machines: CONTRACT.md transaction objects plus the capture summary.

Each transaction is `contract.transaction_dict` extended with its number, timing, polling,
issued certificates and per-message fields; nothing of CONTRACT.md is renamed. With `--redact`
the names and serials the contract fields carry are masked too.
"""

from __future__ import annotations

import json
from typing import Any

from cmpdissect.contract import finding_dict, transaction_dict

from .summary import Report, TransactionReport

FORMAT_VERSION = 1


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "format": "cmpdissect-report", "version": FORMAT_VERSION,
        "summary": summary_dict(report),
        "notices": [{"severity": n.severity, "message": n.message, "frame": n.frame, "stream": n.stream}
                    for n in report.notices],
        "transactions": [transaction_report_dict(t) for t in report.transactions],
    }


def summary_dict(report: Report) -> dict[str, Any]:
    return {
        "capture": report.capture, "first_time": report.first_time, "last_time": report.last_time,
        "span": report.span, "units": report.units, "transactions": len(report.transactions),
        "failed": report.failed, "peers": [{"client": c, "server": s} for c, s in report.peers],
        "kinds": report.kinds, "outcomes": report.outcomes, "findings": report.findings,
        "redacted": report.redacted,
    }


def transaction_report_dict(t: TransactionReport) -> dict[str, Any]:
    d = transaction_dict(t.txn)
    d["cause"] = t.cause
    d["findings"] = [finding_dict(f) for f in t.findings]
    timing = t.timing
    d.update({
        "number": t.number,
        "round_trips": [{"request_frame": r.request_frame, "response_frame": r.response_frame,
                         "seconds": r.seconds} for r in timing.round_trips],
        "polls": [{"pollrep_frame": p.pollrep_frame, "check_back": p.check_back, "absolute": p.absolute,
                   "transport": p.transport, "required": p.required, "poll_frame": p.poll_frame,
                   "waited": p.waited, "too_soon": p.too_soon} for p in timing.polls],
        "certificates": [{"frame": c.frame, "subject": c.subject, "issuer": c.issuer, "serial": c.serial,
                          "not_before": c.not_before, "not_after": c.not_after} for c in t.certificates],
        "details": [{"frame": m.frame, "label": m.label, "direction": m.direction, "time": m.time,
                     "fields": dict(m.fields)} for m in t.messages],
    })
    return d


def render_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2) + "\n"
