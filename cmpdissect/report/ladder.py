"""Ladder (message sequence) diagrams of one transaction: inline SVG for HTML, a Mermaid sequence
diagram for Markdown forges, and plain text for terminals and forges without Mermaid.

Two lanes, client and server: a transaction is one hop (an RA's upstream hop is a transaction of
its own). Responses that refuse (rejection, error) and ask to wait (waiting, pollRep) are marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .summary import MessageInfo

ROW = 34  # SVG pixels per message
TOP = 56
LEFT_LANE, RIGHT_LANE, WIDTH = 210, 560, 780
TEXT_WIDTH = 64


def tone(label: str) -> str:
    """`bad` for refusals, `wait` for "come back later", `ok` otherwise (CSS class names)."""
    if label.startswith("error") or "rejection" in label or label in ("tcp:errorMsgRep", "tcp:negPollRep"):
        return "bad"
    if "waiting" in label or "pollRep" in label:
        return "wait"
    return "ok"


def _when(m: MessageInfo) -> str:
    return f"+{m.time:.3f} s" if m.time is not None else ""


def ladder_text(messages: Sequence[MessageInfo], client: str | None, server: str | None) -> str:
    """The flow as arrows between two columns, one line a message, frame and time on the right."""
    inner = TEXT_WIDTH - 2
    left, right = f"client {client or '?'}", f"server {server or '?'}"
    lines = [f"{left:<{TEXT_WIDTH - len(right)}}{right}", "|" + " " * inner + "|"]
    for m in messages:
        label = m.label if len(m.label) <= inner - 8 else m.label[: inner - 11] + "..."
        if m.direction == 0:
            arrow = f"|-- {label} ".ljust(TEXT_WIDTH - 2, "-") + ">|"
        else:
            arrow = f"|<{'-' * (inner - len(label) - 5)} {label} --|"
        lines.append(f"{arrow}  frame {m.frame} {_when(m)}".rstrip())
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    # `;` ends a statement and `#` starts an entity in Mermaid message text
    return text.replace(";", ",").replace("#", "no. ")


def ladder_mermaid(messages: Sequence[MessageInfo], client: str | None, server: str | None) -> str:
    """A Mermaid `sequenceDiagram` (GitHub, GitLab and Gitea render it in Markdown)."""
    lines = [
        "sequenceDiagram",
        f"    participant C as Client {_mermaid_text(client or '?')}",
        f"    participant S as Server {_mermaid_text(server or '?')}",
    ]
    for m in messages:
        arrow = "C->>S" if m.direction == 0 else ("S--xC" if tone(m.label) == "bad" else "S-->>C")
        lines.append(f"    {arrow}: {_mermaid_text(m.label)} (frame {m.frame} {_when(m)})")
    return "\n".join(lines) + "\n"


def ladder_svg(messages: Sequence[MessageInfo], client: str | None, server: str | None, ident: str = "l",
               title: str = "") -> str:
    """An inline SVG styled by the page's CSS classes, so it follows its light or dark theme;
    `ident` keeps the arrowhead markers of several diagrams in one page apart."""
    height = TOP + ROW * len(messages) + 16
    out = [
        f'<svg class="ladder" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title or "message sequence")}</title>',
        "<defs>" + "".join(
            f'<marker id="{ident}-{t}" class="{t}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
            'markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker>'
            for t in ("ok", "wait", "bad")) + "</defs>",
    ]
    for x, name in ((LEFT_LANE, f"client {client or '?'}"), (RIGHT_LANE, f"server {server or '?'}")):
        out.append(f'<text class="lane" x="{x}" y="18" text-anchor="middle">{escape(name)}</text>')
        out.append(f'<line class="lifeline" x1="{x}" y1="28" x2="{x}" y2="{height - 4}"/>')
    for n, m in enumerate(messages):
        y = TOP + n * ROW
        x1, x2 = (LEFT_LANE, RIGHT_LANE) if m.direction == 0 else (RIGHT_LANE, LEFT_LANE)
        out.append(f'<g class="msg {tone(m.label)}" data-frame="{m.frame}">')
        out.append(f'<text class="when" x="8" y="{y + 4}">frame {m.frame}</text>')
        out.append(f'<text class="when" x="8" y="{y + 17}">{escape(_when(m))}</text>')
        out.append(f'<line x1="{x1}" y1="{y + 6}" x2="{x2}" y2="{y + 6}" marker-end="url(#{ident}-{tone(m.label)})"/>')
        out.append(f'<text class="label" x="{(LEFT_LANE + RIGHT_LANE) // 2}" y="{y}" text-anchor="middle">'
                   f'{escape(m.label)}</text></g>')
    out.append("</svg>")
    return "\n".join(out)
