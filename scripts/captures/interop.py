"""Interop failure captures only: ``python -m scripts.captures.interop [--out captures]``.

Runs the `openssl cmp` scenarios of `openssl_runs.interop_scenarios` (wrong senderKID, a server
certificate the client does not expect, a proxy answering 415) and synthesizes a client that polls
before checkAfter from the real messages of ``http-polling.pcap``, without rewriting any other
capture (their frame numbers are asserted in tests). Needs root, openssl 3 and tcpdump.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from scapy.utils import PcapWriter

from cmpdissect.asn1.summary import summarize

from .conversation import CLIENT, SERVER, Conversation
from .loopback import namespace
from .openssl_runs import HTTP_PORT, Scenario, interop_scenarios, run_scenario
from .pki import REFERENCE, SECRET, make_pki

CHECK_AFTER = 5  # seconds the mock CA asks the client to wait
EARLY = 0.2  # seconds the impatient client waits instead


def _http(conv: Conversation, request: bytes, response: bytes) -> None:
    """One HTTP/1.0 keep-alive exchange as the OpenSSL client and mock CA send it."""
    conv.send(CLIENT, (f"POST /pkix/ HTTP/1.0\r\nHost: 127.0.0.1:{HTTP_PORT}\r\nContent-Type: application/pkixcmp"
                       f"\r\nContent-Length: {len(request)}\r\nConnection: keep-alive\r\n\r\n").encode() + request)
    conv.send(SERVER, (f"HTTP/1.0 200 OK\r\nContent-Type: application/pkixcmp\r\nContent-Length: {len(response)}"
                       "\r\nConnection: keep-alive\r\n\r\n").encode() + response)


def poll_too_early(messages: list[bytes], path: Path) -> None:
    """ir, ip(waiting), then every pollReq EARLY seconds after the pollRep that asked for CHECK_AFTER s;
    the client gives up after the last pollRep (the capture ends while waiting), as one that ignores
    checkAfter would."""
    ir, ip_waiting, *rest = messages  # wire order: ir, ip, pollReq, pollRep, ...
    exchanges = [(q, r) for q, r in zip(rest[0::2], rest[1::2], strict=False) if summarize(r).body == "pollRep"]
    start = summarize(ir).message_time or 0.0  # the real run's clock, so messageTime agrees with the capture
    writer = PcapWriter(str(path), linktype=1, sync=True)
    conv = Conversation(writer, start, ("127.0.0.1", 41414), ("127.0.0.1", HTTP_PORT), (0x14A11E5, 0x9E7F00D))
    conv.open()
    _http(conv, ir, ip_waiting)
    for request, response in exchanges:
        conv.wait(EARLY)
        _http(conv, request, response)
    conv.close(CLIENT)
    writer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.captures.interop", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("captures"), help="output directory")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        parser.error("must run as root (network namespace and tcpdump)")
    with tempfile.TemporaryDirectory(prefix="cmpcap-interop-") as tmp:
        work = Path(tmp)
        pki = make_pki(work / "pki")
        with namespace() as ns:
            for sc in interop_scenarios(pki):
                print(f"run  {sc.name}.pcap", flush=True)
                run_scenario(ns, sc, args.out, work / sc.name)
            slow = Scenario("polling-slow", ("-srv_ref", "lab-ca", "-srv_secret", SECRET, "-rsp_cert", str(pki.ee_crt),
                                             "-poll_count", "3", "-check_after", str(CHECK_AFTER)),
                            (("-cmd", "ir", "-ref", REFERENCE, "-secret", SECRET, "-recipient",
                              "/O=cmpdissect Lab/CN=Lab CMP Server", "-newkey", str(pki.ee_key), "-subject",
                              "/O=cmpdissect Lab/CN=Lab Device 0001"),))
            print("run  (messages of a patient client, checkAfter 5 s)", flush=True)
            run = run_scenario(ns, slow, work, work / slow.name)
    wire = [der for pair in zip(run.requests[0], run.responses[0], strict=True) for der in pair]
    poll_too_early(wire, args.out / "http-poll-too-early.pcap")
    print("make http-poll-too-early.pcap")
    return 0


if __name__ == "__main__":
    sys.exit(main())
