"""One-line summaries of the X.509 objects CMP carries: certificates (RFC 5280 4.1), CRLs
(RFC 5280 5.1) and PKCS #10 requests (RFC 2986), for the value of their tree node.

Parsed with `cryptography`; names are rendered by `names.name_to_text` so they read the same as
the header's sender and recipient. A structure `cryptography` refuses yields None: the tree walk
reports where such an object is malformed.
"""

from __future__ import annotations

import contextlib
import warnings
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519

from . import names

_KEY_USAGE = (
    "digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
    "key_agreement", "key_cert_sign", "crl_sign",
)  # fmt: skip
_KU_NAMES = (
    "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
    "keyCertSign", "cRLSign",
)  # fmt: skip


def iso_time(value: datetime) -> str:
    """ISO 8601 UTC with a trailing Z, the form used for every time in the tree."""
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


def _name(obj: x509.Name) -> str:
    try:
        return names.name_to_text(obj.public_bytes())
    except Exception:  # a Name cryptography accepted but our DN reader does not
        return obj.rfc4514_string()


def key_text(key: object) -> str:
    """Key type and size: "RSA 2048", "EC prime256v1 (256 bits)", "Ed25519"."""
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name} ({key.curve.key_size} bits)"
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA {key.key_size}"
    for cls, label in (
        (ed25519.Ed25519PublicKey, "Ed25519"),
        (ed448.Ed448PublicKey, "Ed448"),
        (x25519.X25519PublicKey, "X25519"),
        (x448.X448PublicKey, "X448"),
    ):
        if isinstance(key, cls):
            return label
    return type(key).__name__


def _extension_texts(exts: x509.Extensions) -> list[str]:
    out: list[str] = []
    for ext in exts:
        val = ext.value
        if isinstance(val, x509.SubjectAlternativeName):
            out.append("SAN " + ", ".join(_general_name(g) for g in val))
        elif isinstance(val, x509.KeyUsage):
            bits = [n for attr, n in zip(_KEY_USAGE, _KU_NAMES, strict=True) if getattr(val, attr)]
            if val.key_agreement:
                bits += [n for n, on in (("encipherOnly", val.encipher_only),
                                         ("decipherOnly", val.decipher_only)) if on]
            out.append("KU " + ", ".join(bits))
        elif isinstance(val, x509.ExtendedKeyUsage):
            out.append("EKU " + ", ".join(
                names.oid_name(o.dotted_string) or o.dotted_string for o in val))
        elif isinstance(val, x509.BasicConstraints) and val.ca:
            out.append("CA" if val.path_length is None else f"CA pathlen {val.path_length}")
    return out


def _general_name(g: x509.GeneralName) -> str:
    if isinstance(g, x509.DNSName):
        return "DNS:" + g.value
    if isinstance(g, x509.RFC822Name):
        return "email:" + g.value
    if isinstance(g, x509.UniformResourceIdentifier):
        return "URI:" + g.value
    if isinstance(g, x509.IPAddress):
        return f"IP:{g.value}"
    if isinstance(g, x509.DirectoryName):
        return _name(g.value)
    if isinstance(g, x509.RegisteredID):
        return "RID:" + g.value.dotted_string
    return type(g).__name__


def certificate_summary(der: bytes) -> str | None:
    """Subject, issuer, serial, validity, key, SANs, key usage and EKU of one certificate."""
    with warnings.catch_warnings():  # e.g. a negative serial: shown in the summary, not warned about
        warnings.simplefilter("ignore")
        return _certificate_summary(der)


def _certificate_summary(der: bytes) -> str | None:
    try:
        cert = x509.load_der_x509_certificate(der)
        parts = [
            f"subject {_name(cert.subject)!r}",
            f"issuer {_name(cert.issuer)!r}",
            f"serial {cert.serial_number:#x}",
            f"valid {iso_time(cert.not_valid_before_utc)} to {iso_time(cert.not_valid_after_utc)}",
        ]
        try:
            parts.append(key_text(cert.public_key()))
        except Exception:  # unsupported key algorithm: the tree still shows the SPKI
            parts.append(names.oid_name(cert.public_key_algorithm_oid.dotted_string)
                         or cert.public_key_algorithm_oid.dotted_string)
        try:
            parts += _extension_texts(cert.extensions)
        except Exception:  # a malformed extension: listed field by field in the tree
            parts.append("extensions not parsed")
        return ", ".join(parts)
    except Exception:
        return None


def crl_summary(der: bytes) -> str | None:
    """Issuer, thisUpdate, nextUpdate and the number of revoked entries of one CRL."""
    try:
        crl = x509.load_der_x509_crl(der)
        parts = [f"issuer {_name(crl.issuer)!r}", f"thisUpdate {iso_time(crl.last_update_utc)}"]
        if crl.next_update_utc is not None:
            parts.append(f"nextUpdate {iso_time(crl.next_update_utc)}")
        parts.append(f"{len(crl)} revoked")
        return ", ".join(parts)
    except Exception:
        return None


def csr_summary(der: bytes) -> str | None:
    """Subject, key and requested SANs / key usage / EKU of a PKCS #10 request."""
    try:
        csr = x509.load_der_x509_csr(der)
        parts = [f"subject {_name(csr.subject)!r}"]
        with contextlib.suppress(Exception):  # an unsupported key: the tree shows the SPKI
            parts.append(key_text(csr.public_key()))
        try:
            parts += _extension_texts(csr.extensions)
        except Exception:
            parts.append("extensions not parsed")
        return ", ".join(parts)
    except Exception:
        return None
