"""Messages for the tree tests: real OpenSSL messages from tests/asn1/data, and the bodies
OpenSSL never sends built here with pyasn1's DER encoder on the RFC 9810 schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyasn1.codec.der import decoder, encoder
from pyasn1.type import univ
from pyasn1_alt_modules import rfc5280, rfc5652, rfc9810

DATA = Path(__file__).resolve().parents[1] / "asn1" / "data"


def real(name: str) -> bytes:
    return (DATA / f"{name}.der").read_bytes()


def decode(der: bytes) -> rfc9810.PKIMessage:
    msg, rest = decoder.decode(der, asn1Spec=rfc9810.PKIMessage())
    assert not rest
    return msg


# Two real certificates: the CA's (caPubs of ip.der) and the issued one.
_IP = decode(real("ip"))
CA_CERT = _IP["body"]["ip"]["caPubs"][0]
CA_DER = encoder.encode(CA_CERT)
# The issued certificate, re-decoded untagged: in ip.der it sits inside certificate [0].
EE_DER = real("ip")[638:1044]
EE_CERT = decoder.decode(EE_DER, asn1Spec=rfc9810.CMPCertificate())[0]
CERT_REQ_MSG = decode(real("ir"))["body"]["ir"][0]
TID = bytes.fromhex("00112233445566778899aabbccddeeff")


def _crl_der() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    revoked = x509.RevokedCertificateBuilder().serial_number(0x1234).revocation_date(now).build()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "Lab CA")]))
        .last_update(now)
        .next_update(now + timedelta(days=7))
        .add_revoked_certificate(revoked)
    )
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


CRL_DER = _crl_der()
CRL = decoder.decode(CRL_DER, asn1Spec=rfc5280.CertificateList())[0]


def header(pvno: int = 2) -> rfc9810.PKIHeader:
    h = rfc9810.PKIHeader()
    h["pvno"] = pvno
    h["sender"]["directoryName"]["rdnSequence"] = rfc5280.RDNSequence()
    h["recipient"]["directoryName"]["rdnSequence"] = rfc5280.RDNSequence()
    h["transactionID"] = TID
    h["senderNonce"] = bytes(range(16))
    return h


def message(fill, pvno: int = 2) -> bytes:
    """A PKIMessage whose body `fill(body)` sets; no protection (RFC 9810 5.1)."""
    msg = rfc9810.PKIMessage()
    msg["header"] = header(pvno)
    fill(msg["body"])
    return encoder.encode(msg)


def status_info(body_status: univ.Sequence, status: int, fail_bits: str | None = None) -> None:
    body_status["status"] = status
    if fail_bits is not None:
        body_status["failInfo"] = rfc9810.PKIFailureInfo(fail_bits)


def _krr(body):
    body["krr"].append(CERT_REQ_MSG)


def _ccr(body):
    body["ccr"].append(CERT_REQ_MSG)


def _krp(body):
    krp = body["krp"]
    status_info(krp["status"], 0)
    krp["newSigCert"].setComponents(*[EE_CERT[i] for i in range(3)])
    krp["caCerts"].append(CA_CERT)
    pair = krp["keyPairHist"].getComponentByPosition(0)
    pair["certOrEncCert"]["certificate"].setComponents(*[EE_CERT[i] for i in range(3)])


def _ccp(body):
    ccp = body["ccp"]
    resp = ccp["response"].getComponentByPosition(0)
    resp["certReqId"] = 0
    status_info(resp["status"], 0)
    resp["certifiedKeyPair"]["certOrEncCert"]["certificate"].setComponents(
        *[CA_CERT[i] for i in range(3)])


def _ckuann_v2(body):
    ann = body["ckuann"]["cAKeyUpdAnnV2"]
    ann["oldWithNew"] = CA_CERT
    ann["newWithOld"] = CA_CERT
    ann["newWithNew"] = EE_CERT


def _ckuann_v3(body):
    ann = body["ckuann"]["cAKeyUpdAnnV3"]
    ann["newWithNew"] = EE_CERT
    ann["newWithOld"].setComponents(*[CA_CERT[i] for i in range(3)])


def _cann(body):
    body["cann"].setComponents(*[EE_CERT[i] for i in range(3)])


def _rann(body):
    rann = body["rann"]
    rann["status"] = 5
    rann["certId"]["issuer"]["directoryName"]["rdnSequence"] = CA_CERT["tbsCertificate"]["issuer"]["rdnSequence"]
    rann["certId"]["serialNumber"] = 0x1234
    rann["willBeRevokedAt"] = "20250102030405Z"
    rann["badSinceDate"] = "20241231235959Z"


def _crlann(body):
    body["crlann"].append(CRL)


def _popdecc(body):
    ch = body["popdecc"].getComponentByPosition(0)
    ch["owf"]["algorithm"] = univ.ObjectIdentifier("2.16.840.1.101.3.4.2.1")
    ch["witness"] = b"\x01" * 32
    ch["challenge"] = b""
    env = ch["encryptedRand"]
    env["version"] = 2
    ri = env["recipientInfos"].getComponentByPosition(0)
    ktri = ri["ktri"]
    ktri["version"] = 2
    ktri["rid"]["subjectKeyIdentifier"] = b"\xaa" * 20
    ktri["keyEncryptionAlgorithm"]["algorithm"] = univ.ObjectIdentifier("1.2.840.113549.1.1.7")
    ktri["encryptedKey"] = b"\xbb" * 32
    eci = env["encryptedContentInfo"]
    eci["contentType"] = rfc5652.id_data
    eci["contentEncryptionAlgorithm"]["algorithm"] = univ.ObjectIdentifier("2.16.840.1.101.3.4.1.2")
    eci["contentEncryptionAlgorithm"]["parameters"] = encoder.encode(univ.OctetString(b"\x00" * 16))
    eci["encryptedContent"] = b"\xcc" * 48


def _popdecr(body):
    body["popdecr"].extend([7, 300])


def _certconf_v3(body):
    cs = body["certConf"].getComponentByPosition(0)
    cs["certHash"] = b"\x11" * 32
    cs["certReqId"] = 0
    status_info(cs["statusInfo"], 2, "'0000000001'B")  # badPOP
    cs["hashAlg"]["algorithm"] = univ.ObjectIdentifier("2.16.840.1.101.3.4.2.1")


def _genp(body):
    genp = body["genp"]
    it = genp.getComponentByPosition(0)
    it["infoType"] = rfc9810.id_it_caCerts
    vals = rfc9810.CaCertsValue()
    vals.extend([CA_CERT, EE_CERT])
    it["infoValue"] = encoder.encode(vals)
    it = genp.getComponentByPosition(1)
    it["infoType"] = rfc9810.id_it_rootCaKeyUpdate
    upd = rfc9810.RootCaKeyUpdateValue()
    upd["newWithNew"] = CA_CERT
    it["infoValue"] = encoder.encode(upd)
    it = genp.getComponentByPosition(2)
    it["infoType"] = rfc9810.id_it_crls
    crls = rfc9810.CRLsValue()
    crls.append(CRL)
    it["infoValue"] = encoder.encode(crls)


BUILDERS = {
    "krr": _krr, "ccr": _ccr, "krp": _krp, "ccp": _ccp, "ckuann_v2": _ckuann_v2,
    "ckuann_v3": _ckuann_v3, "cann": _cann, "rann": _rann, "crlann": _crlann, "popdecc": _popdecc,
    "popdecr": _popdecr, "certConf_v3": _certconf_v3, "genp_certs": _genp,
}  # fmt: skip


def built(name: str) -> bytes:
    return message(BUILDERS[name], pvno=3 if name in ("certConf_v3", "popdecc", "ckuann_v3") else 2)


def nested_message(inner: list[bytes]) -> bytes:
    """A nested body (RFC 9810 5.1.3.4) around the given inner messages, built by hand since the
    schema's recursion is a placeholder: [20] { SEQUENCE OF PKIMessage }."""
    def tlv(tag: int, content: bytes) -> bytes:
        n = len(content)
        length = bytes([n]) if n < 0x80 else bytes([0x82]) + n.to_bytes(2, "big")
        return bytes([tag]) + length + content

    hdr = encoder.encode(header())
    body = tlv(0xB4, tlv(0x30, b"".join(inner)))
    return tlv(0x30, hdr + body)


@pytest.fixture(scope="session")
def bodies() -> dict[str, bytes]:
    """Every built message by name, plus "nested" holding ir.der and cr.der."""
    out = {name: built(name) for name in BUILDERS}
    out["nested"] = nested_message([real("ir"), real("cr")])
    return out


@pytest.fixture(scope="session")
def objects() -> dict[str, bytes]:
    """The DER of the objects the built messages carry."""
    return {"ca": CA_DER, "ee": EE_DER, "crl": CRL_DER, "tid": TID}


@pytest.fixture(scope="session")
def load():
    return real
