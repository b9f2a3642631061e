"""Every registered check: one flow that triggers it and a near twin that must not."""

from __future__ import annotations

import pytest

from cmpdissect.analysis.correlate import correlate
from cmpdissect.catalogue import CHECKS, PROFILES, finding
from cmpdissect.model import CertStatusInfo, Framing, HttpInfo

B = b"\xbb" * 16


def http(**kw) -> HttpInfo:
    base = {"method": "POST", "path": "/.well-known/cmp", "content_type": "application/pkixcmp", "is_request": True}
    return HttpInfo(**{**base, **kw})


def reply_http(**kw) -> HttpInfo:
    return http(**{"is_request": False, "status": 200, **kw})


# -- trigger / twin builders, by code --------------------------------------------------------------

def tid_changed(cap, bad):
    c = cap.conv()
    c.req("ir", implicit=True)
    c.rep("ip", status=["accepted"], implicit=True, tid=B if bad else c.tid)


def tid_reused(cap, bad):
    c = cap.conv()
    c.enroll()
    (c if bad else cap.conv(tid=B)).req("ir", recip=None, implicit=True)


def tid_dropped(cap, bad):
    c = cap.conv()
    c.req("ir")
    c.rep("ip", status=["accepted"])
    c.req("certConf", tid=None if bad else c.tid)
    c.rep("pkiconf")


def tid_absent(cap, bad):
    c = cap.conv(tid=None)
    c.req("ir", implicit=not bad)
    c.rep("ip", status=["accepted"], implicit=not bad)


def nonce_not_echoed(cap, bad):
    c = cap.conv()
    c.req("ir")
    c.rep("ip", status=["accepted"])
    c.req("certConf", **({"recip": b"\x77" * 16} if bad else {}))
    c.rep("pkiconf")


def nonce_reused(cap, bad):
    c = cap.conv()
    ir = c.req("ir")
    c.rep("ip", status=["accepted"])
    c.req("certConf", **({"nonce": ir.message.sender_nonce} if bad else {}))
    c.rep("pkiconf")


def nonce_reused_across(cap, bad):
    first = cap.conv()
    ir = first.req("ir", implicit=True)
    first.rep("ip", status=["accepted"], implicit=True)
    cap.conv(tid=B).req("genm", **({"nonce": ir.message.sender_nonce} if bad else {}), recip=None)


def pvno_unknown(cap, bad):
    c = cap.conv()
    c.req("genm", pvno=5 if bad else 2)


def pvno_hashalg(cap, bad):
    c = cap.conv()
    c.req("ir")
    c.rep("ip", status=["accepted"])
    c.req("certConf", pvno=2 if bad else 3, cert_statuses=[CertStatusInfo(0, b"h" * 32, None, "sha256")])


def pvno_response_differs(cap, bad):
    c = cap.conv()
    c.req("ir", pvno=3)
    if bad:
        c.rep("ip", status=["accepted"], pvno=2)
    else:
        c.rep("error", status=["rejection"], fail_info=["unsupportedVersion"], pvno=2)


def protection_alg_mismatch(cap, bad):
    cap.conv().req("genm", has_protection=not bad)


def unprotected(cap, bad):
    cap.conv().req("genm", **({"protection_alg": None, "protection_alg_oid": None, "has_protection": False}
                              if bad else {}))


def message_time_skew(cap, bad):
    cap.conv().req("genm", message_time=cap.time - (600 if bad else 200))


def response_older(cap, bad):
    c = cap.conv()
    ir = c.req("genm")
    c.rep("genp", message_time=ir.message.message_time - (10 if bad else 0))


def string_type(cap, bad):
    c = cap.conv()
    c.req("genm")
    genp = c.rep("genp")
    if bad:
        genp.message.notes.append("statusString at offset 40: PrintableString where UTF8String is required")


def unexpected_response(cap, bad):
    c = cap.conv()
    c.req("ir", implicit=True)
    c.rep("cp" if bad else "ip", status=["accepted"], implicit=True)


def certreqid_unknown(cap, bad):
    c = cap.conv()
    c.req("ir", implicit=True)
    c.rep("ip", status=["accepted"], implicit=True, ids=[5] if bad else [0])


def p10cr_certreqid(cap, bad):
    c = cap.conv()
    c.req("p10cr")
    c.rep("cp", status=["accepted"], ids=[-1])
    c.req("certConf", ids=[0] if bad else [-1])
    c.rep("pkiconf")


def certconf_missing(cap, bad):
    c = cap.conv()
    c.req("ir")
    c.rep("ip", status=["accepted"])
    if not bad:
        c.req("certConf")
        c.rep("pkiconf")


def certconf_late(cap, bad):
    c = cap.conv()
    c.req("ir")
    c.rep("ip", status=["accepted"], confirm_wait_time=cap.time + 2.0)
    c.req("certConf", wait=5 if bad else 0.5)
    c.rep("pkiconf")


