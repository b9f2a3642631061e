"""OID, status, failure-bit and body names; Name and GeneralName text."""

import pytest

from cmpdissect.asn1 import names
from cmpdissect.asn1.der import DerError


def test_protection_and_algorithm_names():
    assert names.oid_name("1.2.840.113533.7.66.13") == "PBM"
    assert names.oid_name("1.2.840.113533.7.66.30") == "DHBasedMac"
    assert names.oid_name("1.2.840.113533.7.66.16") == "KemBasedMac"
    assert names.oid_name("1.2.840.113549.1.5.14") == "PBMAC1"
    assert names.oid_name("1.3.6.1.5.5.8.1.2") == "hmac-sha1"
    assert names.oid_name("1.2.840.113549.2.9") == "hmacWithSHA256"
    assert names.oid_name("1.2.840.10045.4.3.2") == "ecdsa-with-SHA256"
    assert names.oid_name("1.2.840.113549.1.1.11") == "sha256WithRSAEncryption"
    assert names.oid_name("1.3.101.112") == "Ed25519"
    assert names.oid_name("2.16.840.1.101.3.4.2.12") == "shake256"
    assert names.oid_name("2.16.840.1.101.3.4.3.18") == "ML-DSA-65"
    assert names.oid_name("1.3.6.1.4.1.3029.3.1.2") == "cryptlibPKIBoot"
    assert names.oid_name("1.2.3.4") is None


def test_id_it_table_is_complete():
    assigned = [n for n in range(1, 25) if n not in (8, 9)]
    for n in assigned:
        assert names.oid_name(f"1.3.6.1.5.5.7.4.{n}").startswith("id-it-")
    assert names.oid_name("1.3.6.1.5.5.7.4.13") == "id-it-implicitConfirm"
    assert names.oid_name("1.3.6.1.5.5.7.4.24") == "id-it-KemCiphertextInfo"
    assert names.oid_name("1.3.6.1.5.5.7.4.8") is None


def test_status_failure_and_body_names():
    assert len(names.PKI_STATUS) == 7 and names.status_name(3) == "waiting"
    assert names.status_name(9) == "9"
    assert len(names.FAILURE_INFO) == 27
    assert (names.failure_name(0), names.failure_name(9), names.failure_name(26)) == (
        "badAlg", "badPOP", "duplicateCertReq")  # fmt: skip
    assert names.failure_name(27) == "bit27"
    assert len(names.BODY_NAMES) == 27
    assert (
        names.BODY_NAMES[19] == "pkiconf"
        and names.BODY_NAMES[22] == "genp"
        and names.BODY_NAMES[24] == "certConf"
    )


def _tlv(tag: int, content: bytes) -> bytes:
    assert len(content) < 128
    return bytes([tag, len(content)]) + content


def _atv(oid_hex: str, value: bytes, string_tag: int = 0x0C) -> bytes:
    return _tlv(0x30, _tlv(0x06, bytes.fromhex(oid_hex)) + _tlv(string_tag, value))


CN = "550403"
O = "55040a"  # noqa: E741
OU = "55040b"
DC = "0992268993f22c640119"


def test_name_in_x509_order_with_short_labels():
    name = _tlv(0x30, _tlv(0x31, _atv(CN, b"Lab CA")) + _tlv(0x31, _atv(O, b"Example", 0x13)))
    assert names.name_to_text(name) == "CN=Lab CA, O=Example"


def test_multi_valued_rdn_escaping_and_unknown_types():
    rdn = _tlv(0x31, _atv(CN, b"a,b") + _atv(OU, b" lead"))
    dc = _tlv(0x31, _atv(DC, b"example", 0x16))
    odd = _tlv(0x31, _tlv(0x30, _tlv(0x06, bytes.fromhex("2a03")) + _tlv(0x02, b"\x05")))
    assert names.name_to_text(_tlv(0x30, rdn + dc + odd)) == "CN=a\\,b+OU=\\ lead, DC=example, 1.2.3=#020105"


def test_null_dn_is_empty():
    assert names.name_to_text(bytes.fromhex("3000")) == ""
    assert names.general_name_to_text(bytes.fromhex("a4023000")) == ""


def test_general_names():
    assert names.general_name_to_text(_tlv(0x82, b"ca.example")) == "DNS:ca.example"
    assert names.general_name_to_text(_tlv(0x86, b"http://ca/cmp")) == "URI:http://ca/cmp"
    assert names.general_name_to_text(_tlv(0x81, b"ra@example")) == "email:ra@example"
    assert names.general_name_to_text(_tlv(0x87, bytes([192, 0, 2, 1]))) == "IP:192.0.2.1"
    assert names.general_name_to_text(_tlv(0x87, bytes(15) + b"\x01")) == "IP:::1"
    assert (
        names.general_name_to_text(_tlv(0x88, bytes.fromhex("2b0601050507040d")))
        == "RID:id-it-implicitConfirm"
    )
    dn = _tlv(0x30, _tlv(0x31, _atv(CN, b"test")))
    assert names.general_name_to_text(_tlv(0xA4, dn)) == "CN=test"


def test_malformed_names_raise_der_error():
    with pytest.raises(DerError):
        names.name_to_text(bytes.fromhex("3003 310100"))
    with pytest.raises(DerError, match="context tag"):
        names.general_name_to_text(bytes.fromhex("3000"))
