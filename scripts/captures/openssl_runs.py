"""The real ``openssl cmp`` exchanges: one mock server and one or more clients per capture.

Every scenario runs inside the capture namespace; each client writes its requests and the responses
it used with ``-reqout``/``-rspout`` so the legacy TCP captures and message files reuse real messages.
"""

from __future__ import annotations

import shutil
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from .loopback import Namespace, background, run, start, tcpdump
from .pki import REFERENCE, SECRET, WRONG_SECRET, Pki

HTTP_PORT = 8080
OTHER_REFERENCE = "lab-ee-0815"  # another client's reference, with its own secret
OTHER_SECRET = "pass:ee-0815-secret"
# A proxy in front of the mock CA that refuses every CMP request with one HTTP status (as a
# misconfigured reverse proxy or WAF does); it prints ACCEPT when listening, like the mock CA.
PROXY = """
import http.server, sys
class Refuse(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"unsupported media type for this endpoint\\n"
        self.send_response(int(sys.argv[2]))
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Refuse)
print("ACCEPT proxy", flush=True)
server.serve_forever()
"""
MAX_MESSAGES = 8  # -reqout/-rspout file names offered per client; unused names stay absent


@dataclass(frozen=True, slots=True)
class Scenario:
    """One capture: server options, one argument list per client, how the clients run."""

    name: str
    server: tuple[str, ...]
    clients: tuple[tuple[str, ...], ...]
    parallel: bool = False
    host: str = "127.0.0.1"
    iface: str = "lo"
    linktype: str | None = None
    expect_ok: bool = True
    proxy_status: int | None = None  # a proxy on HTTP_PORT answers every request with this status


@dataclass(slots=True)
class RunResult:
    """Where a scenario's capture went and the DER messages each client saw, in order."""

    pcap: Path
    requests: list[list[bytes]] = field(default_factory=list)
    responses: list[list[bytes]] = field(default_factory=list)


def _pbm_server(pki: Pki) -> tuple[str, ...]:
    return ("-srv_ref", "lab-ca", "-srv_secret", SECRET, "-rsp_cert", str(pki.ee_crt))


def _sig_server(pki: Pki) -> tuple[str, ...]:
    return ("-srv_cert", str(pki.srv_crt), "-srv_key", str(pki.srv_key), "-srv_trusted", str(pki.ca_crt),
            "-rsp_cert", str(pki.ee_crt))


def scenarios(pki: Pki) -> list[Scenario]:
    """The HTTP captures, most important first."""
    pbm, sig = _pbm_server(pki), _sig_server(pki)
    recipient = ("-recipient", "/O=cmpdissect Lab/CN=Lab CMP Server")
    mac = ("-ref", REFERENCE, "-secret", SECRET, *recipient)
    signer = ("-cert", str(pki.client_crt), "-key", str(pki.client_key), "-srvcert", str(pki.srv_crt))
    enroll = ("-newkey", str(pki.ee_key), "-subject", "/O=cmpdissect Lab/CN=Lab Device 0001")
    ir_pbm = ("-cmd", "ir", *mac, *enroll)
    return [
        Scenario("http-ir-pbm", pbm, (ir_pbm,)),
        Scenario("http-polling", (*pbm, "-poll_count", "3", "-check_after", "1"), (ir_pbm,)),
        Scenario("http-ir-sig", sig, (("-cmd", "ir", *signer, *enroll),)),
        Scenario("http-cr", sig, (("-cmd", "cr", *signer, *enroll),)),
        Scenario("http-kur", sig, (("-cmd", "kur", "-cert", str(pki.ee_crt), "-key", str(pki.ee_key),
                                    "-srvcert", str(pki.srv_crt), "-newkey", str(pki.ee_key)),)),
        Scenario("http-p10cr", pbm, (("-cmd", "p10cr", *mac, "-csr", str(pki.ee_csr)),)),
        Scenario("http-rr", sig, (("-cmd", "rr", *signer, "-oldcert", str(pki.ee_crt), "-revreason", "1"),)),
        Scenario("http-genm", pbm, (("-cmd", "genm", *mac, "-infotype", "signKeyPairTypes"),)),
        Scenario("http-error", (*pbm, "-send_error"), (ir_pbm,), expect_ok=False),
        Scenario("http-rejection", (*pbm, "-pkistatus", "2", "-failure", "9", "-statusstring",
                                    "proof of possession does not verify"), (ir_pbm,), expect_ok=False),
        Scenario("http-wrong-secret", pbm, (("-cmd", "ir", "-ref", REFERENCE, "-secret", WRONG_SECRET,
                                             *recipient, *enroll),), expect_ok=False),
        Scenario("http-implicit-confirm", (*pbm, "-grant_implicitconf"), ((*ir_pbm, "-implicit_confirm"),)),
        # the mock CA keeps a connection open until its transaction ends: one poll makes it 3 exchanges
        Scenario("http-keepalive", (*pbm, "-poll_count", "1", "-check_after", "0"),
                 (ir_pbm, ("-cmd", "genm", *mac, "-infotype", "signKeyPairTypes"))),
        Scenario("http-no-keepalive", pbm, ((*ir_pbm, "-keep_alive", "0"),)),
        # the 3.0 mock CA keeps one transaction's state, so parallel clients use implicit confirmation
        Scenario("http-parallel", (*pbm, "-grant_implicitconf"),
                 tuple((*ir_pbm, "-implicit_confirm", "-keep_alive", "0") for _ in range(4)), parallel=True),
        Scenario("http-large-response", (*pbm, "-rsp_extracerts", str(pki.bundle), "-rsp_capubs",
                                         str(pki.ca_crt)), (ir_pbm,)),
        Scenario("http-ipv6", pbm, (ir_pbm,), host="[::1]"),
        Scenario("http-ir-sll2", pbm, (ir_pbm,), iface="any", linktype="LINUX_SLL2"),
        *interop_scenarios(pki),
    ]


