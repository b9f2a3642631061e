"""Real live captures: `openssl cmp` clients and the mock CA in two namespaces joined by a veth pair,
and on loopback; the units seen live must be those `cmpdissect read` finds in the written pcapng.

Root only (skipped otherwise); each test sets up and removes its own namespaces.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from cmpdissect.analysis.correlate import TransactionTable
from cmpdissect.model import Unit
from cmpdissect.pipeline import Pipeline
from cmpdissect.sniff import LiveReport, LiveSession
from cmpdissect.sources.capture import read_capture
from cmpdissect.sources.live import LiveCapture, PcapNgWriter

pytestmark = pytest.mark.root

UNIT_FIELDS = ("frame", "time", "stream", "src", "dst", "transport", "frame_type", "body", "transaction_id",
               "sender_nonce", "status", "fail_info", "check_after", "protection", "error")
TXN_LINE = re.compile(r"^(?:  => )?([0-9a-f]{8}) (\S+)\s+(\S+)\s+\S+s\s+\d+ findings  (.*)$")


def _key(unit: dict) -> tuple:
    return tuple(str(unit[f]) if f == "time" else unit[f] for f in UNIT_FIELDS)


def _same_units(live: list[dict], written: list[dict]) -> None:
    """Live units come as packets complete them; `read` orders by frame. Same units, same frames."""
    assert sorted(map(_key, live)) == sorted(map(_key, written))


def _transactions(stderr: str) -> dict[str, tuple[str, str, str]]:
    """tid prefix -> (kind, outcome, flow) from the summary lines (the last line per tid wins)."""
    found = {}
    for line in stderr.splitlines():
        if m := TXN_LINE.match(line):
            found[m[1]] = (m[2], m[3], m[4])
    return found


def test_veth_ir_polling_genm_and_error(veth, mock_ca, client_argv, sniffer, read_file, tmp_path: Path):
    """Three transactions between namespaces, sniffed on the CA's end of the veth pair."""
    mock_ca(veth.server, 8080, "-poll_count", "2", "-check_after", "1")
    mock_ca(veth.server, 8081, "-send_error")
    pcap = tmp_path / "veth.pcapng"
    sniff = sniffer(veth.server, "-i", veth.server_if, "--json", "-w", pcap)
    for port, cmd in ((8080, "ir"), (8080, "genm"), (8081, "ir")):
        subprocess.run(veth.client.argv(client_argv("10.199.0.1", port, cmd)), capture_output=True, timeout=60)
    result = sniff.stop()
    assert result.code == 0, result.stderr
    assert re.search(r"--- \S+: \d+ packets in [\d.]+ s, 0 lost", result.stderr), result.stderr

    bodies = [u["body"] for u in sorted(result.units, key=lambda u: u["frame"])]
    assert bodies == ["ir", "ip", "pollReq", "pollRep", "pollReq", "ip", "certConf", "pkiconf",
                      "genm", "genp", "ir", "error"]
    assert {u["src"].rpartition(":")[0] for u in result.units} == {"10.199.0.1", "10.199.0.2"}
    txns = _transactions(result.stderr)
    assert sorted(txns.values()) == [
        ("genm", "accepted", "genm genp"),
        ("ir", "accepted", "ir ip(waiting) pollReq pollRep pollReq ip(accepted) certConf pkiconf"),
        ("ir", "error", "ir error(rejection)"),
    ]
    assert "--- 3 transactions: 2 accepted, 1 error" in result.stderr
    _same_units(result.units, read_file(pcap))


def test_veth_cmp_only_keeps_cmp_connections(veth, mock_ca, client_argv, sniffer, read_file, tmp_path: Path):
    """--cmp-only: a plain TCP conversation on the same link is left out, the CMP one is whole."""
    mock_ca(veth.server, 8080)
    pcap = tmp_path / "cmp-only.pcapng"
    sniff = sniffer(veth.server, "-i", veth.server_if, "--json", "-w", pcap, "--cmp-only")
    noise = subprocess.Popen(veth.server.argv(["python3", "-c", _ECHO_SERVER]), stdout=subprocess.PIPE)
    assert noise.stdout is not None and noise.stdout.readline().strip() == b"ready"
    subprocess.run(veth.client.argv(["python3", "-c", _ECHO_CLIENT]), check=True, timeout=30)
    subprocess.run(veth.client.argv(client_argv("10.199.0.1", 8080, "ir")), capture_output=True, timeout=60)
    noise.wait(timeout=10)
    result = sniff.stop()
    assert result.code == 0, result.stderr
    written = read_file(pcap)
    assert [u["body"] for u in written] == ["ir", "ip", "certConf", "pkiconf"]
    assert {u["dst"] for u in written if u["body"] == "ir"} == {"10.199.0.1:8080"}
    assert re.search(r"\d+ packets written", result.stderr)
    done = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "tcp.port"], capture_output=True,
                          text=True) if shutil.which("tshark") else None
    if done is not None:
        ports = {p for line in done.stdout.split() for p in line.split(",")}
        assert "9000" not in ports and "8080" in ports


