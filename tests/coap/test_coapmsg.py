"""CoAP message parsing (RFC 7252 3) and Block values (RFC 7959 2.2), from bytes literals."""

import pytest

from cmpdissect.transport.coapmsg import CON, CoapError, looks_like_coap, parse_coap

# CON POST, MID 0x1234, token ab, Uri-Path .well-known/cmp/ir, Content-Format 259, Block1 0/1/256,
# Size1 700 (option delta 33: one extended byte), payload 30 00
POST = (b"\x41\x02\x12\x34\xab" b"\xbb.well-known" b"\x03cmp" b"\x02ir" b"\x12\x01\x03" b"\xd1\x02\x0c"
        b"\xd2\x14\x02\xbc" b"\xff\x30\x00")


def test_request_fields() -> None:
    msg = parse_coap(POST)
    assert (msg.type, msg.code_text, msg.code_name, msg.message_id, msg.token) == (CON, "0.02", "POST", 0x1234, b"\xab")
    assert msg.is_request and not msg.is_response and not msg.is_empty
    assert msg.uri_path == "/.well-known/cmp/ir"
    assert msg.content_format == 259
    assert msg.block1 is not None and (msg.block1.num, msg.block1.more, msg.block1.size) == (0, True, 256)
    assert msg.block2 is None and msg.uint(60) == 700
    assert msg.payload == b"\x30\x00"
    assert dict(msg.option_fields())["Content-Format"] == "259 (application/pkixcmp)"
    assert dict(msg.option_fields())["Block1"] == "0/1/256"


def test_piggybacked_response_with_block2_and_two_byte_delta() -> None:
    # ACK 2.04, MID 0x1234, no token, Block2 (23) num 5 more szx 6 -> 0x5e, option 292 via 2-byte delta
    data = b"\x60\x44\x12\x34" b"\xd1\x0a\x5e" b"\xe1\x00\x00\x07" b"\xff" + b"x" * 3
    msg = parse_coap(data)
    assert msg.is_response and msg.code_text == "2.04" and msg.code_name == "Changed"
    assert msg.block2 is not None and (msg.block2.num, msg.block2.more, msg.block2.size, msg.block2.offset) == \
        (5, True, 1024, 5120)
    assert msg.values(292) == [b"\x07"]


def test_empty_ack() -> None:
    msg = parse_coap(b"\x60\x00\x12\x34")
    assert msg.is_empty and not msg.is_request and not msg.is_response


@pytest.mark.parametrize(("data", "error"), [
    (b"\x41\x02", "needs 4 bytes"),
    (b"\x81\x02\x12\x34", "version 2"),
    (b"\x49\x02\x12\x34", "token length 9"),
    (b"\x44\x02\x12\x34ab", "token of 4 bytes runs past"),
    (b"\x40\x02\x12\x34\xf0", "nibble 15 is reserved (offset 4)"),
    (b"\x40\x02\x12\x34\xb5abc", "option value of 5 bytes runs past the datagram (offset 4)"),
    (b"\x40\x02\x12\x34\xff", "payload marker without payload (offset 4)"),
    (b"\x60\x00\x12\x34\xff\x00", "empty message"),
])
def test_malformed(data: bytes, error: str) -> None:
    with pytest.raises(CoapError, match=error.replace("(", r"\(").replace(")", r"\)")):
        parse_coap(data)


def test_cheap_header_test() -> None:
    assert looks_like_coap(POST) and looks_like_coap(b"\x60\x00\x12\x34")
    dns_query = bytes.fromhex("1a2b01000001000000000000076578616d706c6503636f6d0000010001")
    assert not looks_like_coap(dns_query)  # version bits 00
    assert not looks_like_coap(b"\x40\x20\x00\x01")  # code class 1 is reserved
    assert not looks_like_coap(b"\x60\x00\x12\x34\x00")  # empty code with content
