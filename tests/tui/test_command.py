"""The `tui` command's parser and its exit-2 paths, in process (the real terminal run is test_tmux)."""

from __future__ import annotations

import argparse

import pytest

from cmpdissect.analysis.correlate import correlate
from cmpdissect.sources.capture import CaptureError
from cmpdissect.tui.command import add_parser, capture_feed
from cmpdissect.tui.save import certificates_name, message_name, report_name

from .conftest import CAPTURES


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cmpdissect")
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["tui", *argv])


def test_parser_takes_the_capture_and_credentials() -> None:
    ns = parse("x.pcap", "--secret", "pass:lab-shared-secret", "--secret", "lab-ca=env:S", "--trusted", "ca.pem")
    assert ns.capture == "x.pcap"
    assert ns.secret == ["pass:lab-shared-secret", "lab-ca=env:S"] and ns.trusted == ["ca.pem"]
    assert ns.run.__module__ == "cmpdissect.tui.command"


@pytest.mark.parametrize("argv", [
    ("/nonexistent/capture.pcap",),
    (str(CAPTURES / "http-ir-pbm.pcap"), "--secret", "file:/nonexistent/secret"),
])
def test_unusable_input_exits_2_with_one_line(argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    ns = parse(*argv)
    assert ns.run(ns) == 2
    err = capsys.readouterr().err
    assert err.startswith("cmpdissect: error: ") and err.count("\n") == 1


def test_capture_feed_reads_the_file_once_asked(tmp_path) -> None:
    with pytest.raises(CaptureError):
        capture_feed(tmp_path / "missing.pcap")
    feed = capture_feed(CAPTURES / "http-ir-pbm.pcap")
    bodies = [u.message.body for u in feed() if getattr(u, "message", None)]
    assert bodies == ["ir", "ip", "certConf", "pkiconf"]


def test_default_file_names_say_what_they_hold() -> None:
    units = list(capture_feed(CAPTURES / "http-ir-pbm.pcap")())
    assert message_name(units[1]) == "f0008-ip-msg.der"
    assert certificates_name(units[1]) == "f0008-ip-certs.pem"
    (txn,) = correlate(units)
    assert report_name(txn) == f"txn-{txn.transaction_id.hex()[:8]}-ir.md"
