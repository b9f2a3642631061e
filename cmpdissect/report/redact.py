"""`--redact`: subject names and serial numbers replaced by stable placeholders.

Names are learnt as the report reads the model (header sender/recipient, template subjects, the
Name nodes of trees, issued certificates) and then masked wherever they occur in text: findings,
causes, status strings and certificate summaries. The same name gets the same placeholder all
through one report, so a reader can still follow who talks to whom.
"""

from __future__ import annotations

import re
from dataclasses import replace

from cmpdissect.model import TreeNode

NAME_TYPES = frozenset({"Name", "GeneralName"})
SERIAL_NAMES = frozenset({"serialNumber", "serial"})
EMPTY_NAMES = frozenset({"", "(NULL-DN)"})


class Redactor:
    """Maps names and serials to `[name-N]` / `[serial-N]`; with `enabled` False it passes all through."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._names: dict[str, str] = {}
        self._serials: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None

    def name(self, value: str | None) -> str | None:
        if not self.enabled or value is None or value in EMPTY_NAMES:
            return value
        if value not in self._names:
            self._names[value] = f"[name-{len(self._names) + 1}]"
            self._pattern = None
        return self._names[value]

    def serial(self, value: str | None) -> str | None:
        """A serial as decimal or 0x-hex; both spellings of one number share a placeholder."""
        if not self.enabled or value is None:
            return value
        try:
            number = int(value, 0)
        except ValueError:
            return "[serial]"
        key = str(number)
        if key not in self._serials:
            self._serials[key] = f"[serial-{len(self._serials) + 1}]"
            self._pattern = None
        return self._serials[key]

    def text(self, value: str | None) -> str | None:
        """Free text with every name learnt so far, and `serial 0x...`, masked."""
        if not self.enabled or not value:
            return value
        if self._pattern is None:
            names = sorted(self._names, key=len, reverse=True)
            alternatives = [re.escape(n) for n in names] + [r"serial (?:0x[0-9a-fA-F]+|\d+)"]
            self._pattern = re.compile("|".join(alternatives))
        return self._pattern.sub(self._replacement, value)

    def _replacement(self, match: re.Match[str]) -> str:
        found = match.group(0)
        if found in self._names:
            return self._names[found]
        return f"serial {self.serial(found[7:])}"

    def tree(self, node: TreeNode) -> TreeNode:
        """A copy of the tree with names (children dropped: their RDNs would spell the name out)
        and serials masked, and summaries rewritten."""
        if not self.enabled:
            return node
        if node.type_name in NAME_TYPES and node.value not in (None, *EMPTY_NAMES):
            return replace(node, value=self.name(node.value), children=[])
        if node.name in SERIAL_NAMES and node.value is not None and not node.children:
            return replace(node, value=self.serial(node.value))
        children = [self.tree(c) for c in node.children]  # first: they teach the names
        return replace(node, value=self.text(node.value), children=children)
