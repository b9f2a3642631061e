"""build_tree on real OpenSSL messages and on built bodies: names, values and offsets."""

from __future__ import annotations

import pytest
from pyasn1.codec.der import decoder, encoder
from pyasn1_alt_modules import rfc9810

from cmpdissect.asn1 import der
from cmpdissect.asn1.schema import decode_message
from cmpdissect.asn1.tree import build_tree, carried_objects, first_error, language_tagged
from cmpdissect.model import TreeNode

REAL = {
    "ir": "ir", "ip": "ip", "cr": "cr", "cp": "cp", "p10cr": "p10cr", "kur": "kur", "kup": "kup",
    "rr": "rr", "rp": "rp", "pkiConf": "pkiconf", "genm": "genm", "genp": "genp", "error": "error",
    "certConf": "certConf", "pollReq1": "pollReq", "pollRep1": "pollRep", "ip_rejection": "ip",
    "certConf_sig": "certConf", "ir_implicit": "ir", "poll_ip_waiting": "ip",
}  # fmt: skip
BUILT = {
    "krr": "krr", "ccr": "ccr", "krp": "krp", "ccp": "ccp", "ckuann_v2": "ckuann",
    "ckuann_v3": "ckuann", "cann": "cann", "rann": "rann", "crlann": "crlann",
    "popdecc": "popdecc", "popdecr": "popdecr", "certConf_v3": "certConf", "genp_certs": "genp",
    "nested": "nested",
}  # fmt: skip


def get(node: TreeNode, path: str) -> TreeNode:
    """Follow "a/b/c" by child names; "name#2" takes the third child of that name."""
    for part in path.split("/"):
        name, _, idx = part.partition("#")
        matches = [c for c in node.children if c.name == name]
        assert len(matches) > int(idx or 0), f"no {part} under {node.name}: {[c.name for c in node.children]}"
        node = matches[int(idx or 0)]
    return node


def walk(node: TreeNode):
    yield node
    for child in node.children:
        yield from walk(child)


def assert_located(data: bytes, root: TreeNode) -> int:
    """Every node's offset+length is exactly one whole TLV of the message."""
    count = 0
    for node in walk(root):
        if node.name == "note":
            continue
        assert der.tlv_length(data, node.offset) == node.length, (node.name, node.offset)
        count += 1
    return count


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_messages_decode_whole_and_located(name, load):
    data = load(name)
    root = build_tree(data)
    assert first_error(root) is None
    assert root.name == "PKIMessage" and root.value == REAL[name]
    assert (root.offset, root.length) == (0, len(data))
    assert [c.name for c in root.children][:2] == ["header", "body"]
    assert assert_located(data, root) > 20


@pytest.mark.parametrize("name", sorted(BUILT))
def test_built_bodies_decode_whole_and_located(name, bodies):
    data = bodies[name]
    root = build_tree(data)
    assert first_error(root) is None
    assert get(root, "body").value == BUILT[name]
    assert assert_located(data, root) > 10


@pytest.mark.parametrize("name", sorted(REAL))
def test_reencoding_gives_the_same_bytes(name, load):
    data = load(name)
    msg, rest = decode_message(data)
    assert rest == b"" and encoder.encode(msg) == data


