"""Transport checks on single frames and request/reply pairs: HTTP (RFC 9811 3, CMP-REFERENCE 3)
and TCP-Messaging version 10 (draft-ietf-pkix-cmp-tcp-00 2.2-3.3, CMP-REFERENCE 2).

Rules that need the whole connection (a request after a close) are checked by the
TransactionTable, which sees every stream.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from cmpdissect.analysis.bodies import ANNOUNCEMENTS, CLIENT_FRAMES, TRANSPORT_END
from cmpdissect.analysis.steps import Step
from cmpdissect.catalogue import finding
from cmpdissect.model import Finding

MEDIA_TYPE = "application/pkixcmp"
CLIENT_LIMIT = 100 * 1024  # OpenSSL's default maximum HTTP response size, shared by many clients
TCP_LIMIT = 10_000  # the largest PDU older CMP-over-TCP peers and Wireshark's heuristic accept
LEGACY_TYPES = frozenset({"application/x-pkixcmp", "application/pkixcmp-poll", "application/x-pkixcmp-poll"})


def _outer(steps: Sequence[Step]) -> Iterator[Step]:
    """Each unit once: inner messages of a nested unit share its HTTP and framing."""
    return (s for s in steps if not s.inner)


def http(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    for s in _outer(steps):
        h = s.unit.http
        if h is None:
            continue
        if s.msg is None and s.frame_type is None:  # an HTTP answer without any CMP in it
            if not (h.status in (201, 202) and s.reply_to is not None and steps[s.reply_to].body in ANNOUNCEMENTS):
                yield finding("http-no-pkimessage", f"The {steps[s.reply_to].label if s.reply_to is not None else 'request'}"
                              f" was answered by HTTP {h.status}{' ' + h.reason if h.reason else ''} "
                              f"({h.content_type or 'no Content-Type'}) without a PKIMessage.", s.frame)
            continue
        media = (h.content_type or "").split(";")[0].strip().lower()
        if media in LEGACY_TYPES:
            yield finding("http-media-type-legacy", f"The {s.label} is sent as {media}.", s.frame)
        elif media != MEDIA_TYPE:
            yield finding("http-media-type", f"The {s.label} is sent with Content-Type "
                          f"{h.content_type or '(none)'}, not {MEDIA_TYPE}.", s.frame)
        if media in LEGACY_TYPES | {MEDIA_TYPE} and ";" in (h.content_type or ""):
            yield finding("http-content-type-params", f"The {s.label}'s Content-Type {h.content_type!r} carries "
                          "parameters; binary DER has no charset.", s.frame)
        if s.direction == 0 and h.method and h.method.upper() != "POST":
            yield finding("http-method", f"The {s.label} is sent with {h.method}, not POST.", s.frame)
        allowed = h.status == 200 or (h.status is not None and 400 <= h.status < 600 and s.body == "error")
        if s.direction == 1 and h.status is not None and not allowed:
            yield finding("http-status", f"The {s.label} comes with HTTP status {h.status}"
                          f"{' ' + h.reason if h.reason else ''}; CMP responses use 200.", s.frame)


def sizes(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    """Messages that peers with common size limits drop (interop, not a protocol rule)."""
    for s in _outer(steps):
        size = len(s.unit.der) if s.unit.der else 0
        if size > CLIENT_LIMIT:
            yield finding("message-too-large", f"The {s.label} is {size:,} bytes, over the {CLIENT_LIMIT // 1024} kB "
                          "many clients accept.", s.frame)
        framing = s.unit.framing
        if framing is not None and s.unit.transport.startswith("tcp") and framing.length > TCP_LIMIT:
            yield finding("tcp-message-too-large", f"The {s.label}'s TCP frame is {framing.length:,} bytes, over the "
                          f"{TCP_LIMIT:,} bytes older CMP-over-TCP peers accept.", s.frame)


def tcp_pairs(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    for s in _outer(steps):
        if s.direction == 1 and s.unit.frame_type in CLIENT_FRAMES:
            yield finding("tcp-server-request", f"The server sent a {s.unit.frame_type} frame on the client's "
                          "connection.", s.frame)
        if s.reply_to is None or s.inner:
            continue
        req, got = steps[s.reply_to].unit.framing, s.unit.framing
        if req is None or got is None:
            continue
        if req.version != got.version and got.error_type != "0101":  # VersionNotSupported answers in its own
            yield finding("tcp-version-mismatch", f"The {s.label} uses TCP framing version {got.version or 'RFC 2510'}"
                          f" but the request (frame {steps[s.reply_to].frame}) used {req.version or 'RFC 2510'}.",
                          s.frame)
        elif req.version == 10 and req.close and not got.close:
            yield finding("tcp-close-not-echoed", f"The request (frame {steps[s.reply_to].frame}) set the close "
                          f"flag but the {s.label} does not.", s.frame)


def fin_rep(steps: Sequence[Step], final: bool) -> Iterator[Finding]:
    """Version 10 ends with finRep after the client's PKIConfirm (the RFC 2510 `conf`, body pkiconf
    sent by the client, draft 3.1), and a successful announcement is answered by finRep (draft 3.3)."""
    if not final or not any(s.unit.framing is not None and s.unit.framing.version == 10 for s in steps):
        return
    for i, s in enumerate(steps):
        if s.direction != 0 or s.inner:
            continue
        later = steps[i + 1:]
        if s.body == "pkiconf" and not any(x.frame_type in TRANSPORT_END for x in later):
            yield finding("tcp-finrep-missing", f"No finRep after the client's PKIConfirm (frame {s.frame}).",
                          s.frame)
        if s.body in ANNOUNCEMENTS:
            reply = next((x for x in later if x.reply_to == i), None)
            if reply is None or (reply.msg is not None and reply.body != "error"):
                got = f"a {reply.label}" if reply is not None else "no answer"
                yield finding("tcp-finrep-missing", f"The {s.label} got {got} instead of finRep.", s.frame)


RUNS = (http, sizes, tcp_pairs, fin_rep)
