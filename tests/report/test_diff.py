"""The comparison of two transactions (analysis/diff.py) and the `diff` command."""

from __future__ import annotations

import argparse
import io
import json

from cmpdissect.analysis.diff import align, diff_transactions, diff_trees
from cmpdissect.model import TreeNode
from cmpdissect.report.command import add_diff_parser

HEADER_SIG = {"header.sender", "header.protectionAlg", "header.senderKID", "extraCerts"}


def _paths(pair):
    return {f.path for f in pair.fields}


def test_pbm_vs_signature_names_exactly_the_fields_that_differ(loaded):
    a = loaded("http-ir-pbm.pcap", secret=True).transactions[0]
    b = loaded("http-ir-sig.pcap", secret=True).transactions[0]
    d = diff_transactions(a, b)
    assert [(f.path, f.a, f.b) for f in d.fields] == [("findings.mac-alg-legacy", "info", None)]
    assert [(p.a_label, p.b_label) for p in d.pairs] == [
        ("ir", "ir"), ("ip(accepted)", "ip(accepted)"), ("certConf", "certConf"), ("pkiconf", "pkiconf")]
    ir, ip, conf, pkiconf = d.pairs
    assert _paths(ir) == HEADER_SIG | {"body.ir.CertReqMsg[0].certReq.certTemplate.issuer"}
    assert _paths(ip) == HEADER_SIG | {"header.recipient"}
    assert _paths(conf) == HEADER_SIG
    assert _paths(pkiconf) == HEADER_SIG | {"header.recipient"}
    fields = {f.path: f for f in ir.fields}
    assert fields["header.protectionAlg"].a == "1.2.840.113533.7.66.13 (PBM)"
    assert fields["header.protectionAlg"].b == "1.2.840.10045.4.3.2 (ecdsa-with-SHA256)"
    assert fields["extraCerts"].a is None and fields["extraCerts"].b == "1 item"
    issuer = fields["body.ir.CertReqMsg[0].certReq.certTemplate.issuer"]
    assert (issuer.a, issuer.b) == (None, "O=cmpdissect Lab, CN=Lab Root CA")
    assert fields["header.sender"].b == "O=cmpdissect Lab, CN=Lab Operator"


def test_without_the_secret_the_protection_verdicts_differ(loaded):
    a = loaded("http-ir-pbm.pcap").transactions[0]
    b = loaded("http-ir-sig.pcap").transactions[0]
    ir = diff_transactions(a, b).pairs[0]
    assert ("protection.verdict", "unchecked", "valid") in [(f.path, f.a, f.b) for f in ir.fields]


def test_two_runs_of_the_same_enrollment_differ_only_in_volatile_fields(loaded):
    a = loaded("http-ir-pbm.pcap").transactions[0]
    b = loaded("http-ipv6.pcap").transactions[0]
    d = diff_transactions(a, b)
    assert d.same, [(p.name, p.fields) for p in d.pairs]
    every = diff_transactions(a, b, all_fields=True)
    paths = {f.path for p in every.pairs for f in p.fields}
    assert {"header.transactionID", "header.senderNonce", "header.messageTime", "protection"} <= paths
    assert "header.recipNonce" in {f.path for f in every.pairs[1].fields}


def test_a_transaction_equals_itself_even_with_all(loaded):
    t = loaded("http-polling.pcap").transactions[0]
    assert diff_transactions(t, t).same
    assert diff_transactions(t, t, all_fields=True).same


def test_polling_rounds_are_aligned_as_an_insertion(loaded):
    a = loaded("http-ir-pbm.pcap").transactions[0]
    b = loaded("http-polling.pcap").transactions[0]
    d = diff_transactions(a, b)
    assert [(p.a_label, p.b_label) for p in d.pairs][:3] == [("ir", "ir"), (None, "ip(waiting)"), (None, "pollReq")]
    assert (d.pairs[7].a_label, d.pairs[7].b_label) == ("ip(accepted)", "ip(accepted)")
    assert ("messages", "4", "10") in [(f.path, f.a, f.b) for f in d.fields]


def test_rejection_shows_outcome_and_status(loaded):
    a = loaded("http-ir-pbm.pcap").transactions[0]
    b = loaded("http-rejection.pcap").transactions[0]
    d = diff_transactions(a, b)
    fields = {f.path: (f.a, f.b) for f in d.fields}
    assert fields["outcome"] == ("accepted", "rejected")
    ip = d.pairs[1]
    assert (ip.a_label, ip.b_label) == ("ip(accepted)", "ip(rejection)")
    status = {f.path: f for f in ip.fields}["body.ip.response.CertResponse[0].status"]
    assert status.a == "accepted" and status.b.startswith("rejection [badPOP]")
    assert [(p.a_label, p.b_label) for p in d.pairs[2:]] == [("certConf", None), ("pkiconf", None)]


def test_align_pairs_same_bodies_inside_a_replaced_stretch():
    a = ["ir", "ip(accepted)", "certConf", "pkiconf"]
    b = ["ir", "error(rejection)", "tcp:finRep"]
    assert align(a, b) == [(0, 0), (1, None), (2, None), (3, None), (None, 1), (None, 2)]
    assert align(["cr", "cp(waiting)", "cp(accepted)"], ["cr", "cp(accepted)"]) == [(0, 0), (1, 1), (2, None)]


