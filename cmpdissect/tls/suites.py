"""Cipher suites this layer can decrypt, with the parameters key derivation needs.

TLS 1.3 suites (RFC 8446 B.4), and TLS 1.2 AEAD suites: AES-GCM (RFC 5288, RFC 5289), AES-CCM
(RFC 6655, RFC 7251), ChaCha20-Poly1305 (RFC 7905); plus AES-CBC with SHA-1/SHA-2 HMAC (RFC 5246,
RFC 5289) because older CMP clients still negotiate them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CipherSuite:
    code: int
    name: str
    cipher: str  # aes-gcm | aes-ccm | aes-ccm8 | chacha20 | aes-cbc
    key_len: int
    hash: str  # PRF (TLS 1.2) or HKDF (TLS 1.3) hash: sha256 | sha384
    tls13: bool = False
    mac: str | None = None  # HMAC hash of a CBC suite: sha1 | sha256 | sha384

    @property
    def fixed_iv_len(self) -> int:
        """Implicit IV bytes from the key block (RFC 5288 3, RFC 7905 2); 0 for CBC (explicit IV)."""
        if self.tls13 or self.cipher == "chacha20":
            return 12
        return 0 if self.cipher == "aes-cbc" else 4

    @property
    def mac_len(self) -> int:
        return {"sha1": 20, "sha256": 32, "sha384": 48}.get(self.mac or "", 0)


def _suites() -> dict[int, CipherSuite]:
    table = [
        CipherSuite(0x1301, "TLS_AES_128_GCM_SHA256", "aes-gcm", 16, "sha256", True),
        CipherSuite(0x1302, "TLS_AES_256_GCM_SHA384", "aes-gcm", 32, "sha384", True),
        CipherSuite(0x1303, "TLS_CHACHA20_POLY1305_SHA256", "chacha20", 32, "sha256", True),
        CipherSuite(0x1304, "TLS_AES_128_CCM_SHA256", "aes-ccm", 16, "sha256", True),
        CipherSuite(0x1305, "TLS_AES_128_CCM_8_SHA256", "aes-ccm8", 16, "sha256", True),
    ]
    for kx, gcm128, gcm256, chacha in (("ECDHE_ECDSA", 0xC02B, 0xC02C, 0xCCA9), ("ECDHE_RSA", 0xC02F, 0xC030, 0xCCA8),
                                       ("DHE_RSA", 0x009E, 0x009F, 0xCCAA), ("RSA", 0x009C, 0x009D, None)):
        table.append(CipherSuite(gcm128, f"TLS_{kx}_WITH_AES_128_GCM_SHA256", "aes-gcm", 16, "sha256"))
        table.append(CipherSuite(gcm256, f"TLS_{kx}_WITH_AES_256_GCM_SHA384", "aes-gcm", 32, "sha384"))
        if chacha is not None:
            table.append(CipherSuite(chacha, f"TLS_{kx}_WITH_CHACHA20_POLY1305_SHA256", "chacha20", 32, "sha256"))
    for code, name, ccm in ((0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", "aes-ccm"),
                            (0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", "aes-ccm8"),
                            (0xC09C, "TLS_RSA_WITH_AES_128_CCM", "aes-ccm")):
        table.append(CipherSuite(code, name, ccm, 16, "sha256"))
    for code, name, key_len, mac in (
            (0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", 16, "sha1"), (0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", 32, "sha1"),
            (0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", 16, "sha256"),
            (0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", 32, "sha256"),
            (0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 16, "sha1"),
            (0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 32, "sha1"),
            (0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 16, "sha1"),
            (0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 32, "sha1"),
            (0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 16, "sha256"),
            (0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", 32, "sha384"),
            (0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", 16, "sha256"),
            (0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", 32, "sha384")):
        table.append(CipherSuite(code, name, "aes-cbc", key_len, "sha384" if mac == "sha384" else "sha256", mac=mac))
    return {s.code: s for s in table}


SUITES = _suites()


def suite_name(code: int) -> str:
    suite = SUITES.get(code)
    return suite.name if suite is not None else f"cipher suite 0x{code:04x}"
