"""BER to DER re-encoding (X.690 10, 11) and Name comparison."""

import pytest

from cmpdissect.asn1.der import DerError
from cmpdissect.protection.ber import is_der, read, to_der
from cmpdissect.protection.certs import names_match


def der(data: bytes) -> bytes:
    return to_der(data, read(data, 0, len(data)))


@pytest.mark.parametrize(
    ("ber", "expected"),
    [
        (b"\x30\x80\x02\x01\x05\x00\x00", b"\x30\x03\x02\x01\x05"),  # indefinite length
        (b"\x04\x81\x02ab", b"\x04\x02ab"),  # long form where short form fits
        (b"\x24\x80\x04\x01a\x04\x02bc\x00\x00", b"\x04\x03abc"),  # constructed OCTET STRING
        (b"\x23\x08\x03\x02\x00\xaa\x03\x02\x04\xb0", b"\x03\x03\x04\xaa\xb0"),  # constructed BIT STRING
        (b"\x01\x01\x01", b"\x01\x01\xff"),  # BOOLEAN TRUE
        (b"\x02\x03\x00\x00\x7f", b"\x02\x01\x7f"),  # padded INTEGER
        (b"\x02\x02\xff\x80", b"\x02\x01\x80"),
        (b"\x31\x06\x02\x01\x09\x02\x01\x03", b"\x31\x06\x02\x01\x03\x02\x01\x09"),  # SET OF order
        (b"\xa1\x80\x04\x00\x00\x00", b"\xa1\x02\x04\x00"),  # explicit tag, indefinite
    ],
)
def test_reencoding(ber, expected):
    assert der(ber) == expected
    assert not is_der(ber, read(ber, 0, len(ber)))
    assert is_der(expected, read(expected, 0, len(expected)))


def test_is_der_agrees_with_the_reencoding_on_real_messages():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    files = sorted((root / "protection" / "data").glob("*.der")) + sorted((root / "asn1" / "data").glob("*.der"))
    assert len(files) > 40
    for f in files:
        data = f.read_bytes()
        top = read(data, 0, len(data))
        assert is_der(data, top) == (to_der(data, top) == data[: top.stop]), f.name


def test_der_stays_byte_identical():
    data = b"\x30\x0a\x02\x02\x00\x80\x01\x01\xff\x04\x01\x00"
    assert der(data) == data


def test_broken_input_names_the_offset():
    with pytest.raises(DerError) as e:
        der(b"\x30\x80\x02\x01\x05")  # no end-of-contents
    assert e.value.offset == 5


CN_UTF8 = b"\x30\x0f\x31\x0d\x30\x0b\x06\x03\x55\x04\x03\x0c\x04Test"
CN_PRINTABLE_LOWER = b"\x30\x0f\x31\x0d\x30\x0b\x06\x03\x55\x04\x03\x13\x04test"
CN_OTHER = b"\x30\x0f\x31\x0d\x30\x0b\x06\x03\x55\x04\x03\x0c\x04Tost"


def test_name_comparison():
    assert names_match(CN_UTF8, CN_UTF8) == "exact"
    assert names_match(CN_UTF8, CN_PRINTABLE_LOWER) == "loose"
    assert names_match(CN_UTF8, CN_OTHER) == "different"
    assert names_match(CN_UTF8, b"\x30\x00") == "different"
