from pathlib import Path

import pytest

from cmpdissect.protection import CredentialError, load_credentials, parse_secret

DATA = Path(__file__).parent / "data"


def test_pass_source_unbound_and_label_hides_text():
    s = parse_secret("pass:lab-secret")
    assert (s.value, s.kid) == (b"lab-secret", None)
    assert "lab-secret" not in s.label and "lab-secret" not in repr(s)


def test_kid_binding_and_kid_with_equals_sign():
    s = parse_secret("kid-lab=pass:a=b", 3)
    assert (s.kid, s.value) == (b"kid-lab", b"a=b")
    assert s.label == "secret 3 (pass:, KID 'kid-lab')"
    assert parse_secret("k=1=env:HOME").kid == b"k=1"


def test_env_and_file_sources(tmp_path, monkeypatch):
    monkeypatch.setenv("CMP_TEST_PSK", "from-env")
    assert parse_secret("env:CMP_TEST_PSK").value == b"from-env"
    f = tmp_path / "psk.txt"
    f.write_bytes(b"from-file\r\nsecond line\n")
    s = parse_secret(f"x=file:{f}")
    assert (s.value, s.kid) == (b"from-file", b"x")
    assert str(f) in s.label


def test_errors_never_echo_the_argument(monkeypatch):
    monkeypatch.delenv("CMP_NOPE", raising=False)
    with pytest.raises(CredentialError) as e:
        parse_secret("hunter2")
    assert "hunter2" not in str(e.value)
    with pytest.raises(CredentialError, match="CMP_NOPE"):
        parse_secret("env:CMP_NOPE")
    with pytest.raises(CredentialError, match="cannot read"):
        parse_secret("file:/nonexistent/psk")


def test_bundles_load_as_der():
    creds = load_credentials(["pass:x"], trusted=[str(DATA / "ca.pem")], certs=[str(DATA / "ee.pem")])
    assert len(creds.secrets) == 1
    assert creds.trusted[0][:1] == b"\x30" and len(creds.certs) == 1
    with pytest.raises(CredentialError):
        load_credentials(certs=[str(DATA / "README.md")])
