"""POP signatures of real OpenSSL requests, and tampered copies."""

from pathlib import Path

import pytest

from cmpdissect.protection import verify_pop

DATA = Path(__file__).parent / "data"
ECDSA_SHA256 = b"\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02"


def msg(name: str) -> bytes:
    return (DATA / f"{name}.der").read_bytes()


def flip_last(data: bytes, needle: bytes) -> bytes:
    """Flip the low bit of the byte after the last occurrence of `needle`."""
    i = data.rindex(needle) + len(needle)
    return data[:i] + bytes([data[i] ^ 1]) + data[i + 1 :]


@pytest.mark.parametrize(
    ("name", "cert_req_id"),
    [("pbm_ir", 0), ("ec_cr", 0), ("rsa_cr", 0), ("ed_ir", 0), ("p10cr", -1)],  # ECDSA, RSASSA-PSS, Ed25519
)
def test_pop_of_real_requests_verifies(name, cert_req_id):
    (v,) = verify_pop(msg(name))
    assert (v.cert_req_id, v.status, v.findings) == (cert_req_id, "valid", [])


def test_other_bodies_have_no_pop():
    assert verify_pop(msg("pbm_ip")) == [] and verify_pop(msg("ec_certConf")) == []


def test_tampered_subject_breaks_the_pop_over_certrequest():
    data = msg("pbm_ir")
    tampered = data.replace(b"\x0c\x04test", b"\x0c\x04tesT", 2)  # the header sender and the template subject
    (v,) = verify_pop(tampered)
    assert v.status == "invalid"
    assert [f.code for f in v.findings] == ["pop-invalid"]
    assert "POP signature over CertRequest" in v.reason


def test_tampered_pop_signature_is_invalid():
    data = msg("ec_cr")
    i = data.index(ECDSA_SHA256 + b"\x03")  # the POP's algorithm, then its BIT STRING (header: then [2])
    j = i + len(ECDSA_SHA256) + 10  # inside r of the ECDSA-Sig-Value
    (v,) = verify_pop(data[:j] + bytes([data[j] ^ 1]) + data[j + 1 :])
    assert v.status == "invalid" and "certReqId 0" in v.reason


def test_tampered_csr_is_invalid():
    (v,) = verify_pop(flip_last(msg("p10cr"), b"\x0c\x04test"))
    assert v.status == "invalid" and "p10cr CSR signature" in v.reason