def interop_scenarios(pki: Pki) -> list[Scenario]:
    """Failures engineers meet when a client and a CA/RA do not interoperate (issue 14)."""
    recipient = ("-recipient", "/O=cmpdissect Lab/CN=Lab CMP Server")
    enroll = ("-newkey", str(pki.ee_key), "-subject", "/O=cmpdissect Lab/CN=Lab Device 0001")
    ir_pbm = ("-cmd", "ir", "-ref", REFERENCE, "-secret", SECRET, *recipient, *enroll)
    return [
        # the client names reference lab-ee-0815 but MACs with lab-ee-4711's secret; the server looks the
        # secret up by senderKID (the 3.0 mock CA holds one secret: it is given 0815's)
        Scenario("http-wrong-senderkid", ("-srv_ref", "lab-ca", "-srv_secret", OTHER_SECRET, "-rsp_cert",
                                          str(pki.ee_crt)),
                 (("-cmd", "ir", "-ref", OTHER_REFERENCE, "-secret", SECRET, *recipient, *enroll),), expect_ok=False),
        # the client expects the device certificate as the server's, the server signs with its own
        Scenario("http-untrusted-server", _sig_server(pki),
                 (("-cmd", "ir", "-cert", str(pki.client_crt), "-key", str(pki.client_key), "-srvcert",
                   str(pki.ee_crt), *enroll),), expect_ok=False),
        Scenario("http-proxy-415", _pbm_server(pki), (ir_pbm,), expect_ok=False, proxy_status=415),
    ]


def _client_argv(sc: Scenario, args: tuple[str, ...], work: Path, index: int) -> list[str]:
    files = [work / f"c{index}-{kind}{n}.der" for kind in ("req", "rsp") for n in range(MAX_MESSAGES)]
    return ["openssl", "cmp", "-config", "", "-batch", "-server", f"{sc.host}:{HTTP_PORT}", "-path", "pkix/",
            "-msg_timeout", "10", "-total_timeout", "30",
            "-reqout", ",".join(map(str, files[:MAX_MESSAGES])),
            "-rspout", ",".join(map(str, files[MAX_MESSAGES:])), *args,
            "-certout", str(work / f"c{index}-cert.pem")]


def _collect(work: Path, index: int, kind: str) -> list[bytes]:
    found = []
    for n in range(MAX_MESSAGES):
        path = work / f"c{index}-{kind}{n}.der"
        if path.exists():
            found.append(path.read_bytes())
    return found


def run_scenario(ns: Namespace, sc: Scenario, out: Path, work: Path) -> RunResult:
    """Start the mock CA and tcpdump, run the clients, and gather the messages they exchanged."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = work / "client.log"
    log.write_text("")
    server_port = HTTP_PORT + 1 if sc.proxy_status else HTTP_PORT
    server = ["openssl", "cmp", "-config", "", "-port", str(server_port), *sc.server]
    proxy = [sys.executable, "-c", PROXY, str(HTTP_PORT), str(sc.proxy_status)]
    pcap = out / f"{sc.name}.pcap"
    with tcpdump(ns, pcap, f"tcp port {HTTP_PORT}", iface=sc.iface, linktype=sc.linktype), \
            background(ns, server, "ACCEPT", work / "server.log"), \
            (background(ns, proxy, "ACCEPT", work / "proxy.log") if sc.proxy_status else nullcontext()):
        argvs = [_client_argv(sc, args, work, i) for i, args in enumerate(sc.clients)]
        if sc.parallel:
            procs = [start(ns, argv) for argv in argvs]
            with log.open("ab") as fh:
                for proc in procs:
                    fh.write(b"".join(proc.communicate(timeout=60)))
            codes = [proc.returncode for proc in procs]
        else:
            codes = []
            for argv in argvs:
                codes.append(run(ns, argv, log))
                time.sleep(0.2)
    if sc.expect_ok and any(codes):
        raise RuntimeError(f"{sc.name}: client failed, see {log}")
    result = RunResult(pcap)
    for i in range(len(sc.clients)):
        result.requests.append(_collect(work, i, "req"))
        result.responses.append(_collect(work, i, "rsp"))
    return result
