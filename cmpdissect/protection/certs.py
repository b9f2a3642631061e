"""Certificate fields the protection checks need, kept as the bytes found on the wire (RFC 5280 4.1),
and Name comparison both byte-exact and as RFC 5280 7.1 / RFC 4518 would match.

Byte-exact matters because some CMP peers compare the sender DN to the signer's subject with
memcmp; the loose form (RDN order, string types, case and spaces ignored) tells whether the two
names merely differ in encoding or are different names.
"""

from __future__ import annotations

import contextlib
import warnings
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning

from cmpdissect.asn1 import der, names
from cmpdissect.asn1.der import DerError

from . import walk
from .walk import Algorithm


@dataclass(frozen=True, slots=True)
class Cert:
    """One X.509 certificate: raw subject/issuer/SPKI, what is signed, and the extensions we check."""

    der: bytes
    subject: bytes  # Name DER
    issuer: bytes
    spki: bytes  # SubjectPublicKeyInfo DER
    tbs: bytes
    sig_alg: Algorithm
    signature: bytes
    skid: bytes | None
    digital_signature: bool | None  # keyUsage digitalSignature; None when keyUsage is absent
    subject_text: str
    not_before: float | None = None  # epoch seconds (RFC 5280 4.1.2.5)
    not_after: float | None = None
    extensions: tuple[Extension, ...] = ()

    @property
    def self_issued(self) -> bool:
        return names_match(self.subject, self.issuer) != "different"


@dataclass(frozen=True, slots=True)
class Extension:
    """One X.509 / CRMF extension as found on the wire (RFC 5280 4.1): OID, critical, extnValue octets."""

    oid: str
    critical: bool
    value: bytes


@lru_cache(maxsize=1024)
def parse_cert(data: bytes) -> Cert:
    """Read a certificate; raises DerError when it is not one. Cached: the same certificates come
    back in every message of a transaction."""
    top = walk.parse(data)
    outer = walk.children(data, walk.expect(top, der.SEQUENCE, "Certificate"))
    if len(outer) != 3:
        raise DerError("Certificate: expected 3 fields", top.offset)
    tbs_h, alg_h, sig_h = outer
    tbs = walk.children(data, walk.expect(tbs_h, der.SEQUENCE, "tbsCertificate"))
    if tbs and tbs[0].tag_class == der.CONTEXT and tbs[0].tag == 0:
        tbs = tbs[1:]
    if len(tbs) < 6:
        raise DerError("tbsCertificate: too few fields", tbs_h.offset)
    skid, digital = _extensions(data)
    subject = walk.tlv(data, tbs[4])
    not_before, not_after = read_validity(data, tbs[3])
    exts = next((h for h in tbs[6:] if h.tag_class == der.CONTEXT and h.tag == 3), None)
    return Cert(
        der=data,
        subject=subject,
        issuer=walk.tlv(data, tbs[2]),
        spki=walk.tlv(data, tbs[5]),
        tbs=walk.tlv(data, tbs_h),
        sig_alg=walk.algorithm(data, alg_h),
        signature=walk.bit_string_octets(data, walk.expect(sig_h, der.BIT_STRING, "signature")),
        skid=skid,
        digital_signature=digital,
        subject_text=name_text(subject),
        not_before=not_before,
        not_after=not_after,
        extensions=read_extensions(data, walk.single(data, exts, "extensions")) if exts is not None else (),
    )


def read_validity(data: bytes, h: der.TlvHeader) -> tuple[float | None, float | None]:
    """Validity ::= SEQUENCE { notBefore Time, notAfter Time } (RFC 5280 4.1.2.5); a time that does
    not parse is None (the comparison is then skipped, not failed)."""
    times = walk.children(data, walk.expect(h, der.SEQUENCE, "Validity"))
    if len(times) != 2:
        raise DerError("Validity: expected 2 times", h.offset)
    return time_value(data, times[0]), time_value(data, times[1])


