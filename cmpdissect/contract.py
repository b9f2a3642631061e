"""Model objects as the JSON objects of CONTRACT.md: the public interface scripts rely on.

Field names here are a contract: extend, never rename or remove without a deprecation note.
"""

from __future__ import annotations

from typing import Any

from cmpdissect.model import Finding, Framing, HttpInfo, PkiSummary, Transaction, Unit


def _hex(value: bytes | None) -> str | None:
    return value.hex() if value is not None else None


def framing_dict(f: Framing | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {
        "length": f.length, "version": f.version, "flags": f.flags, "close": f.close,
        "poll_ref": f.poll_ref, "check_after": f.check_after, "error_type": f.error_type,
        "error_name": f.error_name, "error_data": _hex(f.error_data), "error_text": f.error_text,
    }


def http_dict(h: HttpInfo | None) -> dict[str, Any] | None:
    if h is None:
        return None
    return {"method": h.method, "path": h.path, "status": h.status, "content_type": h.content_type}


def message_fields(m: PkiSummary | None) -> dict[str, Any]:
    """The PKIMessage part of a unit (also the shape of each `nested` entry)."""
    if m is None:
        return {
            "body": None, "pvno": None, "transaction_id": None, "sender_nonce": None, "recip_nonce": None,
            "sender": None, "recipient": None, "protection_alg": None, "status": [], "fail_info": [],
            "cert_req_ids": [], "check_after": [], "nested": [],
        }
    return {
        "body": m.body, "pvno": m.pvno, "transaction_id": _hex(m.transaction_id),
        "sender_nonce": _hex(m.sender_nonce), "recip_nonce": _hex(m.recip_nonce),
        "sender": m.sender, "recipient": m.recipient, "protection_alg": m.protection_alg,
        "status": list(m.status), "fail_info": list(m.fail_info),
        "cert_req_ids": list(m.cert_req_ids), "check_after": list(m.check_after),
        "nested": [nested_dict(n) for n in m.nested],
    }


def nested_dict(m: PkiSummary) -> dict[str, Any]:
    d = message_fields(m)
    d["protection"] = "unchecked" if m.has_protection else "unprotected"
    d["protection_reason"] = None
    d["error"] = m.error
    return d


def unit_dict(u: Unit) -> dict[str, Any]:
    d: dict[str, Any] = {
        "frame": u.frame, "time": u.time, "stream": u.stream, "src": u.src, "dst": u.dst,
        "transport": u.transport, "frame_type": u.frame_type, "framing": framing_dict(u.framing),
        "http": http_dict(u.http),
    }
    d.update(message_fields(u.message))
    d["protection"] = u.protection
    d["protection_reason"] = u.protection_reason
    d["error"] = u.error
    return d


def finding_dict(f: Finding) -> dict[str, Any]:
    return {"severity": f.severity, "code": f.code, "message": f.message, "frame": f.frame,
            "reference": f.reference}


def transaction_dict(t: Transaction) -> dict[str, Any]:
    # HTTP answers that carry no PKIMessage (a 415 from a proxy) are steps of the flow for the
    # analysis, but not CMP messages: CONTRACT.md's `messages` lists only those, so they go to an
    # extension field of their own.
    flow = [(m, f) for m, f in zip(t.messages, t.frames, strict=True) if not m.startswith("http:")]
    http_answers = [{"frame": f, "status": int(m[5:]) if m[5:].isdigit() else None}
                    for m, f in zip(t.messages, t.frames, strict=True) if m.startswith("http:")]
    return {
        "transaction_id": _hex(t.transaction_id), "kind": t.kind, "messages": [m for m, _ in flow],
        "frames": [f for _, f in flow], "http_answers": http_answers,
        "client": t.client, "server": t.server, "transport": t.transport,
        "outcome": t.outcome, "cause": t.cause, "findings": [finding_dict(f) for f in t.findings],
        "start": t.start, "end": t.end,
        "duration": (t.end - t.start) if t.start is not None and t.end is not None else None,
    }
