"""Live-capture fixtures: a throw-away credential, two network namespaces joined by a veth pair, the
`openssl cmp` mock CA and clients, and the sniffer run as a real process (so Ctrl-C is real too).

Everything privileged skips with a reason when not root or when `ip`/`openssl` are missing, and the
namespaces are deleted even when a test fails (deleting a namespace removes its veth end and the pair).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "pass:lab-shared-secret"
SUBJECT = "/O=cmpdissect Lab/CN=Lab Device 0001"
SERVER_IP, CLIENT_IP = "10.199.0.1", "10.199.0.2"  # exists only inside the test namespaces
# The sniffer as `cmpdissect sniff` runs it, without depending on cli.py registering the command.
RUNNER = ("import argparse, sys\n"
          "from cmpdissect import sniff\n"
          "p = argparse.ArgumentParser(prog='cmpdissect'); sub = p.add_subparsers()\n"
          "sniff.add_parser(sub)\n"
          "ns = p.parse_args(sys.argv[1:])\n"
          "sys.exit(ns.run(ns))\n")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: long live tests (the 50-enrollment burst); run with -m slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "slow" in (config.getoption("-m") or ""):
        return
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="slow: run with -m slow"))


@pytest.fixture(scope="session")
def privileged() -> None:
    if os.geteuid() != 0:
        pytest.skip("live capture and network namespaces need root")
    for tool in ("ip", "openssl"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")


@pytest.fixture(scope="session")
def credential(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with ee.key and the self-signed ee.crt the mock CA hands out for it."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    work = tmp_path_factory.mktemp("pki")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", work / "ee.key", "-out", work / "ee.crt", "-subj", SUBJECT, "-days", "30"],
                   check=True, capture_output=True)
    return work


class Place:
    """Where programs run: a network namespace, or the host (name None)."""

    def __init__(self, name: str | None) -> None:
        self.name = name

    def argv(self, args: Sequence[str | Path]) -> list[str]:
        return (["ip", "netns", "exec", self.name] if self.name else []) + [str(a) for a in args]


@dataclass
class Veth:
    server: Place
    client: Place
    server_if: str
    client_if: str


@pytest.fixture
def veth(privileged: None) -> Iterator[Veth]:
    """Namespaces `cmpl<pid>s` (mock CA, 10.199.0.1) and `cmpl<pid>c` (clients, 10.199.0.2) on a veth pair."""
    tag = f"cmpl{os.getpid() % 100000}"
    ns_s, ns_c, if_s, if_c = f"{tag}s", f"{tag}c", f"{tag}vs", f"{tag}vc"
    try:
        for ns in (ns_s, ns_c):
            _ip("netns", "add", ns)
            _ip("-n", ns, "link", "set", "lo", "up")
        _ip("link", "add", if_s, "netns", ns_s, "type", "veth", "peer", "name", if_c, "netns", ns_c)
        for ns, iface, addr in ((ns_s, if_s, SERVER_IP), (ns_c, if_c, CLIENT_IP)):
            _ip("-n", ns, "addr", "add", f"{addr}/30", "dev", iface)
            _ip("-n", ns, "link", "set", iface, "up")
        yield Veth(Place(ns_s), Place(ns_c), if_s, if_c)
    finally:
        for ns in (ns_s, ns_c):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot set up the test network (ip {' '.join(args)}): {done.stderr.strip()}")


class _Lines:
    """Drain a child's stream in a thread; wait for a line containing a marker."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self._thread.start()

    def _run(self, stream) -> None:
        for raw in stream:
            with self._cond:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self.lines.append("")  # end of stream
            self._cond.notify_all()

    def wait_for(self, marker: str, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: any(marker in line for line in self.lines), timeout)

    def text(self) -> str:
        self._thread.join(timeout=10)
        return "\n".join(self.lines)


@dataclass
class MockCa:
    proc: subprocess.Popen[bytes]
    port: int

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def mock_ca(credential: Path) -> Iterator:
    """`start(place, port, *options)`: an `openssl cmp` mock CA with MAC protection, ready when
    returned; place None is the host (its loopback)."""
    started: list[MockCa] = []

    def start(place: Place | None, port: int, *options: str) -> MockCa:
        proc = subprocess.Popen((place or Place(None)).argv(["openssl", "cmp", "-config", "", "-port", str(port), "-srv_ref", "lab-ca",
                                            "-srv_secret", SECRET, "-rsp_cert", credential / "ee.crt", *options]),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        ca = MockCa(proc, port)
        started.append(ca)
        if not _Lines(proc.stdout).wait_for("ACCEPT", 10):
            pytest.fail("the openssl cmp mock CA did not start")
        return ca

    try:
        yield start
    finally:
        for ca in started:
            ca.stop()


@pytest.fixture
def client_argv(credential: Path, tmp_path: Path):
    """`client_argv(host, port, cmd, *options)`: an `openssl cmp` client command line."""
    count = iter(range(10_000))

    def argv(host: str, port: int, cmd: str, *options: str) -> list[str]:
        enroll = ["-newkey", str(credential / "ee.key"), "-subject", SUBJECT] if cmd != "genm" else \
            ["-infotype", "signKeyPairTypes"]
        return ["openssl", "cmp", "-config", "", "-batch", "-server", f"{host}:{port}", "-path", "pkix/",
                "-cmd", cmd, "-ref", "lab-ee-4711", "-secret", SECRET, "-recipient", "/CN=Lab CA",
                "-msg_timeout", "20", "-total_timeout", "60", *enroll, *options,
                "-certout", str(tmp_path / f"cert{next(count)}.pem")]

    return argv


@dataclass
class SniffResult:
    code: int
    units: list[dict] = field(default_factory=list)
    stderr: str = ""


class Sniffer:
    """`cmpdissect sniff` as a process: started, waited for until it captures, stopped with Ctrl-C."""

    def __init__(self, place: Place, args: Sequence[str | Path]) -> None:
        self.proc = subprocess.Popen(place.argv([sys.executable, "-c", RUNNER, "sniff", *args]), cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._out = _Lines(self.proc.stdout)
        self._err = _Lines(self.proc.stderr)
        if not self._err.wait_for("capturing on", 30):
            self.proc.kill()
            pytest.fail(f"the sniffer did not start: {self._err.text()}")

    def stop(self, timeout: float = 60) -> SniffResult:
        """SIGINT (Ctrl-C), then the decoded units (--json) and stderr."""
        time.sleep(0.3)  # the last FIN/ACK reaches the socket
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        return self.wait(timeout)

    def wait(self, timeout: float = 60) -> SniffResult:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        out, err = self._out.text(), self._err.text()
        return SniffResult(code, [json.loads(line) for line in out.splitlines() if line.startswith("{")], err)


@pytest.fixture
def sniffer() -> Iterator:
    """`sniffer(place, *args)` starts `cmpdissect sniff`; every one still running is killed at the end."""
    started: list[Sniffer] = []

    def start(place: Place, *args: str | Path) -> Sniffer:
        s = Sniffer(place, args)
        started.append(s)
        return s

    try:
        yield start
    finally:
        for s in started:
            if s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()


def read_back(path: Path) -> list[dict]:
    """`cmpdissect read PATH --json` on the written file, through the CLI's own parser and command."""
    from cmpdissect import cli

    ns = cli._parser().parse_args(["read", str(path), "--json"])
    out, err = io.StringIO(), io.StringIO()
    assert ns.run(ns, out=out, err=err) == 0, err.getvalue()
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.fixture
def read_file():
    return read_back
