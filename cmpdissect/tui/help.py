"""The help screen: key bindings and the filter language."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from . import filter as flt

KEYS = (
    ("/", "filter the list (Enter applies, Escape clears)"),
    ("u", "switch between the transactions and the units list"),
    ("s / S", "sort the list by the next column / reverse it (or click a column header)"),
    ("tab", "next pane: list, ladder, tree, hex, findings"),
    ("↑ ↓ enter", "move; enter opens the transaction's ladder or chooses a finding"),
    ("1 2 3", "message detail / findings / notices"),
    ("x", "expand the whole field tree"),
    ("click a byte", "select the deepest field holding it"),
    ("f", "follow the TCP stream of the selected message"),
    ("w", "save the selected message (DER)"),
    ("c", "save the certificates it carries (PEM)"),
    ("r", "save a report of the selected transaction (Markdown; .html or .json by the name)"),
    ("t", "light / dark theme"),
    ("?", "this help"),
    ("q", "quit"),
)

FILTER_HELP = (
    "FIELD OP VALUE with OP one of == != ~ !~ < <= > >=  (~ is a case-insensitive substring test)\n"
    "combine with and, or, not and parentheses; a field alone tests that it holds something;\n"
    "any other word or a \"quoted string\" searches every field.\n\n"
    "  kind==ir and outcome!=accepted     tid~ab12     finding     body==pollReq\n"
    "  severity==error     duration>2     status==waiting     host~10.0.0.5     \"Lab CA\"\n\n"
)


def help_text() -> Text:
    text = Text("Keys\n", style="bold")
    for key, what in KEYS:
        text.append(f"  {key:<14}", style="bold cyan")
        text.append(what + "\n")
    text.append("\nFilter expressions\n", style="bold")
    text.append(FILTER_HELP)
    text.append("transaction fields: ", style="bold")
    text.append(", ".join(sorted(flt.TRANSACTION_FIELDS)) + "\n")
    text.append("unit fields: ", style="bold")
    text.append(", ".join(sorted(flt.UNIT_FIELDS)) + "\n")
    return text


class HelpScreen(ModalScreen[None]):
    AUTO_FOCUS = "#help"
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(help_text())
        yield Footer()

    def action_dismiss(self) -> None:
        self.dismiss(None)
