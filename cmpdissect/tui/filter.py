"""The filter expression language of the transactions and units panes (mitmproxy's `~` filters,
Wireshark's display filters, much smaller).

    kind==ir and outcome!=accepted      tid~ab12        finding        body==pollReq
    not (status==waiting or severity==error)            duration>2.5   "Lab CA"

A comparison is `FIELD OP VALUE` with OP one of `== != ~ !~ < <= > >=`; `~` is a case-insensitive
substring test. Fields may hold several values (the bodies of a flow): `==`, `~` and the orderings
hold when any value does, `!=` and `!~` when none does. A field name alone tests that it holds
something (`finding`: the transaction has findings); any other word, or a quoted string, searches
every field. `and`, `or`, `not` (also `&&`, `||`, `!`) and parentheses combine tests.

`parse` never raises anything but `FilterError`, which says what is wrong and where.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from cmpdissect.model import Transaction, Unit

Value = str | float
Record = Mapping[str, Sequence[Value]]
Predicate = Callable[[Record], bool]

OPERATORS = ("==", "!=", "!~", "<=", ">=", "~", "<", ">")
_KEYWORDS = {"and": "and", "&&": "and", "or": "or", "||": "or", "not": "not", "!": "not"}
_WORD = re.compile(r"[^\s()=~<>!&|\"']+")


class FilterError(ValueError):
    """A bad expression: `message` says what is wrong, `position` (0-based) where."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at column {position + 1})")
        self.message = message
        self.position = position


@dataclass(frozen=True, slots=True)
class Filter:
    """A parsed expression; `matches` tests one record of `transaction_fields` / `unit_fields`."""

    text: str
    predicate: Predicate

    def matches(self, record: Record) -> bool:
        return self.predicate(record)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # word | string | op | kw | ( | )
    text: str
    pos: int


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            out.append(_Token(c, c, i))
            i += 1
        elif c in "\"'":
            end = text.find(c, i + 1)
            if end < 0:
                raise FilterError("unterminated string", i)
            out.append(_Token("string", text[i + 1 : end], i))
            i = end + 1
        elif text.startswith(("&&", "||"), i):
            out.append(_Token("kw", _KEYWORDS[text[i : i + 2]], i))
            i += 2
        elif (op := next((o for o in OPERATORS if text.startswith(o, i)), None)) is not None:
            out.append(_Token("op", op, i))
            i += len(op)
            value, i = _value(text, i)
            if value is not None:
                out.append(value)
        elif c == "!":
            out.append(_Token("kw", "not", i))
            i += 1
        else:
            m = _WORD.match(text, i)
            if m is None:
                raise FilterError(f"unexpected {c!r}", i)
            word = m.group()
            out.append(_Token("kw", _KEYWORDS[word.lower()], i) if word.lower() in _KEYWORDS
                       else _Token("word", word, i))
            i = m.end()
    return out


def _value(text: str, i: int) -> tuple[_Token | None, int]:
    """The operand after an operator: a quoted string, or a run of non-blanks in which parentheses
    are allowed when they balance (`msg==ip(waiting)`)."""
    n = len(text)
    while i < n and text[i].isspace():
        i += 1
    if i >= n:
        return None, i
    if text[i] in "\"'":
        end = text.find(text[i], i + 1)
        if end < 0:
            raise FilterError("unterminated string", i)
        return _Token("string", text[i + 1 : end], i), end + 1
    start, depth = i, 0
    while i < n and not text[i].isspace():
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            if depth == 0:
                break
            depth -= 1
        i += 1
    if i == start:
        return None, i
    return _Token("string", text[start:i], start), i


class _Parser:
    """Recursive descent: or_expr := and_expr ('or' and_expr)*; and_expr := unary ('and' unary)*;
    unary := 'not' unary | '(' or_expr ')' | FIELD OP VALUE | WORD | STRING."""

    def __init__(self, text: str, fields: frozenset[str]) -> None:
        self.text = text
        self.fields = fields
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> Predicate:
        pred = self.or_expr()
        tok = self.peek()
        if tok is not None:
            raise FilterError(f"unexpected {tok.text!r}", tok.pos)
        return pred

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "kw" and tok.text == "or":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.unary()]
        while (tok := self.peek()) is not None and not (tok.kind == "kw" and tok.text == "or") and tok.kind != ")":
            if tok.kind == "kw" and tok.text == "and":
                self.take()
            parts.append(self.unary())  # juxtaposition means `and`, as in a search box
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def unary(self) -> Predicate:
        tok = self.peek()
        if tok is None:
            raise FilterError("expression ends too early", len(self.text))
        self.take()
        if tok.kind == "kw" and tok.text == "not":
            inner = self.unary()
            return lambda r: not inner(r)
        if tok.kind == "(":
            inner = self.or_expr()
            close = self.peek()
            if close is None or close.kind != ")":
                raise FilterError("missing ')'", close.pos if close else len(self.text))
            self.take()
            return inner
        if tok.kind == "string":
            return _search(tok.text)
        if tok.kind == "word":
            op = self.peek()
            if op is not None and op.kind == "op":
                return self.comparison(tok)
            if tok.text.lower() in self.fields:
                name = tok.text.lower()
                return lambda r: any(v not in ("", 0) for v in r.get(name, ()))
            return _search(tok.text)
        raise FilterError(f"unexpected {tok.text!r}", tok.pos)

    def comparison(self, field: _Token) -> Predicate:
        name = field.text.lower()
        if name not in self.fields:
            raise FilterError(f"unknown field {field.text!r}; fields: {', '.join(sorted(self.fields))}", field.pos)
        op = self.take()
        value = self.peek()
        if value is None or value.kind != "string":
            raise FilterError(f"expected a value after {op.text!r}", op.pos + len(op.text))
        self.take()
        return _compare(name, op, value)


