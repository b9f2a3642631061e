"""The ladder (sequence) diagram of one transaction: client and server lanes, an arrow per message.

Wireshark draws flows only in a separate dialog; here the ladder sits beside the message it
selects. Transport frames (RFC 2510 / TCP-Messaging pollRep, finRep, errorMsgRep ...) are drawn
dashed in their own colour, and each "come back later" (a CMP pollRep's checkAfter, RFC 9810
5.3.22, or a transport pollRep's time-to-check-back) is followed by a line saying how long the client
was asked to wait and how long it did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cmpdissect.analysis.steps import Step
from cmpdissect.analysis.timing import PollWait, Timing
from cmpdissect.model import Transaction

from .rows import OUTCOME_STYLES, PROTECTION_MARKS, STATUS_STYLES, duration_text

GUTTER = 16  # "+12.345  f1234 " before the lanes


@dataclass(frozen=True, slots=True)
class Ladder:
    """What the diagram is drawn from: a snapshot taken under the loader's lock."""

    txn: Transaction
    steps: tuple[Step, ...]
    timing: Timing | None


def _label(step: Step) -> Text:
    text = Text()
    msg = step.msg
    if msg is None:
        text.append(step.label, style="magenta")
        framing = step.unit.framing
        if framing is not None and framing.error_name:
            text.append(f" {framing.error_type} {framing.error_name}", style="red")
        if framing is not None and framing.close:
            text.append(" close", style="magenta")
    else:
        body, _, statuses = step.label.partition("(")
        text.append(body, style="bold red" if body == "error" else "bold")
        if statuses:
            text.append("(")
            for n, status in enumerate(statuses.rstrip(")").split(",")):
                text.append(("," if n else "") + status, style=STATUS_STYLES.get(status, ""))
            text.append(")")
        if step.frame_type:
            text.append(f" [{step.frame_type}]", style="magenta")
        if step.inner:
            text.append(" (nested)", style="dim")
    mark = PROTECTION_MARKS.get(step.unit.protection) if not step.inner else None
    if mark:
        text.append(f" {mark[0]}", style=mark[1])
    http = step.unit.http
    if http is not None and http.status not in (None, 200):
        text.append(f" HTTP {http.status}", style="red")
    return text


def arrow(step: Step, width: int) -> Text:
    """One arrow across `width` cells between the lanes, label inside, pointing at the receiver."""
    transport = step.msg is None
    line, style = ("╌", "magenta") if transport else ("─", "cyan")
    label = _label(step)
    inner = max(width - 2, len(label) + 6)
    lead = 3
    tail = max(inner - lead - len(label) - 3, 1)
    text = Text("│", style="dim")
    if step.direction == 0:
        text.append(line * lead + " ", style=style)
        text.append_text(label)
        text.append(" " + line * tail + "▶", style=style)
    else:
        text.append("◀" + line * (lead - 1) + " ", style=style)
        text.append_text(label)
        text.append(" " + line * (tail + 1), style=style)
    text.append("│", style="dim")
    return text


def wait_text(wait: PollWait) -> Text:
    """How long the client was asked to wait and what it did."""
    if wait.absolute:
        at = datetime.fromtimestamp(wait.check_back, UTC).strftime("%H:%M:%SZ")
        asked = f"back at {at}" + (f" (+{wait.required:.1f} s)" if wait.required is not None else "")
    else:
        asked = f"{'time-to-check-back' if wait.transport else 'checkAfter'} {wait.check_back} s"
    text = Text(f"   ⋯ {asked}", style="yellow", no_wrap=True, overflow="ellipsis")
    if wait.poll_frame is None:
        text.append(" · no pollReq follows in the capture", style="dim")
    elif wait.waited is not None:
        text.append(f" · polled after {wait.waited:.3f} s",
                    style="bold red" if wait.too_soon else "green")
        if wait.too_soon:
            text.append(" too soon", style="bold red")
    return text


class LadderView(Vertical):
    """The diagram; moving the cursor over an arrow posts `StepHighlighted` for its message."""

    class StepHighlighted(Message):
        def __init__(self, step: Step) -> None:
            super().__init__()
            self.step = step

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ladder: Ladder | None = None

    def compose(self) -> ComposeResult:
        yield Static("no transaction selected", id="ladder-head")
        yield OptionList(id="ladder-arrows")

    @property
    def arrows(self) -> OptionList:
        return self.query_one("#ladder-arrows", OptionList)

    def show(self, ladder: Ladder | None, keep: bool = False) -> None:
        """Draw `ladder`; with `keep` (the same transaction grew) the cursor stays on its message."""
        previous = self.current_step()
        self.ladder = ladder
        self._draw()
        if keep and previous is not None and ladder is not None:
            self.highlight_step(previous.unit, previous.msg)

    def _draw(self) -> None:
        arrows = self.arrows
        head = self.query_one("#ladder-head", Static)
        arrows.clear_options()
        if self.ladder is None:
            head.update("no transaction selected")
            return
        txn, steps = self.ladder.txn, self.ladder.steps
        width = max((arrows.scrollable_content_region.width or 60) - GUTTER, 24)
        title = Text(f"{txn.kind or '?'} ", style="bold")
        title.append(txn.outcome, style=OUTCOME_STYLES.get(txn.outcome, ""))
        title.append(f"  {duration_text(txn.start, txn.end)}  {txn.transport}", style="dim")
        client, server = f"client {txn.client or '?'}", f"server {txn.server or '?'}"
        lanes = Text(" " * GUTTER + client + " " * max(width - len(client) - len(server), 1) + server)
        head.update(Text("\n").join([title, lanes]))
        start = txn.start
        waits = {w.pollrep_frame: w for w in self.ladder.timing.polls} if self.ladder.timing else {}
        options: list[Option] = []
        for n, step in enumerate(steps):
            offset = f"+{step.time - start:.3f}" if step.time is not None and start is not None else ""
            prompt = Text(f"{offset:>8}  ", style="dim")
            prompt.append(f"{step.frame:<5} ", style="dim")
            prompt.append_text(arrow(step, width))
            options.append(Option(prompt, id=str(n)))
            wait = waits.pop(step.frame, None)
            if wait is not None:
                options.append(Option(Text(" " * GUTTER).append_text(wait_text(wait)), disabled=True))
        arrows.add_options(options)
        if steps:
            arrows.highlighted = 0

    def on_resize(self) -> None:
        if self.ladder is not None:
            self.show(self.ladder, keep=True)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        step = self.current_step()
        if step is not None:
            self.post_message(self.StepHighlighted(step))

    def current_step(self) -> Step | None:
        if self.ladder is None:
            return None
        option = self.arrows.highlighted_option
        return self.ladder.steps[int(option.id)] if option is not None and option.id is not None else None

    def highlight_step(self, unit: object, msg: object = None) -> bool:
        """Put the cursor on the arrow of this unit (and inner message); False if not in the ladder."""
        if self.ladder is None:
            return False
        matches = [n for n, s in enumerate(self.ladder.steps) if s.unit is unit]
        chosen = next((n for n in matches if self.ladder.steps[n].msg is msg), matches[0] if matches else None)
        if chosen is None:
            return False
        self.arrows.highlighted = self.arrows.get_option_index(str(chosen))
        return True

    def highlight_frame(self, frame: int) -> Step | None:
        """Put the cursor on the first arrow completed in `frame`."""
        if self.ladder is None:
            return None
        step = next((s for s in self.ladder.steps if s.frame == frame), None)
        if step is not None:
            self.highlight_step(step.unit, step.msg)
        return step
