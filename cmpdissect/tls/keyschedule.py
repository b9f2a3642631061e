"""Record keys from key log secrets: the TLS 1.2 PRF key expansion (RFC 5246 5, 6.3) and TLS 1.3
HKDF-Expand-Label (RFC 8446 7.1, 7.3)."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from cmpdissect.tls.suites import CipherSuite

_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384}


def prf12(hash_name: str, secret: bytes, label: bytes, seed: bytes, length: int) -> bytes:
    """P_hash of RFC 5246 section 5 over label + seed."""
    seed = label + seed
    out = bytearray()
    a = seed
    while len(out) < length:
        a = hmac.new(secret, a, hash_name).digest()
        out += hmac.new(secret, a + seed, hash_name).digest()
    return bytes(out[:length])


def key_block12(suite: CipherSuite, master: bytes, client_random: bytes, server_random: bytes) -> dict[str, bytes]:
    """client/server MAC keys, write keys and implicit IVs (RFC 5246 6.3: server random first)."""
    sizes = (("client_mac", suite.mac_len), ("server_mac", suite.mac_len), ("client_key", suite.key_len),
             ("server_key", suite.key_len), ("client_iv", suite.fixed_iv_len), ("server_iv", suite.fixed_iv_len))
    block = prf12(suite.hash, master, b"key expansion", server_random + client_random, sum(n for _, n in sizes))
    keys, at = {}, 0
    for name, size in sizes:
        keys[name] = block[at:at + size]
        at += size
    return keys


def hkdf_expand_label(hash_name: str, secret: bytes, label: bytes, context: bytes, length: int) -> bytes:
    """HKDF-Expand-Label of RFC 8446 7.1."""
    full = b"tls13 " + label
    info = length.to_bytes(2) + bytes((len(full),)) + full + bytes((len(context),)) + context
    return HKDFExpand(_HASHES[hash_name](), length, info).derive(secret)


def traffic_keys13(suite: CipherSuite, secret: bytes) -> tuple[bytes, bytes]:
    """(write key, write iv) of a TLS 1.3 traffic secret (RFC 8446 7.3)."""
    return (hkdf_expand_label(suite.hash, secret, b"key", b"", suite.key_len),
            hkdf_expand_label(suite.hash, secret, b"iv", b"", 12))


def next_secret13(suite: CipherSuite, secret: bytes) -> bytes:
    """The traffic secret after a KeyUpdate (RFC 8446 7.2)."""
    return hkdf_expand_label(suite.hash, secret, b"traffic upd", b"", hashlib.new(suite.hash).digest_size)
