"""The fast summary on the bodies OpenSSL does not send, built here as DER.

Each message is checked against the full decode with the RFC 9810 schema, and re-encoded by
pyasn1's DER encoder to the same bytes, so the builders below cannot drift from the RFC.
"""

import time

import pytest
from pyasn1.codec.der import encoder

from cmpdissect.asn1 import schema
from cmpdissect.asn1.summary import MAX_NESTING, summarize


def tlv(tag: int, *parts: bytes) -> bytes:
    content = b"".join(parts)
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def seq(*parts: bytes) -> bytes:
    return tlv(0x30, *parts)


def ctx(n: int, *parts: bytes) -> bytes:
    return tlv(0xA0 | n, *parts)


def integer(v: int) -> bytes:
    return tlv(0x02, v.to_bytes(v.bit_length() // 8 + 1, "big", signed=True))


def octets(b: bytes) -> bytes:
    return tlv(0x04, b)


def utf8(s: str) -> bytes:
    return tlv(0x0C, s.encode())


def oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        while arc > 0x7F:
            arc >>= 7
            chunk.append(0x80 | (arc & 0x7F))
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def bits(*numbers: int) -> bytes:
    """A named BIT STRING in DER: trailing zero bits dropped (X.690 11.2.2)."""
    if not numbers:
        return tlv(0x03, b"\x00")
    top = max(numbers)
    content = bytearray(top // 8 + 1)
    for n in numbers:
        content[n // 8] |= 0x80 >> (n % 8)
    return tlv(0x03, bytes([7 - top % 8]), bytes(content))


def gentime(text: str) -> bytes:
    return tlv(0x18, text.encode())


def name(*rdns: tuple[str, str]) -> bytes:
    types = {"CN": "2.5.4.3", "O": "2.5.4.10", "OU": "2.5.4.11"}
    return seq(*(tlv(0x31, seq(oid(types[t]), utf8(v))) for t, v in rdns))


def alg(dotted: str) -> bytes:
    return seq(oid(dotted))


def status_info(status: int, fail: tuple[int, ...] = (), text: tuple[str, ...] = ()) -> bytes:
    return seq(
        integer(status),
        seq(*map(utf8, text)) if text else b"",
        bits(*fail) if fail else b"",
    )


TID = bytes(range(16))
NONCE = bytes(range(16, 32))
SHA256 = "2.16.840.1.101.3.4.2.1"
ID_IT = "1.3.6.1.5.5.7.4."


def message(body_tag: int, content: bytes, pvno: int = 2, tid: bytes = TID, extra_header: bytes = b"",
            protected: bool = True) -> bytes:  # fmt: skip
    header = seq(
        integer(pvno),
        ctx(4, name(("CN", "Lab RA"))),
        ctx(4, name(("CN", "Lab CA"), ("O", "Example"))),
        ctx(0, gentime("20250301120000Z")),
        ctx(1, alg("1.2.840.10045.4.3.2")) if protected else b"",
        ctx(2, octets(b"kid")),
        ctx(4, octets(tid)),
        ctx(5, octets(NONCE)),
        extra_header,
    )
    trailer = ctx(0, tlv(0x03, b"\x00sig")) if protected else b""
    return seq(header, ctx(body_tag, content), trailer)


@pytest.fixture(scope="module")
def cert(fixtures) -> bytes:
    return summarize(fixtures["ip"]).cert_responses[0].cert_der


@pytest.fixture(scope="module")
def crl() -> bytes:
    tbs = seq(integer(1), alg("1.2.840.10045.4.3.2"), name(("CN", "Lab CA")), tlv(0x17, b"250301120000Z"))
    return seq(tbs, alg("1.2.840.10045.4.3.2"), tlv(0x03, b"\x00sig"))


def checked(check, data: bytes):
    """Cross-check with the full decode and require the builders' bytes to be the DER pyasn1 writes."""
    s = check(data)
    assert encoder.encode(schema.decode_message(data)[0]) == data
    return s


def cert_req_msg(req_id: int, subject: bytes | None, pop: bytes | None) -> bytes:
    template = seq(ctx(5, subject) if subject else b"")
    return seq(seq(integer(req_id), template), pop or b"")


def test_header_fields(check, cert):
    general_info = ctx(8, seq(
        seq(oid(ID_IT + "13"), b"\x05\x00"),
        seq(oid(ID_IT + "14"), gentime("20250301121500Z")),
        seq(oid(ID_IT + "21"), seq(utf8("tls-server"), utf8(""))),
    ))  # fmt: skip
    extra = ctx(6, octets(b"r" * 16)) + ctx(7, seq(utf8("en"), utf8("hello"))) + general_info
    genm = seq(seq(oid(ID_IT + "17")), seq(oid("1.3.6.1.4.1.3029.3.1.1")))
    data = message(21, genm, extra_header=extra)
    s = checked(check, data)
    assert (s.sender, s.recipient) == ("CN=Lab RA", "CN=Lab CA, O=Example")
    assert s.message_time == 1740830400.0
    assert (s.protection_alg, s.sender_kid, s.recip_nonce) == ("ecdsa-with-SHA256", b"kid", b"r" * 16)
    assert s.free_text == ["en", "hello"]
    assert s.general_info == [ID_IT + "13", ID_IT + "14", ID_IT + "21"]
    assert s.implicit_confirm and s.confirm_wait_time == 1740831300.0
    assert s.cert_profiles == ["tls-server", ""]
    assert s.info_types == [ID_IT + "17", "1.3.6.1.4.1.3029.3.1.1"]
    genp = checked(check, message(22, seq(seq(oid(ID_IT + "17"), seq(cert)))))
    assert genp.info_types == [ID_IT + "17"]


def test_krr_and_ccr_requests(check):
    key_enc = ctx(2, tlv(0x81, b"\x00"))  # keyEncipherment [2] POPOPrivKey: subsequentMessage encrCert
    ra = b"\x80\x00"  # raVerified [0] NULL
    sig = ctx(1, alg("1.2.840.10045.4.3.2"), tlv(0x03, b"\x00sig"))
    krr = seq(cert_req_msg(0, name(("CN", "Alice"), ("O", "Example")), key_enc), cert_req_msg(1, None, ra))
    s = checked(check, message(9, krr))
    assert s.body == "krr" and s.cert_req_ids == [0, 1]
    assert [(r.cert_req_id, r.subject, r.pop) for r in s.cert_requests] == [
        (0, "CN=Alice, O=Example", "keyEncipherment"), (1, None, "raVerified")]  # fmt: skip
    # a multi-valued RDN, members in DER SET OF order (shorter encoding first)
    multi = seq(tlv(0x31, seq(oid("2.5.4.11"), utf8("x")), seq(oid("2.5.4.3"), utf8("a,b"))))
    s = checked(check, message(13, seq(cert_req_msg(7, multi, sig))))
    assert (s.body, s.cert_req_ids, s.cert_requests[0].subject, s.cert_requests[0].pop) == (
        "ccr", [7], "OU=x+CN=a\\,b", "signature")  # fmt: skip


def test_ccp_with_several_responses(check, cert):
    rsp = seq(
        seq(integer(0), status_info(0), seq(ctx(0, cert))),
        seq(integer(1), status_info(2, (19, 9), ("bad template",))),
        seq(
            integer(2), status_info(1), seq(ctx(1, seq(tlv(0x03, b"\x00enc"))))
        ),  # encryptedCert: EncryptedValue
        seq(integer(3), status_info(3)),
    )
    s = checked(check, message(14, seq(ctx(1, seq(cert)), rsp)))
    assert s.status == ["accepted", "rejection", "grantedWithMods", "waiting"]
    assert s.fail_info == ["badPOP", "badCertTemplate"]
    assert s.status_text == ["bad template"]
    assert s.cert_req_ids == [0, 1, 2, 3]
    got = [(r.cert_req_id, r.status, r.fail_info, r.cert_der == cert, r.encrypted) for r in s.cert_responses]
    assert got == [
        (0, "accepted", [], True, False),
        (1, "rejection", ["badPOP", "badCertTemplate"], False, False),
        (2, "grantedWithMods", [], False, True),
        (3, "waiting", [], False, False),
    ]


def test_krp(check, cert):
    krp = seq(
        status_info(0), ctx(0, cert), ctx(2, seq(seq(ctx(0, cert), ctx(0, seq(tlv(0x03, b"\x00key"))))))
    )
    s = checked(check, message(10, krp))
    assert (s.body, s.status, s.cert_req_ids) == ("krp", ["accepted"], [])


def test_announcements(check, cert, crl):
    v2 = checked(check, message(15, seq(cert, cert, cert)))
    v3 = checked(check, message(15, ctx(0, seq(cert, ctx(0, cert))), pvno=3))
    assert (v2.body, v3.body, v3.pvno) == ("ckuann", "ckuann", 3)
    assert checked(check, message(16, cert)).body == "cann"
    cert_id = seq(ctx(4, name(("CN", "Lab CA"))), integer(4711))
    rann = checked(
        check, message(17, seq(integer(5), cert_id, gentime("20250302000000Z"), gentime("20250301000000Z")))
    )
    assert (rann.body, rann.status) == ("rann", ["revocationNotification"])
    assert checked(check, message(18, seq(crl))).body == "crlann"


def test_pop_challenge_bodies(check):
    popdecc = seq(seq(alg(SHA256), octets(b"w" * 32), octets(b"c" * 8)))
    assert checked(check, message(5, popdecc)).body == "popdecc"
    popdecr = checked(check, message(6, seq(integer(5), integer(7))))
    assert (popdecr.body, popdecr.cert_req_ids) == ("popdecr", [])


def test_rp_with_two_statuses(check):
    rp = seq(
        seq(status_info(0), status_info(2, (4,), ("no such cert",))),
        ctx(0, seq(seq(ctx(4, name(("CN", "Lab CA"))), integer(9)))),
    )
    s = checked(check, message(12, rp))
    assert (s.status, s.fail_info, s.status_text) == (
        ["accepted", "rejection"],
        ["badCertId"],
        ["no such cert"],
    )


def test_cert_conf_v3_with_hash_alg(check):
    conf = seq(
        seq(octets(b"h" * 32), integer(0), ctx(0, alg(SHA256))),
        seq(octets(b"g" * 32), integer(1), status_info(2, (7,), ("mismatch",))),
    )
    s = checked(check, message(24, conf, pvno=3))
    assert (s.pvno, s.cert_req_ids, s.status, s.fail_info) == (3, [0, 1], ["rejection"], ["incorrectData"])
    got = [(c.cert_req_id, c.cert_hash[:1], c.status, c.hash_alg) for c in s.cert_statuses]
    assert got == [(0, b"h", None, "sha256"), (1, b"g", "rejection", None)]
    empty = checked(check, message(24, seq()))
    assert (empty.cert_statuses, empty.error) == ([], None)


def test_error_with_code_and_details(check):
    err = seq(status_info(2, (24, 1), ("busy",)), integer(42), seq(utf8("detail one"), utf8("detail two")))
    s = checked(check, message(23, err))
    assert (s.status, s.fail_info, s.error_code) == (["rejection"], ["badMessageCheck", "systemUnavail"], 42)
    assert s.status_text == ["busy", "detail one", "detail two"]


def test_poll_rep_with_reason(check):
    rep = seq(seq(integer(0), integer(60), seq(utf8("operator away"))), seq(integer(1), integer(120)))
    s = checked(check, message(26, rep))
    assert (s.cert_req_ids, s.check_after, s.status_text, s.status) == (
        [0, 1],
        [60, 120],
        ["operator away"],
        [],
    )
    req = checked(check, message(25, seq(seq(integer(0)), seq(integer(1)))))
    assert req.cert_req_ids == [0, 1]


def test_pkiconf_and_unprotected(check):
    s = checked(check, message(19, b"\x05\x00", protected=False))
    assert (s.body, s.has_protection, s.protection_alg) == ("pkiconf", False, None)


def test_nested_with_two_inner_messages(check, fixtures):
    inner = fixtures["ir"] + message(24, seq(), tid=b"\x99" * 16)
    s = checked(check, message(20, seq(inner), tid=b"\x42" * 16))
    assert s.body == "nested" and s.transaction_id == b"\x42" * 16
    assert [(n.body, n.transaction_id[:1]) for n in s.nested] == [("ir", b"\x45"), ("certConf", b"\x99")]
    assert s.nested[0].cert_requests[0].subject == "CN=test"


def test_non_minimal_bit_string_is_read():
    err = seq(seq(integer(2), tlv(0x03, bytes.fromhex("0000400000"))))  # badPOP, BER with trailing zeros
    s = summarize(message(23, err))
    assert (s.error, s.fail_info) == (None, ["badPOP"])


def test_broken_body_keeps_header(cert):
    good = seq(seq(integer(0), status_info(0), seq(ctx(0, cert))))
    data = bytearray(message(1, seq(good)))
    at = bytes(data).index(cert)
    data[at + 1] = 0x83  # the certificate's length field now claims 3 octets
    s = summarize(bytes(data))
    assert s.transaction_id == TID and s.body == "ip" and s.cert_req_ids == [0] and s.status == ["accepted"]
    assert s.error.startswith(f"body: bad certificate at offset {at}: length ")


def test_unknown_body_and_bad_header_field():
    s = summarize(message(27, b"\x05\x00"))
    assert s.transaction_id == TID and s.body is None
    assert s.error.startswith("body: bad PKIBody at offset ") and "unknown choice [27]" in s.error
    s = summarize(message(19, b"\x05\x00", extra_header=tlv(0x04, b"x")))
    assert s.body == "pkiconf" and s.sender_nonce == NONCE
    assert "header: bad PKIHeader field at offset" in s.error


def test_deep_nesting_and_huge_lengths_fail_fast():
    data = message(19, b"\x05\x00")
    for _ in range(10_000):
        data = seq(seq(integer(2), ctx(4, b"\x30\x00"), ctx(4, b"\x30\x00")), ctx(20, seq(data)))
    start = time.perf_counter()
    s = summarize(data)
    assert time.perf_counter() - start < 1.0
    assert f"nesting deeper than {MAX_NESTING}" in s.error
    depth = 0
    while s.nested:
        s = s.nested[0]
        depth += 1
    assert depth == MAX_NESTING + 1
    huge = bytes.fromhex("3084ffffffff 3003020102")  # a 4 GB PKIMessage holding only pvno
    s = summarize(huge)
    assert s.length == 0xFFFFFFFF + 6 and s.pvno == 2
    assert s.error == "header: bad sender at offset 11: truncated: no TLV"
    s = summarize(bytes.fromhex("300b 3009020102 0484ffffffff"))  # a 4 GB sender inside a complete message
    assert s.pvno == 2 and s.error == "header: bad sender at offset 7: length 4294967295 exceeds remaining 0"
    s = summarize(bytes.fromhex("3003 3080 00"))
    assert "indefinite length" in s.error


def test_printable_string_in_free_text_is_read_and_noted_not_broken():
    """Peers send PrintableString in statusString: the text is kept, the deviation noted (issue 14)."""
    from cmpdissect.asn1.tree import build_tree, first_error

    def tlv(tag: int, content: bytes) -> bytes:
        return bytes([tag, len(content)]) + content

    header = tlv(0x30, tlv(2, b"\x02") + tlv(0xA4, tlv(0x30, b"")) * 2 + tlv(0xA4, tlv(4, b"\x11" * 16)))
    status = tlv(0x30, tlv(2, b"\x02") + tlv(0x30, tlv(0x13, b"bad thing")))
    msg = tlv(0x30, header + tlv(0xB7, tlv(0x30, status)))
    s = summarize(msg)
    assert s.error is None and s.status_text == ["bad thing"]
    assert s.notes == ["statusString at offset 46: PrintableString where UTF8String is required"]
    tree = build_tree(msg)
    assert first_error(tree) is None
    assert "PrintableString where the schema wants UTF8String" in str(tree)
