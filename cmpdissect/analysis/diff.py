"""The comparison of two transactions: "why does peer A work and peer B not?".

Messages are paired by their place in the flow and their body (an alignment of the two body
sequences, so an extra pollReq/pollRep round on one side does not shift the rest), and each pair is
compared field by field on the full located tree (`asn1.tree.build_tree`). A difference is named by
its path in the tree (`header.protectionAlg`, `body.ir.CertReqMsg[0].certReq.certTemplate.issuer`)
and reported at the highest node whose value summarizes it, so a changed name is one line, not one
per RDN. Fields that differ between any two runs (RFC 9810 5.1.1 nonces and transactionID,
messageTime, protection and signature bits, keys, serial numbers and validity of issued
certificates) are left out unless `all_fields` is set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from cmpdissect.asn1.tree import build_tree
from cmpdissect.model import Finding, Transaction, TreeNode, Unit

# Fields whose value is fresh in every run (RFC 9810 5.1.1, 5.1.3, 5.3.18; RFC 4211 4.1).
VOLATILE = frozenset({
    "transactionID", "senderNonce", "recipNonce", "messageTime", "protection", "salt", "certHash",
    "subjectPublicKey", "encryptedKey", "encSymmKey", "encValue", "privateKey", "confirmWaitTime",
    "rsaKeyLen",
})
VOLATILE_BITS = frozenset({"signature", "signatureValue", "mac", "value"})  # when a BIT STRING
# Inside a certificate: what a CA sets afresh for every issuance (RFC 5280 4.1.2.2, 4.1.2.5, 4.2.1.2).
VOLATILE_IN_CERT = frozenset({"serialNumber", "notBefore", "notAfter", "keyIdentifier", "SubjectKeyIdentifier"})
CERT_TYPES = frozenset({"Certificate", "CMPCertificate", "TBSCertificate"})
SUMMARY_TYPES = frozenset({"Name", "GeneralName", "AlgorithmIdentifier", "PKIStatusInfo", "Time", "Validity"})
OID_FIRST = frozenset({"OBJECT IDENTIFIER", "AttributeType", "InfoType"})
_LIST = re.compile(r"^\d+ items?$")


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """One field that differs; `a` or `b` is None where the field is absent on that side."""

    path: str
    a: str | None
    b: str | None


@dataclass(frozen=True, slots=True)
class MessagePair:
    """Two corresponding messages (or one, where the other flow has nothing in its place).

    `a_index` / `b_index` index the transaction's `units` and `messages`.
    """

    a_index: int | None
    b_index: int | None
    a_label: str | None
    b_label: str | None
    a_frame: int | None
    b_frame: int | None
    fields: tuple[FieldDiff, ...] = ()

    @property
    def name(self) -> str:
        """How the pair is named in a listing: the body, `a-label/b-label` when the labels differ."""
        if self.a_label == self.b_label or self.b_label is None:
            return self.a_label or "?"
        if self.a_label is None:
            return self.b_label
        return f"{self.a_label}/{self.b_label}"


@dataclass(frozen=True, slots=True)
class TransactionDiff:
    """Transaction-level differences (`fields`) and the aligned flow with per-message differences."""

    fields: tuple[FieldDiff, ...]
    pairs: tuple[MessagePair, ...]

    @property
    def same(self) -> bool:
        return not self.fields and all(not p.fields and p.a_label == p.b_label for p in self.pairs)


def body_of(label: str) -> str:
    """`ip(accepted)` -> `ip`; transport frames keep their `tcp:` label."""
    return label.split("(", 1)[0]


def diff_transactions(a: Transaction, b: Transaction, all_fields: bool = False) -> TransactionDiff:
    """Every difference between two transactions, from the model alone (no I/O)."""
    fields = _transaction_fields(a, b)
    pairs = tuple(_diff_pair(a, b, i, j, all_fields) for i, j in align(a.messages, b.messages))
    return TransactionDiff(tuple(fields), pairs)


def align(a: Sequence[str], b: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Index pairs of corresponding messages: equal bodies in flow order; inside a replaced stretch,
    the k-th message of a body on one side pairs with the k-th of that body on the other."""
    a_bodies, b_bodies = [body_of(x) for x in a], [body_of(x) for x in b]
    out: list[tuple[int | None, int | None]] = []
    matcher = SequenceMatcher(None, a_bodies, b_bodies, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        left = list(range(i1, i2))
        right = list(range(j1, j2))
        for i in left:
            j = next((j for j in right if b_bodies[j] == a_bodies[i]), None)
            if j is not None:
                right.remove(j)
            out.append((i, j))
        out.extend((None, j) for j in right)
    return out


def _transaction_fields(a: Transaction, b: Transaction) -> list[FieldDiff]:
    out: list[FieldDiff] = []
    for name in ("kind", "outcome", "cause", "transport"):
        va, vb = getattr(a, name), getattr(b, name)
        if va != vb:
            out.append(FieldDiff(name, va, vb))
    if len(a.messages) != len(b.messages):
        out.append(FieldDiff("messages", str(len(a.messages)), str(len(b.messages))))
    codes_a, codes_b = _finding_codes(a.findings), _finding_codes(b.findings)
    for code in sorted(codes_a.keys() | codes_b.keys()):
        if code not in codes_a or code not in codes_b:
            out.append(FieldDiff(f"findings.{code}", codes_a.get(code), codes_b.get(code)))
    return out


def _finding_codes(findings: Sequence[Finding]) -> dict[str, str]:
    """code -> "severity (n x)": which problems a transaction has, not where."""
    counts: dict[str, list[Finding]] = {}
    for f in findings:
        counts.setdefault(f.code, []).append(f)
    return {code: f"{fs[0].severity} ({len(fs)}x)" if len(fs) > 1 else fs[0].severity for code, fs in counts.items()}


def _diff_pair(a: Transaction, b: Transaction, i: int | None, j: int | None, all_fields: bool) -> MessagePair:
    ua = a.units[i] if i is not None else None
    ub = b.units[j] if j is not None else None
    la = a.messages[i] if i is not None else None
    lb = b.messages[j] if j is not None else None
    fields: list[FieldDiff] = []
    if ua is not None and ub is not None and la is not None and lb is not None:
        fields = _unit_fields(ua, ub)
        ta, tb = _tree(ua, la), _tree(ub, lb)
        if ta is not None and tb is not None:
            fields += diff_trees(ta, tb, all_fields)
    return MessagePair(i, j, la, lb, ua.frame if ua else None, ub.frame if ub else None, tuple(fields))


def _tree(unit: Unit, label: str) -> TreeNode | None:
    """The tree of the message a flow entry stands for; None for transport frames and for the
    inner messages of a nested unit (the unit's bytes are the outer message)."""
    if unit.der is None or unit.message is None or unit.message.body != body_of(label):
        return None
    return build_tree(unit.der)


def _unit_fields(a: Unit, b: Unit) -> list[FieldDiff]:
    """What the transport and the protection check say about a message, beside its tree."""
    pairs = [
        ("transport", a.transport, b.transport),
        ("frame_type", a.frame_type, b.frame_type),
        ("protection.verdict", a.protection, b.protection),
    ]
    if a.http is not None or b.http is not None:
        ha, hb = a.http, b.http
        pairs += [
            ("http.content_type", ha and ha.content_type, hb and hb.content_type),
            ("http.status", _text(ha and ha.status), _text(hb and hb.status)),
            ("http.path", ha and ha.path, hb and hb.path),
        ]
    return [FieldDiff(path, va, vb) for path, va, vb in pairs if va != vb]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def diff_trees(a: TreeNode, b: TreeNode, all_fields: bool = False) -> list[FieldDiff]:
    """Fields of two message trees that differ, by path from below the root."""
    out: list[FieldDiff] = []
    for key, ca, cb in _pair_children(a, b):
        out += _diff_node(ca, cb, key, all_fields, in_cert=False)
    return out


def _volatile(node: TreeNode, in_cert: bool) -> bool:
    if node.name in VOLATILE:
        return True
    if node.type_name == "BIT STRING" and node.name in VOLATILE_BITS:
        return True
    return in_cert and (node.name in VOLATILE_IN_CERT or node.type_name in VOLATILE_IN_CERT)


def _shown(node: TreeNode) -> str:
    """A node's value as a diff shows it: its value, else its type, else that it is present."""
    if node.value:
        return node.value
    return f"({node.type_name})" if node.type_name else "present"


def _diff_node(a: TreeNode | None, b: TreeNode | None, path: str, all_fields: bool, in_cert: bool) -> list[FieldDiff]:
    present = a if a is not None else b
    assert present is not None
    if not all_fields and _volatile(present, in_cert):
        return []
    if a is None or b is None:
        return [FieldDiff(path, _shown(a) if a else None, _shown(b) if b else None)]
    in_cert = in_cert or a.type_name in CERT_TYPES
    if not a.children and not b.children:
        return [] if a.value == b.value else [FieldDiff(path, _shown(a), _shown(b))]
    below: list[FieldDiff] = []
    for key, ca, cb in _pair_children(a, b):
        below += _diff_node(ca, cb, f"{path}.{key}", all_fields, in_cert)
    if a.value == b.value or _is_list(a) or _is_list(b):
        return below
    parent = [FieldDiff(path, _shown(a), _shown(b))]
    if all_fields:
        return parent if _summarizes(a, b) else below or parent
    every = [d for key, ca, cb in _pair_children(a, b) for d in _diff_node(ca, cb, key, True, in_cert)]
    if not below:
        return [] if every else parent  # the summaries differ only in fields that always differ
    if _summarizes(a, b) and len(every) == len(below):
        return parent
    return below  # name each difference, not the summary that would also show volatile fields


def _summarizes(a: TreeNode, b: TreeNode) -> bool:
    """Whether a node's value says all its children say: a name, an algorithm, a status, a time,
    or a CHOICE (its value names the alternative taken)."""
    if a.type_name in SUMMARY_TYPES:
        return True
    return all(len(n.children) == 1 and n.value == n.children[0].name for n in (a, b))


def _is_list(node: TreeNode) -> bool:
    return bool(node.value and _LIST.match(node.value)) or (node.type_name or "").endswith(" OF")


def _key(node: TreeNode, listed: bool) -> str:
    """An element's identity among its siblings: `Extension[keyUsage]` for list elements named by
    an OID (extensions, attributes, InfoTypeAndValue), else its name."""
    first = node.children[0] if node.children else None
    if listed and first is not None and first.type_name in OID_FIRST and first.value:
        oid = first.value
        name = oid[oid.find("(") + 1 : -1] if oid.endswith(")") and "(" in oid else oid
        return f"{node.name}[{name}]"
    return node.name


def _pair_children(a: TreeNode, b: TreeNode) -> list[tuple[str, TreeNode | None, TreeNode | None]]:
    """Children of both nodes matched by key and occurrence; list elements get their index."""
    listed = _is_list(a) or _is_list(b)

    def keyed(node: TreeNode) -> dict[str, TreeNode]:
        out: dict[str, TreeNode] = {}
        seen: dict[str, int] = {}
        for child in node.children:
            key = _key(child, listed)
            n = seen.get(key, 0)
            seen[key] = n + 1
            if listed and "[" not in key:
                out[f"{key}[{n}]"] = child
            else:
                out[key if n == 0 else f"{key}#{n + 1}"] = child
        return out

    ka, kb = keyed(a), keyed(b)
    order = list(ka) + [k for k in kb if k not in ka]
    return [(k, ka.get(k), kb.get(k)) for k in order]
