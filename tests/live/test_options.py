"""The sniff command's options and its one-line errors: filter, autostop, interface, privileges."""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys

import pytest

from cmpdissect import sniff
from cmpdissect.sources import live
from cmpdissect.sources.live import DEFAULT_FILTER, LiveCapture, LiveError, capture_filter, compile_filter


def _parse(*args: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="cmpdissect")
    sniff.add_parser(p.add_subparsers())
    return p.parse_args(["sniff", *args])


def _run(*args: str) -> tuple[int, str]:
    ns = _parse(*args)
    err = io.StringIO()
    return ns.run(ns, out=io.StringIO(), err=err), err.getvalue()


def test_default_filter_takes_all_tcp_and_coap():
    assert capture_filter(None) == DEFAULT_FILTER == "tcp or udp port 5683"


def test_port_adds_to_the_default_and_to_a_given_filter():
    assert capture_filter(None, [5684]) == "(tcp or udp port 5683) or port 5684"
    assert capture_filter("host 10.0.0.5 and tcp port 8080", [829, 1829]) == \
        "(host 10.0.0.5 and tcp port 8080) or port 829 or port 1829"
    assert capture_filter("", [829]) == ""  # no filter: every port already


@pytest.mark.parametrize("linktype", [1, 113, 276])
def test_libpcap_and_tcpdump_compile_the_same_program(linktype):
    if shutil.which("tcpdump") is None:
        pytest.skip("tcpdump is not installed")
    program = compile_filter("tcp port 829", linktype)
    by_tcpdump = live._compile_tcpdump("tcp port 829", linktype)
    assert [insn[:3] for insn in program] == [insn[:3] for insn in by_tcpdump] and len(program) > 5
    # accepts keep whole loopback/GRO packets, not scapy's 65535 bytes
    assert {k for code, _, _, k in program if code == live.BPF_RET_K} == {0, live.MAX_RECORD}


def test_bad_filter_is_one_line_on_both_paths():
    with pytest.raises(LiveError, match=r"^bad capture filter 'tcp port': .*syntax error$"):
        live._compile_libpcap("tcp port", 1)
    if shutil.which("tcpdump"):
        with pytest.raises(LiveError, match=r"^bad capture filter 'tcp port': .*syntax error$"):
            live._compile_tcpdump("tcp port", 1)


def test_tcpdump_compiles_when_libpcap_cannot_be_loaded(monkeypatch):
    if shutil.which("tcpdump") is None:
        pytest.skip("tcpdump is not installed")

    def no_libpcap(expr, linktype):
        raise ImportError("libpcap is not available")

    monkeypatch.setattr(live, "_compile_libpcap", no_libpcap)
    assert compile_filter("udp port 5683", 1) == live._compile_tcpdump("udp port 5683", 1)
    monkeypatch.setattr(live.shutil, "which", lambda name: None)
    with pytest.raises(LiveError, match="neither libpcap nor tcpdump"):
        compile_filter("udp port 5683", 1)


def test_missing_interface_names_the_ones_there():
    with pytest.raises(LiveError, match=r"no interface 'nosuch0' \(interfaces here: .*\blo\b"):
        LiveCapture("nosuch0")


def test_cli_errors_are_one_line_with_exit_2():
    code, err = _run("-i", "nosuch0")
    assert code == 2 and err.count("\n") == 1 and err.startswith("cmpdissect: error: no interface 'nosuch0'")
    code, err = _run("-i", "lo", "-f", "tcp port")
    assert (code, err) == (2, "cmpdissect: error: bad capture filter 'tcp port': "
                                "can't parse filter expression: syntax error\n")
    code, err = _run("-i", "lo", "--cmp-only")
    assert (code, err) == (2, "cmpdissect: error: --cmp-only needs -w FILE\n")


def test_autostop_and_count_options():
    ns = _parse("-i", "lo", "-a", "duration:2.5", "-a", "packets:10", "-c", "7", "--port", "829")
    assert ns.autostop == [("duration", 2.5), ("packets", 10.0)] and ns.count == 7 and ns.port == [829]
    for bad in (["-a", "filesize:10"], ["-a", "duration:0"], ["-a", "packets:1.5"], ["-c", "0"], ["--port", "70000"]):
        with pytest.raises(SystemExit) as exc:
            _parse("-i", "lo", *bad)
        assert exc.value.code == 2
    with pytest.raises(SystemExit):
        _parse("-i", "lo", "--json", "--tui")


def test_no_privileges_says_what_is_needed():
    """Without CAP_NET_RAW (dropped from the bounding set when we are root) the error names it."""
    code = ("from cmpdissect.sources.live import LiveCapture, LiveError\n"
            "try:\n    LiveCapture('lo')\nexcept LiveError as e:\n    print(e)\n")
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv is not installed")
        argv = ["setpriv", "--bounding-set=-net_raw,-net_admin", "--inh-caps=-net_raw,-net_admin",
                sys.executable, "-c", code]
    else:
        argv = [sys.executable, "-c", code]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == ("no permission to capture on lo: live capture needs root, or the capabilities "
                                   "CAP_NET_RAW (and CAP_NET_ADMIN for a large socket buffer)")
