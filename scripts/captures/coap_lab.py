"""The three small programs of the CoAP capture, each run as its own process in the capture namespace.

``python -m scripts.captures.coap_lab ROLE ...``, ROLE one of:

- ``server BIND UPSTREAM [--delay-first S]``: an aiocoap CoAP server (RFC 9482 front-end) on
  BIND:5683 serving ``/.well-known/cmp`` and its operation labels; each POST is relayed as an
  RFC 9811 HTTP POST to the ``openssl cmp`` mock CA on 127.0.0.1:UPSTREAM and its answer returned as
  2.04 Changed, Content-Format 259. aiocoap reassembles Block1 requests and sends large answers with
  Block2. The first request is answered after S seconds, so aiocoap sends an empty ACK first and a
  separate response later (RFC 7252 5.2.2).
- ``lossy LISTEN FROM SERVER --drop-block N``: a UDP forwarder between client and server (the captured
  leg is the client side) that loses the first server datagram carrying Block2 block N, so the client
  retransmits its confirmable request for that block (RFC 7252 4.2).
- ``proxy PORT COAP_HOST [--block-szx X]``: an HTTP-to-CoAP proxy for the ``openssl cmp`` client: each
  HTTP POST becomes a CoAP POST to ``coap://COAP_HOST/.well-known/cmp/<label>`` (label from the body,
  kept for the rest of the transaction), requests sent in Block1 blocks of 2**(X+4) bytes.

Each prints ``READY`` once it listens.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import sys
import warnings

import aiocoap
import aiocoap.resource as resource
from aiocoap.optiontypes import BlockOption

PKIXCMP = 259
COAP_PORT = 5683
# RFC 9482 / IANA well-known CMP path segments for CoAP, by PKIBody tag of the first request
LABELS = {0: "ir", 2: "cr", 7: "kur", 4: "p10", 11: "rr", 21: "crts", 20: "nest"}


def _body_tag(der: bytes) -> int | None:
    """PKIBody choice tag: skip the outer SEQUENCE header and the PKIHeader TLV."""
    try:
        at = 2 + (der[1] & 0x7F if der[1] & 0x80 else 0)
        at += 1
        size = der[at]
        if size & 0x80:
            count = size & 0x7F
            size = int.from_bytes(der[at + 1:at + 1 + count])
            at += count
        at += 1 + size
        return der[at] & 0x1F
    except IndexError:
        return None


class _CmpResource(resource.Resource):
    def __init__(self, upstream: int, delay_first: float) -> None:
        super().__init__()
        self.upstream = upstream
        self.delay = delay_first
        self.conn: http.client.HTTPConnection | None = None

    async def render_post(self, request: aiocoap.Message) -> aiocoap.Message:
        if request.opt.content_format != PKIXCMP:
            return aiocoap.Message(code=aiocoap.UNSUPPORTED_CONTENT_FORMAT)
        if self.delay:
            await asyncio.sleep(self.delay)
            self.delay = 0.0
        body = await asyncio.to_thread(self._post, request.payload)
        return aiocoap.Message(code=aiocoap.CHANGED, payload=body, content_format=PKIXCMP)

    def _post(self, der: bytes) -> bytes:
        """One HTTP exchange on a kept-alive connection: the mock CA holds a polling transaction's
        state only while its connection stays open; a connection it closed is opened again once."""
        try:
            return self._exchange(der)
        except (http.client.HTTPException, OSError):
            return self._exchange(der)

    def _exchange(self, der: bytes) -> bytes:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.upstream, timeout=20)
        try:
            self.conn.request("POST", "/pkix/", der, {"Content-Type": "application/pkixcmp"})
            response = self.conn.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = None
            raise
        if response.will_close:
            self.conn.close()
            self.conn = None
        return body


async def _server(args: argparse.Namespace) -> None:
    site = resource.Site()
    cmp = _CmpResource(int(args.upstream), args.delay_first)
    site.add_resource([".well-known", "cmp"], cmp)
    for label in sorted(set(LABELS.values())):
        site.add_resource([".well-known", "cmp", label], cmp)
    await aiocoap.Context.create_server_context(site, bind=(args.bind, COAP_PORT))
    print("READY", flush=True)
    await asyncio.get_running_loop().create_future()


class _Lossy(asyncio.DatagramProtocol):
    """Client-facing side: forwards to the server through one upstream socket per client."""

    def __init__(self, source: str, server: tuple[str, int], drop_block: int) -> None:
        self.source, self.server, self.drop_block = source, server, drop_block
        self.transport: asyncio.DatagramTransport | None = None
        self.upstream: dict[tuple[str, int], asyncio.DatagramTransport] = {}
        self.dropped = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        asyncio.ensure_future(self._forward(data, addr))

    async def _forward(self, data: bytes, client: tuple[str, int]) -> None:
        up = self.upstream.get(client)
        if up is None:
            loop = asyncio.get_running_loop()
            up, _ = await loop.create_datagram_endpoint(lambda: _Back(self, client), local_addr=(self.source, 0),
                                                        remote_addr=self.server)
            self.upstream[client] = up
        up.sendto(data)

    def back(self, data: bytes, client: tuple[str, int]) -> None:
        if not self.dropped:
            msg = aiocoap.Message.decode(data)
            if msg.opt.block2 is not None and msg.opt.block2.block_number == self.drop_block:
                self.dropped = True
                print(f"dropped server datagram with Block2 {self.drop_block}", flush=True)
                return
        assert self.transport is not None
        self.transport.sendto(data, client)


class _Back(asyncio.DatagramProtocol):
    def __init__(self, lossy: _Lossy, client: tuple[str, int]) -> None:
        self.lossy, self.client = lossy, client

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.lossy.back(data, self.client)


async def _lossy(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: _Lossy(args.source, (args.server, COAP_PORT), args.drop_block),
                                        local_addr=(args.listen, COAP_PORT))
    print("READY", flush=True)
    await loop.create_future()


async def _proxy(args: argparse.Namespace) -> None:
    ctx = await aiocoap.Context.create_client_context()
    label = "ir"

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal label
        head = await reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        der = await reader.readexactly(length)
        label = LABELS.get(_body_tag(der) or -1, label)
        request = aiocoap.Message(code=aiocoap.POST, payload=der, content_format=PKIXCMP,
                                  uri=f"coap://{args.coap_host}/.well-known/cmp/{label}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            request.opt.block1 = BlockOption.BlockwiseTuple(0, False, args.block_szx)
            response = await ctx.request(request).response
        status = b"200 OK" if response.code.is_successful() else b"502 Bad Gateway"
        writer.write(b"HTTP/1.0 " + status + b"\r\nContent-Type: application/pkixcmp\r\nContent-Length: "
                     + str(len(response.payload)).encode() + b"\r\nConnection: close\r\n\r\n" + response.payload)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", int(args.port))
    print("READY", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.captures.coap_lab")
    roles = p.add_subparsers(dest="role", required=True)
    s = roles.add_parser("server")
    s.add_argument("bind")
    s.add_argument("upstream")
    s.add_argument("--delay-first", type=float, default=0.0)
    s.set_defaults(run=_server)
    lossy = roles.add_parser("lossy")
    lossy.add_argument("listen")
    lossy.add_argument("source")
    lossy.add_argument("server")
    lossy.add_argument("--drop-block", type=int, default=2)
    lossy.set_defaults(run=_lossy)
    proxy = roles.add_parser("proxy")
    proxy.add_argument("port")
    proxy.add_argument("coap_host")
    proxy.add_argument("--block-szx", type=int, default=4)
    proxy.set_defaults(run=_proxy)
    args = p.parse_args(argv)
    asyncio.run(args.run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
