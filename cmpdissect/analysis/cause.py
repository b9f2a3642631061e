"""The likely cause of a failed transaction, in one sentence a PKI engineer can act on.

`outcome.judge` says what happened (the server's error and its failInfo, what is missing); this
module looks for the interop failure behind it in what the capture shows, most specific first:
HTTP answers without CMP (RFC 9811 3), a request's own protection (RFC 9810 5.1.3: wrong secret,
wrong senderKID, PBM parameters peers refuse), answers the client cannot match to its request
(transactionID, recipNonce, pvno: RFC 9810 5.1.1, 7), a signed answer to a MAC-protected request,
size limits, a signer the client does not accept, and polling before checkAfter.
"""

from __future__ import annotations

from collections.abc import Sequence

from cmpdissect.analysis.checks_transport import CLIENT_LIMIT, TCP_LIMIT
from cmpdissect.analysis.steps import Step
from cmpdissect.model import Finding, Notice

# PBM / PBMAC1 properties a peer is known to reject (OpenSSL: iterationCount 100..100,000); algorithms
# outside RFC 9481 only count when the server said badAlg
REFUSED_PARAMS = ("pbm-iterations-low", "pbm-iterations-excessive", "mac-alg-unsupported")
TLS_HINT = ("TLS-encrypted and no CMP is visible: give cmpdissect the TLS key log of the client or server "
            "(SSLKEYLOGFILE, NSS key log format) to see the CMP messages inside")


def _at(findings: Sequence[Finding], codes: str | tuple[str, ...], frame: int | None = None) -> Finding | None:
    codes = (codes,) if isinstance(codes, str) else codes
    return next((f for f in findings if f.code in codes and (frame is None or f.frame == frame)), None)


def _first_request(steps: Sequence[Step]) -> Step | None:
    return next((s for s in steps if s.direction == 0 and s.msg is not None), None)


def _said(step: Step | None) -> str:
    """What the server's error said, shortly: failInfo bits and its text."""
    if step is None or step.msg is None:
        return ""
    bits = ",".join(step.msg.fail_info)
    text = f' "{step.msg.status_text[0]}"' if step.msg.status_text else ""
    return f" (the server said {bits or 'error'}{text})" if bits or text else ""


def _http(step: Step, steps: Sequence[Step]) -> str:
    h = step.unit.http
    assert h is not None
    req = steps[step.reply_to] if step.reply_to is not None else None
    rh = req.unit.http if req is not None else None
    what = f"HTTP {h.status}{' ' + h.reason if h.reason else ''} (frame {step.frame}) came back instead of a CMP answer"
    sent = rh.content_type if rh is not None and rh.content_type else "(none)"
    if h.status == 415:
        if sent.strip().lower() == "application/pkixcmp":
            return (f"{what}: a proxy or server in front of the CA refuses the correct media type "
                    "'application/pkixcmp'; allow it for POST on this path there, or point the client at the CA.")
        extra = ", without parameters such as charset" if ";" in sent else ""
        return (f"{what}: the server or a proxy in front of it refuses the request's Content-Type {sent!r}; "
                f"send exactly 'application/pkixcmp'{extra}.")
    if h.status == 404:
        path = rh.path if rh is not None and rh.path else "the path"
        return (f"{what}: nothing serves {path} there; check the CMP path the client uses "
                "(RFC 9811: /.well-known/cmp/...) and the CA's alias.")
    if h.status in (401, 403, 407):
        return f"{what}: the server or a proxy wants authentication (HTTP credentials or a TLS client certificate) first."
    if h.status is not None and 300 <= h.status < 400:
        location = next((v for k, v in h.headers if k.lower() == "location"), "elsewhere")
        return f"{what}: the request is redirected to {location}; point the client there (clients do not follow CMP redirects)."
    if h.status is not None and h.status >= 500:
        return f"{what}: the server or a proxy failed before producing a CMP answer; see its log."
    return f"{what}; check what answers on {step.unit.src} (a proxy or another service)."


def _request_protection(steps: Sequence[Step], findings: Sequence[Finding], failed: str) -> str | None:
    req = _first_request(steps)
    if req is None:
        return None
    answer = next((s for s in steps if s.direction == 1 and s.reply_to == steps.index(req)), None)
    said = _said(answer) if answer is not None and answer.body == "error" else ""
    kid = _at(findings, "pbm-senderkid-mismatch", req.frame)
    if kid is not None:
        return (f"The {req.label} (frame {req.frame}) is MAC-protected with the secret of another reference than "
                f"its senderKID: the client sends the wrong reference (OpenSSL -ref) for its secret, so a server that "
                f"looks the secret up by senderKID cannot verify it{said}.")
    if req.unit.protection == "invalid":
        mac = req.msg is not None and (req.msg.protection_alg or "") in ("PBM", "PBMAC1")
        if mac:
            return (f"The {req.label}'s MAC (frame {req.frame}) does not verify with the shared secret given: "
                    f"client and server use different secrets (or the client another senderKID's secret){said}.")
        return f"The {req.label}'s protection does not verify (frame {req.frame}): {req.unit.protection_reason}{said}."
    bad_alg = answer is not None and answer.msg is not None and "badAlg" in answer.msg.fail_info
    refused = _at(findings, REFUSED_PARAMS + (("mac-alg-legacy",) if bad_alg else ()), req.frame)
    if refused is not None and (failed == "unanswered" or (answer is not None and answer.body == "error")):
        return (f"The {req.label} (frame {req.frame}) uses protection parameters peers reject ({refused.message}); "
                f"use PBM with 100 to 100,000 iterations and RFC 9481 algorithms such as SHA-256 / HMAC-SHA256{said}.")
    return None


