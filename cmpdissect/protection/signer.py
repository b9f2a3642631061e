"""Signer resolution: which certificate protected a signed PKIMessage, and when none fits, why not.

A receiver picks the protection certificate by senderKID (against subjectKeyIdentifier) and by
sender (against the subject), normally the first of extraCerts (RFC 9810 5.1.1, 5.1.3.3; RFC 9483
3.3). Each candidate is shown with both comparisons, names byte-exact and as RFC 5280 7.1 matches
them (RDN order, string types, case), since a reversed RDN order or a PrintableString where the
certificate has UTF8String is a classic interop failure even when the signature verifies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cmpdissect.asn1.der import DerError

from . import signature
from .certs import Cert, directory_name, is_null_dn, name_text, names_match, parse_cert
from .findings import kid_text
from .protected_part import split_message
from .walk import Algorithm


@dataclass(frozen=True, slots=True)
class Candidate:
    """One certificate a receiver could take as the signer."""

    source: str  # "extraCerts[0]" or "known[2]" (given with --certs or seen earlier in the transaction)
    subject: str
    skid: bytes | None
    kid: str  # match | differs | no-skid | no-kid
    name: str  # exact | loose | different | null-sender | not-a-name
    verifies: bool | None  # None: the algorithm or key cannot be checked here

    @property
    def differences(self) -> list[str]:
        """What a receiver comparing senderKID and sender with this certificate trips over."""
        out = []
        if self.kid == "differs":
            out.append(f"subjectKeyIdentifier {self.skid.hex() if self.skid else ''} is not the senderKID")
        if self.name == "different":
            out.append(f"subject {self.subject} is not the sender")
        elif self.name == "loose":
            out.append(f"subject {self.subject} equals the sender only ignoring RDN order, string types or case "
                       "(byte-exact comparison fails)")
        if self.verifies is False:
            out.append("its key does not verify the signature")
        return out


@dataclass(frozen=True, slots=True)
class SignerResolution:
    """The sender and senderKID of a message and every candidate, the signer first if one verified."""

    sender: str
    sender_kid: bytes | None
    candidates: tuple[Candidate, ...]

    @property
    def signer(self) -> Candidate | None:
        return next((c for c in self.candidates if c.verifies), None)

    def explain(self) -> str:
        """One line: who signed, or for each candidate why it is not the signer."""
        who = f"sender {self.sender}, senderKID {kid_text(self.sender_kid)}"
        hit = self.signer
        if hit is not None:
            extra = f"; note: {'; '.join(hit.differences)}" if hit.differences else ""
            return f"signed with {hit.source} {hit.subject} ({who}){extra}"
        if not self.candidates:
            return f"no certificate at hand for {who}"
        parts = [f"{c.source} {c.subject}: {'; '.join(c.differences) or 'does not verify'}" for c in self.candidates]
        return f"no certificate verifies ({who}): " + " | ".join(parts)


def resolve_signer(data: bytes, known: Sequence[bytes] = ()) -> SignerResolution | None:
    """The signer resolution of a signature-protected message; None for MAC, unprotected or undecodable."""
    try:
        parts = split_message(data)
    except DerError:
        return None
    alg = parts.protection_alg
    if alg is None or parts.protection is None or alg.oid not in signature.SIGNATURE_ALGS:
        return None
    try:
        sender = directory_name(parts.sender)
    except DerError:
        sender = None
    kid = parts.sender_kid
    sig = parts.protection[1:]
    out: list[Candidate] = []
    seen: set[bytes] = set()
    pool = [(f"extraCerts[{i}]", c) for i, c in enumerate(parts.extra_certs)]
    pool += [(f"known[{i}]", c) for i, c in enumerate(known)]
    for source, raw in pool:
        if raw in seen:
            continue
        seen.add(raw)
        try:
            cert = parse_cert(raw)
        except DerError:
            continue
        out.append(Candidate(source, cert.subject_text, cert.skid, _kid(kid, cert), _name(sender, cert),
                             _verifies(alg, cert, sig, parts.protected_parts)))
    out.sort(key=lambda c: not c.verifies)
    return SignerResolution(name_text(sender) if sender is not None else "(not a directoryName)", kid, tuple(out))


def _kid(kid: bytes | None, cert: Cert) -> str:
    if kid is None:
        return "no-kid"
    if cert.skid is None:
        return "no-skid"
    return "match" if kid == cert.skid else "differs"


def _name(sender: bytes | None, cert: Cert) -> str:
    if sender is None:
        return "not-a-name"
    if is_null_dn(sender):
        return "null-sender"
    return names_match(sender, cert.subject)


def _verifies(alg: Algorithm, cert: Cert, sig: bytes, data: tuple[bytes, ...]) -> bool | None:
    try:
        return any(signature.verify(alg, cert.spki, sig, d) for d in data)
    except (signature.KeyMismatch, signature.SignatureUnsupported, DerError):
        return None
