"""The TLS record layer of one direction: cut the byte stream into records (RFC 8446 5.1, RFC 5246 6.2)."""

from __future__ import annotations

from dataclasses import dataclass

CHANGE_CIPHER_SPEC = 20
ALERT = 21
HANDSHAKE = 22
APPLICATION_DATA = 23
HEARTBEAT = 24
CONTENT_TYPES = {CHANGE_CIPHER_SPEC: "change_cipher_spec", ALERT: "alert", HANDSHAKE: "handshake",
                 APPLICATION_DATA: "application_data", HEARTBEAT: "heartbeat"}
MAX_FRAGMENT = 2**14 + 2048  # TLSCiphertext.length limit of RFC 5246 6.2.3 (RFC 8446 allows less)
HEADER = 5


@dataclass(frozen=True, slots=True)
class TlsRecord:
    """One record as it crossed the wire; `offset` is its header's position in the direction's stream."""

    content_type: int
    version: int
    fragment: bytes
    offset: int

    @property
    def header(self) -> bytes:
        """The five header bytes: the additional data of TLS 1.3 AEAD (RFC 8446 5.2)."""
        return bytes((self.content_type, self.version >> 8, self.version & 0xFF)) + len(self.fragment).to_bytes(2)


class RecordReader:
    """Buffers one direction and returns whole records; a header that is not TLS stops it for good."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._offset = 0  # stream offset of the buffer's first byte
        self.error: str | None = None

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[TlsRecord]:
        if self.error is not None:
            return []
        self._buf += data
        out: list[TlsRecord] = []
        buf = self._buf
        while len(buf) >= HEADER:
            length = int.from_bytes(buf[3:5])
            if buf[0] not in CONTENT_TYPES or buf[1] != 3 or length > MAX_FRAGMENT:
                self.error = (f"no TLS record header at stream offset {self._offset} "
                              f"({bytes(buf[:HEADER]).hex()}); the rest of this direction is not read")
                buf.clear()
                break
            if len(buf) < HEADER + length:
                break
            out.append(TlsRecord(buf[0], int.from_bytes(buf[1:3]), bytes(buf[HEADER:HEADER + length]), self._offset))
            del buf[:HEADER + length]
            self._offset += HEADER + length
        return out
