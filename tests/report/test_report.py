"""The report model and its JSON, Markdown and HTML renderings on the sample captures."""

from __future__ import annotations

import argparse
import io
import json
import re

import pytest

from cmpdissect.report.command import add_parser
from cmpdissect.report.html import render_html
from cmpdissect.report.json_report import render_json
from cmpdissect.report.ladder import ladder_mermaid, ladder_svg, ladder_text
from cmpdissect.report.markdown import render_markdown

RENDER = {"html": render_html, "md": render_markdown, "json": render_json}
DEVICE = "O=cmpdissect Lab, CN=Lab Device 0001"
ROOT = "O=cmpdissect Lab, CN=Lab Root CA"


def test_summary_of_a_polling_enrollment(report_of):
    r = report_of("http-polling.pcap")
    assert (r.units, len(r.transactions), r.failed) == (10, 1, 0)
    assert r.kinds == {"ir": {"accepted": 1}} and r.outcomes == {"accepted": 1}
    assert r.peers == (("127.0.0.1", "127.0.0.1:8080"),)
    assert r.span == pytest.approx(2.175, abs=0.01)
    t = r.transactions[0]
    assert [m.label for m in t.messages][:3] == ["ir", "ip(waiting)", "pollReq"]
    assert [(p.pollrep_frame, p.poll_frame, p.too_soon) for p in t.timing.polls] == [(14, 18, False), (20, 24, False)]
    [cert] = t.certificates
    assert (cert.frame, cert.subject, cert.issuer, cert.serial) == (26, DEVICE, ROOT, "0x648b18ca")
    assert (cert.not_before, cert.not_after) == ("2026-11-23T17:30:01Z", "2036-11-20T17:30:01Z")
    ir = dict(t.messages[0].fields)
    assert ir["protectionAlg"] == "PBM" and ir["certReq 0"] == f"subject {DEVICE}, POP signature"
    assert ir["senderKID"] == "6c61622d65652d34373131 ('lab-ee-4711')"
    assert dict(t.messages[3].fields)["checkAfter"] == "1 s"


def test_failures_come_first(report_of):
    r = report_of("tcp-v10-errors.pcap")
    outcomes = [t.txn.outcome for t in r.transactions]
    assert len(outcomes) == 4 and outcomes[-1] == "accepted" and "accepted" not in outcomes[:-1]
    assert r.failed == 3
    assert [t.number for t in r.transactions][-1] == 4  # the genm/genp exchange comes last in the capture too


def test_json_report_extends_the_contract(report_of):
    d = json.loads(render_json(report_of("http-keepalive.pcap")))
    assert d["format"] == "cmpdissect-report"
    s = d["summary"]
    assert (s["units"], s["transactions"], s["failed"]) == (8, 2, 0)
    assert s["kinds"] == {"genm": {"accepted": 1}, "ir": {"accepted": 1}}
    assert s["findings"]["error"] == 0
    ir, genm = d["transactions"]
    for key in ("transaction_id", "kind", "messages", "frames", "client", "server", "transport", "outcome",
                "cause", "findings"):
        assert key in ir
    assert ir["messages"] == ["ir", "ip(waiting)", "pollReq", "ip(accepted)", "certConf", "pkiconf"]
    assert ir["frames"] == [6, 8, 12, 14, 17, 19]
    assert [c["subject"] for c in ir["certificates"]] == [DEVICE]
    assert genm["kind"] == "genm" and genm["certificates"] == []
    assert ir["details"][1]["fields"]["status"] == "waiting"


def test_markdown_report_sections_and_mermaid(report_of):
    md = render_markdown(report_of("http-rejection.pcap"))
    for heading in ("# CMP report: http-rejection.pcap", "## Summary", "## Transaction 1: ir, rejected",
                    "### Ladder", "### Findings", "### Messages"):
        assert heading in md.splitlines(), heading
    assert "```mermaid\nsequenceDiagram" in md
    assert "    C->>S: ir (frame 6 +0.000 s)" in md
    assert re.search(r"S--xC: ip\(rejection\) \(frame 8 ", md)
    assert "Plain-text ladder" in md and "|<-" in md
    assert "badPOP" in md and "| 1 (1 failed) |" in md
    assert "### Certificates issued" not in md


def test_findings_carry_their_reference(report_of):
    r = report_of("tcp-v10-errors.pcap")
    findings = [f for t in r.transactions for f in t.findings]
    assert findings and all(re.match(r"(RFC \d+|draft-)", f.reference) for f in findings)
    md = render_markdown(r)
    assert all(f"`{f.code}`" in md and f.reference in md for f in findings)