def certconf_unneeded(cap, bad):
    c = cap.conv()
    c.req("ir", implicit=True)
    c.rep("ip", status=["accepted"], implicit=True)
    if bad:
        c.req("certConf")
        c.rep("pkiconf")


def implicit_unrequested(cap, bad):
    c = cap.conv()
    c.req("ir", implicit=not bad)
    c.rep("ip", status=["accepted"], implicit=True)


def error_without_reason(cap, bad):
    c = cap.conv()
    c.req("genm")
    c.rep("error", status=["rejection"], fail_info=[] if bad else ["badRequest"])


def poll_too_soon(cap, bad):
    c = cap.conv()
    c.req("ir", implicit=True)
    c.rep("ip", status=["waiting"])
    c.req("pollReq")
    c.rep("pollRep", check_after=[10])
    c.req("pollReq", wait=2 if bad else 10)


def poll_unexpected(cap, bad):
    c = cap.conv()
    c.req("ir", implicit=True)
    c.rep("ip", status=["accepted"] if bad else ["waiting"], implicit=bad)
    c.req("pollReq")


def tcp_poll_too_soon(cap, bad):
    c = cap.conv(transport="tcp-msg-v10")
    c.req("ir")
    c.frame(1, "pollRep", poll_ref=1, check_after=10)
    c.frame(0, "pollReq", poll_ref=1, wait=2 if bad else 11)


def tcp_unknown_ref(cap, bad):
    c = cap.conv(transport="tcp-msg-v10")
    c.req("ir")
    c.frame(1, "pollRep", poll_ref=1, check_after=1)
    c.frame(0, "pollReq", poll_ref=9 if bad else 1, wait=2)
    c.frame(1, "errorMsgRep", error_type="0202")


def tcp_checkback_absolute(cap, bad):
    c = cap.conv(transport="tcp-msg-v10")
    c.req("ir")
    c.frame(1, "pollRep", poll_ref=1, check_after=int(cap.time) + 100 if bad else 100)


def tcp_checkback_relative(cap, bad):
    c = cap.conv(transport="tcp-rfc2510")
    c.req("ir")
    c.frame(1, "pollRep", poll_ref=1, check_after=30 if bad else int(cap.time) + 30)


def http_media_type(cap, bad):
    cap.conv().req("genm", http=http(content_type="text/plain" if bad else "application/pkixcmp; x=1"))


def http_media_type_legacy(cap, bad):
    cap.conv().req("genm", http=http(content_type="application/x-pkixcmp" if bad else "application/pkixcmp"))


def http_status(cap, bad):
    c = cap.conv()
    c.req("genm")
    if bad:
        c.rep("genp", http=reply_http(status=202))
    else:
        c.rep("error", status=["rejection"], fail_info=["badRequest"], http=reply_http(status=500))


def http_method(cap, bad):
    cap.conv().req("genm", http=http(method="GET" if bad else "POST"))


def http_after_close(cap, bad):
    c = cap.conv()
    c.req("genm")
    c.rep("genp", http=reply_http(connection_close=True))
    cap.conv(tid=B, stream=0 if bad else 1).req("genm", recip=None)


def tcp_version_mismatch(cap, bad):
    c = cap.conv(transport="tcp-msg-v10")
    if bad:
        c.req("genm")
        c.rep("genp", framing=Framing(length=101), frame_type="finalMsgRep")
    else:  # a version the server does not support is answered by VersionNotSupported in the server's version
        c.req("genm", framing=Framing(length=103, version=11))
        c.frame(1, "errorMsgRep", error_type="0101", error_data=b"\x0a")


def tcp_after_close(cap, bad):
    c = cap.conv(transport="tcp-msg-v10")
    c.req("ir")
    c.rep("ip", status=["accepted"], framing=Framing(length=103, version=10, flags=1, close=True))
    if not bad:
        c.stream = 1
    c.req("certConf")


def tcp_close_not_echoed(cap, bad):
    c = cap.conv(transport="tcp-msg-v10")
    c.req("genm", framing=Framing(length=103, version=10, flags=1, close=True))
    c.rep("genp", framing=Framing(length=103, version=10, flags=int(not bad), close=not bad))


def tcp_server_request(cap, bad):
    c = cap.conv(transport="tcp-msg-v10")
    c.req("genm")
    c.rep("genp", frame_type="pkiReq" if bad else "pkiRep")


def tcp_finrep_missing(cap, bad):
    c = cap.conv(transport="tcp-msg-v10")
    c.req("ir")
    c.rep("ip", status=["accepted"])
    c.req("pkiconf")  # the RFC 2510 era confirmation, sent by the client
    if not bad:
        c.frame(1, "finRep")


