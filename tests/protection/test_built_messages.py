"""Protection checks on PKIMessages built here: PBMAC1, AES-GMAC, refused iteration counts, BER,
and signer diagnosis. MACs and signatures are made with hashlib/hmac/cryptography directly, not
with the code under test.
"""

import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from cmpdissect.protection import Credentials, parse_secret, verify_unit

from .derbuild import alg, integer, oid, tlv


def name(*rdns: tuple[str, int, str]) -> bytes:
    return tlv(0x30, *(tlv(0x31, tlv(0x30, oid(o), tlv(t, v.encode()))) for o, t, v in rdns))


NULL_DN = tlv(0xA4, b"\x30\x00")
GENM = tlv(0xB5, b"\x30\x00")  # [21] genm, no InfoTypeAndValue
HMAC_SHA256 = "1.2.840.113549.2.9"
CN = "2.5.4.3"


def header(protection_alg: bytes, kid: bytes | None, sender: bytes = NULL_DN) -> bytes:
    fields = [integer(2), sender, NULL_DN, tlv(0xA1, protection_alg)]
    if kid is not None:
        fields.append(tlv(0xA2, tlv(0x04, kid)))
    fields.append(tlv(0xA4, tlv(0x04, b"T" * 16)))
    return tlv(0x30, *fields)


def message(hdr: bytes, body: bytes, value: bytes, extra: bytes = b"") -> bytes:
    return tlv(0x30, hdr, body, tlv(0xA0, tlv(0x03, b"\x00" + value)), extra)


def protected(hdr: bytes, body: bytes = GENM) -> bytes:
    return tlv(0x30, hdr, body)


def secrets(*specs: str) -> Credentials:
    return Credentials(secrets=tuple(parse_secret(s, i) for i, s in enumerate(specs, 1)))


def pbmac1_params(salt: bytes, iterations: int, key_len: int) -> bytes:
    pbkdf2 = alg("1.2.840.113549.1.5.12", tlv(0x30, tlv(0x04, salt), integer(iterations), integer(key_len),
                                              alg(HMAC_SHA256, b"\x05\x00")))  # fmt: skip
    return alg("1.2.840.113549.1.5.14", tlv(0x30, pbkdf2, alg(HMAC_SHA256, b"\x05\x00")))


def test_pbmac1_valid_and_wrong_secret():
    salt = bytes(range(16))
    hdr = header(pbmac1_params(salt, 1000, 32), b"psk1")
    key = hashlib.pbkdf2_hmac("sha256", b"s3cret", salt, 1000, 32)
    data = message(hdr, GENM, hmac.new(key, protected(hdr), "sha256").digest())
    assert verify_unit(data, secrets("psk1=pass:s3cret")).status == "valid"
    bad = verify_unit(data, secrets("psk1=pass:s3cret!"))
    assert bad.status == "invalid" and "PBMAC1 MAC does not verify" in bad.reason


def pbm_params(iterations: int, owf: str = "1.3.14.3.2.26", mac: bytes = b"") -> bytes:
    mac = mac or alg(HMAC_SHA256)
    return alg(
        "1.2.840.113533.7.66.13", tlv(0x30, tlv(0x04, b"saltsalt"), alg(owf), integer(iterations), mac)
    )


def test_pbm_gmac_uses_the_k_greater_than_h_key_expansion():
    # OWF SHA-1 gives 20 octets; AES-256-GMAC needs 32: RFC 9810 5.1.3.1 expands the key.
    nonce = b"N" * 12
    gmac = alg("2.16.840.1.101.3.4.1.49", tlv(0x30, tlv(0x04, nonce)))
    hdr = header(pbm_params(100, mac=gmac), b"k")
    basekey = hashlib.sha1(b"pw" + b"saltsalt").digest()
    for _ in range(99):
        basekey = hashlib.sha1(basekey).digest()
    key = (basekey + hashlib.sha1(b"1" + basekey).digest())[:32]
    tag = AESGCM(key).encrypt(nonce, b"", protected(hdr))[:12]
    data = message(hdr, GENM, tag)
    v = verify_unit(data, secrets("pass:pw"))
    assert v.status == "valid", v.reason
    assert "mac-alg-legacy" in {f.code for f in v.findings}  # SHA-1 as OWF


def test_huge_pbm_iteration_count_is_refused_fast():
    hdr = header(pbm_params(2**31 - 1), b"k")
    start = time.monotonic()
    v = verify_unit(message(hdr, GENM, b"\x00" * 32), secrets("pass:pw"))
    assert time.monotonic() - start < 1.0
    assert v.status == "unverifiable" and "2147483647" in v.reason
    assert [(f.code, f.severity) for f in v.findings] == [("pbm-iterations-excessive", "error")]


def test_huge_pbkdf2_iteration_count_is_refused_fast():
    hdr = header(pbmac1_params(b"s" * 16, 10**9, 32), b"k")
    start = time.monotonic()
    v = verify_unit(message(hdr, GENM, b"\x00" * 32), secrets("pass:pw"))
    assert time.monotonic() - start < 1.0
    assert v.findings[0].code == "pbm-iterations-excessive"


