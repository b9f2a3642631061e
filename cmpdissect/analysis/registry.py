"""Every check the analyzer runs, in one table: stable code, severity, RFC reference, rationale.

Severity follows the requirement level: `error` for a MUST, `warning` for a SHOULD or a likely
interop problem, `info` for something worth knowing. Rules that only the Lightweight CMP Profile
makes carry an "RFC 9483 ..." reference (and an `lw-` code) so a profile switch can select them.
"""

from __future__ import annotations

from dataclasses import dataclass

from cmpdissect.model import Finding

TCP_DRAFT = "draft-ietf-pkix-cmp-tcp-00"


@dataclass(frozen=True, slots=True)
class Check:
    """One rule: `cmpdissect checks` lists these; a Finding carries the code, severity and reference."""

    code: str
    severity: str
    reference: str
    rationale: str


_TABLE = [
    # transactionID and nonces (CMP-REFERENCE 6.1, 6.2)
    Check("tid-changed", "error", "RFC 9810 5.1.1",
          "a message carries a different transactionID than the message it answers or follows"),
    Check("tid-reused", "error", "RFC 9810 5.1.1",
          "a new transaction towards the same server reuses the transactionID of another one"),
    Check("tid-dropped", "error", "RFC 9810 5.1.1",
          "a later message of a transaction omits the established transactionID"),
    Check("tid-absent", "warning", "RFC 9810 5.1.1",
          "the first request of a multi-exchange operation has no transactionID"),
    Check("nonce-not-echoed", "error", "RFC 9810 5.1.1",
          "recipNonce is not the senderNonce of the previous message (delayed delivery excepted)"),
    Check("nonce-reused", "warning", "RFC 9810 5.1.1",
          "a senderNonce repeats: nonces protect against replay and must be fresh"),
    # header fields
    Check("pvno-unknown", "error", "RFC 9810 5.1.1", "pvno is not cmp1999(1), cmp2000(2) or cmp2021(3)"),
    Check("pvno-hashalg", "error", "RFC 9810 5.3.18", "certConf uses hashAlg, which needs pvno cmp2021(3)"),
    Check("pvno-response-differs", "error", "RFC 9810 7",
          "the server answers in another pvno than the request's (only unsupportedVersion errors may)"),
    Check("protection-alg-mismatch", "error", "RFC 9810 5.1.1",
          "protectionAlg must be present exactly when the protection bits are"),
    Check("unprotected", "warning", "RFC 9810 5.1.3", "the message carries no protection"),
    Check("message-time-skew", "warning", "RFC 9810 5.2.3",
          "messageTime is more than 5 minutes away from the capture time (receivers answer badTime)"),
    Check("response-older-than-request", "warning", "RFC 9810 5.1.1",
          "the response's messageTime is earlier than its request's"),
    # the exchange
    Check("unexpected-response", "error", "RFC 9810 5.1.2", "the response body does not answer the request body"),
    Check("certreqid-unknown", "error", "RFC 9810 5.3.4",
          "a certReqId in a response, certConf, pollReq or pollRep is not one of the request's"),
    Check("p10cr-certreqid", "error", "RFC 9810 5.3.4", "a p10cr is answered and confirmed with certReqId -1"),
    Check("certconf-missing", "error", "RFC 9810 5.1.1.1",
          "a certificate was issued without implicit confirmation but the client sent no certConf"),
    Check("certconf-late", "warning", "RFC 9810 5.1.1.2",
          "certConf arrived after the confirmWaitTime the CA announced"),
    Check("certconf-unneeded", "warning", "RFC 9810 5.1.1.1",
          "certConf sent although the CA granted implicit confirmation"),
    Check("implicit-confirm-unrequested", "warning", "RFC 9810 5.1.1.1",
          "the CA granted implicitConfirm that the request did not ask for"),
    Check("error-without-reason", "warning", "RFC 9810 5.2.3",
          "an error message gives no failInfo bit, so the peer cannot act on it"),
    # polling (CMP-REFERENCE 6.6)
    Check("poll-too-soon", "warning", "RFC 9810 5.3.22", "pollReq sent before the pollRep's checkAfter elapsed"),
    Check("poll-unexpected", "warning", "RFC 9810 5.3.22", "pollReq although nothing in the transaction is waiting"),
    Check("tcp-poll-too-soon", "warning", f"{TCP_DRAFT} 2.5.4",
          "transport pollReq sent before the pollRep's time-to-check-back"),
    Check("tcp-pollreq-unknown-ref", "error", f"{TCP_DRAFT} 2.5.3",
          "transport pollReq with a polling reference no pollRep handed out"),
    Check("tcp-checkback-absolute", "info", f"{TCP_DRAFT} 2.5.4",
          "a version-10 time-to-check-back looks like an absolute date, not an interval"),
    Check("tcp-checkback-relative", "info", "RFC 2510 5.2",
          "an RFC 2510 time-to-check-back is too small to be an absolute date; read as seconds"),
    # transports
    Check("http-media-type", "error", "RFC 9811 3.2", "Content-Type of a CMP message is not application/pkixcmp"),
    Check("http-media-type-legacy", "info", "RFC 9811 4",
          "a pre-standard media type (x-pkixcmp, pkixcmp-poll) labels the CMP message"),
    Check("http-status", "error", "RFC 9811 3.1",
          "a CMP response came with an HTTP status other than 200 (4xx/5xx only with an error body)"),
    Check("http-method", "error", "RFC 9811 3.1", "CMP requests are sent with POST"),
    Check("http-after-close", "error", "RFC 9112 9.6",
          "a request was sent on a connection after `Connection: close`"),
    Check("tcp-version-mismatch", "error", f"{TCP_DRAFT} 2.2",
          "the reply's TCP-Messaging version differs from the request's"),
    Check("tcp-after-close", "error", f"{TCP_DRAFT} 2.3", "the client sent after a frame with the close flag"),
    Check("tcp-close-not-echoed", "warning", f"{TCP_DRAFT} 2.3",
          "a request set the close flag but the response did not"),
    Check("tcp-server-request", "error", f"{TCP_DRAFT} 2.3",
          "the server sent a request frame on the client's connection"),
    Check("tcp-finrep-missing", "warning", f"{TCP_DRAFT} 3.1",
          "a version-10 PKIConfirm or announcement was not answered by finRep"),
    # RFC 9483 Lightweight CMP Profile (CMP-REFERENCE 6.9)
    Check("lw-pvno", "error", "RFC 9483 3.1", "pvno is 2, or 3 when cmp2021 syntax is needed"),
    Check("lw-tid-length", "error", "RFC 9483 3.1", "transactionID is present and 16 octets"),
    Check("lw-nonce-length", "error", "RFC 9483 3.1", "senderNonce is present and 16 octets"),
    Check("lw-recipnonce-first", "error", "RFC 9483 3.1", "the first message of a transaction has no recipNonce"),
    Check("lw-mac-senderkid", "error", "RFC 9483 3.1", "MAC-protected messages name the shared secret in senderKID"),
    Check("lw-implicit-confirm-body", "error", "RFC 9483 3.1",
          "implicitConfirm only in ir/cr/kur/p10cr and the ip/cp/kup granting it"),
    Check("lw-confirm-wait-time", "error", "RFC 9483 3.1",
          "confirmWaitTime only in ip/cp/kup, with messageTime, and never with implicitConfirm"),
    Check("lw-single-request", "error", "RFC 9483 4.1.1",
          "ir/cr/kur/ccr and their responses hold exactly one entry with certReqId 0"),
    Check("lw-certconf-single", "error", "RFC 9483 4.1.1", "certConf holds exactly one CertStatus"),
]

CHECKS: dict[str, Check] = {c.code: c for c in _TABLE}


def finding(code: str, message: str, frame: int | None) -> Finding:
    """A Finding for a registered check; severity and reference come from the table."""
    check = CHECKS[code]
    return Finding(severity=check.severity, code=code, message=message, frame=frame, reference=check.reference)