def tcp_finrep_missing_announcement(cap, bad):
    c = cap.conv(transport="tcp-msg-v10", client="10.0.0.2:5000", server="10.0.0.1:829")
    c.req("cann")
    if bad:
        c.rep("pkiconf")
    else:
        c.frame(1, "finRep")


def lw_pvno(cap, bad):
    cap.conv().req("genm", pvno=1 if bad else 2)


def lw_tid_length(cap, bad):
    cap.conv(tid=b"\x11" * (8 if bad else 16)).req("genm")


def lw_nonce_length(cap, bad):
    cap.conv().req("genm", **({"nonce": b"\x01" * 8} if bad else {}))


def lw_recipnonce_first(cap, bad):
    cap.conv().req("genm", recip=b"\x05" * 16 if bad else None)


def lw_mac_senderkid(cap, bad):
    cap.conv().req("genm", sender_kid=None if bad else b"kid")


def lw_implicit_body(cap, bad):
    c = cap.conv()
    c.req("genm" if bad else "ir", implicit=True)


def lw_confirm_wait_time(cap, bad):
    c = cap.conv()
    c.req("ir")
    unit = c.rep("ip", status=["accepted"], confirm_wait_time=cap.time + 60)
    if bad:
        unit.message.message_time = None


def lw_single_request(cap, bad):
    c = cap.conv()
    c.req("ir", ids=[1] if bad else [0], implicit=True)


def lw_certconf_single(cap, bad):
    c = cap.conv()
    c.req("ir")
    c.rep("ip", status=["accepted"])
    c.req("certConf", ids=[] if bad else [0])


def http_content_type_params(cap, bad):
    c = cap.conv()
    c.req("ir", implicit=True, http=http(content_type="application/pkixcmp; charset=utf-8" if bad else
                                         "application/pkixcmp"))
    c.rep("ip", status=["accepted"], implicit=True)


def http_no_pkimessage(cap, bad):
    c = cap.conv()
    c.req("ir", implicit=True)
    if bad:
        c._unit(1, None, None, None, reply_http(status=404, reason="Not Found", content_type="text/html"), 0.1)
    else:
        c.rep("ip", status=["accepted"], implicit=True)


def message_too_large(cap, bad):
    c = cap.conv()
    c.req("ir", implicit=True)
    c.rep("ip", status=["accepted"], implicit=True).der = b"\x30" * (100 * 1024 + (1 if bad else 0))


def tcp_message_too_large(cap, bad):
    c = cap.conv(transport="tcp-msg-v10")
    c.req("ir", implicit=True)
    c.rep("ip", status=["accepted"], implicit=True, framing=Framing(length=10_001 if bad else 10_000, version=10))


def protection_type_changed(cap, bad):
    c = cap.conv()
    c.req("ir")
    c.rep("error", status=["rejection"], fail_info=["badMessageCheck"],
          **({"protection_alg": "ecdsa-with-SHA256", "protection_alg_oid": "1.2.840.10045.4.3.2"} if bad else {}))


def poll_not_pending(cap, bad):
    c = cap.conv()
    c.req("ir", ids=[0, 1])
    c.rep("ip", ids=[0, 1], status=["accepted", "waiting"])
    c.req("pollReq", ids=[0] if bad else [1])
    c.rep("pollRep", ids=[1], check_after=[0])


def lw_cert_profile(cap, bad):
    c = cap.conv()
    c.req("ir", implicit=True, cert_profiles=["a", "b"] if bad else ["a"])
    c.rep("ip", status=["accepted"], implicit=True)


def lw_protection_required(cap, bad):
    c = cap.conv()
    c.req("ir", implicit=True)
    c.rep("ip", status=["accepted"], implicit=True, **({"has_protection": False, "protection_alg": None,
                                                        "protection_alg_oid": None} if bad else {}))


def lw_protection_required_error_twin(cap, bad):
    """An unprotected error may answer a request whose protection failed (RFC 9483 3.6.4)."""
    c = cap.conv()
    ir = c.req("ir")
    ir.protection = "valid" if bad else "invalid"
    c.rep("error", status=["rejection"], fail_info=["badMessageCheck"], has_protection=False, protection_alg=None,
          protection_alg_oid=None)


def lw_extracerts_signer(cap, bad):
    c = cap.conv()
    signed = {"protection_alg": "ecdsa-with-SHA256", "protection_alg_oid": "1.2.840.10045.4.3.2"}
    ir = c.req("ir", implicit=True, **signed)
    ir.protection, ir.signer = "valid", "CN=client"
    if bad:
        ir.findings.append(finding("signer-not-first", "signer certificate CN=client is not the first", ir.frame))
    c.rep("ip", status=["accepted"], implicit=True)