def test_ip_header_and_body_field_by_field(load):
    data = load("ip")
    msg = decoder.decode(data, asn1Spec=rfc9810.PKIMessage())[0]
    root = build_tree(data)
    hdr = get(root, "header")
    assert get(hdr, "pvno").value == "2 (cmp2000)"
    assert get(hdr, "sender").value == "(NULL-DN)"
    assert get(hdr, "recipient").value == "CN=test"
    assert get(hdr, "messageTime").value == "2026-11-23T17:26:46Z"
    tid = get(hdr, "transactionID")
    assert tid.value == bytes(msg["header"]["transactionID"]).hex()
    # the explicit [4] wrapper is the node: A4 12 04 10 <16 octets>
    assert data[tid.offset : tid.offset + 4] == bytes.fromhex("a4120410") and tid.length == 20
    alg = get(hdr, "protectionAlg")
    assert alg.value == "1.2.840.113533.7.66.13 (PBM)"
    assert get(alg, "parameters").type_name == "PBMParameter"
    assert get(alg, "parameters/iterationCount").value == "500"
    assert get(alg, "parameters/owf").value == "2.16.840.1.101.3.4.2.1 (sha256)"
    assert get(alg, "parameters/mac").value == "1.3.6.1.5.5.8.1.2 (hmac-sha1)"
    assert get(hdr, "senderKID").value == "31323334"
    ip = get(root, "body/ip")
    assert ip.type_name == "CertRepMessage"
    ca = get(ip, "caPubs/CMPCertificate")
    assert ca.value.startswith("subject 'CN=Lab CA, O=Example', issuer 'CN=Lab CA, O=Example', serial 0x")
    assert "EC secp256r1 (256 bits)" in ca.value and ca.value.endswith(", CA")
    resp = get(ip, "response/CertResponse")
    assert resp.value == "certReqId 0: accepted"
    assert get(resp, "status/status").value == "0 (accepted)"
    cert = get(resp, "certifiedKeyPair/certOrEncCert/certificate")
    assert "subject 'CN=test'" in cert.value and "KU digitalSignature" in cert.value
    tbs = get(cert, "tbsCertificate")
    assert get(tbs, "version").value == "2 (v3)"
    assert get(tbs, "validity/notAfter").value == "2027-11-23T17:26:46Z"
    assert get(tbs, "extensions/Extension#1").value == "2.5.29.15 (keyUsage) (critical)"
    assert get(tbs, "extensions/Extension#1/extnValue/KeyUsage").value == "digitalSignature"
    prot = get(root, "protection")
    assert prot.value == bytes(msg["protection"].asOctets()).hex()


def test_ir_request_fields(load):
    root = build_tree(load("ir_implicit"))
    info = get(root, "header/generalInfo/InfoTypeAndValue")
    assert info.value == "1.3.6.1.5.5.7.4.13 (id-it-implicitConfirm)"
    assert get(info, "infoValue").value == "NULL"
    msg = get(root, "body/ir/CertReqMsg")
    assert get(msg, "certReq/certReqId").value == "0"
    assert get(msg, "certReq/certTemplate/subject").value == "CN=test"
    key = get(msg, "certReq/certTemplate/publicKey/algorithm/parameters")
    assert key.value == "1.2.840.10045.3.1.7 (prime256v1)"
    popo = get(msg, "popo")
    assert popo.value == "signature"
    assert get(popo, "signature/algorithmIdentifier").value == "1.2.840.10045.4.3.2 (ecdsa-with-SHA256)"


def test_error_status_failinfo_and_free_text(load):
    err = get(build_tree(load("error")), "body/error")
    info = get(err, "pKIStatusInfo")
    assert get(info, "status").value == "2 (rejection)"
    assert get(info, "failInfo").value == "badRequest"
    assert get(info, "statusString/PKIFreeText item").value == "error processing message"
    assert info.value == "rejection [badRequest] 'error processing message'"
    assert get(err, "errorDetails").value == "CMP routines | error processing message"


def test_poll_p10cr_rr_rp_certconf(load):
    rep = get(build_tree(load("pollRep1")), "body/pollRep/PollRepContent item")
    assert (get(rep, "certReqId").value, get(rep, "checkAfter").value) == ("0", "1")
    p10 = get(build_tree(load("p10cr")), "body/p10cr")
    assert p10.type_name == "CertificationRequest" and p10.value.startswith("subject 'CN=test'")
    assert get(p10, "certificationRequestInfo/subject").value == "CN=test"
    rr = get(build_tree(load("rr")), "body/rr/RevDetails/certDetails")
    assert get(rr, "issuer").value == "CN=Lab CA, O=Example"
    rp = get(build_tree(load("rp")), "body/rp")
    assert get(rp, "status/PKIStatusInfo").value == "accepted"
    assert get(rp, "revCerts/CertId/issuer").value == "CN=Lab CA, O=Example"
    cs = get(build_tree(load("certConf")), "body/certConf/CertStatus")
    assert len(get(cs, "certHash").value) == 64 and get(cs, "certReqId").value == "0"


