"""One CoAP message (RFC 7252 section 3): header, token, options, payload; Block options (RFC 7959 2.2).

Option values stay bytes; the few this project reads have accessors. A message that does not parse
raises CoapError with the byte offset, which the caller turns into a notice.
"""

from __future__ import annotations

from dataclasses import dataclass

CON, NON, ACK, RST = 0, 1, 2, 3
TYPE_NAMES = ("CON", "NON", "ACK", "RST")

URI_HOST, ETAG, OBSERVE, URI_PORT, LOCATION_PATH = 3, 4, 6, 7, 8
URI_PATH, CONTENT_FORMAT, MAX_AGE, URI_QUERY, ACCEPT = 11, 12, 14, 15, 17
BLOCK2, BLOCK1, SIZE2, SIZE1 = 23, 27, 28, 60
OPTION_NAMES = {1: "If-Match", URI_HOST: "Uri-Host", ETAG: "ETag", 5: "If-None-Match", OBSERVE: "Observe",
                URI_PORT: "Uri-Port", LOCATION_PATH: "Location-Path", URI_PATH: "Uri-Path",
                CONTENT_FORMAT: "Content-Format", MAX_AGE: "Max-Age", URI_QUERY: "Uri-Query", ACCEPT: "Accept",
                20: "Location-Query", BLOCK2: "Block2", BLOCK1: "Block1", SIZE2: "Size2", 35: "Proxy-Uri",
                39: "Proxy-Scheme", SIZE1: "Size1", 252: "Echo", 258: "No-Response", 292: "Request-Tag"}
PKIXCMP = 259  # Content-Format of application/pkixcmp (RFC 9482 section 3)
CONTENT_FORMATS = {0: "text/plain;charset=utf-8", 40: "application/link-format", 42: "application/octet-stream",
                   50: "application/json", 60: "application/cbor", PKIXCMP: "application/pkixcmp"}
CODE_NAMES = {
    (0, 1): "GET", (0, 2): "POST", (0, 3): "PUT", (0, 4): "DELETE", (0, 5): "FETCH", (0, 6): "PATCH",
    (0, 7): "iPATCH", (2, 1): "Created", (2, 2): "Deleted", (2, 3): "Valid", (2, 4): "Changed",
    (2, 5): "Content", (2, 31): "Continue", (4, 0): "Bad Request", (4, 1): "Unauthorized", (4, 2): "Bad Option",
    (4, 3): "Forbidden", (4, 4): "Not Found", (4, 5): "Method Not Allowed", (4, 6): "Not Acceptable",
    (4, 8): "Request Entity Incomplete", (4, 9): "Conflict", (4, 12): "Precondition Failed",
    (4, 13): "Request Entity Too Large", (4, 15): "Unsupported Content-Format", (4, 29): "Too Many Requests",
    (5, 0): "Internal Server Error", (5, 1): "Not Implemented", (5, 2): "Bad Gateway",
    (5, 3): "Service Unavailable", (5, 4): "Gateway Timeout", (5, 5): "Proxying Not Supported"}


class CoapError(ValueError):
    """Bytes that are not a well-formed CoAP message; the text names the offset."""


@dataclass(frozen=True, slots=True)
class Block:
    """A Block1/Block2 value: block number, more flag, size exponent (RFC 7959 2.2)."""

    num: int
    more: bool
    szx: int

    @property
    def size(self) -> int:
        return 1 << (self.szx + 4)

    @property
    def offset(self) -> int:
        return self.num * self.size

    def __str__(self) -> str:
        return f"{self.num}/{int(self.more)}/{self.size}"


