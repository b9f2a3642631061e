"""The diagnosis of one transaction as text, for `transactions -V`: timing, who protected each
message, what extraCerts hold, what the CA changed against the request, and the polling timeline.

It reads what the analysis and protection layers work out; it decides nothing itself.
"""

from __future__ import annotations

from cmpdissect.analysis.correlate import TransactionTable
from cmpdissect.analysis.extracerts import analyse
from cmpdissect.analysis.issued import comparisons
from cmpdissect.analysis.polling import timeline
from cmpdissect.model import Transaction
from cmpdissect.protection.signer import resolve_signer


def explain_transaction(table: TransactionTable, txn: Transaction, indent: str = "    ") -> list[str]:
    steps = table.steps(txn)
    timing = table.timing(txn)
    out = [f"{indent}timing: duration {_s(timing.duration)}; round trips "
           + (", ".join(_s(r.seconds) for r in timing.round_trips) or "-")]
    known: list[bytes] = []
    for s in steps:
        if s.inner or s.msg is None or not s.msg.has_protection or s.unit.der is None:
            continue
        resolution = resolve_signer(s.unit.der, known)
        if resolution is not None and resolution.candidates:
            out.append(f"{indent}frame {s.frame} {s.label}: {resolution.explain()}")
        report = analyse(s)
        if report is not None and report.certs:
            known.extend(c.der for c in report.certs if c.der not in known)
            out.append(f"{indent}frame {s.frame} extraCerts: {_extra(report)}")
    for c in comparisons(steps):
        changed = c.modified
        what = "; ".join(f"{d.field} {d.change}: {d.requested!r} -> {d.issued!r}" for d in changed) or "as requested"
        out.append(f"{indent}certReqId {c.cert_req_id} (request frame {c.request_frame}, issued frame "
                   f"{c.response_frame}, {c.status}): {what}")
    for e in timeline(steps):
        line = f"{indent}poll frame {e.frame}: {e.kind}"
        if e.cert_req_ids:
            line += f" certReqId {','.join(map(str, e.cert_req_ids))}"
        if e.check_after is not None:
            line += f", come back after {e.check_after} s"
        if e.waited is not None:
            line += f", waited {e.waited:.3f} s" + (f" of {e.required:.0f} s asked: too soon" if e.too_soon else "")
        out.append(line)
    for f in txn.findings:
        out.append(f"{indent}{f.severity:<7} {f.code} (frame {f.frame}, {f.reference}): {f.message}")
    return out


def _extra(report) -> str:
    role = {}
    for i in report.protection_chain:
        role[i] = "protection chain" if i != report.signer else "signer"
    for i in report.issued_chain:
        role.setdefault(i, "issuer chain")
    for i in report.duplicates:
        role[i] = "duplicate"
    return "; ".join(f"[{i}] {c.subject_text} ({role.get(i, 'unrelated')})" for i, c in enumerate(report.certs))


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} s"
