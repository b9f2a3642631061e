"""Every check cmpdissect runs, in one table: stable code, severity, reference, rationale, profiles.

Both the protection package (what one message proves alone) and the analysis package (what a
transaction shows) build their findings from this table, so `cmpdissect checks` lists exactly what
the tools can report. Severity follows the requirement level, as certificate linters do: `error`
for a MUST, `warning` for a SHOULD or a likely interop failure, `info` for something worth knowing.

Profiles select which checks apply (`--profile`): `rfc4210` (CMP v2 as RFC 4210 wrote it),
`rfc9810` (RFC 9480 / 9810 with cmp2021 features) and `lightweight` (RFC 9483, the Lightweight CMP
Profile, stricter: its `lw-` rules apply only there). With no profile every check applies.
"""

from __future__ import annotations

from dataclasses import dataclass

from cmpdissect.model import Finding

PROFILES = ("rfc4210", "rfc9810", "lightweight")
SEVERITIES = ("info", "warning", "error")
TCP_DRAFT = "draft-ietf-pkix-cmp-tcp-00"

ALL = frozenset(PROFILES)
V3 = frozenset({"rfc9810", "lightweight"})  # rules that exist only since RFC 9480
BASE = frozenset({"rfc4210", "rfc9810"})  # superseded by a stricter lw- rule in the profile
LW = frozenset({"lightweight"})


@dataclass(frozen=True, slots=True)
class Check:
    """One rule; a Finding carries its code, severity and reference."""

    code: str
    severity: str
    reference: str
    rationale: str
    profiles: frozenset[str] = ALL
    area: str = "transaction"  # transaction | protection | interop: which part of the tool raises it


def _c(code: str, severity: str, reference: str, rationale: str, profiles: frozenset[str] = ALL) -> Check:
    return Check(code, severity, reference, rationale, profiles, "transaction")


def _p(code: str, severity: str, reference: str, rationale: str, profiles: frozenset[str] = ALL) -> Check:
    return Check(code, severity, reference, rationale, profiles, "protection")


def _i(code: str, severity: str, reference: str, rationale: str, profiles: frozenset[str] = ALL) -> Check:
    return Check(code, severity, reference, rationale, profiles, "interop")


