"""The pyasn1 schema: RFC 9810 names and the three patches over pyasn1-alt-modules' rfc9810."""

import pytest
from pyasn1.codec.der import encoder
from pyasn1.error import PyAsn1Error
from pyasn1_alt_modules import rfc9810

from cmpdissect.asn1 import der, schema
from cmpdissect.asn1.names import BODY_NAMES


def tlv(tag: int, *parts: bytes) -> bytes:
    content = b"".join(parts)
    n = len(content)
    size = bytes([n]) if n < 0x80 else bytes([0x82]) + n.to_bytes(2, "big")
    return bytes([tag]) + size + content


def _header(data: bytes) -> bytes:
    h = der.read_header(data, der.read_header(data, 0).start)
    return data[h.offset : h.end]


# A minimal CMS EnvelopedData (RFC 5652 6.1) with one KeyTransRecipientInfo, as its SEQUENCE content.
_ALG = tlv(0x30, tlv(0x06, bytes.fromhex("2a864886f70d010101")))
_KTRI = tlv(0x30, tlv(0x02, b"\x02"), tlv(0x80, b"ski"), _ALG, tlv(0x04, b"wrapped"))
_ECI = tlv(0x30, tlv(0x06, bytes.fromhex("2a864886f70d010701")), _ALG, tlv(0x80, b"ciphertext"))
ENVELOPED_CONTENT = tlv(0x02, b"\x02") + tlv(0x31, _KTRI) + _ECI


def test_body_alternatives_are_rfc_9810_names():
    assert schema.BODY_ALTERNATIVES == BODY_NAMES


def test_fixtures_decode_and_reencode(fixtures):
    for name, data in fixtures.items():
        msg, rest = schema.decode_message(data)
        assert rest == b"" and encoder.encode(msg) == data, name
    msg, _ = schema.decode_message(fixtures["ip"])
    params = msg["header"]["protectionAlg"]["parameters"]  # open type decoded as PBMParameter
    assert int(params["iterationCount"]) == 500 and len(params["salt"]) == 16


def test_nested_messages_are_decoded_not_left_as_any(fixtures):
    data = tlv(0x30, _header(fixtures["ir"]), tlv(0xB4, tlv(0x30, fixtures["ir"], fixtures["ip"])))
    msg, _ = schema.decode_message(data)
    inner = msg["body"]["nested"]
    assert [m["body"].getName() for m in inner] == ["ir", "ip"]
    assert int(inner[1]["body"]["ip"]["response"][0]["status"]["status"]) == 0
    plain, _ = schema.decoder.decode(data, asn1Spec=rfc9810.PKIMessage())
    assert not hasattr(plain["body"]["nested"][0], "getComponentByName")  # what the patch fixes


def test_krp_key_pair_history_takes_enveloped_data(fixtures, ip_cert):
    private_key = tlv(0xA0, tlv(0xA0, ENVELOPED_CONTENT))  # [0] EncryptedKey -> envelopedData [0]
    krp = tlv(
        0x30, tlv(0x30, tlv(0x02, b"\x00")), tlv(0xA2, tlv(0x30, tlv(0x30, tlv(0xA0, ip_cert), private_key)))
    )
    data = tlv(0x30, _header(fixtures["ir"]), tlv(0xAA, krp))
    msg, _ = schema.decode_message(data)
    pair = msg["body"]["krp"]["keyPairHist"][0]
    assert pair["privateKey"].getName() == "envelopedData"
    assert encoder.encode(msg) == data
    with pytest.raises(PyAsn1Error):
        schema.decoder.decode(data, asn1Spec=rfc9810.PKIMessage())


def test_pbm_salt_longer_than_128_octets(fixtures):
    params = tlv(0x30, tlv(0x04, b"s" * 200), tlv(0x30, tlv(0x06, bytes.fromhex("608648016503040201"))),
                 tlv(0x02, b"\x01\xf4"), tlv(0x30, tlv(0x06, bytes.fromhex("2b06010505080102"))))  # fmt: skip
    alg = tlv(0xA1, tlv(0x30, tlv(0x06, bytes.fromhex("2a864886f67d07420d")), params))
    hdr = tlv(0x30, tlv(0x02, b"\x02"), tlv(0xA4, b"\x30\x00"), tlv(0xA4, b"\x30\x00"), alg)
    msg, _ = schema.decode_message(tlv(0x30, hdr, tlv(0xB3, b"\x05\x00")))
    assert len(msg["header"]["protectionAlg"]["parameters"]["salt"]) == 200


def test_rfc_9810_additions_decode(fixtures, ip_cert):
    hdr = _header(fixtures["ir"])
    v3 = tlv(0x30, hdr, tlv(0xAF, tlv(0xA0, tlv(0x30, ip_cert, tlv(0xA0, ip_cert)))))
    assert schema.decode_message(v3)[0]["body"]["ckuann"].getName() == "cAKeyUpdAnnV3"
    challenge = tlv(0x30, tlv(0x04, b"w"), tlv(0x04, b""), tlv(0xA0, tlv(0x30, ENVELOPED_CONTENT)))
    popdecc = schema.decode_message(tlv(0x30, hdr, tlv(0xA5, tlv(0x30, challenge))))[0]
    assert popdecc["body"]["popdecc"][0]["encryptedRand"]["version"] == 2
    status = tlv(
        0x30,
        tlv(0x04, b"h" * 32),
        tlv(0x02, b"\x00"),
        tlv(0xA0, tlv(0x30, tlv(0x06, bytes.fromhex("608648016503040201")))),
    )
    conf = schema.decode_message(tlv(0x30, hdr, tlv(0xB8, tlv(0x30, status))))[0]
    assert str(conf["body"]["certConf"][0]["hashAlg"]["algorithm"]) == "2.16.840.1.101.3.4.2.1"


def test_genp_info_values_are_decoded(fixtures, ip_cert):
    msg, _ = schema.decode_message(fixtures["genp"])
    itav = msg["body"]["genp"][0]
    assert str(itav["infoType"]) == "1.3.6.1.5.5.7.4.2" and not itav["infoValue"].isValue  # OpenSSL's mock
    ca_certs = tlv(0x30, tlv(0x06, bytes.fromhex("2b060105050704 11".replace(" ", ""))), tlv(0x30, ip_cert))
    msg, _ = schema.decode_message(tlv(0x30, _header(fixtures["ir"]), tlv(0xB6, tlv(0x30, ca_certs))))
    value = msg["body"]["genp"][0]["infoValue"]  # id-it-caCerts: SEQUENCE OF CMPCertificate
    assert int(value[0]["tbsCertificate"]["version"]) == 2


def test_bad_input_raises_schema_error(fixtures):
    with pytest.raises(schema.SchemaError, match="^schema: "):
        schema.decode_message(fixtures["ip"][:500])
    with pytest.raises(schema.SchemaError):
        schema.decode_message(b"\x30\x03\x02\x01\x02")


@pytest.fixture(scope="module")
def ip_cert(fixtures) -> bytes:
    msg, _ = schema.decode_message(fixtures["ip"])
    return encoder.encode(
        msg["body"]["ip"]["response"][0]["certifiedKeyPair"]["certOrEncCert"]["certificate"]
    )[4:]
