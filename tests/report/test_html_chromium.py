"""The HTML report rendered by headless Chromium: ladders and transaction sections exist after the
page ran, the search box filters, and screenshots are taken (kept in the test's tmp dir)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cmpdissect.report.html import render_html

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
PNG = b"\x89PNG\r\n\x1a\n"


def _chromium(tmp: Path, *args: str) -> str:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
           f"--user-data-dir={tmp / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=True).stdout


@pytest.fixture(scope="module")
def page(tmp_path_factory, report_of) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render_html(report_of("http-keepalive.pcap", secret=True)), encoding="utf-8")
    return path


def _png(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 20_000


def test_rendered_dom_has_ladders_and_transaction_sections(page):
    shot = page.parent / "report-light.png"
    dom = _chromium(page.parent, "--window-size=1280,1600", f"--screenshot={shot}", "--dump-dom", page.as_uri())
    sections = re.findall(r'<section class="txn[^"]*" id="(txn-\d+)"', dom)
    assert sections == ["txn-1", "txn-2"]
    assert dom.count('<svg class="ladder"') == 2
    assert dom.count('<g class="msg') == 8  # 6 messages of the ir transaction, 2 of the genm one
    assert re.search(r'<h2>Transaction 1: ir <span class="badge accepted">accepted</span></h2>', dom)
    assert "<h3>Certificates issued</h3>" in dom and "<h3>Polling</h3>" not in dom  # ip(waiting) is not pollRep
    _png(shot)


def test_search_box_filters_transactions_in_the_dark_theme(page):
    shot = page.parent / "report-dark.png"
    dom = _chromium(page.parent, "--window-size=1280,1600", f"--screenshot={shot}", "--dump-dom",
                    page.as_uri() + "?q=genp&theme=dark")
    assert re.search(r'<section class="txn" id="txn-1"[^>]*hidden', dom)
    assert not re.search(r'<section class="txn" id="txn-2"[^>]*hidden', dom)
    assert '<span id="hits" aria-live="polite">1 of 2 transactions</span>' in dom
    assert '<html lang="en" data-theme="dark">' in dom
    _png(shot)