_TABLE = [
    # transactionID and nonces (CMP-REFERENCE 6.1, 6.2)
    _c("tid-changed", "error", "RFC 9810 5.1.1",
       "a message carries a different transactionID than the message it answers or follows"),
    _c("tid-reused", "error", "RFC 9810 5.1.1",
       "a new transaction towards the same server reuses the transactionID of another one"),
    _c("tid-dropped", "error", "RFC 9810 5.1.1", "a later message of a transaction omits the established transactionID"),
    _c("tid-absent", "warning", "RFC 9810 5.1.1",
       "the first request of a multi-exchange operation has no transactionID"),
    _c("nonce-not-echoed", "error", "RFC 9810 5.1.1",
       "recipNonce is not the senderNonce of the previous message (delayed delivery excepted)"),
    _c("nonce-reused", "warning", "RFC 9810 5.1.1",
       "a senderNonce repeats: nonces protect against replay and must be fresh"),
    # header fields
    _c("pvno-unknown", "error", "RFC 9810 5.1.1", "pvno is not cmp1999(1), cmp2000(2) or cmp2021(3)"),
    _c("pvno-hashalg", "error", "RFC 9810 5.3.18", "certConf uses hashAlg, which needs pvno cmp2021(3)", V3),
    _c("pvno-response-differs", "error", "RFC 9810 7",
       "the server answers in another pvno than the request's (only unsupportedVersion errors may)"),
    _c("protection-alg-mismatch", "error", "RFC 9810 5.1.1",
       "protectionAlg must be present exactly when the protection bits are"),
    _c("unprotected", "warning", "RFC 9810 5.1.3", "the message carries no protection", BASE),
    _c("message-time-skew", "warning", "RFC 9810 5.2.3",
       "messageTime is more than 5 minutes away from the capture time (receivers answer badTime)"),
    _c("response-older-than-request", "warning", "RFC 9810 5.1.1",
       "the response's messageTime is earlier than its request's"),
    _c("string-type", "warning", "RFC 9810 5.1.1",
       "a PKIFreeText or certProfile string is not a UTF8String (decoded anyway; strict peers reject it)"),
    # the exchange
    _c("unexpected-response", "error", "RFC 9810 5.1.2", "the response body does not answer the request body"),
    _c("certreqid-unknown", "error", "RFC 9810 5.3.4",
       "a certReqId in a response, certConf, pollReq or pollRep is not one of the request's"),
    _c("p10cr-certreqid", "error", "RFC 9810 5.3.4", "a p10cr is answered and confirmed with certReqId -1"),
    _c("certconf-missing", "error", "RFC 9810 5.1.1.1",
       "a certificate was issued without implicit confirmation but the client sent no certConf"),
    _c("certconf-late", "warning", "RFC 9810 5.1.1.2", "certConf arrived after the confirmWaitTime the CA announced"),
    _c("certconf-unneeded", "warning", "RFC 9810 5.1.1.1",
       "certConf sent although the CA granted implicit confirmation"),
    _c("implicit-confirm-unrequested", "warning", "RFC 9810 5.1.1.1",
       "the CA granted implicitConfirm that the request did not ask for"),
    _c("error-without-reason", "warning", "RFC 9810 5.2.3",
       "an error message gives no failInfo bit, so the peer cannot act on it"),
    # polling (CMP-REFERENCE 6.6)
    _c("poll-too-soon", "warning", "RFC 9810 5.3.22", "pollReq sent before the pollRep's checkAfter elapsed"),
    _c("poll-unexpected", "warning", "RFC 9810 5.3.22", "pollReq although nothing in the transaction is waiting"),
    _c("poll-not-pending", "warning", "RFC 9810 5.3.22",
       "pollReq names a certReqId that is not waiting (already delivered, or never pending)"),
    _c("tcp-poll-too-soon", "warning", f"{TCP_DRAFT} 2.5.4",
       "transport pollReq sent before the pollRep's time-to-check-back"),
    _c("tcp-pollreq-unknown-ref", "error", f"{TCP_DRAFT} 2.5.3",
       "transport pollReq with a polling reference no pollRep handed out"),
    _c("tcp-checkback-absolute", "info", f"{TCP_DRAFT} 2.5.4",
       "a version-10 time-to-check-back looks like an absolute date, not an interval"),
    _c("tcp-checkback-relative", "info", "RFC 2510 5.2",
       "an RFC 2510 time-to-check-back is too small to be an absolute date; read as seconds"),
    # transports
    _c("http-media-type", "error", "RFC 9811 3.2", "Content-Type of a CMP message is not application/pkixcmp"),
    _c("http-media-type-legacy", "info", "RFC 9811 4",
       "a pre-standard media type (x-pkixcmp, pkixcmp-poll) labels the CMP message"),
    _c("http-content-type-params", "warning", "RFC 9811 3.2",
       "Content-Type carries parameters (charset=...) that strict peers and proxies refuse for binary DER"),
    _c("http-status", "error", "RFC 9811 3.1",
       "a CMP response came with an HTTP status other than 200 (4xx/5xx only with an error body)"),
    _c("http-no-pkimessage", "error", "RFC 9811 3.1",
       "a CMP request was answered by an HTTP response that carries no PKIMessage (404, 415, a proxy page)"),
    _c("http-method", "error", "RFC 9811 3.1", "CMP requests are sent with POST"),
    _c("http-after-close", "error", "RFC 9112 9.6", "a request was sent on a connection after `Connection: close`"),
    _c("tcp-version-mismatch", "error", f"{TCP_DRAFT} 2.2", "the reply's TCP-Messaging version differs from the request's"),
    _c("tcp-after-close", "error", f"{TCP_DRAFT} 2.3", "the client sent after a frame with the close flag"),
    _c("tcp-close-not-echoed", "warning", f"{TCP_DRAFT} 2.3", "a request set the close flag but the response did not"),
    _c("tcp-server-request", "error", f"{TCP_DRAFT} 2.3", "the server sent a request frame on the client's connection"),
    _c("tcp-finrep-missing", "warning", f"{TCP_DRAFT} 3.1",
       "a version-10 PKIConfirm or announcement was not answered by finRep"),
    # interop limits and protection choices peers are known to trip over
    _i("message-too-large", "warning", "RFC 9811 3",
       "a message over 100 kB: common clients (OpenSSL's default HTTP limit) refuse larger responses"),
    _i("tcp-message-too-large", "warning", f"{TCP_DRAFT} 2.2",
       "a TCP frame over 10,000 bytes: older TCP peers (and Wireshark's dissector) refuse it"),
    _i("protection-type-changed", "info", "RFC 9810 5.3.21",
       "the server protects its answer differently (signature versus MAC) than the client protected the request"),
    # RFC 9483 Lightweight CMP Profile (CMP-REFERENCE 6.9)
    _c("lw-pvno", "error", "RFC 9483 3.1", "pvno is 2, or 3 when cmp2021 syntax is needed", LW),
    _c("lw-tid-length", "error", "RFC 9483 3.1", "transactionID is present and 16 octets", LW),
    _c("lw-nonce-length", "error", "RFC 9483 3.1", "senderNonce is present and 16 octets", LW),
    _c("lw-recipnonce-first", "error", "RFC 9483 3.1", "the first message of a transaction has no recipNonce", LW),
    _c("lw-mac-senderkid", "error", "RFC 9483 3.1", "MAC-protected messages name the shared secret in senderKID", LW),
    _c("lw-implicit-confirm-body", "error", "RFC 9483 3.1",
       "implicitConfirm only in ir/cr/kur/p10cr and the ip/cp/kup granting it", LW),
    _c("lw-confirm-wait-time", "error", "RFC 9483 3.1",
       "confirmWaitTime only in ip/cp/kup, with messageTime, and never with implicitConfirm", LW),
    _c("lw-cert-profile", "error", "RFC 9483 3.1",
       "certProfile only in ir/cr/kur/p10cr/genm, at least one name and no more names than requests", LW),
    _c("lw-protection-required", "error", "RFC 9483 3.2",
       "every message is protected (an unprotected error only answers a request that could not be authenticated)",
       LW),
    _c("lw-extracerts-signer", "error", "RFC 9483 3.3",
       "a signature-protected message's extraCerts start with the protection certificate", LW),
    _c("lw-single-request", "error", "RFC 9483 4.1.1",
       "ir/cr/kur/ccr and their responses hold exactly one entry with certReqId 0", LW),
    _c("lw-certconf-single", "error", "RFC 9483 4.1.1", "certConf holds exactly one CertStatus", LW),
    # extraCerts of the protection and of the issued certificate (RFC 9483 3.3, 4.1.1)
    _i("extracerts-duplicate", "warning", "RFC 9483 3.3", "the same certificate appears twice in extraCerts"),
    _i("extracerts-order", "warning", "RFC 9483 3.3",
       "extraCerts do not list the protection certificate first followed by its chain"),
    _i("extracerts-chain-incomplete", "warning", "RFC 9483 3.3",
       "a certificate's issuer is neither in extraCerts nor self-signed: the peer needs it to build the chain"),
    _i("extracerts-expired", "error", "RFC 5280 4.1.2.5",
       "a certificate in extraCerts had expired at the message's messageTime"),
    _i("extracerts-not-yet-valid", "error", "RFC 5280 4.1.2.5",
       "a certificate in extraCerts was not yet valid at the message's messageTime"),
    # request versus issued certificate (RFC 9810 5.2.3, 5.3.4; RFC 4211 5)
    _i("issued-subject-changed", "info", "RFC 4211 5", "the issued certificate's subject is not the requested one"),
    _i("issued-san-changed", "info", "RFC 4211 5",
       "the issued certificate's subjectAltNames differ from the requested ones"),
    _i("issued-key-changed", "error", "RFC 9810 5.2.8",
       "the issued certificate certifies another public key than the request's"),
    _i("issued-extension-dropped", "info", "RFC 4211 5", "a requested extension is missing from the issued certificate"),
    _i("issued-validity-changed", "info", "RFC 4211 5", "the issued validity differs from the requested one"),
    _i("issued-mods-undeclared", "warning", "RFC 9810 5.2.3",
       "the CA changed what was requested but answered `accepted`, not `grantedWithMods`"),
    # protection of single messages (RFC 9810 5.1.3, RFC 9481)
    _p("protection-undecodable", "error", "RFC 9810 5.1.3", "the message does not decode far enough to check protection"),
    _p("protection-invalid", "error", "RFC 9810 5.1.3", "the MAC or signature does not verify"),
    _p("protection-not-der", "warning", "RFC 9810 5.1.3",
       "protection is defined over DER; BER on the wire makes peers that MAC the received bytes disagree"),
    _p("protection-alg-unsupported", "warning", "RFC 9481 3",
       "the signature algorithm is not one cmpdissect (or many peers) can verify"),
    _p("protection-mac-uncheckable", "info", "RFC 9810 5.1.3.2",
       "DHBasedMac and KemBasedMac need a private key or KEM secret a capture never holds"),
    _p("mac-alg-unsupported", "warning", "RFC 9481 6", "the MAC, OWF or KDF is not one RFC 9481 peers support"),
    _p("mac-params-invalid", "error", "RFC 9481 6", "the PBM or PBMAC1 parameters do not decode or are out of range"),
    _p("mac-no-secret", "info", "RFC 9810 5.1.3.1", "no secret was given for this senderKID, so the MAC stays unchecked"),
    _p("mac-alg-legacy", "info", "RFC 9481 6", "a one-way function or MAC outside RFC 9481's list: peers may refuse it"),
    _p("pbm-iterations-excessive", "error", "RFC 9810 5.1.3.1",
       "an iteration count so high that peers refuse it (and computing it is a denial-of-service risk)"),
    _p("pbm-iterations-low", "warning", "RFC 4211 4.4", "a PBM iteration count below 100, which OpenSSL rejects"),
    _p("pbm-salt-short", "info", "RFC 4211 4.4", "a PBM salt shorter than 8 octets"),
    _p("pbm-senderkid-mismatch", "warning", "RFC 9810 5.1.1",
       "the MAC verifies with the secret of another senderKID: the client names the wrong reference"),
    _p("signer-not-found", "error", "RFC 9483 3.3",
       "no certificate in extraCerts or those given matches the sender and senderKID and verifies"),
    _p("signer-not-in-extracerts", "info", "RFC 9483 3.3",
       "the signer certificate was found elsewhere, not in this message's extraCerts"),
    _p("signer-not-first", "info", "RFC 9483 3.3", "the signer certificate is not the first of extraCerts"),
    _p("sender-subject-mismatch", "error", "RFC 9810 5.1.1", "the sender name is not the signer certificate's subject"),
    _p("sender-subject-encoding", "warning", "RFC 5280 7.1",
       "the sender matches the signer's subject only ignoring RDN order, string types or case"),
    _p("signer-kid-mismatch", "warning", "RFC 9810 5.1.1",
       "senderKID is not the signer certificate's subjectKeyIdentifier"),
    _p("signer-kid-missing", "info", "RFC 9810 5.1.1", "no senderKID identifies the signing key"),
    _p("signer-keyusage", "error", "RFC 5280 4.2.1.3", "the signer certificate's keyUsage lacks digitalSignature"),
    _p("signer-untrusted", "warning", "RFC 9810 5.1.3.3", "the signer certificate does not chain to a --trusted anchor"),
    _p("certhash-undecodable", "error", "RFC 9810 5.3.18", "certConf does not decode far enough to check certHash"),
    _p("certhash-no-cert", "warning", "RFC 9810 5.3.18", "certConf confirms a certReqId the response issued nothing for"),
    _p("certhash-hashalg-pvno", "warning", "RFC 9810 5.3.18", "certConf uses hashAlg with a pvno other than 3", V3),
    _p("certhash-alg-unknown", "warning", "RFC 9810 5.3.18",
       "the hash to use for certHash cannot be derived from the certificate"),
    _p("certhash-wrong-alg", "error", "RFC 9810 5.3.18",
       "certHash matches the certificate only with another hash algorithm than the rules require"),
    _p("certhash-mismatch", "error", "RFC 9810 5.3.18", "certHash does not match the issued certificate"),
    _p("pop-undecodable", "error", "RFC 4211 4.1", "the request does not decode far enough to check POP"),
    _p("pop-alg-unsupported", "info", "RFC 4211 4.1", "the POP signature algorithm cannot be checked here"),
    _p("pop-invalid", "error", "RFC 4211 4.1", "the proof-of-possession signature does not verify"),
    _p("pop-poposkinput-unexpected", "warning", "RFC 4211 4.1",
       "poposkInput is present although the template has subject and publicKey"),
    _p("pop-poposkinput-missing", "warning", "RFC 4211 4.1", "poposkInput is absent although the template has no subject"),
]

CHECKS: dict[str, Check] = {c.code: c for c in _TABLE}


def finding(code: str, message: str, frame: int | None = None) -> Finding:
    """A Finding for a catalogued check; severity and reference come from the table."""
    check = CHECKS[code]
    return Finding(severity=check.severity, code=code, message=message, frame=frame, reference=check.reference)


def applies(code: str, profile: str | None) -> bool:
    """Whether a check belongs to a profile (None: every check applies)."""
    check = CHECKS.get(code)
    return profile is None or check is None or profile in check.profiles