def time_value(data: bytes, h: der.TlvHeader) -> float | None:
    """A Time as epoch seconds, or None when it does not parse."""
    try:
        return der.read_time(data, h)
    except (DerError, ValueError):
        return None


def read_extensions(data: bytes, h: der.TlvHeader) -> tuple[Extension, ...]:
    """Extensions ::= SEQUENCE OF Extension, from the SEQUENCE (or an implicitly tagged one)."""
    out = []
    for ext in walk.children(data, h):
        parts = walk.children(data, walk.expect(ext, der.SEQUENCE, "Extension"))
        if len(parts) not in (2, 3):
            raise DerError("Extension: expected 2 or 3 fields", ext.offset)
        oid = der.read_oid(data, walk.expect(parts[0], der.OID, "extnID"))
        critical = len(parts) == 3 and walk.content(data, walk.expect(parts[1], der.BOOLEAN, "critical")) != b"\x00"
        value = walk.content(data, walk.expect(parts[-1], der.OCTET_STRING, "extnValue"))
        out.append(Extension(oid, critical, value))
    return tuple(out)


def _extensions(data: bytes) -> tuple[bytes | None, bool | None]:
    """subjectKeyIdentifier and keyUsage digitalSignature (RFC 5280 4.2.1.2, 4.2.1.3).

    cryptography raises assorted exception types for malformed certificates and warns about
    tolerated defects; captured certificates are untrusted input, so all of it becomes DerError.
    """
    skid: bytes | None = None
    digital: bool | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            exts = x509.load_der_x509_certificate(data).extensions
        with contextlib.suppress(x509.ExtensionNotFound):
            skid = exts.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        with contextlib.suppress(x509.ExtensionNotFound):
            digital = exts.get_extension_for_class(x509.KeyUsage).value.digital_signature
    except Exception as e:  # any of cryptography's parse errors, see the docstring
        raise DerError(f"certificate not usable: {e}", 0) from None
    return skid, digital


def name_text(name: bytes) -> str:
    """A Name as text for messages; the NULL-DN shows as "NULL-DN"."""
    try:
        return names.name_to_text(name) or "NULL-DN"
    except DerError:
        return "(undecodable name)"


def directory_name(general_name: bytes) -> bytes | None:
    """The Name inside a GeneralName's directoryName [4] (explicit, RFC 5280 4.2.1.6), else None."""
    h = walk.parse(general_name)
    if h.tag_class != der.CONTEXT or h.tag != 4:
        return None
    return walk.tlv(general_name, walk.single(general_name, h, "directoryName"))


def _normalize(text: str) -> str:
    return " ".join(text.casefold().split())


def _loose(name: bytes) -> Counter[tuple[str, str]]:
    """(attribute type, normalized value) of every AVA, with RDN order and string types dropped."""
    out: Counter[tuple[str, str]] = Counter()
    top = walk.parse(name)
    for rdn in walk.children(name, walk.expect(top, der.SEQUENCE, "Name")):
        for ava in walk.children(name, walk.expect(rdn, der.SET, "RelativeDistinguishedName")):
            parts = walk.children(name, ava)
            if len(parts) != 2:
                raise DerError("AttributeTypeAndValue: expected 2 fields", ava.offset)
            oid = der.read_oid(name, walk.expect(parts[0], der.OID, "attribute type"))
            value = parts[1]
            text = der.read_string(name, value) if not value.constructed else walk.tlv(name, value).hex()
            out[(oid, _normalize(text))] += 1
    return out


def names_match(a: bytes, b: bytes) -> str:
    """Compare two Names: "exact", "loose" (same name, other encoding or RDN order) or "different"."""
    if a == b:
        return "exact"
    try:
        return "loose" if _loose(a) == _loose(b) else "different"
    except DerError:
        return "different"


def is_null_dn(name: bytes) -> bool:
    return name == b"\x30\x00"
