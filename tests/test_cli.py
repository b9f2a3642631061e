"""The command line as a user meets it: exit codes, one-line errors, listings, show and export."""

import json
from pathlib import Path

import pytest

from cmpdissect.cli import main

CAPTURES = Path(__file__).resolve().parents[1] / "captures"


def run(capfd, *args):
    code = main([str(a) for a in args])
    out, err = capfd.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.mark.parametrize("name, words", [("unreadable/empty.bin", "empty file"),
                                         ("unreadable/garbage.bin", "neither a pcap/pcapng capture")])
@pytest.mark.parametrize("command", ["read", "transactions"])
def test_unreadable_input_is_one_line_and_exit_2(capfd, command, name, words):
    code, out, err = run(capfd, command, CAPTURES / name)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and words in err


def test_missing_file(capfd):
    code, _, err = run(capfd, "read", CAPTURES / "nope.pcap")
    assert code == 2 and "No such file" in err


def test_cut_capture_warns_and_still_lists_what_it_holds(capfd):
    code, out, err = run(capfd, "read", CAPTURES / "truncated.pcap")
    assert code == 0
    assert "warning: record cut short" in err
    assert out.splitlines()[0].split()[0] == "6" and " ir " in out.splitlines()[0]


def test_default_command_is_read(capfd):
    _, out, _ = run(capfd, CAPTURES / "http-ir-pbm.pcap")
    assert [line.split()[6] for line in out.splitlines()] == ["ir", "ip(accepted)", "certConf(accepted)", "pkiconf"]


def test_read_json_is_one_contract_object_per_line(capfd):
    _, out, _ = run(capfd, "read", CAPTURES / "tcp-v10-errors.pcap", "--json")
    objs = [json.loads(line) for line in out.splitlines()]
    invalid = next(o for o in objs if o["framing"] and o["framing"]["error_name"] == "InvalidPollID")
    assert invalid["frame_type"] == "errorMsgRep" and invalid["framing"]["error_data"] == "0badf00d"
    assert invalid["framing"]["error_text"] == "[en] unknown polling reference"


def test_secrets_verify_and_never_print(capfd):
    secret = "lab-shared-secret"
    _, out, err = run(capfd, "read", CAPTURES / "http-wrong-secret.pcap", "--json", "--secret", f"pass:{secret}")
    objs = [json.loads(line) for line in out.splitlines()]
    assert [o["protection"] for o in objs] == ["invalid", "valid"]
    assert secret not in out + err


def test_bad_secret_source_is_exit_2(capfd):
    code, _, err = run(capfd, "read", CAPTURES / "http-ir-pbm.pcap", "--secret", "env:CMPDISSECT_NO_SUCH_VAR")
    assert code == 2 and "CMPDISSECT_NO_SUCH_VAR" in err


def test_transactions_fail_on(capfd):
    assert run(capfd, "transactions", CAPTURES / "http-ir-sig.pcap", "--fail-on", "error")[0] == 0
    assert run(capfd, "transactions", CAPTURES / "http-rejection.pcap", "--fail-on", "error")[0] == 1


def test_show_frame_and_json_tree(capfd):
    code, out, _ = run(capfd, "show", CAPTURES / "http-polling.pcap", "--frame", 14)
    assert code == 0 and "pollRep" in out and "checkAfter: 1" in out
    _, out, _ = run(capfd, "show", CAPTURES / "messages" / "ir-pbm-2-ip.der", "--json")
    tree = json.loads(out)
    assert tree["name"] == "PKIMessage" and {"name", "value", "offset", "length", "children"} <= set(tree)
    assert run(capfd, "show", CAPTURES / "http-polling.pcap", "--frame", 3)[0] == 2


def test_export_writes_messages_and_certificates(capfd, tmp_path):
    code, out, _ = run(capfd, "export", CAPTURES / "http-ir-sig.pcap", "--out", tmp_path)
    names = {Path(line).name for line in out.splitlines()}
    assert code == 0 and "f0006-ir-msg.der" in names
    assert any(n.startswith("f0008-ip-cert") and n.endswith(".pem") for n in names)
    assert (tmp_path / "f0006-ir-msg.der").read_bytes()[:1] == b"\x30"


def test_transactions_verbose_explains_signers_and_polls(capfd):
    _, out, _ = run(capfd, "transactions", "-V", CAPTURES / "http-ir-sig.pcap")
    assert "frame 8 ip(accepted): signed with extraCerts[0] O=cmpdissect Lab, CN=Lab CMP Server" in out
    assert "certReqId 0 (request frame 6, issued frame 8, accepted): as requested" in out
    _, out, _ = run(capfd, "transactions", "-V", CAPTURES / "http-poll-too-early.pcap")
    assert "poll frame 12: pollReq certReqId 0, waited 0.200 s of 5 s asked: too soon" in out


def test_tls_without_key_log_says_what_would_open_it(capfd):
    code, out, err = run(capfd, "transactions", CAPTURES / "https-ir.pcap")
    assert code == 0 and out == ""
    assert "no CMP found: Stream 0 is TLS-encrypted" in err and "key log" in err
