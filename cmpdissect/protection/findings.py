"""Building findings and the texts they share (algorithm names, senderKIDs).

Severity and reference of every code come from the one catalogue (`cmpdissect.catalogue`).
"""

from __future__ import annotations

from cmpdissect.asn1 import names
from cmpdissect.catalogue import finding as catalogued
from cmpdissect.model import Finding


def finding(code: str, message: str) -> Finding:
    """A finding with no frame yet: the caller knows which packet the message came in."""
    return catalogued(code, message)


def kid_text(kid: bytes | None) -> str:
    """A senderKID for messages: quoted text when printable (OpenSSL's -ref), else hex."""
    if kid is None:
        return "(none)"
    if kid.isascii() and kid.decode().isprintable():
        return repr(kid.decode())
    return kid.hex()


def alg_name(oid: str) -> str:
    """The OpenSSL / RFC 9481 name of an algorithm OID, or the dotted OID."""
    return names.oid_name(oid) or oid
