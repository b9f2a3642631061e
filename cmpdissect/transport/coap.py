"""CMP over CoAP (RFC 9482): the exchanges of one client/server endpoint pair, as CMP units.

Per datagram (RFC 7252): a duplicate (same sender and message ID within EXCHANGE_LIFETIME) is a
retransmission and is reported, not decoded twice (4.5); responses find their request by token,
piggybacked in an ACK or separate after an empty ACK (5.2); block-wise bodies are reassembled per
client and resource, Block1 for requests and Block2 for responses (RFC 7959 2.3-2.5, 3). A body
completes into a CmpPdu with transport `coap` when it is declared Content-Format 259 or is
unmistakably a PKIMessage; an error response without one to a CMP request is a unit too.
The unit's `http` carries the CoAP request method, Uri-Path, response code (as `reason`, `status`
stays None), the Content-Format as a media type, and the CoAP header and options as `headers`.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from cmpdissect.model import HttpInfo
from cmpdissect.transport.coapmsg import (
    CONTENT_FORMATS,
    PKIXCMP,
    RST,
    SIZE1,
    SIZE2,
    TYPE_NAMES,
    Block,
    CoapError,
    CoapMessage,
    parse_coap,
)
from cmpdissect.transport.events import CmpPdu, StreamNotice
from cmpdissect.transport.recognize import MAX_UNIT, is_pkimessage

EXCHANGE_LIFETIME = 247.0  # seconds a message ID stays in use (RFC 7252 4.8.2)
MAX_REMEMBERED = 4096  # message IDs kept per conversation; older ones are forgotten first
MAX_OPEN = 256  # open requests and transfers kept per conversation

Event = CmpPdu | StreamNotice


@dataclass(slots=True)
class _Request:
    method: str
    path: str
    content_format: int | None
    frame: int
    cmp: bool  # carried CMP, declared 259, or names a CMP resource


@dataclass(slots=True)
class _Transfer:
    """A block-wise body being reassembled."""

    blocks: dict[int, bytes] = field(default_factory=dict)  # offset -> data
    last_end: int | None = None  # end offset once the block with M=0 arrived
    declared: int | None = None  # Size1 / Size2

    def add(self, block: Block, data: bytes) -> None:
        self.blocks[block.offset] = data
        if not block.more:
            self.last_end = block.offset + len(data)

    def body(self) -> tuple[bytes, str | None]:
        """The reassembled body and, when blocks are missing, where."""
        out = bytearray()
        for offset in sorted(self.blocks):
            if offset > len(out):
                return bytes(out), f"block-wise body misses bytes {len(out)}-{offset - 1}"
            out[offset:offset + len(self.blocks[offset])] = self.blocks[offset]
        return bytes(out), None


class CoapConversation:
    """One client/server endpoint pair; `feed` takes one datagram's payload and who sent it."""

    def __init__(self) -> None:
        self._seen: OrderedDict[tuple[str, int], tuple[int, float | None, bytes]] = OrderedDict()
        self._requests: OrderedDict[tuple[str, bytes], _Request] = OrderedDict()  # (client, token)
        self._uploads: OrderedDict[tuple[str, str], _Transfer] = OrderedDict()  # (client, path): Block1
        self._downloads: OrderedDict[tuple[str, str], _Transfer] = OrderedDict()  # (client, path): Block2
        self.carried_cmp = False

    def feed(self, src: str, dst: str, data: bytes, frame: int, time: float | None) -> list[Event]:
        try:
            msg = parse_coap(data)
        except CoapError as exc:
            return [StreamNotice(None, frame, time, "warning", f"CoAP datagram {src} -> {dst}: {exc}")]
        duplicate = self._duplicate(src, msg, data, frame, time)
        if duplicate is not None:
            return [duplicate]
        if msg.type == RST:
            return [StreamNotice(None, frame, time, "warning", f"CoAP RST from {src} for message ID "
                                                               f"0x{msg.message_id:04x}")]
        if msg.is_request:
            return self._request(src, msg, frame, time)
        if msg.is_response:
            return self._response(dst, msg, frame, time)
        return []  # an empty ACK: a separate response follows (RFC 7252 5.2.2)

    def _duplicate(self, src: str, msg: CoapMessage, data: bytes, frame: int, time: float | None) -> StreamNotice | None:
        """RFC 7252 4.5: the same message ID from the same endpoint within EXCHANGE_LIFETIME."""
        key = (src, msg.message_id)
        first = self._seen.get(key)
        recent = first is not None and (time is None or first[1] is None or time - first[1] <= EXCHANGE_LIFETIME)
        if first is not None and recent and first[2] == data:
            kind = TYPE_NAMES[msg.type]
            what = f"{msg.code_text} {msg.code_name}".strip() if not msg.is_empty else "empty"
            block = msg.block2 or msg.block1
            return StreamNotice(None, frame, time, "info",
                                f"CoAP {kind} {what}{f' block {block}' if block else ''} message ID "
                                f"0x{msg.message_id:04x} from {src} retransmitted (first sent in frame {first[0]})")
        self._seen[key] = (frame, time, data)
        self._seen.move_to_end(key)
        while len(self._seen) > MAX_REMEMBERED:
            self._seen.popitem(last=False)
        return None

    def _request(self, client: str, msg: CoapMessage, frame: int, time: float | None) -> list[Event]:
        path, fmt = msg.uri_path, msg.content_format
        method = msg.code_name or msg.code_text
        request = _Request(method, path, fmt, frame, fmt == PKIXCMP or "cmp" in path.lower())
        _put(self._requests, (client, msg.token), request)
        block2 = msg.block2
        if block2 is not None and block2.num > 0:
            return []  # asks for a later block of a response (RFC 7959 2.4): no new body
        got = self._blocks(self._uploads, (client, path), msg.block1, msg, SIZE1, 0, "Block1", path, frame, time)
        if isinstance(got, list):
            return got
        return self._unit(0, msg, request, *got, frame, time)

    def _response(self, client: str, msg: CoapMessage, frame: int, time: float | None) -> list[Event]:
        request = self._requests.get((client, msg.token))
        if request is None:
            request = _Request("", "", None, 0, msg.content_format == PKIXCMP)  # its request was not captured
        block1, block2 = msg.block1, msg.block2
        if block1 is not None and block1.more and msg.code == 0x5F:
            return []  # 2.31 Continue: the server took one request block (RFC 7959 2.3)
        got = self._blocks(self._downloads, (client, request.path), block2, msg, SIZE2, 1, "Block2",
                           request.path or "?", frame, time)
        if isinstance(got, list):
            return got
        return self._unit(1, msg, request, *got, frame, time)

    @staticmethod
    def _blocks(transfers: dict, key: tuple[str, str], block, msg: CoapMessage, size_option: int, direction: int,
                what: str, path: str, frame: int, time: float | None) -> tuple[bytes, str | None] | list[Event]:
        """Block-wise reassembly (RFC 7959 2.3, 2.4): (body, error) once the last block is in, [] while
        more are to come, or a notice for a block whose transfer was never started."""
        if block is None:
            return msg.payload, None
        if block.num == 0:
            _put(transfers, key, _Transfer(declared=msg.uint(size_option)))
        transfer = transfers.get(key)
        if transfer is None:
            return [StreamNotice(direction, frame, time, "warning",
                                 f"CoAP {what} block {block} of {path} without its first block")]
        transfer.add(block, msg.payload)
        if block.more:
            return []
        del transfers[key]
        return transfer.body()

    def _unit(self, direction: int, msg: CoapMessage, request: _Request, body: bytes, error: str | None,
              frame: int, time: float | None) -> list[Event]:
        declared = msg.content_format == PKIXCMP
        found = bool(body) and len(body) <= MAX_UNIT and (declared or is_pkimessage(body))
        info = _info(msg, request)
        if found:
            self.carried_cmp = True
            if direction == 0:
                request.cmp = True
            return [CmpPdu(direction, frame, time, "coap", body, http=info, error=error)]
        if direction == 0:
            if not request.cmp:
                return []
            what = f"CoAP {request.method} {request.path} carries no PKIMessage ({_describe(msg, body)})"
        else:
            if not request.cmp:
                return []
            what = f"CoAP {msg.code_text} {msg.code_name} response carries no PKIMessage ({_describe(msg, body)})"
        self.carried_cmp = True
        return [CmpPdu(direction, frame, time, "coap", None, http=info, error=f"{error}; {what}" if error else what)]


def _put(table: OrderedDict, key: object, value: object) -> None:
    table[key] = value
    table.move_to_end(key)
    while len(table) > MAX_OPEN:
        table.popitem(last=False)


def _media(fmt: int | None) -> str | None:
    if fmt is None:
        return None
    return CONTENT_FORMATS.get(fmt, f"content-format {fmt}")


def _describe(msg: CoapMessage, body: bytes) -> str:
    media = _media(msg.content_format) or "no Content-Format"
    return f"{media}, no payload" if not body else f"{media}, {len(body)} bytes"


def _info(msg: CoapMessage, request: _Request) -> HttpInfo:
    response = not msg.is_request
    return HttpInfo(
        method=request.method or None, path=request.path or None, status=None,
        content_type=_media(msg.content_format), version="CoAP", is_request=not response,
        reason=f"{msg.code_text} {msg.code_name}".strip() if response else None,
        headers=msg.option_fields(),
    )
