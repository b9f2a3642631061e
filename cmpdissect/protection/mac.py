"""MAC-based protection: PasswordBasedMac (RFC 9810 5.1.3.1, RFC 4211 4.4) and PBMAC1 (RFC 9481
6.1.2, RFC 8018 A.5), with HMAC (RFC 9481 6.2.1) or AES-GMAC (RFC 9481 6.2.2) as the MAC.

Parameters are read and bounded before any work: an iteration count is attacker-chosen, so a count
above the caps below is refused with a finding and never computed (a denial-of-service guard, as
OpenSSL's OSSL_CRMF_PBM_MAX_ITERATION_COUNT).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from cmpdissect.asn1 import der
from cmpdissect.asn1.der import DerError

from . import walk

PBM_OID = "1.2.840.113533.7.66.13"
PBMAC1_OID = "1.2.840.113549.1.5.14"
PBKDF2_OID = "1.2.840.113549.1.5.12"
DHBASEDMAC_OID = "1.2.840.113533.7.66.30"
KEMBASEDMAC_OID = "1.2.840.113533.7.66.16"

PBM_MAX_ITERATIONS = 100_000  # OpenSSL's OSSL_CRMF_PBM_MAX_ITERATION_COUNT
PBM_MIN_ITERATIONS = 100  # RFC 4211 4.4; OpenSSL rejects fewer
# Far above what deployments use (RFC 9481 leaves it open; OWASP's 2023 advice is 600,000 for
# PBKDF2-HMAC-SHA256), low enough that a hostile count costs under a second per message and secret.
PBKDF2_MAX_ITERATIONS = 1_000_000
PBKDF2_MAX_KEY = 1024
MIN_SALT = 8  # RFC 4211 4.4 (SHOULD)

# One-way functions (RFC 9481 2.1): hashlib name and output size (SHAKE per RFC 9481 2.1).
OWF: dict[str, tuple[str, int]] = {
    "1.3.14.3.2.26": ("sha1", 20),
    "2.16.840.1.101.3.4.2.4": ("sha224", 28),
    "2.16.840.1.101.3.4.2.1": ("sha256", 32),
    "2.16.840.1.101.3.4.2.2": ("sha384", 48),
    "2.16.840.1.101.3.4.2.3": ("sha512", 64),
    "2.16.840.1.101.3.4.2.7": ("sha3_224", 28),
    "2.16.840.1.101.3.4.2.8": ("sha3_256", 32),
    "2.16.840.1.101.3.4.2.9": ("sha3_384", 48),
    "2.16.840.1.101.3.4.2.10": ("sha3_512", 64),
    "2.16.840.1.101.3.4.2.11": ("shake_128", 32),
    "2.16.840.1.101.3.4.2.12": ("shake_256", 64),
}
# HMAC algorithms: the hashlib name of the underlying hash.
HMAC: dict[str, str] = {
    "1.3.6.1.5.5.8.1.2": "sha1",  # hmac-sha1 (RFC 2202 / IPsec registry); OpenSSL's PBM default
    "1.2.840.113549.2.7": "sha1",
    "1.2.840.113549.2.8": "sha224",
    "1.2.840.113549.2.9": "sha256",
    "1.2.840.113549.2.10": "sha384",
    "1.2.840.113549.2.11": "sha512",
    "2.16.840.1.101.3.4.2.13": "sha3_224",
    "2.16.840.1.101.3.4.2.14": "sha3_256",
    "2.16.840.1.101.3.4.2.15": "sha3_384",
    "2.16.840.1.101.3.4.2.16": "sha3_512",
}
GMAC_KEY: dict[str, int] = {  # aes128/192/256-GMAC (RFC 9044), key octets
    "2.16.840.1.101.3.4.1.9": 16,
    "2.16.840.1.101.3.4.1.29": 24,
    "2.16.840.1.101.3.4.1.49": 32,
}
# What RFC 9481 lists (sections 2.1, 6.1, 6.2); anything else a conforming peer may reject.
RFC9481_OWF = frozenset(
    oid
    for oid, (name, _) in OWF.items()
    if name in ("sha224", "sha256", "sha384", "sha512", "shake_128", "shake_256")
)
RFC9481_MAC = frozenset(oid for oid, name in HMAC.items() if name in ("sha224", "sha256", "sha384", "sha512")) | frozenset(GMAC_KEY)  # fmt: skip

_PBKDF2_HASH = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    "sha3_224": hashes.SHA3_224,
    "sha3_256": hashes.SHA3_256,
    "sha3_384": hashes.SHA3_384,
    "sha3_512": hashes.SHA3_512,
}
_HMAC_SHA1 = "1.2.840.113549.2.7"  # RFC 8018 default PRF


class MacParamError(Exception):
    """Parameters we refuse or cannot use; `code` is the finding code, the text a finding message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class MacScheme:
    """The MAC algorithm keyed from the password: HMAC (hash name) or AES-GMAC (key size, nonce)."""

    oid: str
    hmac_hash: str | None = None
    gmac_key: int = 0
    gmac_nonce: bytes = b""
    gmac_tag: int = 12


