"""What the user gives us to check protection: shared secrets and certificates.

Secret sources follow OpenSSL's `-secret` convention (`pass:TEXT`, `env:VAR`, `file:PATH`, the
first line of the file), optionally bound to a senderKID as `KID=SOURCE`, the way `-ref` names the
reference value of a MAC-protected message (RFC 9810 5.1.1: senderKID identifies the shared secret).
This is the only module of the package that reads files or the environment. A secret's text never
appears in a label, an error or a repr.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

_SOURCES = ("pass:", "env:", "file:")


class CredentialError(ValueError):
    """A credential argument that cannot be used; the text never contains a secret."""


@dataclass(frozen=True, slots=True)
class Secret:
    """One shared secret; `label` says where it came from without revealing it."""

    value: bytes = field(repr=False)
    kid: bytes | None  # the senderKID it is bound to, or None for "try with any message"
    label: str


@dataclass(frozen=True, slots=True)
class Credentials:
    """Everything a protection check may use; certificates as DER."""

    secrets: tuple[Secret, ...] = ()
    trusted: tuple[bytes, ...] = ()  # --trusted: chain anchors
    certs: tuple[bytes, ...] = ()  # --certs: candidate signer and intermediate certificates


def _split_kid(spec: str) -> tuple[str | None, str]:
    """Split `KID=SOURCE`; the KID may itself hold "=", the source starts with a known prefix."""
    if spec.startswith(_SOURCES):
        return None, spec
    for i, ch in enumerate(spec):
        if ch == "=" and spec[i + 1 :].startswith(_SOURCES):
            return spec[:i], spec[i + 1 :]
    raise CredentialError("secret must be pass:TEXT, env:VAR or file:PATH, optionally as KID=SOURCE")


def parse_secret(spec: str, number: int = 1) -> Secret:
    """Resolve one `--secret` argument (`number` only labels it: "secret 2")."""
    kid_text, source = _split_kid(spec)
    kind, _, rest = source.partition(":")
    if kind == "pass":
        value, where = rest.encode(), "pass:"
    elif kind == "env":
        if rest not in os.environ:
            raise CredentialError(f"secret {number}: environment variable {rest!r} is not set")
        value, where = os.environ[rest].encode(), f"env:{rest}"
    else:
        try:
            with open(rest, "rb") as f:
                first = f.readline()
        except OSError as e:
            raise CredentialError(f"secret {number}: cannot read {rest!r}: {e.strerror}") from None
        value, where = first.rstrip(b"\r\n"), f"file:{rest}"
    kid = kid_text.encode() if kid_text is not None else None
    label = f"secret {number} ({where}" + (f", KID {kid_text!r})" if kid_text is not None else ")")
    return Secret(value, kid, label)


def parse_cert_bundle(data: bytes, origin: str) -> tuple[bytes, ...]:
    """Certificates of a PEM bundle (or one DER certificate) as DER."""
    try:
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise CredentialError(f"{origin}: no readable certificate") from None
    return tuple(c.public_bytes(Encoding.DER) for c in certs)


def _read_bundle(path: str) -> tuple[bytes, ...]:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CredentialError(f"cannot read {path!r}: {e.strerror}") from None
    return parse_cert_bundle(data, path)


def load_credentials(
    secrets: Sequence[str] = (), trusted: Sequence[str] = (), certs: Sequence[str] = ()
) -> Credentials:
    """Build Credentials from the CLI's repeatable `--secret`, `--trusted` and `--certs` values.

    Raises CredentialError (a ValueError) for an argument that cannot be used.
    """
    return Credentials(
        secrets=tuple(parse_secret(s, i) for i, s in enumerate(secrets, 1)),
        trusted=tuple(c for path in trusted for c in _read_bundle(path)),
        certs=tuple(c for path in certs for c in _read_bundle(path)),
    )
