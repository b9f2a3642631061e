"""TLS handshake messages: reassembly across records and the fields an analyst needs.

ClientHello / ServerHello (RFC 8446 4.1.2-4.1.3, RFC 5246 7.4.1): randoms, the negotiated version
(supported_versions, RFC 8446 4.2.1), the cipher suite, SNI (RFC 6066 3), ALPN (RFC 7301) and
encrypt_then_mac (RFC 7366); Certificate (RFC 5246 7.4.2, RFC 8446 4.4.2).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

CLIENT_HELLO = 1
SERVER_HELLO = 2
NEW_SESSION_TICKET = 4
END_OF_EARLY_DATA = 5
ENCRYPTED_EXTENSIONS = 8
CERTIFICATE = 11
SERVER_KEY_EXCHANGE = 12
CERTIFICATE_REQUEST = 13
SERVER_HELLO_DONE = 14
CERTIFICATE_VERIFY = 15
CLIENT_KEY_EXCHANGE = 16
FINISHED = 20
KEY_UPDATE = 24

EXT_SERVER_NAME = 0
EXT_ALPN = 16
EXT_ENCRYPT_THEN_MAC = 22
EXT_SUPPORTED_VERSIONS = 43

# RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest
HELLO_RETRY_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
MAX_HANDSHAKE = 256 * 1024  # a certificate chain larger than this is taken as garbage

VERSIONS = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}


def version_name(version: int) -> str:
    return VERSIONS.get(version, f"version 0x{version:04x}")


class HandshakeError(ValueError):
    """A handshake message that does not parse; the message says at which byte of it."""


@dataclass(frozen=True, slots=True)
class Hello:
    """A ClientHello or ServerHello. For a server, `cipher_suites` holds the one it chose and
    `version` the negotiated one; for a client, the highest version it offers."""

    is_client: bool
    version: int
    random: bytes
    session_id: bytes
    cipher_suites: tuple[int, ...]
    sni: str | None = None
    alpn: tuple[str, ...] = ()
    encrypt_then_mac: bool = False

    @property
    def retry(self) -> bool:
        return not self.is_client and self.random == HELLO_RETRY_RANDOM


class _Cursor:
    """Reads big-endian fields and length-prefixed vectors; HandshakeError names the offset."""

    def __init__(self, data: bytes, base: int = 0) -> None:
        self.data = data
        self.at = 0
        self.base = base

    def take(self, n: int, what: str) -> bytes:
        if self.at + n > len(self.data):
            raise HandshakeError(f"{what} runs past the end of its container (offset {self.base + self.at})")
        chunk = self.data[self.at:self.at + n]
        self.at += n
        return chunk

    def uint(self, n: int, what: str) -> int:
        return int.from_bytes(self.take(n, what))

    def vector(self, n: int, what: str) -> _Cursor:
        length = self.uint(n, f"length of {what}")
        start = self.base + self.at
        return _Cursor(self.take(length, what), start)

    @property
    def left(self) -> int:
        return len(self.data) - self.at


class HandshakeReader:
    """One direction's handshake messages, reassembled across records (RFC 8446 5.1: a message may
    span records and a record may hold several)."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, fragment: bytes) -> list[tuple[int, bytes]]:
        """The (msg_type, body) pairs the fragment completed; HandshakeError on an absurd length."""
        self._buf += fragment
        out = []
        while len(self._buf) >= 4:
            length = int.from_bytes(self._buf[1:4])
            if length > MAX_HANDSHAKE:
                msg_type = self._buf[0]
                self._buf.clear()
                raise HandshakeError(f"handshake message type {msg_type} announces {length} bytes")
            if len(self._buf) < 4 + length:
                break
            out.append((self._buf[0], bytes(self._buf[4:4 + length])))
            del self._buf[:4 + length]
        return out


def parse_hello(msg_type: int, body: bytes) -> Hello:
    """A ClientHello (type 1) or ServerHello (type 2)."""
    c = _Cursor(body)
    is_client = msg_type == CLIENT_HELLO
    version = c.uint(2, "legacy_version")
    random = c.take(32, "random")
    session_id = c.vector(1, "legacy_session_id").data
    if is_client:
        suites_raw = c.vector(2, "cipher_suites")
        suites = tuple(suites_raw.uint(2, "cipher suite") for _ in range(suites_raw.left // 2))
        c.vector(1, "legacy_compression_methods")
    else:
        suites = (c.uint(2, "cipher_suite"),)
        c.take(1, "legacy_compression_method")
    sni = None
    alpn: tuple[str, ...] = ()
    etm = False
    if c.left:
        extensions = c.vector(2, "extensions")
        while extensions.left:
            ext_type = extensions.uint(2, "extension type")
            ext = extensions.vector(2, f"extension {ext_type}")
            if ext_type == EXT_SUPPORTED_VERSIONS:
                if is_client:
                    offered = ext.vector(1, "supported_versions")
                    found = [offered.uint(2, "version") for _ in range(offered.left // 2)]
                    known = [v for v in found if v in VERSIONS]
                    version = max(known, default=version)
                else:
                    version = ext.uint(2, "selected_version")
            elif ext_type == EXT_SERVER_NAME and is_client and ext.left:
                names = ext.vector(2, "server_name_list")
                while names.left:
                    name_type = names.uint(1, "name_type")
                    name = names.vector(2, "host_name").data
                    if name_type == 0 and sni is None:
                        sni = name.decode("ascii", "replace")
            elif ext_type == EXT_ALPN and ext.left:
                protocols = ext.vector(2, "protocol_name_list")
                found_alpn = []
                while protocols.left:
                    found_alpn.append(protocols.vector(1, "protocol_name").data.decode("ascii", "replace"))
                alpn = tuple(found_alpn)
            elif ext_type == EXT_ENCRYPT_THEN_MAC:
                etm = True
    return Hello(is_client, version, random, session_id, suites, sni, alpn, etm)


def parse_certificates(body: bytes, tls13: bool) -> list[bytes]:
    """The DER certificates of a Certificate message, end-entity first."""
    c = _Cursor(body)
    if tls13:
        c.vector(1, "certificate_request_context")
    entries = c.vector(3, "certificate_list")
    certs = []
    while entries.left:
        certs.append(entries.vector(3, "cert_data").data)
        if tls13:
            entries.vector(2, "extensions")
    return certs


def certificate_subject(der: bytes) -> str:
    """The subject of a certificate as RFC 4514 text, or why it could not be read."""
    try:
        return x509.load_der_x509_certificate(der).subject.rfc4514_string()
    except ValueError:
        return f"(undecodable certificate of {len(der)} bytes)"
