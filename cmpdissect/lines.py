"""One line of text per unit or transaction: the tshark-like listings of `read`, `transactions`
and `sniff`."""

from __future__ import annotations

from cmpdissect.model import Transaction, Unit


def unit_line(u: Unit, first_time: float | None) -> str:
    """One tshark-like line: frame, relative time, src -> dst, transport, what it is, tid, status."""
    rel = f"{u.time - first_time:10.6f}" if u.time is not None and first_time is not None else " " * 10
    where = f"{u.src} -> {u.dst}" if u.src else "(file)"
    parts = [f"{u.frame:>6}", rel, where, u.transport]
    if u.frame_type:
        parts.append(f"[{u.frame_type}{_framing_text(u)}]")
    m = u.message
    if m is not None:
        body = m.body or "?"
        if m.status:
            body += f"({','.join(m.status)})"
        parts.append(body)
        if m.transaction_id is not None:
            parts.append(f"tid={m.transaction_id.hex()[:8]}")
        if m.fail_info:
            parts.append("failInfo=" + ",".join(m.fail_info))
        if m.check_after:
            parts.append("checkAfter=" + ",".join(map(str, m.check_after)))
        if m.nested:
            parts.append("[" + " ".join(n.body or "?" for n in m.nested) + "]")
    if u.protection in ("valid", "invalid", "unverifiable"):
        parts.append(f"prot={u.protection}")
    if u.http is not None and u.http.status is not None and u.http.status != 200:
        parts.append(f"HTTP {u.http.status}")
    if u.error:
        parts.append(f"!! {u.error}")
    return " ".join(parts)


def _framing_text(u: Unit) -> str:
    f = u.framing
    if f is None:
        return ""
    bits = []
    if f.version is not None and f.version != 10:
        bits.append(f"v{f.version}")
    if f.poll_ref is not None:
        bits.append(f"ref={f.poll_ref:#x}")
    if f.check_after is not None:
        bits.append(f"after={f.check_after}")
    if f.error_type:
        bits.append(f"{f.error_type} {f.error_name or ''}".strip())
    if f.error_text:
        bits.append(repr(f.error_text))
    if f.close:
        bits.append("close")
    return (" " + " ".join(bits)) if bits else ""


def transaction_line(t: Transaction) -> str:
    tid = t.transaction_id.hex()[:8] if t.transaction_id is not None else "-" * 8
    duration = f"{t.end - t.start:8.3f}s" if t.start is not None and t.end is not None else " " * 9
    findings = len(t.findings)
    flow = " ".join(t.messages)
    line = f"{tid} {t.kind or '?':<7} {t.outcome:<10} {duration} {findings:>3} findings  {flow}"
    if t.cause:
        line += f"\n         cause: {t.cause}"
    return line
