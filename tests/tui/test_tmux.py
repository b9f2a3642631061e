"""Smoke test: the real command in a real terminal (tmux), driven by keys, read with capture-pane."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from cmpdissect import cli

from .conftest import CAPTURES

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def _command(capture: str) -> list[str]:
    """`cmpdissect tui CAPTURE` once cli.py knows the command; the package's own entry until then."""
    if "tui" in cli.COMMANDS:
        return [sys.executable, "-m", "cmpdissect", "tui", capture]
    return [sys.executable, "-m", "cmpdissect.tui", capture]


class Tmux:
    def __init__(self) -> None:
        self.socket = f"cmpdissect-test-{os.getpid()}"

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              check=False, timeout=20).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "tui")

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared on screen:\n{self.screen()}")

    def alive(self) -> bool:
        return subprocess.run(["tmux", "-L", self.socket, "has-session", "-t", "tui"],
                              capture_output=True, check=False).returncode == 0


@pytest.fixture
def tmux():
    t = Tmux()
    yield t
    t.run("kill-server")


def test_real_command_under_tmux(tmux: Tmux) -> None:
    command = " ".join(_command(str(CAPTURES / "tcp-rfc2510.pcap")))
    tmux.run("new-session", "-d", "-s", "tui", "-x", "140", "-y", "40", f"env -u COLUMNS -u LINES TERM=xterm-256color {command}")
    screen = tmux.wait_for("3 transactions · 16 units · 0 notices")
    assert "09cc679e" in screen and "tcp:negPollRep" in screen
    tmux.run("send-keys", "-t", "tui", "u")
    screen = tmux.wait_for("destination")
    assert "pollReq" in screen
    tmux.run("send-keys", "-t", "tui", "/")
    time.sleep(0.5)  # focus moves to the filter bar after the key is handled; typed-ahead keys would not
    tmux.run("send-keys", "-t", "tui", "-l", "body==tcp:errorMsgRep")
    tmux.run("send-keys", "-t", "tui", "Enter")
    tmux.wait_for("1 shown")
    tmux.run("send-keys", "-t", "tui", "q")
    deadline = time.monotonic() + 10
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tmux.alive()


def test_unreadable_file_is_one_line_and_exit_2(tmp_path) -> None:
    garbage = tmp_path / "garbage.pcap"
    garbage.write_bytes(bytes(range(256)) * 4)
    result = subprocess.run(_command(str(garbage)), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("cmpdissect: error:") and result.stderr.count("\n") == 1
    assert "garbage.pcap" in result.stderr
