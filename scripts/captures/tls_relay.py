"""A TLS-terminating relay in front of the ``openssl cmp`` mock CA, writing an NSS key log.

``python -m scripts.captures.tls_relay PORT UPSTREAM_PORT CERT KEY CA KEYLOG [--tls12]``: accepts TLS
on PORT (client certificate required, issued by CA), opens a plain TCP connection to UPSTREAM_PORT for
each client and copies bytes both ways unchanged, so the upstream leg is the clear-text twin of the
TLS leg. Python's ``ssl`` writes the session secrets to KEYLOG (``keylog_filename``). Prints
``RELAY READY`` once it listens.
"""

from __future__ import annotations

import argparse
import socket
import ssl
import sys
import threading


def _pump(src: socket.socket, dst: socket.socket) -> None:
    """Copy until src ends, then pass the end on (a half close on plain TCP, close_notify on TLS)."""
    try:
        while chunk := src.recv(65536):
            dst.sendall(chunk)
    except OSError:
        pass
    try:
        if isinstance(dst, ssl.SSLSocket):
            dst.unwrap()
        else:
            dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def _serve(conn: socket.socket, upstream_port: int) -> None:
    with conn, socket.create_connection(("127.0.0.1", upstream_port)) as up:
        back = threading.Thread(target=_pump, args=(up, conn), daemon=True)
        back.start()
        _pump(conn, up)
        back.join(30)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.captures.tls_relay")
    for name in ("port", "upstream", "cert", "key", "ca", "keylog"):
        p.add_argument(name)
    p.add_argument("--tls12", action="store_true", help="offer TLS 1.2 only (ECDHE with AES-GCM)")
    args = p.parse_args(argv)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.load_verify_locations(args.ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.keylog_filename = args.keylog
    if args.tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("ECDHE+AESGCM")
    ctx.options |= ssl.OP_NO_TICKET
    with socket.create_server(("127.0.0.1", int(args.port))) as server:
        print("RELAY READY", flush=True)
        while True:
            raw, _ = server.accept()
            try:
                conn = ctx.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                print(f"handshake failed: {exc}", flush=True)
                raw.close()
                continue
            threading.Thread(target=_serve, args=(conn, int(args.upstream)), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
