"""The full located decoder (`asn1.tree.build_tree`) and its renderings, over any bytes.

Rules: no exception (build_tree turns its own bugs into an "internal error" node: that counts as a
failure here); every node lies inside the bytes; rendering as text, hex and JSON works.
"""

from __future__ import annotations

import json

from cmpdissect.asn1.render import message_dict, render_message
from cmpdissect.asn1.tree import build_tree, carried_objects
from cmpdissect.model import TreeNode
from fuzz.harness import messages, require


def _check(node: TreeNode, size: int, depth: int = 0) -> None:
    require(not (node.error or "").startswith("internal error"), f"build_tree bug: {node.error}")
    require(node.offset >= 0 and node.length >= 0 and node.offset + node.length <= size,
            f"node {node.name} at {node.offset}+{node.length} outside {size} bytes")
    for child in node.children:
        _check(child, size, depth + 1)


def one_input(data: bytes) -> None:
    _check(build_tree(data), len(data))
    render_message(data, hexdump=True)
    json.dumps(message_dict(data))
    for carried in carried_objects(data):
        require(carried.der in data, "carried object not taken from the message")


def seeds() -> list[bytes]:
    return messages()
