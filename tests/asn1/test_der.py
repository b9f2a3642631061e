"""TLV header reading (X.690 8.1) and the primitive value decoders."""

import pytest

from cmpdissect.asn1 import der
from cmpdissect.asn1.der import DerError, read_header, tlv_length


def test_short_and_long_form_headers():
    h = read_header(bytes.fromhex("3003020101"), 0)
    assert (h.tag_class, h.constructed, h.tag, h.header_len, h.length, h.end, h.start) == (
        0,
        True,
        16,
        2,
        3,
        5,
        2,
    )
    data = bytes.fromhex("308200 05") + bytes(5)
    h = read_header(data, 0)
    assert (h.header_len, h.length, h.end) == (4, 5, 9)


def test_context_and_multi_byte_tags():
    h = read_header(bytes.fromhex("a4023000"), 0)
    assert (h.tag_class, h.constructed, h.tag) == (der.CONTEXT, True, 4)
    h = read_header(bytes.fromhex("bf8101 00"), 0)  # [129] constructed, empty
    assert (h.tag_class, h.tag, h.header_len, h.length) == (der.CONTEXT, 129, 4, 0)


@pytest.mark.parametrize(
    ("hexdata", "offset", "reason"),
    [
        ("", 0, "no TLV"),
        ("30", 0, "truncated TLV header"),
        ("3082 01", 0, "truncated TLV header"),
        ("3080 0000", 0, "indefinite length"),
        ("30ff", 0, "reserved length"),
        ("3089 010000000000000000", 0, "length field of 9 octets"),
        ("3005 0101", 0, "length 5 exceeds remaining 2"),
        ("0000 3084ffffffff", 2, "length 4294967295 exceeds remaining 0"),
        ("1fffffffff7f00", 0, "tag number longer"),
    ],
)
def test_bad_headers_raise_der_error_with_offset(hexdata, offset, reason):
    with pytest.raises(DerError) as err:
        read_header(bytes.fromhex(hexdata), offset)
    assert reason in str(err.value)
    assert err.value.offset == offset


def test_limit_bounds_the_content():
    data = bytes.fromhex("3006 0201 01 0201 02")
    with pytest.raises(DerError, match="length 1 exceeds remaining 0"):
        read_header(data, 2, limit=4)
    assert read_header(data, 2, limit=5).end == 5


def test_tlv_length_frames_partial_streams():
    assert tlv_length(b"") is None
    assert tlv_length(b"\x30") is None
    assert tlv_length(b"\x30\x82\x01") is None
    assert tlv_length(b"\x30\x82\x01\x00") == 260  # content not needed yet
    assert tlv_length(b"\x00\x00\x30\x03", 2) == 5
    with pytest.raises(DerError, match="indefinite"):
        tlv_length(b"\x30\x80")


def test_peek_header_allows_missing_content():
    h = der.peek_header(bytes.fromhex("3082 0400 02"), 0)
    assert (h.length, h.end) == (1024, 1028)
    assert der.peek_header(b"\x30", 0) is None


def _value(hexdata):
    data = bytes.fromhex(hexdata)
    return data, read_header(data, 0)


def test_integers_are_twos_complement():
    assert der.read_int(*_value("0201ff")) == -1
    assert der.read_int(*_value("020200ff")) == 255
    with pytest.raises(DerError):
        der.read_int(*_value("0200"))


def test_oids():
    assert der.read_oid(*_value("06092a864886f67d07420d")) == "1.2.840.113533.7.66.13"
    assert der.read_oid(*_value("0603550403")) == "2.5.4.3"
    assert der.read_oid(*_value("06028837")) == "2.999"
    with pytest.raises(DerError, match="subidentifier"):
        der.read_oid(*_value("0602 2a86"))


def test_bit_strings_minimal_and_not():
    # RFC 9810 5.2.3 examples (CMP-REFERENCE 5.6): badRequest, badPOP, badMessageCheck+badRecipientNonce
    assert der.read_bits(*_value("03020520")) == [2]
    assert der.read_bits(*_value("0303060040")) == [9]
    assert der.read_bits(*_value("0303024004")) == [1, 13]
    # BER: unused bits 0 and trailing zero octets
    assert der.read_bits(*_value("03050000400000")) == [9]
    # bits inside the unused tail do not count
    assert der.read_bits(*_value("030207ff")) == [0]
    with pytest.raises(DerError):
        der.read_bits(*_value("030208ff"))


def _time(tag, text):
    data = bytes([tag, len(text)]) + text.encode()
    return der.read_time(data, read_header(data, 0))


def test_times():
    assert _time(24, "20240102030405Z") == 1704164645.0
    assert _time(23, "240102030405Z") == 1704164645.0  # UTCTime
    assert _time(23, "990102030405Z") == 915246245.0  # UTCTime years 50..99 are 19xx
    assert _time(24, "20240102030405.25Z") == 1704164645.25
    assert _time(24, "20240102040405+0100") == 1704164645.0
    with pytest.raises(DerError, match="bad time"):
        _time(24, "abc")


def test_strings():
    assert der.read_string(*_value("0c03" + "Läb".encode()[:3].hex())) == "Lä"
    assert der.read_string(*_value("1e04004c0061")) == "La"  # BMPString
    assert der.read_string(*_value("0c02ffff")) == "\ufffd\ufffd"  # never raises
