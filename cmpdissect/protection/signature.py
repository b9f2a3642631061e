"""Signature verification (RFC 9481 section 3: RSA PKCS#1 v1.5, RSASSA-PSS, ECDSA, EdDSA), finding
the signer of a signature-protected message (RFC 9810 5.1.3.3, RFC 9483 3.3) and building its chain
to a trust anchor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa, utils

from cmpdissect.asn1 import der
from cmpdissect.asn1.der import DerError

from . import walk
from .certs import Cert
from .walk import Algorithm

_HASH: dict[str, type[hashes.HashAlgorithm]] = {
    "1.2.840.113549.2.5": hashes.MD5,
    "1.3.14.3.2.26": hashes.SHA1,
    "2.16.840.1.101.3.4.2.4": hashes.SHA224,
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
    "2.16.840.1.101.3.4.2.7": hashes.SHA3_224,
    "2.16.840.1.101.3.4.2.8": hashes.SHA3_256,
    "2.16.840.1.101.3.4.2.9": hashes.SHA3_384,
    "2.16.840.1.101.3.4.2.10": hashes.SHA3_512,
}
_RSA = "rsa"
_ECDSA = "ecdsa"
_PSS = "pss"
_EDDSA = "eddsa"
# Signature algorithm OID -> (scheme, hash OID). RFC 9481 3.1-3.3, RFC 5758, RFC 8692.
SIGNATURE_ALGS: dict[str, tuple[str, str | None]] = {
    "1.2.840.113549.1.1.4": (_RSA, "1.2.840.113549.2.5"),
    "1.2.840.113549.1.1.5": (_RSA, "1.3.14.3.2.26"),
    "1.2.840.113549.1.1.14": (_RSA, "2.16.840.1.101.3.4.2.4"),
    "1.2.840.113549.1.1.11": (_RSA, "2.16.840.1.101.3.4.2.1"),
    "1.2.840.113549.1.1.12": (_RSA, "2.16.840.1.101.3.4.2.2"),
    "1.2.840.113549.1.1.13": (_RSA, "2.16.840.1.101.3.4.2.3"),
    "2.16.840.1.101.3.4.3.13": (_RSA, "2.16.840.1.101.3.4.2.7"),
    "2.16.840.1.101.3.4.3.14": (_RSA, "2.16.840.1.101.3.4.2.8"),
    "2.16.840.1.101.3.4.3.15": (_RSA, "2.16.840.1.101.3.4.2.9"),
    "2.16.840.1.101.3.4.3.16": (_RSA, "2.16.840.1.101.3.4.2.10"),
    "1.2.840.10045.4.1": (_ECDSA, "1.3.14.3.2.26"),
    "1.2.840.10045.4.3.1": (_ECDSA, "2.16.840.1.101.3.4.2.4"),
    "1.2.840.10045.4.3.2": (_ECDSA, "2.16.840.1.101.3.4.2.1"),
    "1.2.840.10045.4.3.3": (_ECDSA, "2.16.840.1.101.3.4.2.2"),
    "1.2.840.10045.4.3.4": (_ECDSA, "2.16.840.1.101.3.4.2.3"),
    "2.16.840.1.101.3.4.3.9": (_ECDSA, "2.16.840.1.101.3.4.2.7"),
    "2.16.840.1.101.3.4.3.10": (_ECDSA, "2.16.840.1.101.3.4.2.8"),
    "2.16.840.1.101.3.4.3.11": (_ECDSA, "2.16.840.1.101.3.4.2.9"),
    "2.16.840.1.101.3.4.3.12": (_ECDSA, "2.16.840.1.101.3.4.2.10"),
    "1.3.6.1.5.5.7.6.32": (_ECDSA, "2.16.840.1.101.3.4.2.11"),  # id-ecdsa-with-shake128
    "1.3.6.1.5.5.7.6.33": (_ECDSA, "2.16.840.1.101.3.4.2.12"),  # id-ecdsa-with-shake256
    "1.2.840.113549.1.1.10": (_PSS, None),
    "1.3.101.112": (_EDDSA, None),
    "1.3.101.113": (_EDDSA, None),
}
_MGF1 = "1.2.840.113549.1.1.8"
_SHA1 = "1.3.14.3.2.26"
MAX_CHAIN = 8


class SignatureUnsupported(Exception):
    """An algorithm, key or parameter set we cannot verify; the text says which."""


class KeyMismatch(SignatureUnsupported):
    """The key's type cannot make signatures of the algorithm at all (an EC key for RSA ...)."""


def _hash(oid: str) -> hashes.HashAlgorithm:
    if oid == "2.16.840.1.101.3.4.2.11":
        return hashes.SHAKE128(32)
    if oid == "2.16.840.1.101.3.4.2.12":
        return hashes.SHAKE256(64)
    if oid not in _HASH:
        raise SignatureUnsupported(f"hash algorithm {oid} is not supported here")
    return _HASH[oid]()


