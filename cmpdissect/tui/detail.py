"""Message detail: the located ASN.1 tree above a linked hex pane (Wireshark's details and bytes).

The tree is built only when a message is opened (`asn1.tree.build_tree`) and its Textual nodes only
when expanded, so a 12 kB ip with fourteen certificates opens at once. Moving over a field
highlights its TLV in the hex pane; clicking a byte selects the deepest field holding it.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode as UiNode

from cmpdissect.asn1.render import hex_dump
from cmpdissect.asn1.tree import build_tree
from cmpdissect.model import TreeNode, Unit

HEX_WIDTH = 16
MAX_VALUE = 96  # characters of a value shown in the tree; the hex pane has the rest
EXPANDED_DEPTH = 2  # PKIMessage, then header / body / protection / extraCerts open


def deepest(node: TreeNode, offset: int) -> list[TreeNode]:
    """The path from `node` to the deepest field whose TLV holds byte `offset` (empty if none)."""
    if not node.offset <= offset < node.offset + node.length:
        return []
    path = [node]
    while True:
        child = next((c for c in path[-1].children if c.offset <= offset < c.offset + c.length), None)
        if child is None:
            return path
        path.append(child)


def node_label(node: TreeNode) -> Text:
    text = Text(node.name, style="bold")
    if node.value is not None:
        value = node.value if len(node.value) <= MAX_VALUE else node.value[:MAX_VALUE] + "…"
        text.append(f": {value}")
    elif node.type_name and node.type_name != node.name:
        text.append(f" ({node.type_name})", style="italic")
    if node.length:  # framing fields of a transport frame are not located in PKIMessage bytes
        text.append(f"  [{node.offset}+{node.length}]", style="dim")
    if node.error:
        text.append(f"  !! {node.error}", style="bold red")
    return text


def framing_tree(unit: Unit) -> TreeNode:
    """A transport frame without a PKIMessage, as a tree of its framing fields (not byte-located)."""
    f = unit.framing
    root = TreeNode(f"{unit.transport} frame", unit.frame_type, 0, 0)
    if f is not None:
        fields = [("length", f.length), ("version", f.version), ("flags", f.flags), ("close", f.close),
                  ("pollRef", f"{f.poll_ref:#010x}" if f.poll_ref is not None else None),
                  ("timeToCheckBack", f.check_after), ("errorType", f.error_type), ("errorName", f.error_name),
                  ("errorData", f.error_data.hex() if f.error_data else None), ("errorText", f.error_text)]
        root.children = [TreeNode(name, str(value), 0, 0) for name, value in fields if value is not None]
    if unit.error:
        root.error = unit.error
    return root


class HexView(Static):
    """`hex_dump` rows with the selected range highlighted; a click posts `ByteClicked`."""

    class ByteClicked(Message):
        def __init__(self, offset: int) -> None:
            super().__init__()
            self.offset = offset

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.data = b""
        self.highlight: tuple[int, int] | None = None  # [start, end) of the selected field

    def show(self, data: bytes, highlight: tuple[int, int] | None = None) -> None:
        self.data = data
        self.highlight = highlight
        self.update(self.dump_text())

    def select(self, start: int, end: int) -> None:
        self.highlight = (start, end)
        self.update(self.dump_text())

    def _offset_width(self) -> int:
        return len(f"{max(len(self.data) - 1, 0) // HEX_WIDTH * HEX_WIDTH:04x}")

    def hex_column(self, i: int) -> int:
        """The cell where byte `i` of a row starts in `hex_dump`'s layout (an extra gap after 8)."""
        return self._offset_width() + 2 + 3 * i + (1 if i >= 8 else 0)

    def ascii_column(self, i: int) -> int:
        return self._offset_width() + 2 + 3 * HEX_WIDTH + 3 + i

    def offset_at(self, x: int, y: int) -> int | None:
        """The byte under cell (x, y) of the dump, in the hex or the ASCII column."""
        base = y * HEX_WIDTH
        if y < 0 or base >= len(self.data):
            return None
        rel = x - self.hex_column(0)
        i: int | None = None
        if 0 <= rel < 3 * HEX_WIDTH:
            i = min(rel // 3 if rel < 24 else (rel - 1) // 3, HEX_WIDTH - 1)
        elif 0 <= x - self.ascii_column(0) < HEX_WIDTH:
            i = x - self.ascii_column(0)
        if i is None or base + i >= len(self.data):
            return None
        return base + i

    def dump_text(self) -> Text:
        text = Text(hex_dump(self.data, HEX_WIDTH).rstrip("\n"), no_wrap=True)
        if self.highlight is None:
            return text
        start, end = self.highlight
        row_len = len(text.plain.split("\n", 1)[0]) + 1 if self.data else 0
        for row in range(start // HEX_WIDTH, (max(end, start + 1) - 1) // HEX_WIDTH + 1):
            first = max(start - row * HEX_WIDTH, 0)
            last = min(end - row * HEX_WIDTH, HEX_WIDTH) - 1
            if last < first:
                continue
            line = row * row_len
            text.stylize("reverse", line + self.hex_column(first), line + self.hex_column(last) + 2)
            text.stylize("reverse", line + self.ascii_column(first), line + self.ascii_column(last) + 1)
        return text

    def on_click(self, event: events.Click) -> None:
        where = event.get_content_offset(self)
        if where is None:
            return
        offset = self.offset_at(where.x, where.y)
        if offset is not None:
            event.stop()
            self.post_message(self.ByteClicked(offset))


class MessageTree(Tree[TreeNode]):
    """The field tree; children are added when a node is first expanded."""

    def __init__(self, **kwargs) -> None:
        super().__init__("no message", **kwargs)
        self.model: TreeNode | None = None
        self._ui: dict[int, UiNode[TreeNode]] = {}
        self._filled: set[int] = set()

    def show(self, model: TreeNode | None) -> None:
        self._ui.clear()
        self._filled.clear()
        self.model = model
        self.reset(node_label(model) if model is not None else "no message", model)
        if model is None:
            return
        self._ui[id(model)] = self.root
        self._fill(self.root, EXPANDED_DEPTH)
        self.root.expand()
        self.move_cursor(self.root)

    def _fill(self, ui: UiNode[TreeNode], depth: int = 0) -> None:
        model = ui.data
        if model is None or id(model) in self._filled:
            return
        self._filled.add(id(model))
        for child in model.children:
            node = ui.add(node_label(child), data=child, allow_expand=bool(child.children), expand=depth > 1)
            self._ui[id(child)] = node
            if depth > 1:
                self._fill(node, depth - 1)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[TreeNode]) -> None:
        self._fill(event.node)

    def expand_all(self) -> None:
        """Open every field (the whole message at once, as `show` prints it)."""
        stack = [self.root]
        while stack:
            node = stack.pop()
            self._fill(node)
            node.expand()
            stack.extend(node.children)

    def select_path(self, path: list[TreeNode]) -> UiNode[TreeNode] | None:
        """Open the way to the last field of `path` and put the cursor on it."""
        ui = None
        for model in path:
            ui = self._ui.get(id(model))
            if ui is None:
                return None
            if model is not path[-1]:
                self._fill(ui)
                ui.expand()
        if ui is not None:
            self._tree_lines  # noqa: B018 - lay the opened lines out so the node has its line number
            self.move_cursor(ui)
        return ui


class MessageDetail(Vertical):
    """One unit: a line about it, its field tree and its bytes, kept in step."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.unit: Unit | None = None
        self._trees: dict[int, TreeNode] = {}  # id(unit) -> tree, for going back and forth

    def compose(self) -> ComposeResult:
        yield Static("", id="detail-head")
        yield MessageTree(id="tree")
        with VerticalScroll(id="hex-scroll"):
            yield HexView(id="hex")

    @property
    def tree(self) -> MessageTree:
        return self.query_one(MessageTree)

    @property
    def hex(self) -> HexView:
        return self.query_one(HexView)

    def show(self, unit: Unit | None) -> None:
        if unit is self.unit:
            return
        self.unit = unit
        head = self.query_one("#detail-head", Static)
        if unit is None:
            head.update("")
            self.tree.show(None)
            self.hex.show(b"")
            return
        head.update(_head(unit))
        if unit.der:
            model = self._trees.get(id(unit))
            if model is None:
                if len(self._trees) > 64:
                    self._trees.clear()
                model = self._trees[id(unit)] = build_tree(unit.der)
            self.hex.show(unit.der, (0, len(unit.der)))
        else:
            model = framing_tree(unit)
            self.hex.show(b"")
        self.tree.show(model)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[TreeNode]) -> None:
        node = event.node.data
        if node is None or self.unit is None or not self.unit.der:
            return
        self.hex.select(node.offset, node.offset + node.length)
        scroll = self.query_one("#hex-scroll", VerticalScroll)
        first, last = node.offset // HEX_WIDTH, (node.offset + max(node.length, 1) - 1) // HEX_WIDTH
        top, height = int(scroll.scroll_y), scroll.scrollable_content_region.height
        if height and (first < top or first >= top + height):
            scroll.scroll_to(y=max(first - 1, 0), animate=False)
        elif height and last >= top + height and last - first < height:
            scroll.scroll_to(y=last - height + 1, animate=False)

    def on_hex_view_byte_clicked(self, event: HexView.ByteClicked) -> None:
        model = self.tree.model
        if model is None:
            return
        path = deepest(model, event.offset)
        if path:
            self.tree.select_path(path)
            self.tree.focus()


def _head(unit: Unit) -> Text:
    m = unit.message
    where = f"frame {unit.frame}" if unit.frame else f"message {unit.index + 1}"
    text = Text(f"{where}  ", style="bold")
    if m is not None and m.body:
        text.append(m.body, style="bold")
        text.append(f"  {len(unit.der or b'')} bytes  ")
    elif unit.frame_type:
        text.append(f"tcp:{unit.frame_type}  ", style="magenta")
    if unit.src:
        text.append(f"{unit.src} → {unit.dst}  ", style="dim")
    prot = {"valid": "green", "invalid": "bold red", "unverifiable": "yellow"}.get(unit.protection, "dim")
    text.append(f"protection {unit.protection}", style=prot)
    if unit.signer:
        text.append(f" by {unit.signer}", style=prot)
    if unit.protection_reason:
        text.append(f": {unit.protection_reason}", style=prot)
    if unit.error:
        text.append(f"\n!! {unit.error}", style="bold red")
    return text
