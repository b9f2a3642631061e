"""The report model: what every report format shows, built from units and transactions.

A `Report` holds the capture summary (time span, peers, transactions by kind and outcome,
findings by severity) and one `TransactionReport` per transaction, failures first. It reads the
model only: header and body fields from `PkiSummary`, timing from the transaction table, issued
certificates and the per-message trees from `asn1.tree.build_tree`. `--redact` is applied here,
so the formats never see a subject name or serial.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cmpdissect.analysis.correlate import TransactionTable
from cmpdissect.analysis.steps import Step
from cmpdissect.analysis.timing import Timing
from cmpdissect.asn1.tree import build_tree
from cmpdissect.model import Finding, Notice, PkiSummary, Transaction, TreeNode, Unit

from .redact import Redactor

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
CERT_TYPES = frozenset({"Certificate", "CMPCertificate"})


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """One certificate a response issued (RFC 9810 5.3.4 CertifiedKeyPair)."""

    frame: int
    subject: str | None
    issuer: str | None
    serial: str | None
    not_before: str | None
    not_after: str | None
    summary: str | None


@dataclass(frozen=True, slots=True)
class MessageInfo:
    """One entry of a transaction's flow with the fields a reader checks first."""

    index: int
    frame: int
    time: float | None  # seconds since the transaction started
    direction: int  # 0 client to server
    label: str
    fields: tuple[tuple[str, str], ...]
    unit: Unit
    tree: TreeNode | None  # None for transport frames and inner messages of a nested unit


@dataclass(frozen=True, slots=True)
class TransactionReport:
    number: int  # 1-based, in order of the first frame (as `transactions` lists them)
    txn: Transaction
    timing: Timing
    messages: tuple[MessageInfo, ...]
    certificates: tuple[CertificateInfo, ...]
    findings: tuple[Finding, ...]  # message text redacted
    cause: str | None
    client: str | None
    server: str | None

    @property
    def failed(self) -> bool:
        return self.txn.outcome != "accepted"

    @property
    def anchor(self) -> str:
        return f"txn-{self.number}"

    @property
    def tid(self) -> str:
        return self.txn.transaction_id.hex() if self.txn.transaction_id is not None else "-"

    def worst(self) -> str | None:
        ranks = [SEVERITY_RANK.get(f.severity, 0) for f in self.findings]
        return SEVERITIES[2 - max(ranks)] if ranks else None


@dataclass(frozen=True, slots=True)
class Report:
    capture: str
    first_time: float | None
    last_time: float | None
    units: int
    notices: tuple[Notice, ...]
    peers: tuple[tuple[str, str], ...]  # (client host, server endpoint)
    kinds: dict[str, dict[str, int]]  # kind -> outcome -> count
    outcomes: dict[str, int]
    findings: dict[str, int]  # severity -> count
    transactions: tuple[TransactionReport, ...]  # failures first, then by first frame
    redacted: bool

    @property
    def span(self) -> float | None:
        if self.first_time is None or self.last_time is None:
            return None
        return self.last_time - self.first_time

    @property
    def failed(self) -> int:
        return sum(t.failed for t in self.transactions)


def build_report(capture: str, units: Sequence[Unit], notices: Iterable[Notice], table: TransactionTable,
                 transactions: Sequence[Transaction], redact: bool = False) -> Report:
    """The report of a finished capture; `transactions` is what `table.finish()` returned."""
    redactor = Redactor(redact)
    trees = {id(u): redactor.tree(build_tree(u.der)) for u in units if u.der}  # first: learns the names
    reports = [_transaction(n, t, table, trees, redactor) for n, t in enumerate(transactions, 1)]
    times = [u.time for u in units if u.time is not None]
    kinds: dict[str, Counter[str]] = {}
    for t in transactions:
        kinds.setdefault(t.kind or "?", Counter())[t.outcome] += 1
    peers = sorted({(_host(r.client), r.server or "?") for r in reports})
    severities = Counter(f.severity for t in transactions for f in t.findings)
    notices = tuple(Notice(n.severity, redactor.text(n.message) or "", n.frame, n.stream) for n in notices)
    return Report(
        capture=capture,
        first_time=min(times) if times else None,
        last_time=max(times) if times else None,
        units=len(units),
        notices=notices,
        peers=tuple(peers),
        kinds={k: dict(sorted(v.items())) for k, v in sorted(kinds.items())},
        outcomes=dict(Counter(t.outcome for t in transactions).most_common()),
        findings={s: severities.get(s, 0) for s in SEVERITIES},
        transactions=tuple(sorted(reports, key=_order)),
        redacted=redact,
    )


def fails(report: Report, threshold: str) -> bool:
    """`--fail-on`: a failed transaction, or a finding of `threshold` severity or worse."""
    rank = SEVERITY_RANK[threshold]
    return any(t.failed or any(SEVERITY_RANK.get(f.severity, 0) >= rank for f in t.findings)
               for t in report.transactions)


def _order(t: TransactionReport) -> tuple[int, int]:
    worst = t.worst()
    rank = 0 if t.failed else 1 if worst == "error" else 2 if worst == "warning" else 3
    return rank, t.number


def _host(endpoint: str | None) -> str:
    if not endpoint:
        return "?"
    return endpoint.rsplit(":", 1)[0] if ":" in endpoint else endpoint