@dataclass(frozen=True, slots=True)
class PbmParams:
    """PBMParameter (RFC 9810 5.1.3.1)."""

    salt: bytes
    owf: str  # dotted OID
    iterations: int
    mac: MacScheme


@dataclass(frozen=True, slots=True)
class Pbmac1Params:
    """PBMAC1-params with PBKDF2-params (RFC 8018 A.2, A.5)."""

    salt: bytes
    iterations: int
    key_length: int | None
    prf: str  # HMAC OID of the PRF
    mac: MacScheme


def _mac_scheme(alg: walk.Algorithm) -> MacScheme:
    if alg.oid in HMAC:
        return MacScheme(alg.oid, hmac_hash=HMAC[alg.oid])
    if alg.oid in GMAC_KEY:
        # GCMParameters ::= SEQUENCE { aes-nonce OCTET STRING, aes-ICVlen INTEGER DEFAULT 12 }
        if alg.params is None:
            raise MacParamError("mac-alg-unsupported", "AES-GMAC without GCMParameters")
        p = walk.parse(alg.params)
        fields = walk.children(alg.params, p)
        nonce = walk.content(alg.params, walk.expect(fields[0], der.OCTET_STRING, "aes-nonce"))
        tag = der.read_int(alg.params, fields[1]) if len(fields) > 1 else 12
        if len(nonce) < 8:
            raise MacParamError("mac-params-invalid", f"AES-GMAC nonce of {len(nonce)} octets")
        if not 4 <= tag <= 16:
            raise MacParamError("mac-alg-unsupported", f"AES-GMAC with an ICV of {tag} octets")
        return MacScheme(alg.oid, gmac_key=GMAC_KEY[alg.oid], gmac_nonce=nonce, gmac_tag=tag)
    raise MacParamError("mac-alg-unsupported", f"MAC algorithm {alg.oid} is not supported here")


def parse_pbm(params: bytes | None) -> PbmParams:
    """Read PBMParameter; raises MacParamError (bounds, unsupported algorithms) or DerError."""
    if params is None:
        raise DerError("PBM without PBMParameter", 0)
    h = walk.parse(params)
    f = walk.children(params, walk.expect(h, der.SEQUENCE, "PBMParameter"))
    if len(f) != 4:
        raise DerError("PBMParameter: expected 4 fields", h.offset)
    salt = walk.content(params, walk.expect(f[0], der.OCTET_STRING, "salt"))
    owf = walk.algorithm(params, walk.expect(f[1], der.SEQUENCE, "owf"))
    iterations = der.read_int(params, walk.expect(f[2], der.INTEGER, "iterationCount"))
    mac = walk.algorithm(params, walk.expect(f[3], der.SEQUENCE, "mac"))
    if iterations > PBM_MAX_ITERATIONS:
        raise MacParamError(
            "pbm-iterations-excessive",
            f"PBM iterationCount {iterations} exceeds {PBM_MAX_ITERATIONS}; not computed "
            "(a denial-of-service risk, and OpenSSL refuses it too)",
        )
    if iterations < 1:
        raise MacParamError("mac-params-invalid", f"PBM iterationCount {iterations} is not positive")
    if owf.oid not in OWF:
        raise MacParamError("mac-alg-unsupported", f"PBM one-way function {owf.oid} is not supported here")
    return PbmParams(salt, owf.oid, iterations, _mac_scheme(mac))


