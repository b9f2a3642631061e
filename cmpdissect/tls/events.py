"""What the TLS layer reports: decrypted application data, or a notice about the connection."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Plaintext:
    """Application data of one decrypted record, with the packet that completed the record."""

    direction: int
    data: bytes
    frame: int
    time: float | None


@dataclass(frozen=True, slots=True)
class TlsNotice:
    """The connection's TLS parameters, a failed decryption, an alert: anything that is not plaintext."""

    direction: int | None
    frame: int | None
    time: float | None
    severity: str  # error | warning | info
    message: str
