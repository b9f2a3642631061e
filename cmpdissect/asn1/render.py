"""Text, hex and JSON views of a located field tree (`tshark -V`, `-x` and `-T json` style).

Pure functions from a `model.TreeNode` (and the message bytes for the hex dump) to str / dict;
the CLI and the TUI print what these return.
"""

from __future__ import annotations

from typing import Any

from cmpdissect.model import TreeNode

from .tree import build_tree


def _line(node: TreeNode) -> str:
    text = node.name
    if node.value is not None:
        text += f": {node.value}"
    elif node.type_name and node.type_name != node.name:
        text += f" ({node.type_name})"
    text += f"  [{node.offset}+{node.length}]"
    if node.error:
        text += f"  !! {node.error}"
    return text


def render_text(node: TreeNode, der: bytes | None = None, indent: int = 0) -> str:
    """The tree as indented "name: value  [offset+length]" lines, errors marked "!!".

    With `der` (the bytes the tree was built from) a hex dump follows, as `tshark -V -x` prints.
    `indent` shifts every line, for trees printed under a listing line (`read -V`).
    """
    lines: list[str] = []
    stack: list[tuple[TreeNode, int]] = [(node, indent)]
    while stack:
        cur, depth = stack.pop()
        lines.append(" " * depth + _line(cur))
        stack.extend((child, depth + 4) for child in reversed(cur.children))
    if der is not None:
        lines.append("")
        lines.extend(" " * indent + row for row in hex_dump(der).splitlines())
    return "\n".join(lines) + "\n"


def hex_dump(data: bytes, width: int = 16) -> str:
    """Offset, hex octets and printable ASCII, 16 octets a row (offsets in hex, as tshark -x)."""
    rows = []
    for pos in range(0, len(data), width):
        chunk = data[pos : pos + width]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        if width > 8 and len(chunk) > 8:
            hexes = hexes[:23] + " " + hexes[23:]
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        rows.append(f"{pos:04x}  {hexes:<{width * 3}}   {text}")
    return "\n".join(rows) + ("\n" if rows else "")


def tree_dict(node: TreeNode) -> dict[str, Any]:
    """The JSON shape {name, value, offset, length, children}, plus type and error when set."""
    out: dict[str, Any] = {
        "name": node.name,
        "value": node.value,
        "offset": node.offset,
        "length": node.length,
    }
    if node.type_name is not None:
        out["type"] = node.type_name
    if node.error is not None:
        out["error"] = node.error
    out["children"] = [tree_dict(child) for child in node.children]
    return out


def render_message(der: bytes, hexdump: bool = False, indent: int = 0) -> str:
    """`show` / `read -V` in one call: the tree of one PKIMessage, with its hex dump for `-x`."""
    return render_text(build_tree(der), der if hexdump else None, indent)


def message_dict(der: bytes) -> dict[str, Any]:
    """`show --json` in one call: the tree of one PKIMessage as nested objects."""
    return tree_dict(build_tree(der))