def _pss(params: bytes | None) -> tuple[hashes.HashAlgorithm, padding.PSS]:
    """RSASSA-PSS-params (RFC 4055 3.1, explicit tags), defaults SHA-1 / MGF1-SHA-1 / 20."""
    hash_oid, mgf_hash, salt = _SHA1, _SHA1, 20
    if params is not None and params != b"\x05\x00":
        top = walk.parse(params)
        for f in walk.children(params, walk.expect(top, der.SEQUENCE, "RSASSA-PSS-params")):
            inner = walk.single(params, f, "RSASSA-PSS-params field")
            if f.tag == 0:
                hash_oid = walk.algorithm(params, inner).oid
            elif f.tag == 1:
                mgf = walk.algorithm(params, inner)
                if mgf.oid != _MGF1 or mgf.params is None:
                    raise SignatureUnsupported(f"RSASSA-PSS mask generation {mgf.oid} is not MGF1")
                mgf_hash = walk.algorithm(mgf.params, walk.parse(mgf.params)).oid
            elif f.tag == 2:
                salt = der.read_int(params, inner)
            elif f.tag == 3 and der.read_int(params, inner) != 1:
                raise SignatureUnsupported("RSASSA-PSS trailerField other than 1")
    if salt < 0:
        raise SignatureUnsupported(f"RSASSA-PSS saltLength {salt}")
    return _hash(hash_oid), padding.PSS(mgf=padding.MGF1(_hash(mgf_hash)), salt_length=salt)


def load_key(spki: bytes) -> object:
    """A public key from SubjectPublicKeyInfo DER; raises SignatureUnsupported for unknown types."""
    try:
        return serialization.load_der_public_key(spki)
    except (ValueError, UnsupportedAlgorithm) as e:
        raise SignatureUnsupported(f"public key not usable: {e}") from None


def verify(alg: Algorithm, spki: bytes, signature: bytes, data: bytes) -> bool:
    """Whether `signature` over `data` verifies with the key in `spki` under `alg`.

    Raises SignatureUnsupported when the algorithm, its parameters or the key type cannot be checked,
    and DerError for undecodable parameters.
    """
    if alg.oid not in SIGNATURE_ALGS:
        raise SignatureUnsupported(f"signature algorithm {alg.oid} is not supported here")
    scheme, hash_oid = SIGNATURE_ALGS[alg.oid]
    key = load_key(spki)
    try:
        if scheme == _EDDSA:
            if not isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
                raise KeyMismatch("EdDSA signature but the key is not Ed25519/Ed448")
            key.verify(signature, data)
        elif scheme == _ECDSA:
            if not isinstance(key, ec.EllipticCurvePublicKey):
                raise KeyMismatch("ECDSA signature but the key is not an EC key")
            h = _hash(hash_oid or _SHA1)
            if isinstance(h, hashes.SHAKE128 | hashes.SHAKE256):
                digest = hashes.Hash(h)
                digest.update(data)
                key.verify(signature, digest.finalize(), ec.ECDSA(utils.Prehashed(h)))
            else:
                key.verify(signature, data, ec.ECDSA(h))
        else:
            if not isinstance(key, rsa.RSAPublicKey):
                raise KeyMismatch("RSA signature but the key is not an RSA key")
            if scheme == _PSS:
                h, pad = _pss(alg.params)
                key.verify(signature, data, pad, h)
            else:
                key.verify(signature, data, padding.PKCS1v15(), _hash(hash_oid or _SHA1))
    except InvalidSignature:
        return False
    except (ValueError, UnsupportedAlgorithm) as e:  # e.g. a SHAKE digest the backend refuses
        raise SignatureUnsupported(str(e)) from None
    return True


def issued_by(cert: Cert, issuer: Cert) -> bool:
    """Whether `issuer` is named as and did sign `cert` (RFC 5280 6.1.3 (a)(1), (a)(4))."""
    if cert.issuer != issuer.subject:
        return False
    try:
        return verify(cert.sig_alg, issuer.spki, cert.signature, cert.tbs)
    except (SignatureUnsupported, DerError):
        return False


def chains_to(cert: Cert, pool: Sequence[Cert], trusted: Sequence[Cert]) -> bool:
    """Whether a path of signatures leads from `cert` to a trusted certificate (or is one).

    Only names and signatures are checked (RFC 5280 6.1 minus validity, policies and constraints):
    a capture is judged long after it was made, so validity at "now" means little.
    """
    anchors = {t.der for t in trusted}
    current = cert
    seen: set[bytes] = set()
    for _ in range(MAX_CHAIN):
        if current.der in anchors or any(issued_by(current, t) for t in trusted):
            return True
        seen.add(current.der)
        parent = next((c for c in pool if c.der not in seen and issued_by(current, c)), None)
        if parent is None:
            return False
        current = parent
    return False


def unique(certs: Iterable[Cert]) -> list[Cert]:
    """Certificates without repeats, first occurrence kept."""
    seen: set[bytes] = set()
    out: list[Cert] = []
    for c in certs:
        if c.der not in seen:
            seen.add(c.der)
            out.append(c)
    return out
