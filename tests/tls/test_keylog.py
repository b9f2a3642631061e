"""NSS key log parsing: what is kept, what is skipped and why, and files that cannot be used."""

from pathlib import Path

import pytest

from cmpdissect.tls import KeyLogError, load_keylog, parse_keylog

CAPTURES = Path(__file__).resolve().parents[2] / "captures"
RANDOM = "ab" * 32


def test_both_versions_and_comments() -> None:
    log = parse_keylog(f"# a comment\nCLIENT_RANDOM {RANDOM} {'11' * 48}\n\n"
                       f"SERVER_TRAFFIC_SECRET_0 {'cd' * 32} {'22' * 48}\nRSA 0011 2233\n".encode())
    assert len(log) == 2 and log.problems == ()
    assert log.secret(bytes.fromhex(RANDOM), "CLIENT_RANDOM") == b"\x11" * 48
    assert log.secret(bytes.fromhex("cd" * 32), "SERVER_TRAFFIC_SECRET_0") == b"\x22" * 48
    assert log.secret(bytes.fromhex("cd" * 32), "CLIENT_RANDOM") is None


def test_bad_lines_are_skipped_with_their_numbers() -> None:
    log = parse_keylog(f"CLIENT_RANDOM {RANDOM} {'11' * 48}\nFOO {RANDOM} 00\nCLIENT_RANDOM {RANDOM[:-2]} {'11' * 48}\n"
                       f"CLIENT_RANDOM {RANDOM} {'11' * 40}\nCLIENT_RANDOM {RANDOM}\nCLIENT_RANDOM {RANDOM} zz\n"
                       .encode())
    assert len(log) == 1
    assert [p.split(":")[0] for p in log.problems] == ["line 2", "line 3", "line 4", "line 5", "line 6"]
    assert "unknown label 'FOO'" in log.problems[0]
    assert "client random is 31 bytes" in log.problems[1]
    assert "master secret is 40 bytes, not 48" in log.problems[2]
    assert "found 1 field(s)" in log.problems[3]
    assert "not hexadecimal" in log.problems[4]
    assert log.problem_summary().startswith("key log: 5 line(s) skipped: line 2")


def test_a_file_cut_short_says_so() -> None:
    lines = (CAPTURES / "https-ir.keylog").read_bytes().splitlines()
    cut = lines[0] + b"\n" + lines[1][:-9]  # the second line loses 9 hex digits, and its end of line
    log = parse_keylog(cut, "cut.keylog")
    assert len(log) == 1
    label = lines[1].split()[0].decode()
    assert log.problems == (f"line 2: {label}: odd number of hex digits (the file ends here: cut short?)",)


def test_unusable_files_raise_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(KeyLogError, match="not an NSS key log.*line 1: unknown label 'GET'"):
        parse_keylog(b"GET / HTTP/1.1\r\n")
    empty = tmp_path / "empty.keylog"
    empty.write_bytes(b"")
    with pytest.raises(KeyLogError, match="empty.keylog: not an NSS key log.*no lines"):
        load_keylog(empty)
    with pytest.raises(KeyLogError, match="missing.keylog: No such file"):
        load_keylog(tmp_path / "missing.keylog")
    binary = tmp_path / "bin.keylog"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(KeyLogError) as info:
        load_keylog(binary)
    assert "\n" not in str(info.value)


def test_the_sample_key_logs() -> None:
    tls13 = load_keylog(CAPTURES / "https-ir.keylog")
    tls12 = load_keylog(CAPTURES / "https-ir-tls12.keylog")
    assert len(tls13) == 1 and len(tls12) == 1 and not tls13.problems and not tls12.problems
    (labels13,) = tls13.secrets.values()
    assert {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"} <= set(labels13)
    (labels12,) = tls12.secrets.values()
    assert set(labels12) == {"CLIENT_RANDOM"}