_ECHO_SERVER = ("import socket\n"
                "s = socket.create_server(('10.199.0.1', 9000)); print('ready', flush=True)\n"
                "c, _ = s.accept(); c.sendall(c.recv(4096) * 20); c.close()\n")
_ECHO_CLIENT = ("import socket\n"
                "c = socket.create_connection(('10.199.0.1', 9000)); c.sendall(b'POST / HTTP/1.1\\r\\n' * 50)\n"
                "while c.recv(65536): pass\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_loopback_in_process(privileged, mock_ca, client_argv, read_file, tmp_path: Path):
    """The loopback variant, in this process: LiveCapture -> LiveSession -> LiveReport, stopped by
    `-a duration` as the CLI would; each packet is taken once although loopback shows it twice."""
    port = _free_port()
    mock_ca(None, port, "-poll_count", "1", "-check_after", "0")
    pcap = tmp_path / "lo.pcapng"
    capture = LiveCapture("lo", f"tcp port {port}", duration=60)
    session = LiveSession(capture, Pipeline(), PcapNgWriter(str(pcap), capture.linktype), tick=0.1)
    out, err = _Text(), _Text()
    report = LiveReport(TransactionTable(), out, err)
    client = threading.Thread(target=subprocess.run, args=(client_argv("127.0.0.1", port, "ir"),),
                              kwargs={"capture_output": True, "timeout": 60})
    capture.start()
    client.start()
    units: list[Unit] = []
    for item in session.items():
        report.show(item)
        if isinstance(item, Unit):
            units.append(item)
        if not client.is_alive() and item is None:
            capture.stop()
    for item in session.finish():
        report.show(item)
    report.summary("--- lo")
    assert capture.linktype == 1
    assert [u.message.body for u in units if u.message] == ["ir", "ip", "pollReq", "ip", "certConf", "pkiconf"]
    assert "=> " in out.value and "accepted" in out.value
    assert "--- 1 transaction: 1 accepted" in out.value
    written = read_file(pcap)
    assert [(u["frame"], u["body"]) for u in written] == [(u.frame, u.message.body) for u in units]
    packets = [p.data for p in read_capture(pcap)]
    assert all(a != b for a, b in zip(packets, packets[1:], strict=False))  # not each packet twice
    stats = capture.stats
    assert stats.kernel_dropped == 0 and stats.queue_dropped == 0


class _Text:
    def __init__(self) -> None:
        self.value = ""

    def write(self, text: str) -> int:
        self.value += text
        return len(text)

    def flush(self) -> None:
        pass


def _burst(veth, mock_ca, client_argv, sniffer, read_file, tmp_path: Path, n: int) -> dict:
    mock_ca(veth.server, 8080, "-grant_implicitconf")
    pcap = tmp_path / f"burst{n}.pcapng"
    sniff = sniffer(veth.server, "-i", veth.server_if, "--json", "-w", pcap)
    started = time.monotonic()
    clients = [subprocess.Popen(veth.client.argv(client_argv("10.199.0.1", 8080, "ir", "-implicit_confirm",
                                                             "-keep_alive", "0")),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n)]
    codes = [c.wait(timeout=120) for c in clients]
    elapsed = time.monotonic() - started
    result = sniff.stop()
    assert codes == [0] * n
    assert result.code == 0, result.stderr
    bodies = [u["body"] for u in result.units]
    assert bodies.count("ir") == n and bodies.count("ip") == n
    assert len({u["transaction_id"] for u in result.units}) == n
    assert f"--- {n} transactions: {n} accepted" in result.stderr
    m = re.search(r"--- \S+: (\d+) packets in [\d.]+ s, (\d+) lost", result.stderr)
    assert m and m[2] == "0", result.stderr
    _same_units(result.units, read_file(pcap))
    figures = {"enrollments": n, "packets": int(m[1]), "units": len(result.units), "seconds": round(elapsed, 2)}
    print(f"burst figures: {figures}")
    return figures


def test_burst_10_parallel_enrollments(veth, mock_ca, client_argv, sniffer, read_file, tmp_path: Path):
    _burst(veth, mock_ca, client_argv, sniffer, read_file, tmp_path, 10)


@pytest.mark.slow
def test_burst_50_parallel_enrollments(veth, mock_ca, client_argv, sniffer, read_file, tmp_path: Path):
    _burst(veth, mock_ca, client_argv, sniffer, read_file, tmp_path, 50)