@dataclass(frozen=True, slots=True)
class CoapMessage:
    type: int
    code: int
    message_id: int
    token: bytes
    options: tuple[tuple[int, bytes], ...]
    payload: bytes

    @property
    def code_text(self) -> str:
        """`2.04`, as RFC 7252 12.1 writes codes."""
        return f"{self.code >> 5}.{self.code & 0x1F:02d}"

    @property
    def code_name(self) -> str:
        return CODE_NAMES.get((self.code >> 5, self.code & 0x1F), "")

    @property
    def is_empty(self) -> bool:
        return self.code == 0

    @property
    def is_request(self) -> bool:
        return self.code >> 5 == 0 and self.code != 0

    @property
    def is_response(self) -> bool:
        return self.code >> 5 in (2, 4, 5)

    def values(self, number: int) -> list[bytes]:
        return [v for n, v in self.options if n == number]

    def uint(self, number: int) -> int | None:
        found = self.values(number)
        return int.from_bytes(found[0]) if found else None

    @property
    def uri_path(self) -> str:
        return "/" + "/".join(v.decode("utf-8", "replace") for v in self.values(URI_PATH))

    @property
    def content_format(self) -> int | None:
        return self.uint(CONTENT_FORMAT)

    @property
    def block1(self) -> Block | None:
        return _block(self.uint(BLOCK1))

    @property
    def block2(self) -> Block | None:
        return _block(self.uint(BLOCK2))

    def option_fields(self) -> tuple[tuple[str, str], ...]:
        """Type, message ID, token and options as (name, text) pairs, for display."""
        fields = [("Type", TYPE_NAMES[self.type]), ("Code", f"{self.code_text} {self.code_name}".strip()),
                  ("Message-ID", f"0x{self.message_id:04x}"), ("Token", self.token.hex())]
        for number, value in self.options:
            name = OPTION_NAMES.get(number, f"Option {number}")
            if number in (URI_HOST, URI_PATH, URI_QUERY, LOCATION_PATH, 20, 35, 39):
                text = value.decode("utf-8", "replace")
            elif number in (BLOCK1, BLOCK2):
                text = str(_block(int.from_bytes(value)))
            elif number in (CONTENT_FORMAT, ACCEPT):
                code = int.from_bytes(value)
                text = f"{code} ({CONTENT_FORMATS[code]})" if code in CONTENT_FORMATS else str(code)
            elif len(value) <= 4 and number not in (1, ETAG, 252, 292):
                text = str(int.from_bytes(value))
            else:
                text = value.hex()
            fields.append((name, text))
        return tuple(fields)


def _block(value: int | None) -> Block | None:
    return None if value is None else Block(value >> 4, bool(value & 0x08), value & 0x07)


def looks_like_coap(data: bytes) -> bool:
    """The cheap header test: version 1, token length at most 8, a request, response or empty code."""
    if len(data) < 4 or data[0] >> 6 != 1 or data[0] & 0x0F > 8:
        return False
    cls = data[1] >> 5
    return cls in (0, 2, 4, 5) and (data[1] != 0 or len(data) == 4)


def parse_coap(data: bytes) -> CoapMessage:
    """Decode one datagram's CoAP message (RFC 7252 3, 3.1)."""
    if len(data) < 4:
        raise CoapError(f"CoAP header needs 4 bytes, got {len(data)}")
    if data[0] >> 6 != 1:
        raise CoapError(f"CoAP version {data[0] >> 6}, not 1 (offset 0)")
    tkl = data[0] & 0x0F
    if tkl > 8:
        raise CoapError(f"token length {tkl} is reserved (offset 0)")
    at = 4 + tkl
    if at > len(data):
        raise CoapError(f"token of {tkl} bytes runs past the datagram (offset 4)")
    token = data[4:at]
    options: list[tuple[int, bytes]] = []
    number = 0
    while at < len(data) and data[at] != 0xFF:
        start = at
        delta, length = data[at] >> 4, data[at] & 0x0F
        at += 1
        delta, at = _extended(data, delta, at, start, "delta")
        length, at = _extended(data, length, at, start, "length")
        if at + length > len(data):
            raise CoapError(f"option value of {length} bytes runs past the datagram (offset {start})")
        number += delta
        options.append((number, data[at:at + length]))
        at += length
    payload = b""
    if at < len(data):
        if at + 1 == len(data):
            raise CoapError(f"payload marker without payload (offset {at})")
        payload = data[at + 1:]
    code = data[1]
    if code == 0 and (tkl or options or payload):
        raise CoapError("empty message (code 0.00) with token, options or payload (offset 1)")
    return CoapMessage((data[0] >> 4) & 0x03, code, int.from_bytes(data[2:4]), token, tuple(options), payload)


def _extended(data: bytes, nibble: int, at: int, start: int, what: str) -> tuple[int, int]:
    """RFC 7252 3.1: nibble 13 and 14 take 1 or 2 more bytes; 15 is reserved."""
    if nibble < 13:
        return nibble, at
    if nibble == 15:
        raise CoapError(f"option {what} nibble 15 is reserved (offset {start})")
    size = 1 if nibble == 13 else 2
    if at + size > len(data):
        raise CoapError(f"extended option {what} runs past the datagram (offset {start})")
    return int.from_bytes(data[at:at + size]) + (13 if size == 1 else 269), at + size