def _node(name, value=None, children=(), type_name=None):
    return TreeNode(name, value, 0, 0, list(children), type_name)


def _ext(oid, value):
    return _node("Extension", oid, [_node("extnID", oid, type_name="OBJECT IDENTIFIER"),
                                     _node("extnValue", value, type_name="OCTET STRING")], "Extension")


def test_tree_diff_reports_at_the_summarizing_node_and_keys_list_elements_by_oid():
    def msg(cn, exts, nonce):
        name = _node("subject", f"CN={cn}", [_node("rdnSequence", "1 item", [
            _node("RelativeDistinguishedName", "1 item", [_node("value", cn)])])], "Name")
        return _node("PKIMessage", "ir", [
            _node("header", None, [_node("senderNonce", nonce, type_name="OCTET STRING")]),
            _node("body", "ir", [name, _node("extensions", f"{len(exts)} items", exts, "Extensions")]),
        ])

    a = msg("A", [_ext("2.5.29.15 (keyUsage)", "03020780"), _ext("2.5.29.17 (subjectAltName)", "3000")], "01")
    b = msg("B", [_ext("2.5.29.17 (subjectAltName)", "3001")], "02")
    diffs = [(d.path, d.a, d.b) for d in diff_trees(a, b)]
    assert diffs == [
        ("body.subject", "CN=A", "CN=B"),
        ("body.extensions.Extension[keyUsage]", "2.5.29.15 (keyUsage)", None),
        ("body.extensions.Extension[subjectAltName].extnValue", "3000", "3001"),
    ]
    assert ("header.senderNonce", "01", "02") in [(d.path, d.a, d.b) for d in diff_trees(a, b, all_fields=True)]


def test_issued_certificate_differences_in_serial_and_key_only_are_ignored():
    def cert(serial, key, cn):
        tbs = _node("tbsCertificate", None, [
            _node("serialNumber", serial, type_name="CertificateSerialNumber"),
            _node("subject", cn, type_name="Name"),
            _node("subjectPublicKeyInfo", None, [_node("subjectPublicKey", key, type_name="BIT STRING")]),
        ], "TBSCertificate")
        return _node("PKIMessage", "ip", [_node("certificate", f"subject {cn!r}, serial {serial}", [tbs],
                                                "CMPCertificate")])

    assert diff_trees(cert("1", "04aa", "CN=X"), cert("2", "04bb", "CN=X")) == []
    diffs = diff_trees(cert("1", "04aa", "CN=X"), cert("2", "04bb", "CN=Y"))
    assert [(d.path, d.a, d.b) for d in diffs] == [("certificate.tbsCertificate.subject", "CN=X", "CN=Y")]


def _run(*argv):
    parser = argparse.ArgumentParser()
    add_diff_parser(parser.add_subparsers())
    ns = parser.parse_args(["diff", *argv])
    out, err = io.StringIO(), io.StringIO()
    return ns.run(ns, out, err), out.getvalue(), err.getvalue()


def test_diff_command_json_and_terminal(captures):
    pbm, sig = str(captures / "http-ir-pbm.pcap"), str(captures / "http-ir-sig.pcap")
    rc, out, err = _run(pbm, sig, "--json", "--secret", "pass:lab-shared-secret")
    assert rc == 0 and not err
    d = json.loads(out)
    assert d["a"]["transaction"]["kind"] == d["b"]["transaction"]["kind"] == "ir"
    assert d["same"] is False
    assert {f["path"] for f in d["flow"][0]["fields"]} == HEADER_SIG | {
        "body.ir.CertReqMsg[0].certReq.certTemplate.issuer"}
    assert "lab-shared-secret" not in out
    rc, out, _ = _run(pbm, sig)
    assert rc == 0
    assert "Flow" in out and "Timing" in out and "header.protectionAlg" in out and "(absent)" in out


def test_diff_selects_by_index_and_by_transaction_id_prefix(captures):
    keep = str(captures / "http-keepalive.pcap")
    rc, out, _ = _run(f"{keep}#1", f"{keep}#2", "--json")
    d = json.loads(out)
    assert rc == 0 and (d["a"]["transaction"]["kind"], d["b"]["transaction"]["kind"]) == ("ir", "genm")
    tid = d["b"]["transaction"]["transaction_id"]
    rc, out, _ = _run(f"{keep}#2", f"{keep}@{tid[:6].upper()}", "--json")
    assert rc == 0 and json.loads(out)["same"] is True


def test_diff_usage_errors_are_one_line_and_exit_2(captures):
    keep = str(captures / "http-keepalive.pcap")
    for args in ([keep, keep], [f"{keep}#9", keep], [f"{keep}@ffffffffff", f"{keep}#1"],
                 [str(captures / "garbage.pcap"), keep]):
        rc, out, err = _run(*args)
        assert rc == 2 and not out
        assert err.startswith("cmpdissect: error: ") and err.count("\n") == 1, err