def test_genm_and_genp_info_types(load):
    genm = get(build_tree(load("genm")), "body/genm/InfoTypeAndValue")
    assert genm.value == "1.3.6.1.5.5.7.4.2 (id-it-signKeyPairTypes)"
    genp = get(build_tree(load("genp")), "body/genp/InfoTypeAndValue/infoType")
    assert genp.value == "1.3.6.1.5.5.7.4.2 (id-it-signKeyPairTypes)"


def test_krr_ccr_carry_the_crmf_request(bodies):
    for body in ("krr", "ccr"):
        req = get(build_tree(bodies[body]), f"body/{body}/CertReqMsg/certReq")
        assert get(req, "certTemplate/subject").value == "CN=test"


def test_krp_fields(bodies):
    krp = get(build_tree(bodies["krp"]), "body/krp")
    assert krp.type_name == "KeyRecRepContent"
    assert get(krp, "status").value == "accepted"
    assert "subject 'CN=test'" in get(krp, "newSigCert").value
    assert "subject 'CN=Lab CA, O=Example'" in get(krp, "caCerts/CMPCertificate").value
    pair = get(krp, "keyPairHist/CertifiedKeyPair/certOrEncCert")
    assert pair.value.startswith("certificate: subject 'CN=test'")


def test_ccp_and_cann(bodies):
    resp = get(build_tree(bodies["ccp"]), "body/ccp/response/CertResponse")
    assert resp.value == "certReqId 0: accepted"
    cann = get(build_tree(bodies["cann"]), "body/cann")
    assert cann.type_name == "CertAnnContent" and cann.value.startswith("subject 'CN=test'")


def test_ckuann_v2_and_v3(bodies):
    v2 = get(build_tree(bodies["ckuann_v2"]), "body/ckuann")
    assert v2.value == "cAKeyUpdAnnV2"
    ann = get(v2, "cAKeyUpdAnnV2")
    assert [c.name for c in ann.children] == ["oldWithNew", "newWithOld", "newWithNew"]
    assert "subject 'CN=test'" in get(ann, "newWithNew").value
    root = build_tree(bodies["ckuann_v3"])
    assert get(root, "header/pvno").value == "3 (cmp2021)"
    v3 = get(root, "body/ckuann")
    assert v3.value == "cAKeyUpdAnnV3"
    upd = get(v3, "cAKeyUpdAnnV3")
    assert upd.type_name == "RootCaKeyUpdateContent"
    assert [c.name for c in upd.children] == ["newWithNew", "newWithOld"]
    assert bodies["ckuann_v3"][upd.offset] == 0xA0  # the [0] of the RFC 9810 CHOICE


def test_rann_and_crlann(bodies):
    rann = get(build_tree(bodies["rann"]), "body/rann")
    assert get(rann, "status").value == "5 (revocationNotification)"
    assert get(rann, "certId/issuer").value == "CN=Lab CA, O=Example"
    assert get(rann, "certId/serialNumber").value == "4660"
    assert get(rann, "willBeRevokedAt").value == "2025-01-02T03:04:05Z"
    assert get(rann, "badSinceDate").value == "2024-12-31T23:59:59Z"
    crl = get(build_tree(bodies["crlann"]), "body/crlann/CertificateList")
    assert crl.value == ("issuer 'CN=Lab CA', thisUpdate 2025-01-02T03:04:05Z, "
                         "nextUpdate 2025-01-09T03:04:05Z, 1 revoked")
    entry = get(crl, "tbsCertList/revokedCertificates/item")
    assert get(entry, "userCertificate").value == "4660"


