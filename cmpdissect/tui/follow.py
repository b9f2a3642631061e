"""Follow stream: the conversation of one TCP connection as its units tell it.

Wireshark's "Follow TCP Stream" re-reads the capture; here everything comes from the units (their
`http` headers, `framing` fields and PKIMessage summary), client lines in red and server lines in
blue as Wireshark colours them. Bodies are named, not dumped: the detail pane has the bytes.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from cmpdissect.model import Unit

from .rows import what_text

SIDE_STYLES = ("red", "blue")
FRAMINGS = {"tcp-rfc2510": "RFC 2510", "tcp-msg-v10": "TCP-Messaging", "http-poll": "TCP-Messaging"}


def _http_lines(unit: Unit) -> list[str]:
    h = unit.http
    if h is None:
        return []
    if h.is_request:
        first = f"{h.method or '?'} {h.path or '?'} {h.version or ''}".rstrip()
    else:
        first = f"{h.version or 'HTTP/?'} {h.status} {h.reason or ''}".rstrip()
    return [first, *(f"{name}: {value}" for name, value in h.headers), ""]


def _framing_line(unit: Unit) -> str | None:
    f = unit.framing
    if f is None:
        return None
    parts = [f"{FRAMINGS.get(unit.transport, unit.transport)} {unit.frame_type or '?'}", f"length={f.length}"]
    if f.version is not None:
        parts.append(f"version={f.version}")
    if f.flags is not None:
        parts.append(f"flags={f.flags:#04x}")
    if f.poll_ref is not None:
        parts.append(f"pollRef={f.poll_ref:#010x}")
    if f.check_after is not None:
        parts.append(f"checkBack={f.check_after}")
    if f.error_type:
        parts.append(f"error={f.error_type} {f.error_name or ''}".rstrip())
    if f.error_text:
        parts.append(repr(f.error_text))
    if f.close:
        parts.append("close")
    return "[" + " ".join(parts) + "]"


def stream_text(units: Iterable[Unit]) -> Text:
    """The conversation of one connection: HTTP start lines and headers, framing, PKIMessages."""
    text = Text()
    first_time = None
    for unit in units:
        style = SIDE_STYLES[unit.direction or 0]
        first_time = unit.time if first_time is None else first_time
        rel = f"+{unit.time - first_time:.6f}" if unit.time is not None and first_time is not None else ""
        text.append(f"── frame {unit.frame} {rel}  {unit.src} → {unit.dst}\n", style="dim")
        for line in _http_lines(unit):
            text.append(line + "\n", style=style)
        framing = _framing_line(unit)
        if framing:
            text.append(framing + "\n", style=f"{style} italic")
        if unit.der is not None:
            text.append(f"[PKIMessage, {len(unit.der)} bytes] ", style=style)
            text.append_text(what_text(unit))
            text.append("\n")
        if unit.error:
            text.append(f"!! {unit.error}\n", style="bold red")
        text.append("\n")
    return text


class FollowScreen(ModalScreen[None]):
    """One connection's conversation over the main screen; escape closes it."""

    AUTO_FOCUS = "#follow"
    BINDINGS = [Binding("escape,q,f", "dismiss", "close")]

    def __init__(self, title: str, units: list[Unit]) -> None:
        super().__init__()
        self.title_text = title
        self.units = units

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="follow"):
            yield Static(Text(self.title_text, style="bold"), id="follow-title")
            yield Static(stream_text(self.units), id="follow-text")
        yield Footer()

    def action_dismiss(self) -> None:
        self.dismiss(None)
