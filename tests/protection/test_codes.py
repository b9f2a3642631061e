"""The protection codes no other test triggers, each with a trigger and a near twin, and signer
resolution (which extraCerts entry signed, and the differences when none fits)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID

from cmpdissect.catalogue import CHECKS
from cmpdissect.protection import (
    Credentials,
    parse_secret,
    resolve_signer,
    verify_cert_hashes,
    verify_pop,
    verify_unit,
)

from .derbuild import alg, integer, tlv

DATA = Path(__file__).parent / "data"
ECDSA_SHA256 = bytes.fromhex("2a8648ce3d040302")
UNKNOWN_SIG = bytes.fromhex("2a8648ce3d040309")
SHA256, HMAC_SHA256, PBM = "2.16.840.1.101.3.4.2.1", "1.2.840.113549.2.9", "1.2.840.113533.7.66.13"


def codes(findings) -> set[str]:
    return {f.code for f in findings}


NULL_DN = tlv(0xA4, b"\x30\x00")
GENM = tlv(0xB5, b"\x30\x00")


def header(protection_alg: bytes | None, kid: bytes | None, sender: bytes = NULL_DN) -> bytes:
    fields = [integer(2), sender, NULL_DN]
    if protection_alg is not None:
        fields.append(tlv(0xA1, protection_alg))
    if kid is not None:
        fields.append(tlv(0xA2, tlv(0x04, kid)))
    return tlv(0x30, *fields)


def message(hdr: bytes, body: bytes, value: bytes | None = None, extra: bytes = b"") -> bytes:
    prot = tlv(0xA0, tlv(0x03, b"\x00" + value)) if value is not None else b""
    return tlv(0x30, hdr, body, prot, extra)


def pbm_message(secret: bytes, salt: bytes = b"s" * 16, owf: str = SHA256, iterations: int = 500) -> bytes:
    hdr = header(alg(PBM, tlv(0x30, tlv(0x04, salt), alg(owf), integer(iterations), alg(HMAC_SHA256))), b"kid")
    key = hashlib.sha256(secret + salt).digest()
    for _ in range(iterations - 1):
        key = hashlib.sha256(key).digest()
    return message(hdr, GENM, hmac.new(key, tlv(0x30, hdr, GENM), "sha256").digest())


CREDS = Credentials(secrets=(parse_secret("kid=pass:pw", 1),))


def verdict_codes(data: bytes) -> set[str]:
    return codes(verify_unit(data, CREDS).findings)


def test_dh_based_mac_is_uncheckable_and_pbm_is_not():
    dh = header(alg("1.2.840.113533.7.66.30", tlv(0x30, alg("1.3.14.3.2.26"), alg(HMAC_SHA256))), None)
    assert "protection-mac-uncheckable" in verdict_codes(message(dh, GENM, b"\x00" * 20))
    assert verdict_codes(pbm_message(b"pw")) == set()


def test_unknown_signature_algorithm_and_twin():
    assert "protection-alg-unsupported" in verdict_codes(message(header(alg("1.2.3.4"), None), GENM, b"x"))
    real = (DATA / "ec_cr.der").read_bytes()
    assert "protection-alg-unsupported" not in verdict_codes(real)


def test_pbm_owf_not_supported_and_twin():
    assert "mac-alg-unsupported" in verdict_codes(pbm_message(b"pw", owf="1.2.3.4"))
    assert "mac-alg-unsupported" not in verdict_codes(pbm_message(b"pw"))


def test_pbm_zero_iterations_are_invalid_parameters():
    assert "mac-params-invalid" in verdict_codes(pbm_message(b"pw", iterations=0))
    assert "mac-params-invalid" not in verdict_codes(pbm_message(b"pw", iterations=100))


def test_short_salt_and_twin():
    v = verify_unit(pbm_message(b"pw", salt=b"1234"), CREDS)
    assert v.status == "valid" and "pbm-salt-short" in codes(v.findings)
    assert "pbm-salt-short" not in verdict_codes(pbm_message(b"pw", salt=b"12345678"))


SUBJECT = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "signer"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lab")])  # fmt: skip
SKID = b"\x0a\x0b\x0c\x0d"


def make_signer():
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(SUBJECT).issuer_name(SUBJECT).public_key(key.public_key())
            .serial_number(3).not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectKeyIdentifier(SKID), critical=False).sign(key, hashes.SHA256()))
    return key, cert.public_bytes(Encoding.DER)


def signed(sender: bytes, kid: bytes | None, key, certs: list[bytes]) -> bytes:
    hdr = header(alg("1.2.840.10045.4.3.2"), kid, sender=tlv(0xA4, sender))
    sig = key.sign(tlv(0x30, hdr, GENM), ec.ECDSA(hashes.SHA256()))
    return message(hdr, GENM, sig, tlv(0xA1, tlv(0x30, *certs)))


KEY, CERT = make_signer()
EXACT = SUBJECT.public_bytes()
REVERSED = x509.Name(list(reversed(list(SUBJECT)))).public_bytes()


def test_signer_kid_missing_and_twin():
    assert "signer-kid-missing" in codes(verify_unit(signed(EXACT, None, KEY, [CERT])).findings)
    assert "signer-kid-missing" not in codes(verify_unit(signed(EXACT, SKID, KEY, [CERT])).findings)


def test_signer_resolution_names_the_signer():
    other_key, other = make_signer()
    r = resolve_signer(signed(EXACT, SKID, KEY, [other, CERT]))
    assert r.signer.source == "extraCerts[1]" and r.signer.kid == "match" and r.signer.name == "exact"
    assert r.explain().startswith("signed with extraCerts[1] CN=signer, O=Lab")


def test_signer_resolution_shows_reversed_rdn_order_and_kid_bytes():
    r = resolve_signer(signed(REVERSED, b"\x09", KEY, [CERT]))
    assert (r.signer.name, r.signer.kid) == ("loose", "differs")
    text = r.explain()
    assert "ignoring RDN order" in text and "subjectKeyIdentifier 0a0b0c0d is not the senderKID" in text


def test_signer_resolution_when_no_certificate_verifies():
    other_key, other = make_signer()
    r = resolve_signer(signed(EXACT, SKID, other_key, [CERT]))
    assert r.signer is None and "no certificate verifies" in r.explain() and "does not verify" in r.explain()
    assert resolve_signer(pbm_message(b"pw")) is None


def test_certhash_undecodable_and_unknown_hash_and_twin():
    ip, conf = (DATA / "pbm_ip.der").read_bytes(), (DATA / "pbm_certConf.der").read_bytes()
    assert "certhash-undecodable" in codes(f for v in verify_cert_hashes(conf[:20], ip) for f in v.findings)
    odd = ip.replace(ECDSA_SHA256, UNKNOWN_SIG)
    assert "certhash-alg-unknown" in codes(f for v in verify_cert_hashes(conf, odd) for f in v.findings)
    assert codes(f for v in verify_cert_hashes(conf, ip) for f in v.findings) == set()


def test_pop_undecodable_and_unsupported_and_twin():
    ir = (DATA / "pbm_ir.der").read_bytes()
    bad_body = message(header(None, None), tlv(0xA0, tlv(0x30, integer(5))))
    assert "pop-undecodable" in codes(f for v in verify_pop(bad_body) for f in v.findings)
    assert "pop-alg-unsupported" in codes(f for v in verify_pop(ir.replace(ECDSA_SHA256, UNKNOWN_SIG)) for f in v.findings)
    assert [v.status for v in verify_pop(ir)] == ["valid"]


def _ir(template: list[bytes], popo_input: bytes | None) -> bytes:
    popo = tlv(0xA1, *([popo_input] if popo_input else []), alg("1.2.840.10045.4.3.2"), tlv(0x03, b"\x00\x30\x00"))
    req = tlv(0x30, tlv(0x30, integer(0), tlv(0x30, *template)), popo)
    return message(header(None, None), tlv(0xA0, tlv(0x30, req)))


def test_poposkinput_rules_and_twins():
    spki = KEY.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    subject, key = tlv(0xA5, EXACT), b"\xa6" + spki[1:]
    skinput = tlv(0xA0, tlv(0xA0, tlv(0xA4, EXACT)), spki)

    def found(template, popo_input):
        return codes(f for v in verify_pop(_ir(template, popo_input)) for f in v.findings)

    assert "pop-poposkinput-unexpected" in found([subject, key], skinput)
    assert "pop-poposkinput-unexpected" not in found([key], skinput)
    assert "pop-poposkinput-missing" in found([key], None)
    assert "pop-poposkinput-missing" not in found([subject, key], None)


def test_protection_codes_carry_the_catalogue_severity():
    for f in verify_unit(pbm_message(b"pw", salt=b"1234"), CREDS).findings:
        assert (f.severity, f.reference) == (CHECKS[f.code].severity, CHECKS[f.code].reference)
