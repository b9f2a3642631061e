"""HTTPS captures: ``openssl cmp -tls_used`` through a TLS-terminating relay with a key log.

The relay (``tls_relay.py``, Python's ``ssl``) terminates TLS on 8443 and forwards the bytes unchanged
to the mock CA on 8080, so one run gives the TLS capture, its NSS key log, and the clear-text twin
of the same exchange (the relay's upstream leg). TLS 1.3 with a large response (several records and
segments), and TLS 1.2 (ECDHE-ECDSA with AES-256-GCM) with mutual authentication in the clear.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .loopback import Namespace, background, run, tcpdump
from .pki import REFERENCE, SECRET, Pki

HTTPS_PORT = 8443
UPSTREAM_PORT = 8080
TLS_HOST = "cmp.lab.example"


@dataclass(frozen=True, slots=True)
class HttpsScenario:
    name: str
    tls12: bool
    server: tuple[str, ...] = ()


def scenarios(pki: Pki) -> list[HttpsScenario]:
    large = ("-rsp_extracerts", str(pki.bundle), "-rsp_capubs", str(pki.ca_crt))
    return [HttpsScenario("https-ir", tls12=False, server=large), HttpsScenario("https-ir-tls12", tls12=True)]


def _tls_server_cert(pki: Pki, work: Path) -> Path:
    """A TLS server certificate for the relay, issued by the lab root, with the name the client checks."""
    crt, csr, ext = work / "tls.crt", work / "tls.csr", work / "tls.ext"
    ext.write_text(f"subjectAltName=DNS:{TLS_HOST},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
                   "keyUsage=critical,digitalSignature\n")
    ca_key = pki.ca_crt.with_name("ca.key")
    for args in (["req", "-new", "-key", pki.srv_key, "-subj", f"/O=cmpdissect Lab/CN={TLS_HOST}", "-out", csr],
                 ["x509", "-req", "-in", csr, "-CA", pki.ca_crt, "-CAkey", ca_key, "-set_serial", "8443",
                  "-days", "3650", "-extfile", ext, "-out", crt]):
        subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)
    return crt


def run_https(ns: Namespace, sc: HttpsScenario, pki: Pki, out: Path, work: Path) -> list[Path]:
    """Run one enrollment over TLS; write NAME.pcap, NAME.keylog and NAME-clear.pcap into `out`."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    tls_crt = _tls_server_cert(pki, work)
    keylog, pcap, clear = out / f"{sc.name}.keylog", out / f"{sc.name}.pcap", out / f"{sc.name}-clear.pcap"
    keylog.unlink(missing_ok=True)
    mock = ["openssl", "cmp", "-config", "", "-port", str(UPSTREAM_PORT), "-srv_ref", "lab-ca", "-srv_secret", SECRET,
            "-rsp_cert", str(pki.ee_crt), *sc.server]
    relay = [sys.executable, "-m", "scripts.captures.tls_relay", str(HTTPS_PORT), str(UPSTREAM_PORT), tls_crt,
             pki.srv_key, pki.ca_crt, keylog, *(["--tls12"] if sc.tls12 else [])]
    client = ["openssl", "cmp", "-config", "", "-batch", "-server", f"127.0.0.1:{HTTPS_PORT}", "-path", "pkix/",
              "-tls_used", "-tls_cert", pki.client_crt, "-tls_key", pki.client_key, "-tls_trusted", pki.ca_crt,
              "-tls_host", TLS_HOST, "-msg_timeout", "10", "-total_timeout", "30",
              "-cmd", "ir", "-ref", REFERENCE, "-secret", SECRET, "-recipient", "/O=cmpdissect Lab/CN=Lab CMP Server",
              "-newkey", pki.ee_key, "-subject", "/O=cmpdissect Lab/CN=Lab Device 0001",
              "-certout", work / "cert.pem"]
    with tcpdump(ns, pcap, f"tcp port {HTTPS_PORT}"), tcpdump(ns, clear, f"tcp port {UPSTREAM_PORT}"), \
            background(ns, mock, "ACCEPT", work / "server.log"), \
            background(ns, relay, "RELAY READY", work / "relay.log"):
        code = run(ns, client, work / "client.log")
    if code:
        raise RuntimeError(f"{sc.name}: client failed, see {work / 'client.log'}")
    # Python writes a comment line first; the secrets are what matter
    keylog.write_text("".join(line for line in keylog.read_text().splitlines(keepends=True)
                              if not line.startswith("#")))
    return [pcap, keylog, clear]
