"""NSS key log files (SSLKEYLOGFILE): the secrets that open captured TLS connections.

One line per secret: `LABEL <client random hex> <secret hex>`, `#` comments. `CLIENT_RANDOM` carries a
TLS 1.2 master secret (48 bytes); the TLS 1.3 labels carry traffic secrets (RFC 8446 7.1) as long as
the suite's hash. Written by browsers, curl, OpenSSL's `-keylogfile` and Python's `keylog_filename`.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from dataclasses import dataclass, field

CLIENT_RANDOM = "CLIENT_RANDOM"
CLIENT_HANDSHAKE = "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
SERVER_HANDSHAKE = "SERVER_HANDSHAKE_TRAFFIC_SECRET"
CLIENT_TRAFFIC_0 = "CLIENT_TRAFFIC_SECRET_0"
SERVER_TRAFFIC_0 = "SERVER_TRAFFIC_SECRET_0"
TLS13_LABELS = frozenset({CLIENT_HANDSHAKE, SERVER_HANDSHAKE, CLIENT_TRAFFIC_0, SERVER_TRAFFIC_0,
                          "EXPORTER_SECRET", "CLIENT_EARLY_TRAFFIC_SECRET", "EARLY_EXPORTER_SECRET"})
OTHER_LABELS = frozenset({"RSA"})  # known to the format, of no use here (premaster by encrypted prefix)
MAX_KEYLOG = 64 * 1024 * 1024
MAX_PROBLEMS = 5  # lines quoted in a message; the count says how many more


class KeyLogError(ValueError):
    """A key log that cannot be used at all: unreadable, or without one valid line."""


@dataclass(frozen=True, slots=True)
class KeyLog:
    """Secrets by client random and label; `problems` lists the lines that were skipped and why."""

    secrets: Mapping[bytes, Mapping[str, bytes]]
    source: str = "key log"
    problems: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.secrets)

    def secret(self, client_random: bytes, label: str) -> bytes | None:
        found = self.secrets.get(client_random)
        return None if found is None else found.get(label)

    def problem_summary(self) -> str | None:
        """One line about skipped lines, or None when every line was used."""
        if not self.problems:
            return None
        shown = "; ".join(self.problems[:MAX_PROBLEMS])
        more = len(self.problems) - MAX_PROBLEMS
        return f"{self.source}: {len(self.problems)} line(s) skipped: {shown}" + (f" (and {more} more)" if more > 0 else "")


def parse_keylog(data: bytes, source: str = "key log") -> KeyLog:
    """Parse a key log's bytes; KeyLogError when no line holds a usable secret."""
    secrets: dict[bytes, dict[str, bytes]] = {}
    problems: list[str] = []
    lines = data.split(b"\n")
    truncated = bool(data) and not data.endswith(b"\n")
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith(b"#"):
            continue
        cut = " (the file ends here: cut short?)" if truncated and number == len(lines) else ""
        problem = _parse_line(line, secrets)
        if problem is not None:
            problems.append(f"line {number}: {problem}{cut}")
    if not secrets:
        why = f" ({problems[0]})" if problems else " (no lines)"
        raise KeyLogError(f"{source}: not an NSS key log, no CLIENT_RANDOM or TLS 1.3 secret line{why}")
    return KeyLog(secrets, source, tuple(problems))


def load_keylog(path: str | os.PathLike[str]) -> KeyLog:
    """Read and parse a key log file; KeyLogError with a one-line reason on any failure."""
    name = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_KEYLOG + 1)
    except OSError as exc:
        raise KeyLogError(f"{name}: {exc.strerror or exc}") from None
    if len(data) > MAX_KEYLOG:
        raise KeyLogError(f"{name}: over {MAX_KEYLOG} bytes, not a key log")
    return parse_keylog(data, name)


def _parse_line(line: bytes, secrets: dict[bytes, dict[str, bytes]]) -> str | None:
    """Store one line's secret; the reason it was skipped otherwise."""
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        return "not ASCII text"
    fields = text.split()
    label = fields[0]
    if label in OTHER_LABELS:
        return None
    if label != CLIENT_RANDOM and label not in TLS13_LABELS:
        return f"unknown label {label[:40]!r}"
    if len(fields) != 3:
        return f"{label} needs a client random and a secret, found {len(fields) - 1} field(s)"
    try:
        client_random, secret = bytes.fromhex(fields[1]), bytes.fromhex(fields[2])
    except ValueError:
        odd = all(c in string.hexdigits for c in fields[1] + fields[2])  # hex digits, so an odd count
        return f"{label}: {'odd number of hex digits' if odd else 'not hexadecimal'}"
    if len(client_random) != 32:
        return f"{label}: client random is {len(client_random)} bytes, not 32"
    if label == CLIENT_RANDOM and len(secret) != 48:
        return f"{label}: master secret is {len(secret)} bytes, not 48"
    if label != CLIENT_RANDOM and len(secret) not in (32, 48):
        return f"{label}: secret is {len(secret)} bytes, not 32 or 48"
    secrets.setdefault(client_random, {})[label] = secret
    return None
