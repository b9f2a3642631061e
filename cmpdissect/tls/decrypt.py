"""Opening one direction's protected records with `cryptography`.

TLS 1.3 (RFC 8446 5.2-5.3): per-record nonce = IV xor sequence number, the record header as
additional data, the real content type at the end of the padded plaintext. TLS 1.2 AEAD (RFC 5246
6.2.3.3): explicit 8-byte nonce after a 4-byte implicit one for GCM/CCM (RFC 5288 3, RFC 6655 3),
IV xor sequence number for ChaCha20-Poly1305 (RFC 7905 2). TLS 1.2 CBC (RFC 5246 6.2.3.2) with the
MAC checked, before or after decryption (encrypt_then_mac, RFC 7366 3).
"""

from __future__ import annotations

import hmac

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305

from cmpdissect.tls.records import APPLICATION_DATA, TlsRecord
from cmpdissect.tls.suites import CipherSuite

_TAG = 16
_BLOCK = 16


class DecryptError(ValueError):
    """A record that does not open with this key: wrong secret, damaged record, or lost records."""


class RecordDecryptor:
    """One direction in one key epoch; `seq` counts the records it opened (RFC 8446 5.3)."""

    def __init__(self, suite: CipherSuite, key: bytes, iv: bytes, mac_key: bytes = b"", *,
                 tls13: bool, encrypt_then_mac: bool = False) -> None:
        self.suite = suite
        self.iv = iv
        self.mac_key = mac_key
        self.tls13 = tls13
        self.etm = encrypt_then_mac
        self.seq = 0
        if suite.cipher == "aes-gcm":
            self._aead: AESGCM | AESCCM | ChaCha20Poly1305 | None = AESGCM(key)
        elif suite.cipher == "chacha20":
            self._aead = ChaCha20Poly1305(key)
        elif suite.cipher in ("aes-ccm", "aes-ccm8"):
            self._aead = AESCCM(key, tag_length=8 if suite.cipher == "aes-ccm8" else 16)
        else:
            self._aead = None
            self._key = key

    def decrypt(self, record: TlsRecord) -> tuple[int, bytes]:
        """(content type, plaintext) of a protected record."""
        if self.tls13:
            out = self._open13(record)
        elif self._aead is not None:
            out = record.content_type, self._open12_aead(record)
        else:
            out = record.content_type, self._open12_cbc(record)
        self.seq += 1
        return out

    def _xor_nonce(self) -> bytes:
        seq = self.seq.to_bytes(len(self.iv))
        return bytes(a ^ b for a, b in zip(self.iv, seq, strict=True))

    def _open13(self, record: TlsRecord) -> tuple[int, bytes]:
        if record.content_type != APPLICATION_DATA:
            raise DecryptError(f"TLS 1.3 protected record with outer content type {record.content_type}")
        assert self._aead is not None
        try:
            inner = self._aead.decrypt(self._xor_nonce(), record.fragment, record.header)
        except InvalidTag:
            raise DecryptError("authentication tag does not verify") from None
        inner = inner.rstrip(b"\0")
        if not inner:
            raise DecryptError("TLS 1.3 record with no content type (all padding)")
        return inner[-1], inner[:-1]

    def _aad12(self, record: TlsRecord, length: int) -> bytes:
        return (self.seq.to_bytes(8) + bytes((record.content_type,)) + record.version.to_bytes(2)
                + length.to_bytes(2))

    def _open12_aead(self, record: TlsRecord) -> bytes:
        assert self._aead is not None
        fragment = record.fragment
        tag = 8 if self.suite.cipher == "aes-ccm8" else _TAG
        if self.suite.cipher == "chacha20":
            nonce, sealed = self._xor_nonce(), fragment
        else:
            nonce, sealed = self.iv + fragment[:8], fragment[8:]
        if len(sealed) < tag:
            raise DecryptError(f"record of {len(fragment)} bytes is shorter than its nonce and tag")
        try:
            return self._aead.decrypt(nonce, sealed, self._aad12(record, len(sealed) - tag))
        except InvalidTag:
            raise DecryptError("authentication tag does not verify") from None

    def _open12_cbc(self, record: TlsRecord) -> bytes:
        fragment, mac_len = record.fragment, self.suite.mac_len
        if self.etm:
            if len(fragment) < mac_len + 2 * _BLOCK:
                raise DecryptError(f"record of {len(fragment)} bytes too short for CBC")
            body, mac = fragment[:-mac_len], fragment[-mac_len:]
            if not hmac.compare_digest(mac, self._mac(self._aad12(record, len(body)) + body)):
                raise DecryptError("record MAC does not verify")
            return _unpad(self._cbc(body))
        if len(fragment) < 2 * _BLOCK or len(fragment) % _BLOCK:
            raise DecryptError(f"record of {len(fragment)} bytes is no whole number of CBC blocks")
        plain = _unpad(self._cbc(fragment))
        if len(plain) < mac_len:
            raise DecryptError("padding does not verify")
        content, mac = plain[:-mac_len], plain[-mac_len:]
        if not hmac.compare_digest(mac, self._mac(self._aad12(record, len(content)) + content)):
            raise DecryptError("record MAC does not verify")
        return content

    def _cbc(self, body: bytes) -> bytes:
        if len(body) % _BLOCK:
            raise DecryptError(f"CBC data of {len(body)} bytes is no whole number of blocks")
        decryptor = Cipher(algorithms.AES(self._key), modes.CBC(body[:_BLOCK])).decryptor()
        return decryptor.update(body[_BLOCK:]) + decryptor.finalize()

    def _mac(self, data: bytes) -> bytes:
        assert self.suite.mac is not None
        return hmac.new(self.mac_key, data, self.suite.mac).digest()


def _unpad(plain: bytes) -> bytes:
    if not plain:
        raise DecryptError("empty CBC record")
    pad = plain[-1]
    if pad + 1 > len(plain) or plain[-pad - 1:] != bytes((pad,)) * (pad + 1):
        raise DecryptError("padding does not verify")
    return plain[:-pad - 1]