CASES = {
    "tid-changed": tid_changed,
    "tid-reused": tid_reused,
    "tid-dropped": tid_dropped,
    "tid-absent": tid_absent,
    "nonce-not-echoed": nonce_not_echoed,
    "nonce-reused": nonce_reused,
    "pvno-unknown": pvno_unknown,
    "pvno-hashalg": pvno_hashalg,
    "pvno-response-differs": pvno_response_differs,
    "protection-alg-mismatch": protection_alg_mismatch,
    "unprotected": unprotected,
    "message-time-skew": message_time_skew,
    "response-older-than-request": response_older,
    "string-type": string_type,
    "unexpected-response": unexpected_response,
    "certreqid-unknown": certreqid_unknown,
    "p10cr-certreqid": p10cr_certreqid,
    "certconf-missing": certconf_missing,
    "certconf-late": certconf_late,
    "certconf-unneeded": certconf_unneeded,
    "implicit-confirm-unrequested": implicit_unrequested,
    "error-without-reason": error_without_reason,
    "poll-too-soon": poll_too_soon,
    "poll-unexpected": poll_unexpected,
    "tcp-poll-too-soon": tcp_poll_too_soon,
    "tcp-pollreq-unknown-ref": tcp_unknown_ref,
    "tcp-checkback-absolute": tcp_checkback_absolute,
    "tcp-checkback-relative": tcp_checkback_relative,
    "http-media-type": http_media_type,
    "http-media-type-legacy": http_media_type_legacy,
    "http-status": http_status,
    "http-method": http_method,
    "http-after-close": http_after_close,
    "tcp-version-mismatch": tcp_version_mismatch,
    "tcp-after-close": tcp_after_close,
    "tcp-close-not-echoed": tcp_close_not_echoed,
    "tcp-server-request": tcp_server_request,
    "tcp-finrep-missing": tcp_finrep_missing,
    "lw-pvno": lw_pvno,
    "lw-tid-length": lw_tid_length,
    "lw-nonce-length": lw_nonce_length,
    "lw-recipnonce-first": lw_recipnonce_first,
    "lw-mac-senderkid": lw_mac_senderkid,
    "lw-implicit-confirm-body": lw_implicit_body,
    "lw-confirm-wait-time": lw_confirm_wait_time,
    "lw-single-request": lw_single_request,
    "lw-certconf-single": lw_certconf_single,
    "http-content-type-params": http_content_type_params,
    "http-no-pkimessage": http_no_pkimessage,
    "message-too-large": message_too_large,
    "tcp-message-too-large": tcp_message_too_large,
    "protection-type-changed": protection_type_changed,
    "poll-not-pending": poll_not_pending,
    "lw-cert-profile": lw_cert_profile,
    "lw-protection-required": lw_protection_required,
    "lw-extracerts-signer": lw_extracerts_signer,
}
PARAMS = [*(pytest.param(code, build, id=code) for code, build in CASES.items()),
          pytest.param("nonce-reused", nonce_reused_across, id="nonce-reused-across-transactions"),
          pytest.param("tcp-finrep-missing", tcp_finrep_missing_announcement, id="tcp-finrep-missing-announcement"),
          pytest.param("lw-protection-required", lw_protection_required_error_twin, id="lw-protection-required-error")]


def found(cap, build, bad: bool) -> list:
    build(cap, bad)
    return [f for t in correlate(cap.units) for f in t.findings]


@pytest.mark.parametrize(("code", "build"), PARAMS)
def test_trigger_raises_the_code(cap, code, build):
    hits = [f for f in found(cap, build, bad=True) if f.code == code]
    assert hits, f"{code} not raised"
    check = CHECKS[code]
    assert all((f.severity, f.reference) == (check.severity, check.reference) for f in hits)
    assert all(isinstance(f.frame, int) and f.frame > 0 and f.message for f in hits)


@pytest.mark.parametrize(("code", "build"), PARAMS)
def test_twin_is_clean(cap, code, build):
    assert code not in {f.code for f in found(cap, build, bad=False)}


def test_every_check_decidable_from_summaries_has_a_case():
    """Protection checks are triggered in tests/protection, extraCerts and request-versus-issued on
    real DER in test_interop.py; every other code needs a case here."""
    real_der = {c for c in CHECKS if c.startswith(("extracerts-", "issued-"))}
    assert set(CASES) == {c.code for c in CHECKS.values() if c.area != "protection"} - real_der


def test_registry_is_well_formed():
    for check in CHECKS.values():
        assert check.severity in ("error", "warning", "info")
        assert check.reference.startswith(("RFC ", "draft-"))
        assert check.profiles and check.profiles <= set(PROFILES)
        assert check.code.startswith("lw-") == (check.profiles == {"lightweight"})
        assert not check.code.startswith("lw-") or check.reference.startswith("RFC 9483")
        assert check.rationale and len(check.rationale) < 120
