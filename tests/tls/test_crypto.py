"""Key derivation against published vectors, and record decryption of each protection style."""

import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from cmpdissect.tls.decrypt import DecryptError, RecordDecryptor
from cmpdissect.tls.keyschedule import key_block12, next_secret13, prf12, traffic_keys13
from cmpdissect.tls.records import RecordReader, TlsRecord
from cmpdissect.tls.suites import SUITES


def test_tls13_traffic_keys_rfc8448() -> None:
    """RFC 8448 section 3: the server handshake traffic secret's write key and IV."""
    secret = bytes.fromhex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
    key, iv = traffic_keys13(SUITES[0x1301], secret)
    assert key.hex() == "3fce516009c21727d0f2e4e86ee403bc"
    assert iv.hex() == "5d313eb2671276ee13000b30"
    assert next_secret13(SUITES[0x1301], secret) != secret and len(next_secret13(SUITES[0x1302], secret * 2)) == 48


def test_tls12_prf_sha256_vector() -> None:
    """The widely used TLS 1.2 PRF (SHA-256) test vector ("test label")."""
    out = prf12("sha256", bytes.fromhex("9bbe436ba940f017b17652849a71db35"), b"test label",
                bytes.fromhex("a0ba9f936cda311827a6f796ffd5198c"), 32)
    assert out.hex() == "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"


def test_key_block_layout() -> None:
    keys = key_block12(SUITES[0xC02F], b"m" * 48, b"c" * 32, b"s" * 32)
    assert [len(keys[k]) for k in ("client_mac", "client_key", "server_key", "client_iv", "server_iv")] == [0, 16, 16, 4, 4]
    block = prf12("sha256", b"m" * 48, b"key expansion", b"s" * 32 + b"c" * 32, 40)
    assert keys["client_key"] + keys["server_key"] + keys["client_iv"] + keys["server_iv"] == block


def _record(ctype: int, fragment: bytes, version: int = 0x0303) -> TlsRecord:
    return TlsRecord(ctype, version, fragment, 0)


def test_tls13_record_with_padding_and_sequence() -> None:
    suite = SUITES[0x1303]
    key, iv = b"k" * 32, b"i" * 12
    sealed = []
    for seq, inner in enumerate((b"GET /\x17\x00\x00", b"x\x16")):
        nonce = bytes(a ^ b for a, b in zip(iv, seq.to_bytes(12), strict=True))
        header = bytes((23, 3, 3)) + (len(inner) + 16).to_bytes(2)
        sealed.append(ChaCha20Poly1305(key).encrypt(nonce, inner, header))
    dec = RecordDecryptor(suite, key, iv, tls13=True)
    assert dec.decrypt(_record(23, sealed[0])) == (23, b"GET /")
    assert dec.decrypt(_record(23, sealed[1])) == (22, b"x")
    with pytest.raises(DecryptError, match="tag does not verify"):
        RecordDecryptor(suite, b"K" * 32, iv, tls13=True).decrypt(_record(23, sealed[0]))


def test_tls12_gcm_explicit_nonce() -> None:
    key, iv = b"k" * 16, b"salt"
    explicit = (7).to_bytes(8)
    aad = (0).to_bytes(8) + bytes((23, 3, 3)) + (5).to_bytes(2)
    fragment = explicit + AESGCM(key).encrypt(iv + explicit, b"hello", aad)
    assert RecordDecryptor(SUITES[0xC02F], key, iv, tls13=False).decrypt(_record(23, fragment)) == (23, b"hello")
    with pytest.raises(DecryptError, match="shorter than its nonce"):
        RecordDecryptor(SUITES[0xC02F], key, iv, tls13=False).decrypt(_record(23, b"\x00" * 10))


@pytest.mark.parametrize("etm", [False, True])
def test_tls12_cbc_with_mac(etm: bool) -> None:
    suite = SUITES[0xC013]  # ECDHE_RSA_WITH_AES_128_CBC_SHA
    key, mac_key, iv = b"k" * 16, b"m" * 20, b"v" * 16

    def mac(data: bytes) -> bytes:
        return hmac.new(mac_key, data, hashlib.sha1).digest()

    def cbc(plain: bytes) -> bytes:
        padded = plain + bytes((15 - len(plain) % 16,)) * (16 - len(plain) % 16)
        enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        return iv + enc.update(padded) + enc.finalize()

    content = b"POST /pkix/ HTTP/1.1\r\n"
    if etm:
        body = cbc(content)
        fragment = body + mac((0).to_bytes(8) + bytes((23, 3, 3)) + len(body).to_bytes(2) + body)
    else:
        fragment = cbc(content + mac((0).to_bytes(8) + bytes((23, 3, 3)) + len(content).to_bytes(2) + content))
    dec = RecordDecryptor(suite, key, b"", mac_key, tls13=False, encrypt_then_mac=etm)
    assert dec.decrypt(_record(23, fragment)) == (23, content)
    with pytest.raises(DecryptError, match="MAC does not verify"):  # sequence number 1 now
        dec.decrypt(_record(23, fragment))


def test_record_reader_splits_and_stops_on_garbage() -> None:
    reader = RecordReader()
    data = b"\x16\x03\x01\x00\x02ab" + b"\x17\x03\x03\x00\x01z"
    got = [r for i in range(len(data)) for r in reader.feed(data[i:i + 1])]
    assert [(r.content_type, r.fragment, r.offset) for r in got] == [(22, b"ab", 0), (23, b"z", 7)]
    assert reader.feed(b"HTTP/1.1 200 OK\r\n") == []
    assert reader.error is not None and "stream offset 13" in reader.error
    assert reader.feed(b"\x17\x03\x03\x00\x01z") == []