def parse_pbmac1(params: bytes | None) -> Pbmac1Params:
    """Read PBMAC1-params (PBKDF2 only, RFC 9481 6.1.2); raises MacParamError or DerError."""
    if params is None:
        raise DerError("PBMAC1 without parameters", 0)
    h = walk.parse(params)
    f = walk.children(params, walk.expect(h, der.SEQUENCE, "PBMAC1-params"))
    if len(f) != 2:
        raise DerError("PBMAC1-params: expected 2 fields", h.offset)
    kdf = walk.algorithm(params, f[0])
    scheme = walk.algorithm(params, f[1])
    if kdf.oid != PBKDF2_OID or kdf.params is None:
        raise MacParamError("mac-alg-unsupported", f"PBMAC1 key derivation {kdf.oid} is not PBKDF2")
    kp = kdf.params
    k = walk.children(kp, walk.expect(walk.parse(kp), der.SEQUENCE, "PBKDF2-params"))
    if len(k) < 2:
        raise DerError("PBKDF2-params: expected salt and iterationCount", f[0].offset)
    if k[0].tag != der.OCTET_STRING:
        raise MacParamError("mac-alg-unsupported", "PBKDF2 salt from otherSource is not supported")
    salt = walk.content(kp, k[0])
    iterations = der.read_int(kp, walk.expect(k[1], der.INTEGER, "iterationCount"))
    key_length: int | None = None
    prf = _HMAC_SHA1
    for extra in k[2:]:
        if extra.tag == der.INTEGER:
            key_length = der.read_int(kp, extra)
        else:
            prf = walk.algorithm(kp, walk.expect(extra, der.SEQUENCE, "prf")).oid
    if iterations > PBKDF2_MAX_ITERATIONS:
        raise MacParamError(
            "pbm-iterations-excessive",
            f"PBKDF2 iterationCount {iterations} exceeds {PBKDF2_MAX_ITERATIONS}; not computed "
            "(a denial-of-service risk)",
        )
    if iterations < 1:
        raise MacParamError("mac-params-invalid", f"PBKDF2 iterationCount {iterations} is not positive")
    if key_length is not None and not 1 <= key_length <= PBKDF2_MAX_KEY:
        raise MacParamError("mac-params-invalid", f"PBKDF2 keyLength {key_length} is out of range")
    if HMAC.get(prf) not in _PBKDF2_HASH:
        raise MacParamError("mac-alg-unsupported", f"PBKDF2 PRF {prf} is not supported here")
    mac = _mac_scheme(scheme)
    if mac.gmac_key and key_length not in (None, mac.gmac_key):
        raise MacParamError("mac-params-invalid", f"PBKDF2 keyLength {key_length} does not fit {scheme.oid}")
    return Pbmac1Params(salt, iterations, key_length, prf, mac)


def _owf(name: str, size: int, data: bytes) -> bytes:
    h = hashlib.new(name, data)
    return h.digest(size) if name.startswith("shake") else h.digest()  # type: ignore[call-arg]


@lru_cache(maxsize=64)
def _pbm_basekey(secret: bytes, salt: bytes, owf: str, iterations: int) -> bytes:
    """RFC 9810 5.1.3.1: OWF applied `iterations` times, first to secret || salt.

    Cached: RFC 4210 recommends one PBMParameter per transaction, so a capture reuses keys.
    """
    name, size = OWF[owf]
    key = _owf(name, size, secret + salt)
    for _ in range(iterations - 1):
        key = _owf(name, size, key)
    return key


def _expand(basekey: bytes, owf: str, length: int) -> bytes:
    """RFC 9810 5.1.3.1 key for K > H: BASEKEY || OWF("1" || BASEKEY) || OWF("2" || BASEKEY) ..."""
    name, size = OWF[owf]
    out, i = basekey, 1
    while len(out) < length:
        out += _owf(name, size, str(i).encode("ascii") + basekey)
        i += 1
    return out[:length]


def _apply(scheme: MacScheme, key: bytes, data: bytes) -> bytes:
    if scheme.hmac_hash is not None:
        return hmac.new(key, data, scheme.hmac_hash).digest()
    tag = AESGCM(key).encrypt(scheme.gmac_nonce, b"", data)  # GMAC: GCM with only associated data
    return tag[: scheme.gmac_tag]


def pbm_mac(secret: bytes, params: PbmParams, data: bytes) -> bytes:
    """The PasswordBasedMac value over `data`.

    HMAC takes BASEKEY whole (as OpenSSL does); a fixed-size key (AES-GMAC) is cut from BASEKEY or,
    when longer than the OWF output (K > H), expanded as RFC 9810 5.1.3.1 requires.
    """
    basekey = _pbm_basekey(secret, params.salt, params.owf, params.iterations)
    if params.mac.hmac_hash is not None:
        return _apply(params.mac, basekey, data)
    return _apply(params.mac, _expand(basekey, params.owf, params.mac.gmac_key), data)


@lru_cache(maxsize=64)
def _pbkdf2(secret: bytes, salt: bytes, iterations: int, prf_hash: str, length: int) -> bytes:
    kdf = PBKDF2HMAC(algorithm=_PBKDF2_HASH[prf_hash](), length=length, salt=salt, iterations=iterations)
    return kdf.derive(secret)


def pbmac1_mac(secret: bytes, params: Pbmac1Params, data: bytes) -> bytes:
    """The PBMAC1 value over `data`: PBKDF2 key (RFC 8018 5.2), then the messageAuthScheme.

    Without keyLength the key is as long as the MAC wants: the HMAC hash's output, or the AES key.
    """
    scheme = params.mac
    length = scheme.gmac_key or params.key_length or hashlib.new(scheme.hmac_hash or "sha1").digest_size
    key = _pbkdf2(secret, params.salt, params.iterations, HMAC[params.prf], length)
    return _apply(scheme, key, data)
