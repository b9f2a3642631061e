"""The fast summary on real OpenSSL 3.0 CMP messages (tests/asn1/data, see its README)."""

import time

from cmpdissect.asn1 import der
from cmpdissect.asn1.summary import looks_like_pki_message, summarize


def test_every_fixture_agrees_with_the_full_decode(fixtures, check):
    assert len(fixtures) >= 30
    for name, data in fixtures.items():
        s = check(data)
        assert s.length == len(data) and s.trailing == 0, name
        assert looks_like_pki_message(data), name


def test_ip_with_pbm(fixtures):
    s = summarize(fixtures["ip"])
    assert (s.body, s.body_tag, s.pvno) == ("ip", 1, 2)
    assert (s.sender, s.recipient) == ("", "CN=test")  # the mock server sends a NULL-DN
    assert (s.protection_alg, s.protection_alg_oid) == ("PBM", "1.2.840.113533.7.66.13")
    assert s.sender_kid == b"1234"
    assert s.transaction_id == bytes.fromhex("45c5d9f4e0a01c218f2cbec586a0b6aa")
    assert s.sender_nonce == bytes.fromhex("27b2fbd30fb0ad0554212c22c7ce91cb")
    assert s.recip_nonce == bytes.fromhex("4f8286c89963ce6b9fc870135e56db77")
    assert s.message_time == 1795454806.0
    assert s.has_protection and s.extra_certs == 0
    [rsp] = s.cert_responses
    assert (rsp.cert_req_id, rsp.status, rsp.fail_info, rsp.encrypted) == (0, "accepted", [], False)
    cert = der.read_header(rsp.cert_der, 0)
    assert cert.end == len(rsp.cert_der) == 406


def test_request_flow_fields(fixtures):
    ir = summarize(fixtures["ir"])
    assert ir.cert_requests[0].subject == "CN=test" and ir.cert_requests[0].pop == "signature"
    assert ir.recipient == "CN=Lab CA"
    cr = summarize(fixtures["cr"])
    assert cr.cert_requests[0].subject == "CN=test, O=Example, OU=Lab"
    assert cr.protection_alg == "ecdsa-with-SHA256" and cr.extra_certs == 1
    p10 = summarize(fixtures["p10cr"])
    assert p10.cert_req_ids == [] and [(r.cert_req_id, r.subject) for r in p10.cert_requests] == [
        (-1, "CN=test")
    ]
    assert summarize(fixtures["p10cr_cp"]).cert_req_ids == [-1]
    assert summarize(fixtures["genm"]).info_types == ["1.3.6.1.5.5.7.4.2"]
    assert summarize(fixtures["pkiConf"]).body == "pkiconf"


def test_implicit_confirm_polling_and_negative_answers(fixtures):
    ir = summarize(fixtures["ir_implicit"])
    assert ir.implicit_confirm and ir.general_info == ["1.3.6.1.5.5.7.4.13"]
    assert summarize(fixtures["ip_implicit"]).implicit_confirm
    assert summarize(fixtures["poll_ip_waiting"]).status == ["waiting"]
    rep = summarize(fixtures["pollRep1"])
    assert (rep.cert_req_ids, rep.check_after, rep.status) == ([0], [1], [])
    rej = summarize(fixtures["ip_rejection"])
    assert (rej.status, rej.fail_info) == (["rejection"], ["badPOP"])
    assert rej.cert_responses[0].cert_der is None
    err = summarize(fixtures["error"])
    assert (err.status, err.fail_info, err.error_code) == (["rejection"], ["badRequest"], 0x1D00009E)
    assert err.status_text == ["error processing message", "CMP routines", "error processing message"]
    conf = summarize(fixtures["certConf_sig"])
    assert (conf.status, conf.fail_info) == (["rejection"], ["incorrectData"])
    assert conf.cert_statuses[0].status == "rejection" and len(conf.cert_statuses[0].cert_hash) == 32
    unprotected = summarize(fixtures["ir_unprotected"])
    assert not unprotected.has_protection and unprotected.protection_alg is None


def test_every_prefix_keeps_what_it_holds(fixtures):
    data = fixtures["ip"]
    full = summarize(data)
    outer = der.read_header(data, 0)
    hdr = der.read_header(data, outer.start)
    ends = {}  # header field -> offset where its TLV ends
    p = hdr.start
    for _ in range(3):  # pvno, sender, recipient
        p = der.read_header(data, p).end
    ends["pvno"] = der.read_header(data, hdr.start).end
    while p < hdr.end:
        f = der.read_header(data, p)
        ends[{0: "message_time", 1: "protection_alg", 2: "sender_kid", 4: "transaction_id",
              5: "sender_nonce", 6: "recip_nonce"}[f.tag]] = f.end  # fmt: skip
        p = f.end
    for n in range(len(data) + 1):
        s = summarize(data[:n])
        assert "internal error" not in (s.error or "")
        if n < len(data):
            assert s.error and "offset" in s.error, n
        for field, end in ends.items():
            if n >= end:
                assert getattr(s, field) == getattr(full, field), (n, field)
        if n >= der.peek_header(data, hdr.end).start:
            assert s.body == "ip"
    assert summarize(data[:700]).cert_req_ids == [0]


def test_flipped_bytes_never_raise(fixtures):
    for name, flips in (("ip", (0xFF, 0x01)), ("certConf_sig", (0x80,)), ("error", (0x80,))):
        data = fixtures[name]
        for i in range(len(data)):
            for flip in flips:
                broken = bytearray(data)
                broken[i] ^= flip
                s = summarize(bytes(broken))
                assert "internal error" not in (s.error or ""), (name, i, flip)


def test_trailing_bytes_are_counted_not_errors(fixtures):
    s = summarize(fixtures["pkiConf"] + b"\r\n")
    assert (s.error, s.trailing, s.body) == (None, 2, "pkiconf")


def test_looks_like_pki_message(fixtures):
    ip = fixtures["ip"]
    assert looks_like_pki_message(ip[:60], partial=True)
    assert not looks_like_pki_message(ip[:60])
    assert not looks_like_pki_message(b"GET / HTTP/1.1\r\n")
    assert not looks_like_pki_message(bytes.fromhex("3006 3004 020104 00"))  # pvno 4
    assert not looks_like_pki_message(b"")


def test_summary_speed(fixtures):
    data = fixtures["ip"]
    n = 2000
    start = time.perf_counter()
    for _ in range(n):
        summarize(data)
    rate = n / (time.perf_counter() - start)
    print(f"summary speed on a {len(data)}-byte ip: {rate:.0f} messages/s")
    assert rate > 1000