def _mismatch(steps: Sequence[Step], findings: Sequence[Finding]) -> str | None:
    """An answer the client cannot take as the reply to its request."""
    for s in steps:
        if s.direction != 1 or s.msg is None:
            continue
        if s.body == "error" and "unsupportedVersion" in s.msg.fail_info:
            req = steps[s.reply_to] if s.reply_to is not None else _first_request(steps)
            sent = req.msg.pvno if req is not None and req.msg is not None else "?"
            return (f"The server does not support the request's pvno {sent} (error unsupportedVersion, frame "
                    f"{s.frame}); send pvno 2 unless cmp2021 features need 3.")
        pv = _at(findings, "pvno-response-differs", s.frame)
        if pv is not None:
            return f"{pv.message} A client that checks pvno (OpenSSL: 'unexpected pvno') drops the answer."
        tid = _at(findings, "tid-changed", s.frame)
        if tid is not None:
            return (f"The server's {s.label} (frame {s.frame}) carries another transactionID than the request, so "
                    f"the client cannot match it to its transaction{_said(s)}.")
        nonce = _at(findings, "nonce-not-echoed", s.frame)
        if nonce is not None:
            return (f"The server's {s.label} (frame {s.frame}) does not echo the client's senderNonce as recipNonce, "
                    f"so the client takes it for a replay or an answer to something else{_said(s)}.")
    return None


def _signed_error(steps: Sequence[Step], findings: Sequence[Finding]) -> str | None:
    changed = _at(findings, "protection-type-changed")
    if changed is None:
        return None
    step = next(s for s in steps if s.frame == changed.frame and s.direction == 1)
    if step.body != "error" and step.msg is not None and "rejection" not in step.msg.status:
        return None
    return (f"The server rejected the MAC-protected request with a signature-protected {step.label} (frame {step.frame})"
            f"{_said(step)}: a client holding only the shared secret cannot verify it and reports a protection "
            "failure instead; give the client the server's certificate (-srvcert or -trusted) or let the server "
            "MAC-protect its errors.")


def _too_large(steps: Sequence[Step], findings: Sequence[Finding]) -> str | None:
    big = _at(findings, ("message-too-large", "tcp-message-too-large"))
    if big is None:
        return None
    step = next(s for s in steps if s.frame == big.frame)
    if step.direction != 1 or any(s.direction == 0 for s in steps[steps.index(step) + 1:]):
        return None  # the client went on, so it coped with the size
    limit = f"{CLIENT_LIMIT // 1024} kB many clients accept" if big.code == "message-too-large" else \
        f"{TCP_LIMIT:,}-byte limit of older CMP-over-TCP peers"
    return (f"The {step.label} (frame {step.frame}) is {len(step.unit.der or b''):,} bytes, over the {limit}, and the "
            "client stopped after it: trim extraCerts/caPubs or raise the client's limit.")


def _untrusted_signer(steps: Sequence[Step], findings: Sequence[Finding]) -> str | None:
    """The client stops after a signed answer: it most likely does not accept the server's signer."""
    last = steps[-1]
    if last.direction != 1 or last.msg is None or last.body == "error" or last.unit.signer is None:
        return None
    if last.msg.protection_alg in ("PBM", "PBMAC1"):
        return None
    note = _at(findings, ("signer-untrusted", "sender-subject-mismatch", "signer-kid-mismatch"), last.frame)
    why = f" ({note.message})" if note is not None else ""
    return (f"The client stopped after the {last.label} (frame {last.frame}) signed by {last.unit.signer}{why}: it "
            "most likely does not trust or expect this signer; compare the server certificate the client is "
            "configured with (-srvcert, -trusted, expected sender) with the one in extraCerts.")


def _early_polls(steps: Sequence[Step], findings: Sequence[Finding]) -> str | None:
    early = [f for f in findings if f.code in ("poll-too-soon", "tcp-poll-too-soon")]
    if not early:
        return None
    return (f"The client polls too early ({len(early)} time(s), first at frame {early[0].frame}: "
            f"{early[0].message.rstrip('.')}) and ignores checkAfter; servers may answer such polls with an error or drop them, "
            "so make the client wait the time the server asks for.")


def likely_cause(steps: Sequence[Step], outcome: str, cause: str | None, findings: Sequence[Finding]) -> str | None:
    """One sentence for a transaction that did not end `accepted`; None when it did."""
    if outcome == "accepted" or not steps:
        return None
    http = next((s for s in steps if s.direction == 1 and s.msg is None and s.frame_type is None
                 and s.unit.http is not None), None)
    if http is not None and outcome == "error":
        return _http(http, steps)
    for diagnose in (_mismatch, _signed_error):
        found = diagnose(steps, findings)
        if found:
            return found
    found = _request_protection(steps, findings, outcome)
    if found:
        return found
    diagnoses = (_too_large, _untrusted_signer) if outcome == "error" else (_too_large, _early_polls, _untrusted_signer)
    for diagnose in diagnoses:
        found = diagnose(steps, findings)
        if found:
            return found
    return cause


def notice_cause(notices: Sequence[Notice]) -> str | None:
    """For a capture without CMP: why none is visible (a TLS stream the pipeline could not read)."""
    tls = next((n for n in notices if "tls" in n.message.lower()), None)
    if tls is None:
        return None
    where = f"Stream {tls.stream}" if tls.stream is not None else "The connection"
    return f"{where} is {TLS_HINT}."
