"""The Markdown report: renders on GitHub, GitLab and Gitea (GFM tables, Mermaid, <details>).

Ladders are Mermaid sequence diagrams with a plain-text fallback under a <details> fold, for
forges and viewers without Mermaid.
"""

from __future__ import annotations

from .ladder import ladder_mermaid, ladder_text
from .summary import Report, TransactionReport
from .timefmt import iso_time, seconds


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ") if value not in (None, "") else "-"


def _html_text(text: str) -> str:
    """Text inside a cell that also holds <br> line breaks: forges render cells as HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _table(head: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out + [""]


def render_markdown(report: Report) -> str:
    out = [f"# CMP report: {report.capture}", ""]
    if report.redacted:
        out += ["_Subject names and serial numbers are redacted._", ""]
    out += _summary(report)
    for t in report.transactions:
        out += _transaction(t)
    return "\n".join(out).rstrip("\n") + "\n"


def _summary(report: Report) -> list[str]:
    out = ["## Summary", ""]
    out += _table(["", ""], [
        ["Capture", report.capture],
        ["Time span", f"{iso_time(report.first_time)} to {iso_time(report.last_time)} ({seconds(report.span)})"],
        ["CMP units", report.units],
        ["Transactions", f"{len(report.transactions)} ({report.failed} failed)"],
        ["Peers", "; ".join(f"{c} -> {s}" for c, s in report.peers)],
        ["Findings", ", ".join(f"{n} {sev}" for sev, n in report.findings.items())],
    ])
    if report.kinds:
        outcomes = sorted({o for v in report.kinds.values() for o in v})
        out += ["### Transactions by kind and outcome", ""]
        out += _table(["kind", *outcomes], [[k, *(v.get(o, 0) for o in outcomes)] for k, v in report.kinds.items()])
    if report.transactions:
        out += ["### Transactions (failures first)", ""]
        out += _table(["#", "transactionID", "kind", "outcome", "duration", "findings", "flow"], [
            [f"[{t.number}](#{t.anchor})", f"`{t.tid[:16]}`", t.txn.kind, f"**{t.txn.outcome}**",
             seconds(t.timing.duration), len(t.findings), " ".join(t.txn.messages)]
            for t in report.transactions])
    if report.notices:
        out += ["### Notices", ""]
        out += _table(["severity", "frame", "message"], [[n.severity, n.frame, n.message] for n in report.notices])
    return out


def _transaction(t: TransactionReport) -> list[str]:
    txn = t.txn
    out = [f'<a id="{t.anchor}"></a>', "",
           f"## Transaction {t.number}: {txn.kind or '?'}, {txn.outcome}", ""]
    out += _table(["", ""], [
        ["transactionID", f"`{t.tid}`"], ["Client", t.client], ["Server", t.server],
        ["Transport", txn.transport], ["Started", iso_time(txn.start)], ["Duration", seconds(t.timing.duration)],
        ["Outcome", f"**{txn.outcome}**"], ["Likely cause", t.cause],
    ])
    out += ["### Ladder", "", "```mermaid", ladder_mermaid(t.messages, t.client, t.server).rstrip(), "```", "",
            "<details><summary>Plain-text ladder</summary>", "", "```text",
            ladder_text(t.messages, t.client, t.server).rstrip(), "```", "", "</details>", ""]
    if t.findings:
        out += ["### Findings", ""]
        out += _table(["severity", "code", "frame", "message", "reference"],
                      [[f.severity, f"`{f.code}`", f.frame, f.message, f.reference] for f in t.findings])
    if t.certificates:
        out += ["### Certificates issued", ""]
        out += _table(["frame", "subject", "issuer", "serial", "not before", "not after"],
                      [[c.frame, c.subject, c.issuer, c.serial, c.not_before, c.not_after] for c in t.certificates])
    out += ["### Timing", ""]
    out += _table(["request frame", "response frame", "round trip"],
                  [[r.request_frame, r.response_frame, seconds(r.seconds)] for r in t.timing.round_trips])
    if t.timing.polls:
        out += ["### Polling", ""]
        out += _table(["pollRep frame", "asked to wait", "next poll frame", "waited", "verdict"], [
            [p.pollrep_frame, seconds(p.required) + (" (transport)" if p.transport else ""), p.poll_frame,
             seconds(p.waited), "too soon" if p.too_soon else "ok" if p.poll_frame else "capture ends"]
            for p in t.timing.polls])
    out += ["### Messages", ""]
    out += _table(["frame", "time", "direction", "message", "fields"], [
        [m.frame, f"+{seconds(m.time)}" if m.time is not None else "-", "C -> S" if m.direction == 0 else "S -> C",
         f"`{m.label}`", "<br>".join(_html_text(f"{k}: {v}") for k, v in m.fields)]
        for m in t.messages])
    return out
