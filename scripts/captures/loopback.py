"""Run programs inside a private network namespace and capture its loopback with tcpdump.

A namespace keeps the runs off the host's loopback; MTU 1500 and one segment per GSO packet make a
large CMP message cross the wire as several MSS-sized segments, as on a real LAN.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO


class Namespace:
    """A network namespace with only ``lo`` (MTU 1500), or the host loopback when netns is unavailable."""

    def __init__(self, name: str | None) -> None:
        self.name = name

    def argv(self, args: Sequence[str | Path]) -> list[str]:
        prefix = ["ip", "netns", "exec", self.name] if self.name else []
        return prefix + [str(a) for a in args]


@contextmanager
def namespace() -> Iterator[Namespace]:
    """Create ``cmpcap-<pid>``; fall back to the host loopback (and say so) if that fails."""
    name = f"cmpcap-{os.getpid()}"
    try:
        subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        print("warning: cannot create a network namespace, using the host loopback")
        yield Namespace(None)
        return
    try:
        ns = Namespace(name)
        subprocess.run(ns.argv(["ip", "link", "set", "lo", "up", "mtu", "1500"]), check=True)
        subprocess.run(ns.argv(["ip", "link", "set", "lo", "gso_max_segs", "1"]), check=False)
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


class _OutputTail:
    """Drain a child's output in a thread (so the pipe never fills) and signal when a line appears."""

    def __init__(self, stream: IO[bytes] | None, ready: str) -> None:
        self.lines: list[str] = []
        self.ready = threading.Event()
        self._marker = ready
        self._thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self._thread.start()

    def _run(self, stream: IO[bytes] | None) -> None:
        assert stream is not None
        for raw in stream:
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            if self._marker in line:
                self.ready.set()
        self.ready.set()

    def join(self) -> str:
        self._thread.join(timeout=5)
        return "\n".join(self.lines)


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def tcpdump(ns: Namespace, out: Path, port_filter: str, *, iface: str = "lo",
            linktype: str | None = None) -> Iterator[None]:
    """Capture ``port_filter`` on ``iface`` into ``out``; start only when tcpdump says it listens, stop
    with SIGINT so the file is complete, and fail loudly if the kernel dropped packets."""
    args = ["tcpdump", "-i", iface, "-n", "-U", "--immediate-mode", "-B", "16384", "-Z", "root", "-w", out]
    if linktype:
        args += ["-y", linktype]
    proc = subprocess.Popen(ns.argv([*args, port_filter]), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    tail = _OutputTail(proc.stderr, "listening on")
    if not tail.ready.wait(10) or proc.poll() is not None:
        _stop(proc)
        raise RuntimeError(f"tcpdump did not start: {tail.join()}")
    try:
        yield
        time.sleep(0.3)  # let the last FIN/ACK reach the ring buffer
    finally:
        _stop(proc, signal.SIGINT)
    log = tail.join()
    if not re.search(r"^0 packets dropped by kernel", log, re.M) or re.search(r"^0 packets captured", log, re.M):
        raise RuntimeError(f"tcpdump dropped packets for {out.name}: {log}")


@contextmanager
def background(ns: Namespace, args: Sequence[str | Path], ready: str, log: Path) -> Iterator[None]:
    """Run a server until the block ends; wait for the line ``ready`` on its stderr before yielding."""
    proc = subprocess.Popen(ns.argv(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tail = _OutputTail(proc.stdout, ready)
    if not tail.ready.wait(10) or proc.poll() is not None:
        _stop(proc)
        raise RuntimeError(f"server did not start: {tail.join()}")
    try:
        yield
        time.sleep(0.2)  # the server closes its side after the client's FIN
    finally:
        _stop(proc)
        log.write_text(tail.join() + "\n")


def run(ns: Namespace, args: Sequence[str | Path], log: Path, timeout: float = 60) -> int:
    """Run a client to completion, appending its output to ``log``; return its exit status."""
    done = subprocess.run(ns.argv(args), capture_output=True, timeout=timeout)
    with log.open("a") as fh:
        fh.write("$ " + " ".join(map(str, args)) + "\n" + done.stderr.decode(errors="replace")
                 + done.stdout.decode(errors="replace"))
    return done.returncode


def start(ns: Namespace, args: Sequence[str | Path]) -> subprocess.Popen[bytes]:
    """Start a client without waiting (parallel runs); collect it with ``Popen.communicate``."""
    return subprocess.Popen(ns.argv(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