def test_html_report_is_self_contained(report_of):
    html = render_html(report_of("http-polling.pcap"))
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert re.findall(r"https?://[^\s\"']+", html) == ["http://www.w3.org/2000/svg"]
    assert html.count('<section class="txn"') == 1 and html.count('<g class="msg') == 10
    assert 'id="search"' in html and "prefers-color-scheme: dark" in html
    assert html.count('<details class="message"') == 10 and html.count('<details class="asn1">') == 10
    assert "transactionID</b>: 09cc679e" in html


def test_redact_masks_names_and_serials_in_every_format(report_of):
    r = report_of("http-ir-sig.pcap", redact=True)
    for fmt, render in RENDER.items():
        text = render(r)
        for secret in ("Lab Device", "Lab Operator", "Lab Root CA", "Lab CMP Server", "0x648b18ca", "1686837450"):
            assert secret not in text, (fmt, secret)
        assert "[name-1]" in text and "[serial-" in text, fmt
    t = r.transactions[0]
    assert t.certificates[0].subject.startswith("[name-") and t.certificates[0].serial.startswith("[serial-")


def _run(*argv):
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    ns = parser.parse_args(["report", *argv])
    out, err = io.StringIO(), io.StringIO()
    return ns.run(ns, out, err), out.getvalue(), err.getvalue()


def test_secret_never_appears(captures, tmp_path):
    for suffix in ("html", "md", "json"):
        path = tmp_path / f"r.{suffix}"
        rc, _, _ = _run(str(captures / "http-wrong-secret.pcap"), "-o", str(path), "--secret", "pass:lab-shared-secret")
        text = path.read_text()
        assert rc == 0 and "invalid" in text
        assert "lab-shared-secret" not in text and b"lab-shared-secret".hex() not in text


def test_fail_on(captures, tmp_path):
    out = str(tmp_path / "r.json")
    assert _run(str(captures / "http-rejection.pcap"), "-o", out, "--fail-on", "error")[0] == 1
    assert _run(str(captures / "http-ir-pbm.pcap"), "-o", out, "--fail-on", "warning")[0] == 0
    assert _run(str(captures / "http-ir-pbm.pcap"), "-o", out)[0] == 0
    assert _run(str(captures / "http-rejection.pcap"), "-o", out)[0] == 0


def test_format_from_suffix_stdout_and_errors(captures, tmp_path):
    rc, out, err = _run(str(captures / "http-genm.pcap"))
    assert rc == 0 and out.startswith("# CMP report: http-genm.pcap") and not err
    rc, out, _ = _run(str(captures / "http-genm.pcap"), "--format", "json")
    assert json.loads(out)["summary"]["kinds"] == {"genm": {"accepted": 1}}
    path = tmp_path / "report.HTML"
    rc, _, err = _run(str(captures / "http-genm.pcap"), "-o", str(path))
    assert rc == 0 and path.read_text().startswith("<!DOCTYPE html>") and "written to" in err
    for args in ([str(captures / "http-genm.pcap"), "-o", str(tmp_path / "r.pdf")],
                 [str(captures / "garbage.pcap")],
                 [str(captures / "http-genm.pcap"), "-o", str(tmp_path / "missing" / "r.md")],
                 [str(captures / "http-genm.pcap"), "--secret", "file:/nonexistent/secret"]):
        rc, out, err = _run(*args)
        assert rc == 2 and not out and err.startswith("cmpdissect: error: ") and err.count("\n") == 1, err


def test_ladders(report_of):
    t = report_of("tcp-v10-errors.pcap").transactions[0]
    text = ladder_text(t.messages, t.client, t.server)
    rows = text.splitlines()
    assert len({len(line.split("  frame")[0]) for line in rows[1:]}) == 1  # every arrow spans the same width
    assert all("frame" in line for line in rows[2:])
    mermaid = ladder_mermaid(t.messages, t.client, t.server)
    assert mermaid.startswith("sequenceDiagram\n    participant C as Client ")
    assert mermaid.count("\n    C->>S") + mermaid.count("\n    S-") == len(t.messages)
    svg = ladder_svg(t.messages, t.client, t.server, ident="x")
    assert svg.count('<g class="msg bad"') == 1 and 'marker-end="url(#x-bad)"' in svg
