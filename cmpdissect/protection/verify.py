"""Per-message protection verdict and the diagnosis of why protection fails (RFC 9810 5.1.3).

`verify_unit` never raises for bad input: an undecodable message is `unverifiable` with the offset.
Secrets are only ever named by their label ("secret 2 (env:CMP_PSK)").
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from cmpdissect.asn1.der import DerError
from cmpdissect.model import Finding

from . import mac, signature
from .certs import Cert, directory_name, is_null_dn, name_text, names_match, parse_cert
from .credentials import Credentials, Secret
from .findings import alg_name, finding, kid_text
from .protected_part import MessageParts, split_message
from .signature import SignatureUnsupported

VALID, INVALID, UNVERIFIABLE, UNCHECKED, UNPROTECTED = (
    "valid", "invalid", "unverifiable", "unchecked", "unprotected",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Verdict:
    """The protection status of one message (CONTRACT.md `protection`, `protection_reason`)."""

    status: str  # valid | invalid | unverifiable | unchecked | unprotected
    reason: str | None = None  # one line, for invalid and unverifiable
    findings: list[Finding] = field(default_factory=list)  # frame=None: the caller fills it in
    signer: str | None = None  # subject of the certificate that verified a signature
    secret: str | None = None  # label of the secret that verified a MAC


def _failed(status: str, code: str, reason: str) -> Verdict:
    """A verdict whose reason is also its one finding."""
    return Verdict(status, reason, [finding(code, reason)])


def verify_unit(
    der: bytes, credentials: Credentials | None = None, known_certs: Sequence[bytes] = ()
) -> Verdict:
    """Verify the protection of one PKIMessage.

    `known_certs` are certificates seen earlier in the capture (e.g. the extraCerts of the first
    message of the transaction, see `protected_part.extra_certs`): candidate signers beside this
    message's extraCerts and `credentials.certs`. Signatures verify without credentials; a MAC
    without any secret to try stays `unchecked`.
    """
    creds = credentials or Credentials()
    try:
        parts = split_message(der)
    except DerError as e:
        reason = f"message does not decode: {e}"
        return _failed(UNVERIFIABLE, "protection-undecodable", reason)
    alg = parts.protection_alg
    if parts.protection is None:
        if alg is None:
            return Verdict(UNPROTECTED)
        return Verdict(
            UNPROTECTED,
            None,
            [finding("protection-alg-mismatch",
                     f"protectionAlg {alg_name(alg.oid)} is present but the protection bits are absent")],
        )  # fmt: skip
    if alg is None:
        reason = "protection bits are present but the header has no protectionAlg"
        return _failed(UNVERIFIABLE, "protection-alg-mismatch", reason)
    if not parts.protection or parts.protection[0] != 0:
        reason = "protection BIT STRING is empty or has unused bits"
        return _failed(INVALID, "protection-invalid", reason)
    if alg.oid in (mac.PBM_OID, mac.PBMAC1_OID):
        verdict = _verify_mac(parts, creds)
    elif alg.oid in (mac.DHBASEDMAC_OID, mac.KEMBASEDMAC_OID):
        what = "DHBasedMac (RFC 9810 5.1.3.2)" if alg.oid == mac.DHBASEDMAC_OID else "KemBasedMac (RFC 9810 5.1.3.4)"
        need = "the Diffie-Hellman private key" if alg.oid == mac.DHBASEDMAC_OID else "the KEM shared secret"
        reason = f"{what} cannot be checked from a capture: it needs {need}"
        verdict = _failed(UNVERIFIABLE, "protection-mac-uncheckable", reason)
    else:
        verdict = _verify_signature(parts, creds, known_certs)
    if parts.was_ber:
        verdict.findings.insert(
            0,
            finding("protection-not-der",
                    "the message is BER, not DER; protection is defined over the DER encoding and "
                    "peers that MAC or sign the received bytes will disagree"),
        )  # fmt: skip
    return verdict


def _bucket(secrets: Sequence[Secret], kid: bytes | None) -> tuple[list[Secret], list[Secret], list[Secret]]:
    """Secrets bound to this senderKID, unbound ones, and those bound to another KID."""
    bound = [s for s in secrets if s.kid is not None and s.kid == kid]
    free = [s for s in secrets if s.kid is None]
    other = [s for s in secrets if s.kid is not None and s.kid != kid]
    return bound, free, other


def _verify_mac(parts: MessageParts, creds: Credentials) -> Verdict:
    """PBM / PBMAC1 with every plausible secret, then the diagnosis (RFC 9810 5.1.3.1, RFC 9481 6.1)."""
    alg = parts.protection_alg
    assert alg is not None and parts.protection is not None
    is_pbm = alg.oid == mac.PBM_OID
    what = "PBM" if is_pbm else "PBMAC1"
    findings: list[Finding] = []
    try:
        params: mac.PbmParams | mac.Pbmac1Params = (
            mac.parse_pbm(alg.params) if is_pbm else mac.parse_pbmac1(alg.params)
        )
    except mac.MacParamError as e:
        return _failed(UNVERIFIABLE, e.code, e.message)
    except DerError as e:
        reason = f"{what} parameters do not decode: {e}"
        return _failed(UNVERIFIABLE, "mac-params-invalid", reason)
    findings += _advice(params)
    if not creds.secrets:
        return Verdict(UNCHECKED, None, findings)
    expected = parts.protection[1:]

    def verifies(secret: Secret) -> int | None:
        """Index of the ProtectedPart encoding the MAC matches, or None."""
        for i, data in enumerate(parts.protected_parts):
            value = (
                mac.pbm_mac(secret.value, params, data)
                if isinstance(params, mac.PbmParams)
                else mac.pbmac1_mac(secret.value, params, data)
            )
            if hmac.compare_digest(value, expected):
                return i
        return None

    kid = kid_text(parts.sender_kid)
    bound, free, other = _bucket(creds.secrets, parts.sender_kid)
    for s in bound + free:
        if (i := verifies(s)) is not None:
            if i:
                findings.append(_der_only())
            return Verdict(VALID, None, findings, secret=s.label)
    for s in other:
        if verifies(s) is not None:
            # The MAC is sound; only the KID -> secret mapping disagrees with what the user gave.
            # A receiver that looks its secret up by senderKID would fail here (RFC 9810 5.1.1).
            note = (
                f"the {what} verifies with {s.label}, given for another KID, not for the message's "
                f"senderKID {kid}: check the senderKID mapping"
            )
            findings.append(finding("pbm-senderkid-mismatch", note))
            return Verdict(VALID, None, findings, secret=s.label)
    if not bound and not free:
        findings.append(
            finding("mac-no-secret",
                    f"no secret given for senderKID {kid}; the {len(other)} secret(s) given for other KIDs "
                    "do not verify it either"),
        )  # fmt: skip
        return Verdict(UNCHECKED, None, findings)
    tried = len(bound) + len(free) + len(other)
    reason = (
        f"{what} MAC does not verify with any of the {tried} secret(s) given (senderKID {kid}): "
        "the shared secret differs, or the message was altered"
    )
    findings.append(finding("protection-invalid", reason))
    return Verdict(INVALID, reason, findings)


def _der_only() -> Finding:
    return finding(
        "protection-not-der",
        "protection verifies only over the DER re-encoding of header and body, not over the bytes sent",
    )  # fmt: skip


def _advice(params: mac.PbmParams | mac.Pbmac1Params) -> list[Finding]:
    """Parameters that work here but that a peer may refuse (RFC 4211 4.4, RFC 9481 6)."""
    out: list[Finding] = []
    if isinstance(params, mac.PbmParams):
        if params.owf not in mac.RFC9481_OWF:
            out.append(finding("mac-alg-legacy",
                               f"PBM one-way function {alg_name(params.owf)} is not among RFC 9481's; "
                               "a peer following RFC 9481 may not support it"))  # fmt: skip
        if params.iterations < mac.PBM_MIN_ITERATIONS:
            out.append(finding("pbm-iterations-low",
                               f"PBM iterationCount {params.iterations} is below {mac.PBM_MIN_ITERATIONS}; "
                               "OpenSSL and RFC 4211 peers reject it"))  # fmt: skip
    if len(params.salt) < mac.MIN_SALT:
        out.append(finding("pbm-salt-short",
                           f"salt of {len(params.salt)} octets, fewer than {mac.MIN_SALT}"))  # fmt: skip
    if params.mac.oid not in mac.RFC9481_MAC:
        out.append(finding("mac-alg-legacy",
                           f"MAC {alg_name(params.mac.oid)} is not among RFC 9481's MAC algorithms; "
                           "a peer following RFC 9481 may not support it"))  # fmt: skip
    return out


@lru_cache(maxsize=512)
def _cert(data: bytes) -> Cert | None:
    try:
        return parse_cert(data)
    except DerError:
        return None


def _verify_signature(parts: MessageParts, creds: Credentials, known: Sequence[bytes]) -> Verdict:
    """Find the signer, verify, then check what a receiver checks about it (RFC 9810 5.1.3.3)."""
    alg = parts.protection_alg
    assert alg is not None and parts.protection is not None
    sig = parts.protection[1:]
    data = parts.protected_parts
    extra = [c for c in map(_cert, parts.extra_certs) if c is not None]
    trusted = [c for c in map(_cert, creds.trusted) if c is not None]
    pool = signature.unique(
        extra + [c for c in map(_cert, (*creds.certs, *known)) if c is not None] + trusted
    )
    sender = _sender_name(parts.sender)
    kid = parts.sender_kid

    def fits(c: Cert) -> bool:
        if kid is not None and c.skid is not None and c.skid != kid:
            return False
        return sender is None or is_null_dn(sender) or names_match(sender, c.subject) != "different"

    fitting = [c for c in pool if fits(c)]
    rest = [c for c in pool if not fits(c)]
    if alg.oid not in signature.SIGNATURE_ALGS:
        reason = f"signature algorithm {alg_name(alg.oid)} is not supported here"
        return _failed(UNVERIFIABLE, "protection-alg-unsupported", reason)
    unsupported: str | None = None
    mismatch: str | None = None
    checked: list[Cert] = []
    signer: Cert | None = None
    der_only = False
    for c in fitting + rest:
        try:
            hit = next((i for i, d in enumerate(data) if signature.verify(alg, c.spki, sig, d)), None)
        except signature.KeyMismatch as e:
            mismatch = mismatch or f"{e} ({c.subject_text})"
            continue
        except SignatureUnsupported as e:
            unsupported = unsupported or str(e)
            continue
        except DerError as e:
            reason = f"signature parameters do not decode: {e}"
            return _failed(UNVERIFIABLE, "protection-undecodable", reason)
        if hit is not None:
            signer, der_only = c, hit > 0
            break
        checked.append(c)
    if signer is None:
        return _no_signer(alg.oid, fitting, checked, pool, unsupported, mismatch, sender, kid)
    findings = _signer_findings(signer, extra, sender, kid, creds, pool, trusted)
    if der_only:
        findings.insert(0, _der_only())
    return Verdict(VALID, None, findings, signer=signer.subject_text)


def _no_signer(
    alg_oid: str,
    fitting: list[Cert],
    checked: list[Cert],
    pool: list[Cert],
    unsupported: str | None,
    mismatch: str | None,
    sender: bytes | None,
    kid: bytes | None,
) -> Verdict:
    """Why no certificate verified the signature: altered message, wrong key, or no signer at hand."""
    name = alg_name(alg_oid)
    tried = [c for c in fitting if c in checked]
    if tried:
        reason = (
            f"{name} signature does not verify with the signer certificate {tried[0].subject_text}: "
            "the message was altered or signed with another key"
        )
        return _failed(INVALID, "protection-invalid", reason)
    if fitting and unsupported:
        reason = f"{name}: {unsupported}"
        return _failed(UNVERIFIABLE, "protection-alg-unsupported", reason)
    if fitting and mismatch:
        reason = f"{name} does not fit the signer certificate's key: {mismatch}"
        return _failed(INVALID, "protection-invalid", reason)
    who = f"sender {name_text(sender) if sender is not None else '(not a directoryName)'}, senderKID {kid_text(kid)}"
    where = (
        "no certificate in extraCerts or --certs matches and verifies"
        if pool
        else "the message has no extraCerts and no --certs were given"
    )
    reason = f"signer certificate not found ({who}): {where}"
    return _failed(UNVERIFIABLE, "signer-not-found", reason)


def _sender_name(general_name: bytes) -> bytes | None:
    try:
        return directory_name(general_name)
    except DerError:
        return None


def _signer_findings(
    signer: Cert,
    extra: list[Cert],
    sender: bytes | None,
    kid: bytes | None,
    creds: Credentials,
    pool: list[Cert],
    trusted: list[Cert],
) -> list[Finding]:
    out: list[Finding] = []
    subject = signer.subject_text
    if all(c.der != signer.der for c in extra):
        out.append(finding("signer-not-in-extracerts",
                           f"signer certificate {subject} is not in this message's extraCerts; found among "
                           "certificates given or seen earlier"))  # fmt: skip
    elif extra[0].der != signer.der:
        out.append(finding("signer-not-first",
                           f"signer certificate {subject} is not the first certificate in extraCerts"))  # fmt: skip
    if sender is not None:
        match = names_match(sender, signer.subject)
        if match == "different" or is_null_dn(sender):
            out.append(finding("sender-subject-mismatch",
                               f"sender {name_text(sender)} is not the signer's subject {subject}; receivers "
                               "that look the signer up by sender name will fail"))  # fmt: skip
        elif match == "loose":
            out.append(finding("sender-subject-encoding",
                               f"sender {name_text(sender)} matches the signer's subject only ignoring RDN "
                               "order, string types or case; byte-exact comparisons fail"))  # fmt: skip
    if kid is not None and signer.skid is not None and kid != signer.skid:
        out.append(finding("signer-kid-mismatch",
                           f"senderKID {kid.hex()} is not the signer's subjectKeyIdentifier {signer.skid.hex()}"))  # fmt: skip
    elif kid is None:
        out.append(finding("signer-kid-missing",
                           "no senderKID; RFC 9810 says it SHOULD identify the signer's key"))  # fmt: skip
    if signer.digital_signature is False:
        out.append(finding("signer-keyusage",
                           f"signer certificate {subject} has keyUsage without digitalSignature"))  # fmt: skip
    if creds.trusted and not signature.chains_to(signer, pool, trusted):
        out.append(finding("signer-untrusted",
                           f"signer certificate {subject} does not chain to a --trusted certificate"))  # fmt: skip
    return out