def _transaction(number: int, txn: Transaction, table: TransactionTable, trees: dict[int, TreeNode],
                 redactor: Redactor) -> TransactionReport:
    steps = table.steps(txn)
    messages = []
    certificates: list[CertificateInfo] = []
    for index, step in enumerate(steps):
        tree = trees.get(id(step.unit)) if not step.inner else None
        rel = step.time - txn.start if step.time is not None and txn.start is not None else None
        messages.append(MessageInfo(index, step.frame, rel, step.direction, step.label,
                                    tuple(_fields(step, redactor)), step.unit, tree))
        if tree is not None and step.msg is not None and any(r.cert_der for r in step.msg.cert_responses):
            certificates += _issued(tree, step.frame)
    findings = tuple(Finding(f.severity, f.code, redactor.text(f.message) or "", f.frame, f.reference)
                     for f in txn.findings)
    return TransactionReport(number, txn, table.timing(txn), tuple(messages), tuple(certificates), findings,
                             redactor.text(txn.cause), txn.client, txn.server)


def _fields(step: Step, redactor: Redactor) -> list[tuple[str, str]]:
    """Key header and body fields of one flow entry (RFC 9810 5.1.1 header, 5.3 bodies)."""
    unit, msg = step.unit, step.msg
    out: list[tuple[str, str]] = []
    if unit.http is not None:
        h = unit.http
        out.append(("HTTP", " ".join(str(x) for x in (h.method if h.is_request else h.status, h.path if h.is_request
                                                       else h.reason, h.content_type) if x)))
    if unit.framing is not None and step.frame_type:
        f = unit.framing
        bits = [step.frame_type] + [f"{k} {v}" for k, v in (("version", f.version), ("poll_ref", f.poll_ref),
                                                             ("check-back", f.check_after), ("error", f.error_name),
                                                             ("text", f.error_text)) if v is not None]
        if f.close:
            bits.append("close")
        out.append(("framing", ", ".join(map(str, bits))))
    if msg is not None:
        out += _message_fields(msg, redactor)
    if not step.inner:
        verdict = unit.protection
        if unit.protection_reason:
            verdict += f" ({redactor.text(unit.protection_reason)})"
        elif unit.signer and unit.protection == "valid":
            verdict += f" (by {redactor.text(unit.signer)})"
        out.append(("protection", verdict))
    if unit.error:
        out.append(("error", unit.error))
    return out


def _message_fields(m: PkiSummary, redactor: Redactor) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []

    def add(name: str, value: object) -> None:
        if value not in (None, "", [], 0, False):
            out.append((name, str(value)))

    add("pvno", m.pvno)
    add("sender", redactor.name(m.sender))
    add("recipient", redactor.name(m.recipient))
    add("protectionAlg", m.protection_alg)
    if m.sender_kid is not None:
        add("senderKID", _kid(m.sender_kid))
    if m.recip_kid is not None:
        add("recipKID", _kid(m.recip_kid))
    add("transactionID", m.transaction_id.hex() if m.transaction_id else None)
    add("implicitConfirm", "yes" if m.implicit_confirm else None)
    add("certProfile", ", ".join(m.cert_profiles))
    add("generalInfo", ", ".join(m.general_info))
    add("freeText", "; ".join(redactor.text(t) or "" for t in m.free_text))
    add("extraCerts", m.extra_certs)
    for req in m.cert_requests:
        add(f"certReq {req.cert_req_id}", ", ".join(x for x in (
            f"subject {redactor.name(req.subject)}" if req.subject else None,
            f"POP {req.pop}" if req.pop else "POP none") if x))
    add("status", ", ".join(m.status))
    add("failInfo", ", ".join(m.fail_info))
    add("statusString", "; ".join(redactor.text(t) or "" for t in m.status_text))
    add("errorCode", m.error_code)
    add("certReqIds", ", ".join(map(str, m.cert_req_ids)))
    add("checkAfter", ", ".join(f"{s} s" for s in m.check_after))
    add("infoTypes", ", ".join(m.info_types))
    add("nested", " ".join(n.body or "?" for n in m.nested))
    add("decode error", m.error)
    return out


def _kid(kid: bytes) -> str:
    """Hex, with the text when a KID is printable (a PBM reference value usually is)."""
    text = kid.decode("ascii", "replace")
    return f"{kid.hex()} ({text!r})" if kid and all(0x20 <= b < 0x7F for b in kid) else kid.hex()


def _find(node: TreeNode, name: str) -> TreeNode | None:
    return next((c for c in node.children if c.name == name), None)


def _issued(tree: TreeNode, frame: int) -> list[CertificateInfo]:
    """The certificates under `certOrEncCert` of a response, read off its tree."""
    out = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.name == "certOrEncCert":
            for cert in node.children:
                if cert.type_name in CERT_TYPES:
                    out.append(_certificate(cert, frame))
            continue
        stack.extend(reversed(node.children))
    return out


def _certificate(cert: TreeNode, frame: int) -> CertificateInfo:
    tbs = _find(cert, "tbsCertificate")

    def value(*path: str) -> str | None:
        node: TreeNode | None = tbs
        for name in path:
            node = _find(node, name) if node is not None else None
        return node.value if node is not None else None
    serial = value("serialNumber")
    if serial is not None and serial.lstrip("-").isdigit():
        serial = f"{int(serial):#x}"  # as certificate summaries and openssl print it
    return CertificateInfo(frame, value("subject"), value("issuer"), serial,
                           value("validity", "notBefore"), value("validity", "notAfter"), cert.value)
