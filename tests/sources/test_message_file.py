"""Message files: DER (one or several), PEM with any label, base64 per line or paragraph."""

import base64

from cmpdissect.sources.message_file import split_messages

# Two tiny DER SEQUENCEs standing in for messages: the splitter only frames TLVs.
A = bytes.fromhex("3003020102")
B = bytes.fromhex("300602010302010a")


def test_der_back_to_back_messages_are_split_by_tlv_length():
    records = split_messages(A + B)
    assert [r.der for r in records] == [A, B]
    assert all(r.encoding == "der" and r.error is None for r in records)


def test_truncated_der_keeps_the_rest_with_an_offset():
    records = split_messages(A + B[:-2])
    assert records[0].der == A
    assert records[1].der == B[:-2]
    assert "offset 5" in records[1].error


def test_pem_blocks_with_any_label():
    pem = (b"junk\n-----BEGIN PKIMESSAGE-----\n" + base64.encodebytes(A) + b"-----END PKIMESSAGE-----\n"
           b"-----BEGIN CMP MESSAGE-----\n" + base64.encodebytes(B) + b"-----END CMP MESSAGE-----\n")
    records = split_messages(pem)
    assert [r.der for r in records] == [A, B]
    assert {r.encoding for r in records} == {"pem"}


def test_base64_one_message_per_line():
    text = base64.b64encode(A) + b"\n" + base64.b64encode(B) + b"\n"
    assert [r.der for r in split_messages(text)] == [A, B]


def test_base64_wrapped_single_message():
    der = B * 20  # long enough to wrap over several lines
    text = base64.encodebytes(der)
    assert b"\n" in text.strip()
    records = split_messages(text)
    assert b"".join(r.der for r in records) == der


def test_garbage_is_reported_not_raised():
    records = split_messages(b"\x00\x01garbage")
    assert len(records) == 1 and "neither DER" in records[0].error
    bad_pem = split_messages(b"-----BEGIN X-----\n!!!\n-----END X-----\n")
    assert "invalid base64" in bad_pem[0].error
