"""The data every layer shares: plain dataclasses, no I/O, no decoding, no UI.

Decoders fill these in; analysis and sinks only read them. Byte strings stay bytes here;
sinks turn them into lowercase hex for CONTRACT.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Framing:
    """Fields of an RFC 2510 section 5.2 or TCP-Messaging version-10 frame (CONTRACT.md `framing`)."""

    length: int
    version: int | None = None  # 10 for TCP-Messaging; None for RFC 2510 frames
    flags: int | None = None  # v10 only; bit 0 is the connection-close flag
    close: bool = False
    poll_ref: int | None = None
    check_after: int | None = None  # time-to-check-back as carried on the wire
    error_type: str | None = None  # "0202" (four hex digits, v10 errorMsgRep)
    error_name: str | None = None  # "InvalidPollID"
    error_data: bytes | None = None
    error_text: str | None = None


@dataclass(slots=True)
class HttpInfo:
    """The HTTP message that carried a unit (CONTRACT.md `http`), plus what the checks need."""

    method: str | None = None  # of the request (also set on a response, from its paired request)
    path: str | None = None
    status: int | None = None  # None on a request
    content_type: str | None = None  # the full header value, parameters included
    version: str | None = None  # "HTTP/1.1"
    is_request: bool = True
    reason: str | None = None
    connection_close: bool = False  # "Connection: close", or HTTP/1.0 without keep-alive
    chunked: bool = False
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class CertReqInfo:
    """One certificate request inside ir/cr/kur/krr/ccr/p10cr (what correlation and checks need)."""

    cert_req_id: int
    subject: str | None = None
    pop: str | None = None  # raVerified | signature | keyEncipherment | keyAgreement | None


@dataclass(slots=True)
class CertResponseInfo:
    """One CertResponse of ip/cp/kup/ccp."""

    cert_req_id: int
    status: str | None
    fail_info: list[str] = field(default_factory=list)
    cert_der: bytes | None = None  # the issued certificate, when present and not encrypted
    encrypted: bool = False


@dataclass(slots=True)
class CertStatusInfo:
    """One CertStatus of certConf (RFC 9810 5.3.18)."""

    cert_req_id: int
    cert_hash: bytes
    status: str | None = None  # absent statusInfo means "accepted"
    hash_alg: str | None = None  # RFC 9480 hashAlg OID name, when present


@dataclass(slots=True)
class PkiSummary:
    """The fast summary of one PKIMessage: header fields, body tag and body statuses.

    Built without a full schema decode; `error` says where the message broke (byte offset), and
    every field before the break is still filled in.
    """

    body: str | None = None  # PKIBody choice name as in RFC 4210's ASN.1 ("certConf", "genp" ...)
    body_tag: int | None = None
    pvno: int | None = None
    sender: str | None = None
    recipient: str | None = None
    message_time: float | None = None  # epoch seconds
    protection_alg: str | None = None  # a name ("PBM", "ecdsa-with-SHA256"), or the dotted OID
    protection_alg_oid: str | None = None
    sender_kid: bytes | None = None
    recip_kid: bytes | None = None
    transaction_id: bytes | None = None
    sender_nonce: bytes | None = None
    recip_nonce: bytes | None = None
    free_text: list[str] = field(default_factory=list)
    general_info: list[str] = field(default_factory=list)  # infoType OIDs of header generalInfo, dotted
    implicit_confirm: bool = False
    confirm_wait_time: float | None = None  # epoch seconds
    cert_profiles: list[str] = field(default_factory=list)
    has_protection: bool = False
    extra_certs: int = 0
    status: list[str] = field(default_factory=list)  # PKIStatus names in body order
    fail_info: list[str] = field(default_factory=list)  # PKIFailureInfo bit names, body order, no repeats
    status_text: list[str] = field(default_factory=list)  # statusString / errorDetails / pollRep reason
    error_code: int | None = None  # ErrorMsgContent.errorCode
    cert_req_ids: list[int] = field(default_factory=list)
    check_after: list[int] = field(default_factory=list)
    cert_requests: list[CertReqInfo] = field(default_factory=list)
    cert_responses: list[CertResponseInfo] = field(default_factory=list)
    cert_statuses: list[CertStatusInfo] = field(default_factory=list)
    info_types: list[str] = field(default_factory=list)  # genm/genp InfoTypeAndValue OIDs, dotted
    nested: list[PkiSummary] = field(default_factory=list)  # inner messages of a `nested` body
    length: int = 0  # bytes of the outer TLV as found
    trailing: int = 0  # bytes after the PKIMessage TLV
    notes: list[str] = field(default_factory=list)  # deviations that still decode (a wrong string type)
    error: str | None = None


@dataclass(slots=True)
class TreeNode:
    """One named field of a fully dissected message, located in its bytes (Wireshark's tree)."""

    name: str  # the ASN.1 component name, e.g. "transactionID"
    value: str | None  # display text; None for constructed nodes shown only by their children
    offset: int  # of the TLV, from the first byte of the PKIMessage
    length: int  # of the whole TLV (header included)
    children: list[TreeNode] = field(default_factory=list)
    type_name: str | None = None  # "OCTET STRING", "CertTemplate" ...
    error: str | None = None  # where and why decoding broke at this node


@dataclass(slots=True)
class Unit:
    """One decoded frame or message, with where it came from (CONTRACT.md `read`)."""

    frame: int  # 1-based packet number that completed the unit; 0 for a message file
    time: float | None
    stream: int | None
    src: str | None
    dst: str | None
    transport: str  # http | https | http-poll | tcp-rfc2510 | tcp-msg-v10 | tcp-der | coap | file
    direction: int | None = None  # 0 client->server, 1 server->client; None for files
    frame_type: str | None = None
    framing: Framing | None = None
    http: HttpInfo | None = None
    message: PkiSummary | None = None
    der: bytes | None = None  # the PKIMessage bytes, kept for the lazy full decode and protection checks
    protection: str = "unprotected"  # unprotected | unchecked | valid | invalid | unverifiable
    protection_reason: str | None = None
    error: str | None = None  # why the unit did not decode fully, with the byte offset
    index: int = 0  # position in the capture's unit list
    findings: list[Finding] = field(default_factory=list)  # what checking this unit alone found (protection, POP)
    signer: str | None = None  # who verifiably protected it: signer subject or the secret's label, never the secret


@dataclass(slots=True)
class Finding:
    """One problem found; `code` is stable, `reference` names the RFC section enforced."""

    severity: str  # error | warning | info
    code: str
    message: str
    frame: int | None
    reference: str


@dataclass(slots=True)
class Transaction:
    """Units grouped into one CMP transaction (CONTRACT.md `transactions`)."""

    transaction_id: bytes | None
    kind: str | None
    units: list[Unit] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # labels aligned with `frames`
    frames: list[int] = field(default_factory=list)
    client: str | None = None
    server: str | None = None
    transport: str = "http"
    outcome: str = "incomplete"
    cause: str | None = None
    findings: list[Finding] = field(default_factory=list)
    start: float | None = None
    end: float | None = None


@dataclass(slots=True)
class Notice:
    """Something the pipeline wants the user to know that is not a unit: a gap, a damaged record."""

    severity: str  # error | warning | info
    message: str
    frame: int | None = None
    stream: int | None = None
