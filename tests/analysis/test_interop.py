"""Interop diagnosis on real messages: extraCerts analysis, request versus issued, polling timeline,
and the likely cause of the failure captures made by `python -m scripts.captures.interop`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cmpdissect.analysis.cause import notice_cause
from cmpdissect.analysis.correlate import TransactionTable, correlate
from cmpdissect.analysis.issued import comparisons
from cmpdissect.analysis.polling import timeline
from cmpdissect.asn1.summary import summarize
from cmpdissect.model import Notice, Unit
from cmpdissect.pipeline import Pipeline, read_units
from cmpdissect.protection import load_credentials
from cmpdissect.protection.walk import children, parse
from cmpdissect.protection.walk import tlv as raw

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "protection" / "data"
CAPTURES = ROOT / "captures"


def tlv(tag: int, *content: bytes) -> bytes:
    body = b"".join(content)
    n = len(body)
    if n < 128:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def integer(n: int) -> bytes:
    return tlv(0x02, n.to_bytes(n.bit_length() // 8 + 1, "big", signed=True))


def units(*ders: bytes) -> list[Unit]:
    """A request/response exchange on one HTTP-less stream, capture time = messageTime."""
    out = []
    for i, der in enumerate(ders):
        m = summarize(der)
        out.append(Unit(frame=i + 1, time=m.message_time or 1e9, stream=0, src="10.0.0.1:1" if i % 2 == 0 else
                        "10.0.0.2:80", dst="10.0.0.2:80" if i % 2 == 0 else "10.0.0.1:1", transport="tcp-der",
                        direction=i % 2, message=m, der=der, index=i))
    return out


def codes(*ders: bytes) -> list[str]:
    return [f.code for t in correlate(units(*ders)) for f in t.findings]


# -- extraCerts -------------------------------------------------------------------------------------

EC_CR = (DATA / "ec_cr.der").read_bytes()
EC_CP = (DATA / "ec_cp.der").read_bytes()
CA = x509.load_pem_x509_certificate((DATA / "ca.pem").read_bytes()).public_bytes(serialization.Encoding.DER)
EDCA = x509.load_pem_x509_certificate((DATA / "edca.pem").read_bytes()).public_bytes(serialization.Encoding.DER)
SENT_AT = datetime.fromtimestamp(summarize(EC_CP).message_time, UTC)


def with_extra(der: bytes, *certs: bytes) -> bytes:
    """The message with its extraCerts replaced (they are outside the protected part)."""
    fields = children(der, parse(der))
    kept = [raw(der, f) for f in fields if not (f.tag_class == 2 and f.tag == 1)]
    return tlv(0x30, *kept, tlv(0xA1, tlv(0x30, *certs)))


def signer_cert() -> bytes:
    return next(raw(EC_CP, c) for c in children(EC_CP, children(EC_CP, children(EC_CP, parse(EC_CP))[3])[0]))


def cert_valid(start: datetime, end: datetime, name: str = "Other") -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(5).not_valid_before(start).not_valid_after(end)
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))


EXTRA_CASES = {
    "extracerts-duplicate": (lambda s: (s, s), lambda s: (s,)),
    "extracerts-order": (lambda s: (CA, s), lambda s: (s, CA)),
    "extracerts-chain-incomplete": (lambda s: (s, EDCA), lambda s: (s, CA)),
    "extracerts-expired": (lambda s: (s, cert_valid(SENT_AT - timedelta(days=9), SENT_AT - timedelta(days=2))),
                           lambda s: (s, cert_valid(SENT_AT - timedelta(days=9), SENT_AT + timedelta(days=2)))),
    "extracerts-not-yet-valid": (lambda s: (s, cert_valid(SENT_AT + timedelta(days=1), SENT_AT + timedelta(days=9))),
                                 lambda s: (s, cert_valid(SENT_AT - timedelta(days=1), SENT_AT + timedelta(days=9)))),
}


@pytest.mark.parametrize("code", EXTRA_CASES)
def test_extracerts_trigger_and_twin(code):
    bad, good = EXTRA_CASES[code]
    s = signer_cert()
    assert code in codes(EC_CR, with_extra(EC_CP, *bad(s)))
    assert code not in codes(EC_CR, with_extra(EC_CP, *good(s)))


def test_real_signed_flow_has_no_extracerts_findings():
    assert not [c for c in codes(EC_CR, EC_CP) if c.startswith("extracerts-")]


# -- request versus issued --------------------------------------------------------------------------

KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = ec.generate_private_key(ec.SECP256R1())
DEVICE = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lab"), x509.NameAttribute(NameOID.COMMON_NAME, "dev")])
NOT_BEFORE = datetime(2026, 1, 1, tzinfo=UTC)
NOT_AFTER = datetime(2027, 1, 1, tzinfo=UTC)
SAN = x509.SubjectAlternativeName([x509.DNSName("dev.lab.example")])
HEADER = tlv(0x30, integer(2), tlv(0xA4, b"\x30\x00"), tlv(0xA4, b"\x30\x00"),
             tlv(0xA4, tlv(0x04, b"\x42" * 16)), tlv(0xA5, tlv(0x04, b"\x01" * 16)))


def spki(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def extension(oid_der: bytes, value: bytes) -> bytes:
    return tlv(0x30, oid_der, tlv(0x04, value))


SAN_EXT = extension(b"\x06\x03\x55\x1d\x11", SAN.public_bytes())


def request(subject=DEVICE, key=KEY, exts=(SAN_EXT,), validity=True) -> bytes:
    fields = []
    if validity:
        fields.append(tlv(0xA4, tlv(0xA0, tlv(0x18, NOT_BEFORE.strftime("%Y%m%d%H%M%SZ").encode())),
                          tlv(0xA1, tlv(0x18, NOT_AFTER.strftime("%Y%m%d%H%M%SZ").encode()))))
    fields.append(tlv(0xA5, subject.public_bytes()))
    fields.append(b"\xa6" + spki(key)[1:])
    if exts:
        fields.append(b"\xa9" + tlv(0x30, *exts)[1:])
    body = tlv(0xA0, tlv(0x30, tlv(0x30, tlv(0x30, integer(0), tlv(0x30, *fields)))))
    return tlv(0x30, HEADER, body)


def issued(subject=DEVICE, key=KEY, san=True, not_after=NOT_AFTER, status=0) -> bytes:
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
         .serial_number(9).not_valid_before(NOT_BEFORE).not_valid_after(not_after))
    if san:
        b = b.add_extension(SAN, critical=False)
    cert = b.sign(OTHER_KEY, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    response = tlv(0x30, integer(0), tlv(0x30, integer(status)), tlv(0x30, tlv(0xA0, cert)))
    return tlv(0x30, HEADER, tlv(0xA1, tlv(0x30, tlv(0x30, response))))


REVERSED = x509.Name(list(reversed(list(DEVICE))))
ISSUED_CASES = {
    "issued-subject-changed": ({"subject": x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "other")])},
                               {"subject": REVERSED}),  # reversed RDN order is an encoding change only
    "issued-san-changed": ({"san": False}, {}),
    "issued-key-changed": ({"key": OTHER_KEY}, {}),
    "issued-validity-changed": ({"not_after": NOT_AFTER + timedelta(days=30)}, {}),
    "issued-mods-undeclared": ({"san": False}, {"san": False, "status": 1}),  # grantedWithMods declared
}


@pytest.mark.parametrize("code", ISSUED_CASES)
def test_issued_trigger_and_twin(code):
    bad, good = ISSUED_CASES[code]
    assert code in codes(request(), issued(**bad))
    assert code not in codes(request(), issued(**good))


def test_extension_dropped_and_its_twin():
    other = extension(b"\x06\x03\x55\x1d\x25", x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH])
                      .public_bytes())
    assert "issued-extension-dropped" in codes(request(exts=(SAN_EXT, other)), issued())
    assert "issued-extension-dropped" not in codes(request(exts=(SAN_EXT,)), issued())


def test_comparison_lists_each_field_with_what_changed():
    (c,) = comparisons(TransactionTable_steps(request(), issued(subject=REVERSED, san=False)))
    changes = {f.field: f.change for f in c.fields}
    assert changes == {"subject": "encoding", "publicKey": "same", "subjectAltName": "dropped",
                       "notBefore": "same", "notAfter": "same"}
    assert [f.field for f in c.modified] == ["subjectAltName"]


def TransactionTable_steps(*ders: bytes):  # noqa: N802 - reads as what it returns
    table = TransactionTable()
    for u in units(*ders):
        table.add(u)
    (txn,) = table.finish()
    return table.steps(txn)


# -- polling timeline -------------------------------------------------------------------------------

def test_polling_timeline_of_the_real_polling_capture():
    table = TransactionTable()
    for u in read_units(CAPTURES / "http-polling.pcap"):
        if isinstance(u, Unit):
            table.add(u)
    (txn,) = table.finish()
    entries = timeline(table.steps(txn))
    assert [(e.frame, e.kind, e.cert_req_ids) for e in entries] == [
        (8, "waiting", (0,)), (12, "pollReq", (0,)), (14, "pollRep", (0,)), (18, "pollReq", (0,)),
        (20, "pollRep", (0,)), (24, "pollReq", (0,)), (26, "delivered", (0,))]
    assert entries[3].required == 1 and entries[3].waited >= 1 and not entries[3].too_soon
    assert entries[-1].pending == ()


def test_timeline_recognises_polling_started_by_error_waiting(cap):
    c = cap.conv()
    c.req("genm")
    c.rep("error", status=["waiting"], fail_info=[])
    c.req("pollReq", ids=[-1])
    c.rep("pollRep", ids=[-1], check_after=[2])
    c.req("pollReq", ids=[-1], wait=2.5)
    c.rep("genp")
    table = TransactionTable()
    for u in cap.units:
        table.add(u)
    (txn,) = table.finish()
    kinds = [(e.kind, e.pending) for e in timeline(table.steps(txn))]
    assert kinds == [("error-waiting", (-1,)), ("pollReq", (-1,)), ("pollRep", (-1,)), ("pollReq", (-1,)),
                     ("delivered", ())]
    assert txn.outcome == "accepted"


# -- likely causes of the interop failure captures --------------------------------------------------

SECRETS = ["lab-ee-4711=pass:lab-shared-secret", "lab-ee-0815=pass:ee-0815-secret", "lab-ca=pass:lab-shared-secret"]


def transactions(name: str, secrets=()):
    pipeline = Pipeline(load_credentials(list(secrets), [], [])) if secrets else Pipeline()
    return correlate(u for u in read_units(CAPTURES / name, pipeline) if isinstance(u, Unit))


@pytest.mark.parametrize(("capture", "flow", "outcome", "cause"), [
    ("http-wrong-senderkid.pcap", ["ir", "error(rejection)"], "error",
     "is MAC-protected with the secret of another reference than its senderKID"),
    ("http-untrusted-server.pcap", ["ir", "ip(accepted)"], "incomplete",
     "signed by O=cmpdissect Lab, CN=Lab CMP Server: it most likely does not trust or expect this signer"),
    ("http-proxy-415.pcap", ["ir", "http:415"], "error",
     "came back instead of a CMP answer: a proxy or server in front of the CA refuses the correct media type"),
    ("http-poll-too-early.pcap", ["ir", "ip(waiting)", "pollReq", "pollRep", "pollReq", "pollRep"], "waiting",
     "The client polls too early (1 time(s), first at frame 12"),
    ("http-wrong-secret.pcap", ["ir", "error(rejection)"], "error",
     "does not verify with the shared secret given: client and server use different secrets"),
])
def test_failure_capture_gets_its_likely_cause(capture, flow, outcome, cause):
    (txn,) = transactions(capture, SECRETS)
    assert (txn.messages, txn.outcome) == (flow, outcome)
    assert cause in txn.cause


def test_without_the_secrets_the_wrong_senderkid_is_only_the_servers_error():
    (txn,) = transactions("http-wrong-senderkid.pcap")
    assert txn.cause.startswith("The server answered the ir (frame 6) with error badRequest")


def test_415_finding_and_accepted_flows_have_no_cause():
    (txn,) = transactions("http-proxy-415.pcap")
    assert [f.code for f in txn.findings if f.severity == "error"] == ["http-no-pkimessage"]
    assert all(t.cause is None for t in transactions("http-ir-sig.pcap"))


def test_tls_stream_without_cmp_gets_a_key_log_hint():
    notices = [n for n in read_units(CAPTURES / "http-ir-pbm.pcap") if not isinstance(n, Unit)]
    assert notice_cause(notices) is None
    tls = Notice("info", "stream 3: TLS connection (TLS 1.3): its content is encrypted", 6, 3)
    assert notice_cause([tls]).startswith("Stream 3 is TLS-encrypted and no CMP is visible: give cmpdissect the TLS key log")
