"""Text/hex/JSON rendering of the tree, and export of messages, certificates, CSRs and CRLs."""

from __future__ import annotations

import json

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from cmpdissect.asn1.render import hex_dump, message_dict, render_message, render_text, tree_dict
from cmpdissect.asn1.tree import build_tree
from cmpdissect.export import export_unit, pem
from cmpdissect.model import PkiSummary, TreeNode, Unit


def test_render_text_indents_and_locates(load):
    data = load("pkiConf")
    text = render_text(build_tree(data))
    lines = text.splitlines()
    assert lines[0] == f"PKIMessage: pkiconf  [0+{len(data)}]"
    assert lines[1] == "    header (PKIHeader)  [3+180]"
    assert lines[2] == "        pvno: 2 (cmp2000)  [6+3]"
    assert "    body: pkiconf  [183+4]" in lines
    assert "        pkiconf: NULL  [183+4]" in lines
    shifted = render_text(build_tree(data), indent=2).splitlines()
    assert shifted[0] == "  " + lines[0]


def test_render_marks_errors_and_adds_hex_dump(load):
    data = load("pkiConf")[:100]
    out = render_message(data, hexdump=True)
    assert "!! offset 0: length 209 runs 112 bytes past the end" in out
    assert out.splitlines()[-7].startswith("0000  30 81 d1 30 81 b1 02 01  02 a4 02 30 00 a4 11 30   0..0.......0...0")
    assert out.splitlines()[-1].startswith("0060  ")


def test_hex_dump_rows():
    dump = hex_dump(bytes(range(0x41, 0x41 + 20)))
    assert dump.splitlines() == [
        "0000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50   ABCDEFGHIJKLMNOP",
        "0010  51 52 53 54                                        QRST",
    ]
    assert hex_dump(b"") == ""


def test_tree_dict_shape_is_json(load):
    data = load("error")
    tree = message_dict(data)
    assert json.loads(json.dumps(tree)) == tree
    assert list(tree) == ["name", "value", "offset", "length", "type", "children"]
    assert tree["name"] == "PKIMessage" and tree["length"] == len(data)
    fail = tree["children"][1]["children"][0]["children"][0]["children"][2]
    assert (fail["name"], fail["value"], fail["type"]) == ("failInfo", "badRequest", "PKIFailureInfo")
    broken = tree_dict(TreeNode("x", None, 1, 2, error="offset 1: bad"))
    assert broken == {"name": "x", "value": None, "offset": 1, "length": 2, "error": "offset 1: bad",
                      "children": []}


def unit(data: bytes, body: str, frame: int = 7, index: int = 0) -> Unit:
    return Unit(frame=frame, time=None, stream=0, src=None, dst=None, transport="http",
                message=PkiSummary(body=body), der=data, index=index)


def test_export_ip_writes_message_capubs_and_issued_cert(tmp_path, load, objects):
    data = load("ip")
    paths = export_unit(unit(data, "ip"), tmp_path)
    assert [p.name for p in paths] == ["f0007-ip-msg.der", "f0007-ip-caPubs-0.pem", "f0007-ip-cert-req0.pem"]
    assert paths[0].read_bytes() == data
    ca = x509.load_pem_x509_certificate(paths[1].read_bytes())
    assert ca.public_bytes(Encoding.DER) == objects["ca"]
    issued = x509.load_pem_x509_certificate(paths[2].read_bytes())
    assert issued.subject.rfc4514_string() == "CN=test"


def test_export_extra_certs_csr_crl_genp_and_nested(tmp_path, load, bodies, objects):
    names = [p.name for p in export_unit(unit(load("kup"), "kup", frame=12), tmp_path)]
    assert names == ["f0012-kup-msg.der", "f0012-kup-cert-req0.pem", "f0012-kup-extraCerts-0.pem"]
    csr = export_unit(unit(load("p10cr"), "p10cr", frame=0, index=3), tmp_path)
    assert [p.name for p in csr] == ["m0003-p10cr-msg.der", "m0003-p10cr-csr.pem"]
    assert x509.load_pem_x509_csr(csr[1].read_bytes()).subject.rfc4514_string() == "CN=test"
    crl = export_unit(unit(bodies["crlann"], "crlann"), tmp_path)
    assert crl[1].name == "f0007-crlann-crlann-0.pem"
    loaded = x509.load_pem_x509_crl(crl[1].read_bytes())
    assert loaded.public_bytes(Encoding.DER) == objects["crl"]
    genp = [p.name for p in export_unit(unit(bodies["genp_certs"], "genp", frame=9), tmp_path)]
    assert genp == ["f0009-genp-msg.der", "f0009-genp-caCerts-0.pem", "f0009-genp-caCerts-1.pem",
                    "f0009-genp-rootCaKeyUpdate-newWithNew.pem", "f0009-genp-crls-0.pem"]
    nested = export_unit(unit(bodies["nested"], "nested", frame=11), tmp_path)
    by_name = {p.name: p for p in nested}
    assert by_name["f0011-nested-nested-0-ir-msg.der"].read_bytes() == load("ir")
    assert "f0011-nested-nested-1-extraCerts-0.pem" in by_name  # cr.der carries its signer cert


def test_export_skips_units_without_a_message(tmp_path):
    bare = Unit(frame=3, time=None, stream=0, src=None, dst=None, transport="tcp-msg-v10")
    assert export_unit(bare, tmp_path) == []


def test_pem_lines():
    text = pem(bytes(100), "CERTIFICATE")
    lines = text.splitlines()
    assert lines[0] == "-----BEGIN CERTIFICATE-----" and lines[-1] == "-----END CERTIFICATE-----"
    assert [len(x) for x in lines[1:-1]] == [64, 64, 8]  # 100 octets are 136 base64 characters
