"""certConf certHash against the issued certificate, on real flows and altered ones."""

import hashlib
from pathlib import Path

import pytest

from cmpdissect.protection import verify_cert_hashes
from cmpdissect.protection.certhash import implied_hash, issued_certs

DATA = Path(__file__).parent / "data"
SHA256, SHA512 = "2.16.840.1.101.3.4.2.1", "2.16.840.1.101.3.4.2.3"


def msg(name: str) -> bytes:
    return (DATA / f"{name}.der").read_bytes()


def tlv(tag: bytes, *content: bytes) -> bytes:
    body = b"".join(content)
    assert len(body) < 128
    return tag + bytes([len(body)]) + body


def cert_conf(cert_hash: bytes, pvno: int = 2, hash_alg: bytes = b"") -> bytes:
    """An unprotected certConf for certReqId 0 (header: NULL-DN sender and recipient)."""
    header = tlv(b"\x30", bytes([2, 1, pvno]), b"\xa4\x02\x30\x00", b"\xa4\x02\x30\x00")
    status = tlv(b"\x30", tlv(b"\x04", cert_hash), b"\x02\x01\x00", hash_alg)
    return tlv(b"\x30", header, tlv(b"\xb8", tlv(b"\x30", status)))


@pytest.mark.parametrize(
    ("conf", "response", "hash_oid"),
    [
        ("pbm_certConf", "pbm_ip", SHA256),
        ("ec_certConf", "ec_cp", SHA256),
        ("rsa_certConf", "rsa_cp", SHA256),
        ("ed_certConf", "ed_ip", SHA512),
    ],  # fmt: skip
)
def test_real_flows_pass(conf, response, hash_oid):
    (v,) = verify_cert_hashes(msg(conf), msg(response))
    assert (v.cert_req_id, v.status, v.findings) == (0, "valid", [])
    assert implied_hash(issued_certs(msg(response))[0]) == hash_oid  # Ed25519 CA: SHA-512 (RFC 9481 3.3)


def test_confirming_another_certificate_is_a_mismatch():
    (v,) = verify_cert_hashes(msg("pbm_certConf"), msg("rsa_cp"))  # rsa_cp issued a different certificate
    assert v.status == "invalid"
    assert [f.code for f in v.findings] == ["certhash-mismatch"]


def test_hash_with_the_wrong_algorithm_is_named():
    cert = issued_certs(msg("ed_ip"))[0]
    (v,) = verify_cert_hashes(cert_conf(hashlib.sha256(cert).digest()), msg("ed_ip"))
    assert v.status == "invalid"
    assert [f.code for f in v.findings] == ["certhash-wrong-alg"]
    assert "sha256 hash" in v.reason and "sha512 is required" in v.reason


def test_hash_alg_is_honoured_and_needs_pvno_3():
    cert = issued_certs(msg("ec_cp"))[0]
    sha384 = b"\xa0\x0d\x30\x0b\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x02"
    (v3,) = verify_cert_hashes(cert_conf(hashlib.sha384(cert).digest(), 3, sha384), msg("ec_cp"))
    assert (v3.status, v3.findings) == ("valid", [])
    (v2,) = verify_cert_hashes(cert_conf(hashlib.sha384(cert).digest(), 2, sha384), msg("ec_cp"))
    assert v2.status == "valid" and [f.code for f in v2.findings] == ["certhash-hashalg-pvno"]


def test_unknown_cert_req_id_and_undecodable():
    (v,) = verify_cert_hashes(msg("ec_certConf"), msg("ec_pkiConf"))  # pkiConf carries no certificate
    assert v.status == "unverifiable" and v.findings[0].code == "certhash-no-cert"
    (bad,) = verify_cert_hashes(msg("ec_certConf")[:100], msg("ec_cp"))
    assert bad.status == "unverifiable" and "offset" in bad.reason