def test_low_iteration_count_is_computed_but_flagged():
    hdr = header(pbm_params(10, owf="2.16.840.1.101.3.4.2.1"), b"k")
    key = hashlib.sha256(b"pw" + b"saltsalt").digest()
    for _ in range(9):
        key = hashlib.sha256(key).digest()
    v = verify_unit(message(hdr, GENM, hmac.new(key, protected(hdr), "sha256").digest()), secrets("pass:pw"))
    assert v.status == "valid"
    assert "pbm-iterations-low" in {f.code for f in v.findings}


def test_ber_sender_verifies_over_the_der_reencoding():
    hdr = header(pbm_params(100, owf="2.16.840.1.101.3.4.2.1"), b"k")
    key = hashlib.sha256(b"pw" + b"saltsalt").digest()
    for _ in range(99):
        key = hashlib.sha256(key).digest()
    value = hmac.new(key, protected(hdr), "sha256").digest()  # over the DER, as RFC 9810 5.1.3 wants
    ber_hdr = b"\x30\x80" + hdr[2:] + b"\x00\x00"  # same header, indefinite length
    data = message(ber_hdr, GENM, value)
    v = verify_unit(data, secrets("pass:pw"))
    assert v.status == "valid", v.reason
    assert [f.code for f in v.findings].count("protection-not-der") == 2  # message is BER; MAC only over DER


def make_signer(subject: x509.Name, skid: bool = True) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
    )
    if skid:
        b = b.add_extension(x509.SubjectKeyIdentifier(b"\x01\x02\x03\x04"), critical=False)
    return key, b.sign(key, hashes.SHA256()).public_bytes(Encoding.DER)


def signed(sender: bytes, kid: bytes | None, key, cert: bytes) -> bytes:
    hdr = header(alg("1.2.840.10045.4.3.2"), kid, sender=tlv(0xA4, sender))
    sig = key.sign(protected(hdr), ec.ECDSA(hashes.SHA256()))
    return message(hdr, GENM, sig, tlv(0xA1, tlv(0x30, cert)))


SUBJECT = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "signer"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example")])  # fmt: skip
EXACT = name((CN, 0x0C, "signer"), ("2.5.4.10", 0x0C, "Example"))


def test_signer_found_and_clean_when_sender_and_kid_match():
    key, cert = make_signer(SUBJECT)
    v = verify_unit(signed(EXACT, b"\x01\x02\x03\x04", key, cert))
    assert (v.status, v.findings, v.signer) == ("valid", [], "CN=signer, O=Example")


def test_sender_not_the_signer_subject():
    key, cert = make_signer(SUBJECT)
    v = verify_unit(signed(name((CN, 0x0C, "someone else")), b"\x01\x02\x03\x04", key, cert))
    assert v.status == "valid"
    assert [f.code for f in v.findings] == ["sender-subject-mismatch"]
    assert "CN=someone else" in v.findings[0].message


def test_sender_equal_only_ignoring_rdn_order_and_string_type():
    key, cert = make_signer(SUBJECT)
    loose = name(("2.5.4.10", 0x13, "EXAMPLE"), (CN, 0x13, "signer"))  # PrintableString, swapped, case
    v = verify_unit(signed(loose, b"\x01\x02\x03\x04", key, cert))
    assert [f.code for f in v.findings] == ["sender-subject-encoding"]


def test_senderkid_not_the_skid():
    key, cert = make_signer(SUBJECT)
    v = verify_unit(signed(EXACT, b"\x09\x09", key, cert))
    assert v.status == "valid"
    assert [f.code for f in v.findings] == ["signer-kid-mismatch"]


def test_self_signed_signer_as_trusted_anchor():
    key, cert = make_signer(SUBJECT, skid=False)
    data = signed(EXACT, None, key, cert)
    anchored = verify_unit(data, Credentials(trusted=(cert,)))
    assert "signer-untrusted" not in {f.code for f in anchored.findings}
    other_key, other = make_signer(SUBJECT)
    assert "signer-untrusted" in {f.code for f in verify_unit(data, Credentials(trusted=(other,))).findings}


def test_signature_by_another_key_than_the_certificate_is_invalid():
    key, cert = make_signer(SUBJECT)
    other_key, _ = make_signer(SUBJECT)
    v = verify_unit(signed(EXACT, b"\x01\x02\x03\x04", other_key, cert))
    assert v.status == "invalid" and "signed with another key" in v.reason


def test_dh_based_mac_is_unverifiable_with_reason():
    hdr = header(alg("1.2.840.113533.7.66.30", tlv(0x30, alg("1.3.14.3.2.26"), alg(HMAC_SHA256))), None)
    v = verify_unit(message(hdr, GENM, b"\x00" * 20), secrets("pass:pw"))
    assert v.status == "unverifiable" and "DHBasedMac" in v.reason
