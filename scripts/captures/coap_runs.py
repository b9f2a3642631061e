"""The CoAP capture: a real ``openssl cmp`` enrollment carried over CoAP (RFC 9482) by aiocoap.

    openssl cmp --HTTP--> coap_lab proxy --CoAP--> coap_lab lossy --CoAP--> coap_lab server --HTTP--> mock CA
    (127.0.0.1:8081)     (client, 127.0.0.1)      (127.0.0.2:5683)         (127.0.0.4:5683)        (:8080)

Only the leg between the proxy and the lossy forwarder is captured (``udp and host 127.0.0.2``), so
the capture shows one CoAP client talking to one CoAP server. The request goes in 256-byte Block1
blocks, the large response (extraCerts bundle) in 1024-byte Block2 blocks; one polling round shows
RFC 9482's delayed delivery through CMP polling; the first answer comes as a separate response; one
response block is lost by the forwarder, so the client retransmits that block's request.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .loopback import Namespace, background, run, tcpdump
from .pki import REFERENCE, SECRET, Pki

UPSTREAM_PORT = 8080
PROXY_PORT = 8081
SERVER_FACE = "127.0.0.2"  # the server as the client sees it
FORWARD_FROM, SERVER = "127.0.0.3", "127.0.0.4"
NAME = "coap-ir"


def run_coap(ns: Namespace, pki: Pki, out: Path, work: Path) -> Path:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    pcap = out / f"{NAME}.pcap"
    lab = [sys.executable, "-m", "scripts.captures.coap_lab"]
    mock = ["openssl", "cmp", "-config", "", "-port", str(UPSTREAM_PORT), "-srv_ref", "lab-ca", "-srv_secret", SECRET,
            "-rsp_cert", str(pki.ee_crt), "-rsp_extracerts", str(pki.bundle), "-rsp_capubs", str(pki.ca_crt),
            "-poll_count", "1", "-check_after", "1"]
    client = ["openssl", "cmp", "-config", "", "-batch", "-server", f"127.0.0.1:{PROXY_PORT}", "-path", "pkix/",
              "-keep_alive", "0", "-msg_timeout", "20", "-total_timeout", "60",
              "-cmd", "ir", "-ref", REFERENCE, "-secret", SECRET, "-recipient", "/O=cmpdissect Lab/CN=Lab CMP Server",
              "-newkey", pki.ee_key, "-subject", "/O=cmpdissect Lab/CN=Lab Device 0001",
              "-certout", work / "cert.pem"]
    with tcpdump(ns, pcap, f"udp and host {SERVER_FACE}"), \
            background(ns, mock, "ACCEPT", work / "server.log"), \
            background(ns, [*lab, "server", SERVER, str(UPSTREAM_PORT), "--delay-first", "0.4"], "READY",
                       work / "coap-server.log"), \
            background(ns, [*lab, "lossy", SERVER_FACE, FORWARD_FROM, SERVER, "--drop-block", "3"], "READY",
                       work / "lossy.log"), \
            background(ns, [*lab, "proxy", str(PROXY_PORT), SERVER_FACE], "READY", work / "proxy.log"):
        code = run(ns, client, work / "client.log")
    if code:
        raise RuntimeError(f"{NAME}: client failed, see {work / 'client.log'}")
    return pcap