def test_popdecc_with_encrypted_rand_and_popdecr(bodies):
    ch = get(build_tree(bodies["popdecc"]), "body/popdecc/Challenge")
    assert get(ch, "owf").value == "2.16.840.1.101.3.4.2.1 (sha256)"
    assert get(ch, "witness").value == "01" * 32
    assert get(ch, "challenge").value == "(empty)"
    env = get(ch, "encryptedRand")
    assert env.type_name == "EnvelopedData" and get(env, "version").value == "2 (v2)"
    ktri = get(env, "recipientInfos/RecipientInfo/ktri")
    assert get(ktri, "rid").value == "aa" * 20
    assert get(ktri, "keyEncryptionAlgorithm").value == "1.2.840.113549.1.1.7 (RSAES-OAEP)"
    assert get(env, "encryptedContentInfo/contentEncryptionAlgorithm").value.endswith("(aes128-CBC)")
    popdecr = get(build_tree(bodies["popdecr"]), "body/popdecr")
    assert [c.value for c in popdecr.children] == ["7", "300"]


def test_certconf_v3_hash_alg(bodies):
    root = build_tree(bodies["certConf_v3"])
    assert get(root, "header/pvno").value == "3 (cmp2021)"
    cs = get(root, "body/certConf/CertStatus")
    assert [c.name for c in cs.children] == ["certHash", "certReqId", "statusInfo", "hashAlg"]
    assert get(cs, "hashAlg").value == "2.16.840.1.101.3.4.2.1 (sha256)"
    assert get(cs, "statusInfo").value == "rejection [badPOP]"


def test_genp_values_decoded_by_oid(bodies):
    genp = get(build_tree(bodies["genp_certs"]), "body/genp")
    ca = get(genp, "InfoTypeAndValue#0/infoValue")
    assert ca.type_name == "CaCertsValue" and ca.value == "2 items"
    upd = get(genp, "InfoTypeAndValue#1/infoValue")
    assert upd.type_name == "RootCaKeyUpdateValue"
    assert "CN=Lab CA" in get(upd, "newWithNew").value
    crls = get(genp, "InfoTypeAndValue#2/infoValue")
    assert get(crls, "CertificateList").value.startswith("issuer 'CN=Lab CA'")


def test_nested_inner_messages_dissected_recursively(bodies, load):
    data = bodies["nested"]
    nested = get(build_tree(data), "body/nested")
    inner = [c for c in nested.children if c.name == "PKIMessage"]
    assert [m.value for m in inner] == ["ir", "cr"]
    assert data[inner[0].offset : inner[0].offset + inner[0].length] == load("ir")
    assert get(inner[1], "header/transactionID").value == get(build_tree(load("cr")), "header/transactionID").value
    kinds = [(o.kind, o.role) for o in carried_objects(data)]
    assert ("msg", "nested-0-ir") in kinds and ("msg", "nested-1-cr") in kinds


def test_language_tags_shown():
    tagged = "\U000e0001\U000e0064\U000e0065Fehler"
    assert language_tagged(tagged) == "[de] Fehler"
    assert language_tagged("plain") == "plain"


@pytest.mark.parametrize("name", sorted(BUILT))
def test_built_messages_reencode_through_the_schema(name, bodies):
    msg, rest = decode_message(bodies[name])
    assert rest == b"" and encoder.encode(msg) == bodies[name]


def test_carried_object_roles(bodies, objects):
    roles = {name: [(o.kind, o.role) for o in carried_objects(bodies[name])]
             for name in ("krp", "ckuann_v2", "ckuann_v3", "ccp")}
    assert roles["krp"] == [("cert", "newSigCert"), ("cert", "caCerts-0"), ("cert", "keyPairHist-0")]
    assert roles["ckuann_v2"] == [("cert", "oldWithNew"), ("cert", "newWithOld"), ("cert", "newWithNew")]
    assert roles["ckuann_v3"] == [("cert", "newWithNew"), ("cert", "newWithOld")]
    assert roles["ccp"] == [("cert", "cert-req0")]
    assert carried_objects(bodies["cann"])[0].der == objects["ee"]