def _number(v: Value) -> float | None:
    if isinstance(v, float | int):
        return float(v)
    try:
        return float(v)
    except ValueError:
        return None


def _compare(name: str, op: _Token, value: _Token) -> Predicate:
    want = value.text.lower()
    if op.text in ("<", "<=", ">", ">="):
        limit = _number(want)
        if limit is None:
            raise FilterError(f"{op.text!r} needs a number, not {value.text!r}", value.pos)
        test = {"<": limit.__gt__, "<=": limit.__ge__, ">": limit.__lt__, ">=": limit.__le__}[op.text]
        return lambda r: any((x := _number(v)) is not None and test(x) for v in r.get(name, ()))
    limit = _number(want)

    def equal(v: Value) -> bool:
        if isinstance(v, float | int):
            return limit is not None and float(v) == limit
        return v.lower() == want

    def contains(v: Value) -> bool:
        return want in str(v).lower()

    if op.text == "==":
        return lambda r: any(equal(v) for v in r.get(name, ()))
    if op.text == "!=":
        return lambda r: not any(equal(v) for v in r.get(name, ()))
    if op.text == "~":
        return lambda r: any(contains(v) for v in r.get(name, ()))
    return lambda r: not any(contains(v) for v in r.get(name, ()))


def _search(text: str) -> Predicate:
    want = text.lower()
    return lambda r: any(isinstance(v, str) and want in v.lower() for values in r.values() for v in values)


def parse(text: str, fields: Iterable[str]) -> Filter | None:
    """The filter `text` describes over records with these field names; None for a blank text."""
    if not text.strip():
        return None
    return Filter(text, _Parser(text, frozenset(fields)).parse())


# -- the records the panes filter ---------------------------------------------------------------

TRANSACTION_FIELDS = frozenset({
    "tid", "kind", "outcome", "cause", "client", "server", "host", "transport", "body", "msg", "status",
    "failinfo", "frame", "stream", "protection", "finding", "severity", "findings", "duration", "messages",
})
UNIT_FIELDS = frozenset({
    "tid", "frame", "stream", "src", "dst", "host", "transport", "frame_type", "body", "status", "failinfo",
    "protection", "finding", "severity", "error", "sender", "recipient", "time",
})
FIELDS = TRANSACTION_FIELDS | UNIT_FIELDS


def _label_parts(label: str) -> tuple[str, list[str]]:
    """`ip(accepted,waiting)` -> ("ip", ["accepted", "waiting"])."""
    body, _, rest = label.partition("(")
    return body, [s for s in rest.rstrip(")").split(",") if s]


def transaction_fields(txn: Transaction) -> dict[str, tuple[Value, ...]]:
    """What the filter sees of a transaction (taken as a snapshot, so it may be read off-thread)."""
    parts = [_label_parts(m) for m in txn.messages]
    units = list(txn.units)
    hosts = tuple(h for h in (txn.client, txn.server) if h)
    duration = txn.end - txn.start if txn.start is not None and txn.end is not None else None
    findings = list(txn.findings)
    return {
        "tid": (txn.transaction_id.hex(),) if txn.transaction_id is not None else (),
        "kind": (txn.kind,) if txn.kind else (),
        "outcome": (txn.outcome,),
        "cause": (txn.cause,) if txn.cause else (),
        "client": hosts[:1], "server": (txn.server,) if txn.server else (), "host": hosts,
        "transport": (txn.transport,),
        "body": tuple(dict.fromkeys(b for b, _ in parts)),
        "msg": tuple(txn.messages),
        "status": tuple(dict.fromkeys(s for _, ss in parts for s in ss)),
        "failinfo": tuple(dict.fromkeys(f for u in units if u.message for f in u.message.fail_info)),
        "frame": tuple(float(f) for f in txn.frames),
        "stream": tuple(dict.fromkeys(float(u.stream) for u in units if u.stream is not None)),
        "protection": tuple(dict.fromkeys(u.protection for u in units)),
        "finding": tuple(dict.fromkeys(f.code for f in findings)),
        "severity": tuple(dict.fromkeys(f.severity for f in findings)),
        "findings": (float(len(findings)),),
        "duration": (duration,) if duration is not None else (),
        "messages": (float(len(txn.messages)),),
    }


def unit_fields(unit: Unit) -> dict[str, tuple[Value, ...]]:
    """What the filter sees of a unit."""
    m = unit.message
    body = m.body if m is not None and m.body else None
    return {
        "tid": (m.transaction_id.hex(),) if m is not None and m.transaction_id is not None else (),
        "frame": (float(unit.frame),),
        "stream": (float(unit.stream),) if unit.stream is not None else (),
        "src": (unit.src,) if unit.src else (), "dst": (unit.dst,) if unit.dst else (),
        "host": tuple(h for h in (unit.src, unit.dst) if h),
        "transport": (unit.transport,),
        "frame_type": (unit.frame_type,) if unit.frame_type else (),
        "body": (body,) if body else ((f"tcp:{unit.frame_type}",) if unit.frame_type else ()),
        "status": tuple(m.status) if m is not None else (),
        "failinfo": tuple(m.fail_info) if m is not None else (),
        "protection": (unit.protection,),
        "finding": tuple(f.code for f in unit.findings),
        "severity": tuple(f.severity for f in unit.findings),
        "error": (unit.error,) if unit.error else (),
        "sender": (m.sender,) if m is not None and m.sender else (),
        "recipient": (m.recipient,) if m is not None and m.recipient else (),
        "time": (unit.time,) if unit.time is not None else (),
    }
