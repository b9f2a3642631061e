"""Protection verdicts on real OpenSSL CMP messages (see data/README.md)."""

import dataclasses
from pathlib import Path

import pytest

from cmpdissect.protection import Credentials, extra_certs, load_credentials, parse_secret, verify_unit
from cmpdissect.protection.credentials import parse_cert_bundle

DATA = Path(__file__).parent / "data"
SECRET = "lab-secret"
PBM_FILES = ["pbm_ir", "pbm_ip", "pbm_certConf", "pbm_pkiConf", "pbm256_ir", "pbm256_ip", "p10cr", "p10cr_cp"]
SIG_FILES = [
    "ec_cr",
    "ec_cp",
    "ec_certConf",
    "ec_pkiConf",
    "rsa_cr",
    "rsa_cp",
    "rsa_certConf",
    "ed_ir",
    "ed_ip",
]


def msg(name: str) -> bytes:
    return (DATA / f"{name}.der").read_bytes()


def creds(*secrets: str, trusted: str | None = None, certs: str | None = None) -> Credentials:
    c = Credentials(secrets=tuple(parse_secret(s, i) for i, s in enumerate(secrets, 1)))
    if trusted:
        c = dataclasses.replace(c, trusted=parse_cert_bundle((DATA / trusted).read_bytes(), trusted))
    if certs:
        c = dataclasses.replace(c, certs=parse_cert_bundle((DATA / certs).read_bytes(), certs))
    return c


def flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1 :]


def texts(v) -> str:
    return " ".join([v.reason or ""] + [f.message for f in v.findings])


@pytest.mark.parametrize("name", PBM_FILES)
def test_pbm_valid_with_the_known_secret(name):
    v = verify_unit(msg(name), creds(f"kid-lab=pass:{SECRET}"))
    assert v.status == "valid", v.reason
    assert v.secret == "secret 1 (pass:, KID 'kid-lab')"
    assert all(f.frame is None for f in v.findings)


def test_pbm_unbound_secret_is_tried_too():
    assert verify_unit(msg("pbm_ir"), creds("pass:wrong", f"pass:{SECRET}")).secret.startswith("secret 2")


def test_pbm_without_secrets_stays_unchecked():
    v = verify_unit(msg("pbm_ir"))
    assert (v.status, v.reason) == ("unchecked", None)


def test_openssl_default_mac_is_flagged_as_legacy_only_where_used():
    codes = {f.code for f in verify_unit(msg("pbm_ir"), creds(f"pass:{SECRET}")).findings}
    assert codes == {"mac-alg-legacy"}  # hmac-sha1
    assert verify_unit(msg("pbm256_ir"), creds(f"pass:{SECRET}")).findings == []


def test_pbm_wrong_secret_is_invalid_and_says_so_without_the_secret():
    v = verify_unit(msg("pbm_ir"), creds("kid-lab=pass:not-the-secret"))
    assert v.status == "invalid"
    assert "does not verify with any of the 1 secret(s)" in v.reason and "'kid-lab'" in v.reason
    assert [f.code for f in v.findings if f.severity == "error"] == ["protection-invalid"]
    assert "not-the-secret" not in texts(v) and SECRET not in texts(v)


def test_secret_bound_to_another_kid_is_valid_and_names_the_mapping():
    v = verify_unit(msg("pbm_ip"), creds("kid-other=pass:nope", f"kid-b=pass:{SECRET}"))
    assert v.status == "valid" and v.secret.startswith("secret 2")
    (note,) = [f for f in v.findings if f.code == "pbm-senderkid-mismatch"]
    assert note.severity == "warning" and "senderKID mapping" in note.message
    assert SECRET not in texts(v)


def test_only_secrets_for_other_kids_leave_it_unchecked_with_a_note():
    v = verify_unit(msg("pbm_ip"), creds("kid-other=pass:nope"))
    assert v.status == "unchecked"
    assert "mac-no-secret" in {f.code for f in v.findings}


def test_flipped_body_byte_makes_mac_invalid():
    data = msg("pbm_ir")
    body_byte = 300  # inside the ir body (the certTemplate's public key)
    v = verify_unit(flip(data, body_byte), creds(f"pass:{SECRET}"))
    assert v.status == "invalid"


@pytest.mark.parametrize("name", SIG_FILES)
def test_signatures_verify_from_extracerts_without_credentials(name):
    v = verify_unit(msg(name))
    assert v.status == "valid", v.reason
    assert v.signer in ("CN=test, O=Example", "CN=Lab RA, O=Example", "CN=rsa client, O=Example")
    assert not [f for f in v.findings if f.severity != "info"]


def test_signature_chains_to_trusted_anchor():
    v = verify_unit(msg("ec_cp"), creds(trusted="ca.pem"))
    assert v.status == "valid" and "signer-untrusted" not in {f.code for f in v.findings}


def test_untrusted_chain_is_a_finding_not_invalid():
    v = verify_unit(msg("ec_cp"), creds(trusted="edca.pem"))
    assert v.status == "valid"
    assert [f.code for f in v.findings] == ["signer-untrusted"]


def test_flipped_body_byte_makes_signature_invalid():
    v = verify_unit(flip(msg("ec_cr"), 400))
    assert v.status == "invalid"
    assert "does not verify with the signer certificate CN=test, O=Example" in v.reason


def _without_extra_certs(data: bytes) -> bytes:
    """Drop extraCerts ([1], the last field) and fix the outer length (long form, 2 octets)."""
    extra_len = sum(len(c) for c in extra_certs(data))
    trailer = len(data) - 8 - extra_len  # A1 82 xx xx 30 82 xx xx
    inner = data[4:trailer]
    return b"\x30\x82" + len(inner).to_bytes(2, "big") + inner


def test_missing_signer_certificate_is_unverifiable():
    stripped = _without_extra_certs(msg("ec_cr"))
    assert extra_certs(stripped) == ()
    v = verify_unit(stripped)
    assert v.status == "unverifiable"
    assert "signer certificate not found" in v.reason and "no --certs" in v.reason
    assert [f.code for f in v.findings] == ["signer-not-found"]


def test_signer_from_certs_or_earlier_message_verifies():
    stripped = _without_extra_certs(msg("ec_certConf"))
    v = verify_unit(stripped, creds(certs="ee.pem"))
    assert v.status == "valid"
    assert [(f.code, f.severity) for f in v.findings] == [("signer-not-in-extracerts", "info")]
    assert verify_unit(stripped, known_certs=extra_certs(msg("ec_cr"))).status == "valid"


def test_signer_without_digital_signature_key_usage():
    v = verify_unit(msg("enc_cr"))
    assert v.status == "valid"
    assert [(f.code, f.severity) for f in v.findings] == [("signer-keyusage", "error")]


def test_unprotected_and_undecodable():
    header = b"\x30\x0b\x02\x01\x02\xa4\x02\x30\x00\xa4\x02\x30\x00"
    assert verify_unit(b"\x30\x11" + header + b"\xb3\x02\x05\x00").status == "unprotected"
    v = verify_unit(msg("pbm_ir")[:200])
    assert v.status == "unverifiable" and "offset" in v.reason
    assert v.findings[0].code == "protection-undecodable"


def test_load_credentials_paths_work_end_to_end(tmp_path):
    f = tmp_path / "s"
    f.write_text(SECRET + "\n")
    c = load_credentials([f"kid-lab=file:{f}"], trusted=[str(DATA / "ca.pem")])
    assert verify_unit(msg("pbm_ip"), c).status == "valid"
    assert verify_unit(msg("rsa_cr"), c).findings == []
