"""Both directions of one TLS connection: handshake fields always, plaintext when a key log opens it.

Without a key log (or without this connection's secrets in it) only the clear handshake is read (TLS
1.3: up to the ServerHello; TLS 1.2: up to the first ChangeCipherSpec, so both certificate chains are
seen), and the connection is summed up in one notice; then `wants_data` turns
False so the caller stops reassembling it. With the secrets, every record is opened and the
application data handed out in order, tagged with the packet that completed its record.
Key changes follow the handshake: TLS 1.2 at each side's ChangeCipherSpec (RFC 5246 7.1), TLS 1.3
from handshake to application traffic secret at each side's Finished and at KeyUpdate (RFC 8446 7).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cmpdissect.tls.decrypt import DecryptError, RecordDecryptor
from cmpdissect.tls.events import Plaintext, TlsNotice
from cmpdissect.tls.handshake import (
    CERTIFICATE,
    CLIENT_HELLO,
    FINISHED,
    KEY_UPDATE,
    SERVER_HELLO,
    HandshakeError,
    HandshakeReader,
    certificate_subject,
    parse_certificates,
    parse_hello,
    version_name,
)
from cmpdissect.tls.keylog import (
    CLIENT_HANDSHAKE,
    CLIENT_RANDOM,
    CLIENT_TRAFFIC_0,
    SERVER_HANDSHAKE,
    SERVER_TRAFFIC_0,
    KeyLog,
)
from cmpdissect.tls.keyschedule import key_block12, next_secret13, traffic_keys13
from cmpdissect.tls.records import (
    ALERT,
    APPLICATION_DATA,
    CHANGE_CIPHER_SPEC,
    HANDSHAKE,
    RecordReader,
    TlsRecord,
)
from cmpdissect.tls.suites import SUITES, CipherSuite, suite_name

TLS13 = 0x0304
MAX_CLEAR = 64 * 1024  # handshake bytes read before giving up on a connection nothing can open
ALERTS = {0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow",
          40: "handshake_failure", 42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
          45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
          49: "access_denied", 50: "decode_error", 51: "decrypt_error", 70: "protocol_version",
          71: "insufficient_security", 80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
          109: "missing_extension", 110: "unsupported_extension", 112: "unrecognized_name",
          116: "certificate_required", 120: "no_application_protocol"}

Event = Plaintext | TlsNotice


@dataclass(slots=True)
class TlsSession:
    """What the handshake showed; `state` is handshake | decrypting | encrypted | failed."""

    version: int | None = None
    suite: int | None = None
    sni: str | None = None
    alpn: tuple[str, ...] = ()
    client_random: bytes | None = None
    server_random: bytes | None = None
    encrypt_then_mac: bool = False
    certificates: list[bytes] = field(default_factory=list)  # the server's chain, where visible
    client_certificates: list[bytes] = field(default_factory=list)
    state: str = "handshake"

    @property
    def tls13(self) -> bool:
        return self.version == TLS13

    def describe(self) -> str:
        """`TLS 1.3, TLS_AES_256_GCM_SHA384, SNI cmp.example, server certificate CN=...`"""
        parts = [version_name(self.version) if self.version is not None else "TLS (no ServerHello)"]
        if self.suite is not None:
            parts.append(suite_name(self.suite))
        parts.append(f"SNI {self.sni}" if self.sni else "no SNI")
        if self.alpn:
            parts.append(f"ALPN {','.join(self.alpn)}")
        for who, chain in (("server", self.certificates), ("client", self.client_certificates)):
            if chain:
                more = f" (+{len(chain) - 1} in chain)" if len(chain) > 1 else ""
                parts.append(f"{who} certificate {certificate_subject(chain[0])}{more}")
        return ", ".join(parts)


class _Side:
    """One direction: its records, its handshake messages, its current key."""

    __slots__ = ("records", "handshake", "decryptor", "secret", "dead")

    def __init__(self) -> None:
        self.records = RecordReader()
        self.handshake = HandshakeReader()
        self.decryptor: RecordDecryptor | None = None
        self.secret: bytes | None = None  # TLS 1.3 traffic secret in use
        self.dead = False  # nothing more is read from this direction


class TlsStreamDecoder:
    """Sans-I/O TLS reader for one TCP connection; `feed` returns plaintext and notices."""

    def __init__(self, keylog: KeyLog | None = None) -> None:
        self.keylog = keylog
        self.session = TlsSession()
        self._sides = {0: _Side(), 1: _Side()}
        self._server: int | None = None  # direction that sent the ServerHello
        self._suite: CipherSuite | None = None
        self._announced = False
        self._done = False
        self._clear_bytes = 0

    @property
    def wants_data(self) -> bool:
        return not self._done

    def feed(self, direction: int, data: bytes, frame: int, time: float | None) -> list[Event]:
        side = self._sides[direction]
        if self._done or side.dead or not data:
            return []
        out: list[Event] = []
        if self.session.state == "handshake":
            self._clear_bytes += len(data)
        for record in side.records.feed(data):
            self._record(direction, side, record, frame, time, out)
            if self._done or side.dead:
                return out
        if side.records.error is not None:
            out.append(TlsNotice(direction, frame, time, "warning", f"{self._who(direction)}: {side.records.error}"))
            self._kill(direction, frame, time, out)
        elif self.session.state == "handshake" and self._clear_bytes > MAX_CLEAR:
            self._finish_handshake_only(frame, time, out, f"no complete handshake in the first {MAX_CLEAR} bytes")
        return out

    def gap(self, direction: int, size: int, frame: int, time: float | None) -> list[Event]:
        """Bytes never captured: record boundaries and sequence numbers are lost for this direction."""
        out: list[Event] = []
        if self._done or self._sides[direction].dead:
            return out
        if self.session.state == "decrypting":
            out.append(TlsNotice(direction, frame, time, "warning",
                                 f"{size} bytes {self._who(direction)} never captured: the TLS records after the "
                                 f"gap cannot be decrypted"))
            self._kill(direction, frame, time, out)
        else:
            self._finish_handshake_only(frame, time, out, f"{size} bytes of the handshake never captured")
        return out

    def close(self, frame: int | None, time: float | None) -> list[Event]:
        """End of the connection: sum it up if that has not happened yet."""
        out: list[Event] = []
        if not self._announced:
            self._finish_handshake_only(frame, time, out, "the connection ends during the TLS handshake")
        return out

    # -- records ---------------------------------------------------------------------------------

    def _record(self, direction: int, side: _Side, record: TlsRecord, frame: int, time: float | None,
                out: list[Event]) -> None:
        ctype = record.content_type
        if side.decryptor is not None and (not self.session.tls13 or ctype == APPLICATION_DATA):
            self._decrypt(direction, side, record, frame, time, out)
        elif ctype == HANDSHAKE:
            self._handshake_bytes(direction, side, record.fragment, frame, time, out)
        elif ctype == CHANGE_CIPHER_SPEC:
            if self.session.version is not None and not self.session.tls13:
                self._change_cipher_spec(direction, side, frame, time, out)
        elif ctype == ALERT:
            self._alert(direction, record.fragment, frame, time, out)
        elif ctype == APPLICATION_DATA and self.session.state == "handshake" and self._server is not None:
            self._finish_handshake_only(frame, time, out)

    def _decrypt(self, direction: int, side: _Side, record: TlsRecord, frame: int, time: float | None,
                 out: list[Event]) -> None:
        assert side.decryptor is not None
        first = side.decryptor.seq == 0
        try:
            ctype, plain = side.decryptor.decrypt(record)
        except DecryptError as exc:
            why = ("the key log's secret does not fit this connection" if first else
                   "records were lost or damaged")
            out.append(TlsNotice(direction, frame, time, "warning",
                                 f"TLS record {self._who(direction)} at stream offset {record.offset} does not decrypt "
                                 f"({exc}): {why}; the rest of this direction stays encrypted"))
            self._kill(direction, frame, time, out)
            return
        if ctype == APPLICATION_DATA:
            if plain:
                out.append(Plaintext(direction, plain, frame, time))
        elif ctype == HANDSHAKE:
            self._handshake_bytes(direction, side, plain, frame, time, out)
        elif ctype == ALERT:
            self._alert(direction, plain, frame, time, out)

    def _alert(self, direction: int, body: bytes, frame: int, time: float | None, out: list[Event]) -> None:
        if len(body) != 2:
            return  # an encrypted TLS 1.2 alert we cannot read, or a damaged one
        level = "fatal" if body[0] == 2 else "warning"
        name = ALERTS.get(body[1], f"alert {body[1]}")
        if body[1] == 0:
            return
        out.append(TlsNotice(direction, frame, time, "error" if level == "fatal" else "warning",
                             f"TLS {level} alert {name} {self._who(direction)}"))

    # -- handshake -------------------------------------------------------------------------------

    def _handshake_bytes(self, direction: int, side: _Side, data: bytes, frame: int, time: float | None,
                         out: list[Event]) -> None:
        try:
            for msg_type, body in side.handshake.feed(data):
                self._handshake(direction, msg_type, body, frame, time, out)
        except HandshakeError as exc:
            out.append(TlsNotice(direction, frame, time, "warning",
                                 f"malformed TLS handshake message {self._who(direction)}: {exc}"))
            if self.session.state == "handshake":  # nothing to decrypt without the hellos: give up
                self._announced, self.session.state, self._done = True, "encrypted", True

    def _handshake(self, direction: int, msg_type: int, body: bytes, frame: int, time: float | None,
                   out: list[Event]) -> None:
        session = self.session
        if msg_type == CLIENT_HELLO:
            hello = parse_hello(msg_type, body)
            session.client_random, session.sni = hello.random, hello.sni
        elif msg_type == SERVER_HELLO:
            hello = parse_hello(msg_type, body)
            if hello.retry:
                return  # HelloRetryRequest: the real ServerHello follows a second ClientHello
            self._server = direction
            session.server_random, session.version, session.suite = hello.random, hello.version, hello.cipher_suites[0]
            session.alpn, session.encrypt_then_mac = hello.alpn, hello.encrypt_then_mac
            self._suite = SUITES.get(session.suite)
            self._server_hello(frame, time, out)
        elif msg_type == CERTIFICATE:
            chain = parse_certificates(body, session.tls13)
            if direction == self._server:
                session.certificates = chain
            else:
                session.client_certificates = chain
        elif msg_type == FINISHED and session.tls13:
            self._rekey13(direction, self._secret(direction, handshake=False))
            if direction == self._server and not self._announced:
                self._announce(frame, time, out, "info", "decrypted with the key log")
        elif msg_type == KEY_UPDATE and session.tls13:
            side = self._sides[direction]
            if self._suite is not None and side.secret is not None:
                self._rekey13(direction, next_secret13(self._suite, side.secret))

    def _server_hello(self, frame: int, time: float | None, out: list[Event]) -> None:
        """Decide whether this connection can be opened, and for TLS 1.3 install the handshake keys."""
        session = self.session
        if self.keylog is None:
            if session.tls13:
                self._finish_handshake_only(frame, time, out)
            return
        problem = self._keys_missing()
        if problem is not None:
            self._finish_handshake_only(frame, time, out, problem)
            return
        session.state = "decrypting"
        if session.tls13:
            assert self._server is not None
            for direction in (0, 1):
                self._rekey13(direction, self._secret(direction, handshake=True))

    def _keys_missing(self) -> str | None:
        """Why the key log cannot open this connection, or None when it can."""
        session, keylog = self.session, self.keylog
        assert keylog is not None
        if self._suite is None or self._suite.tls13 != session.tls13:
            return f"{suite_name(session.suite or 0)} cannot be decrypted by cmpdissect"
        if session.client_random is None:
            return "its ClientHello was not captured, so no key log entry can be found"
        labels = ((SERVER_HANDSHAKE, CLIENT_HANDSHAKE, SERVER_TRAFFIC_0, CLIENT_TRAFFIC_0) if session.tls13
                  else (CLIENT_RANDOM,))
        known = keylog.secrets.get(session.client_random)
        if known is None:
            return (f"the key log {keylog.source} has no secrets for its client random "
                    f"{session.client_random.hex()[:16]}..., so it stays encrypted (wrong key log?)")
        missing = [label for label in labels if label not in known]
        if missing:
            version = "TLS 1.3" if session.tls13 else "TLS 1.2"
            return (f"the key log {keylog.source} has entries for it but lacks {', '.join(missing)} "
                    f"(needed for {version}), so it stays encrypted")
        return None

    def _secret(self, direction: int, *, handshake: bool) -> bytes | None:
        if self.keylog is None or self.session.client_random is None:
            return None
        server = direction == self._server
        if handshake:
            label = SERVER_HANDSHAKE if server else CLIENT_HANDSHAKE
        else:
            label = SERVER_TRAFFIC_0 if server else CLIENT_TRAFFIC_0
        return self.keylog.secret(self.session.client_random, label)

    def _rekey13(self, direction: int, secret: bytes | None) -> None:
        side = self._sides[direction]
        if secret is None or self._suite is None:
            return
        key, iv = traffic_keys13(self._suite, secret)
        side.secret = secret
        side.decryptor = RecordDecryptor(self._suite, key, iv, tls13=True)

    def _change_cipher_spec(self, direction: int, side: _Side, frame: int, time: float | None,
                            out: list[Event]) -> None:
        """TLS 1.2: this direction's following records use the negotiated keys (RFC 5246 7.1)."""
        session = self.session
        if session.state != "decrypting":
            self._finish_handshake_only(frame, time, out)
            return
        assert self.keylog is not None and self._suite is not None
        assert session.client_random is not None and session.server_random is not None
        master = self.keylog.secret(session.client_random, CLIENT_RANDOM)
        assert master is not None
        keys = key_block12(self._suite, master, session.client_random, session.server_random)
        who = "server" if direction == self._server else "client"
        side.decryptor = RecordDecryptor(self._suite, keys[f"{who}_key"], keys[f"{who}_iv"], keys[f"{who}_mac"],
                                         tls13=False, encrypt_then_mac=session.encrypt_then_mac)
        if direction == self._server and not self._announced:
            self._announce(frame, time, out, "info", "decrypted with the key log")

    # -- outcome ---------------------------------------------------------------------------------

    def _finish_handshake_only(self, frame: int | None, time: float | None, out: list[Event],
                               problem: str | None = None) -> None:
        """Nothing (more) can be decrypted: sum the connection up once and stop reading it."""
        if self.session.state in ("handshake", "decrypting") and not self._announced:
            if self.keylog is None and problem is None:
                self._announce(frame, time, out, "info",
                               "its content is encrypted: --tls-keylog FILE with the client's or server's "
                               "key log would open it")
            elif problem is not None:
                hint = self.keylog is None and self.session.version is not None
                self._announce(frame, time, out, "info" if hint else "warning",
                               problem + ("; --tls-keylog FILE would open it" if hint else ""))
        self.session.state = "encrypted" if self.session.state == "handshake" else self.session.state
        self._done = self.session.state != "decrypting" or all(s.dead for s in self._sides.values())

    def _announce(self, frame: int | None, time: float | None, out: list[Event], severity: str, what: str) -> None:
        self._announced = True
        out.append(TlsNotice(None, frame, time, severity, f"TLS connection ({self.session.describe()}): {what}"))

    def _kill(self, direction: int, frame: int, time: float | None, out: list[Event]) -> None:
        self._sides[direction].dead = True
        if all(s.dead for s in self._sides.values()):
            if self.session.state == "decrypting":
                self.session.state = "failed"
            self._done = True

    def _who(self, direction: int) -> str:
        if self._server is None:
            return f"(direction {direction})"
        return "from the server" if direction == self._server else "from the client"
