"""The located field tree of one PKIMessage (RFC 9810 5.1): every field named as in the ASN.1,
with the byte offset and length of its TLV, like Wireshark's packet details.

pyasn1 gives no offsets, so the walk reads the TLVs itself (X.690 8.1) and follows the
pyasn1-alt-modules RFC 9810 schema alongside: each TLV is matched by its tag against the
component the schema expects next. The walk is lenient so that a broken message still shows
everything that decoded: a length running past its container is clipped and flagged, an
unexpected tag becomes a node with an error and the walk goes on with the next TLV, so one broken
field never hides its siblings (a broken body still shows the whole header). BER that is not DER
(indefinite length, non-minimal length or INTEGER octets) is decoded and flagged with a `note`
child (X.690 10.1, 8.3.2).

`build_tree` never raises; `carried_objects` lists the certificates, CRLs, CSRs and inner
messages the tree found, for export.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyasn1.type import char, univ, useful
from pyasn1_alt_modules import rfc2986, rfc5280, rfc6402, rfc8018, rfc9481, rfc9810  # noqa: F401

from cmpdissect.model import TreeNode

from . import certsummary, der, names, schema

# rfc8018 and rfc9481 are imported for their side effect: they register PBMAC1, PBKDF2 and the
# RFC 9481 algorithm parameters in the shared algorithmIdentifierMap.

_MAX_DEPTH = 200  # TLV nesting deeper than any real PKIMessage; stops crafted recursion
_CLASS_NAMES = ("UNIVERSAL", "APPLICATION", "CONTEXT", "PRIVATE")
_UNIVERSAL_NAMES = {
    1: "BOOLEAN", 2: "INTEGER", 3: "BIT STRING", 4: "OCTET STRING", 5: "NULL", 6: "OBJECT IDENTIFIER",
    10: "ENUMERATED", 12: "UTF8String", 16: "SEQUENCE", 17: "SET", 18: "NumericString",
    19: "PrintableString", 20: "TeletexString", 22: "IA5String", 23: "UTCTime",
    24: "GeneralizedTime", 26: "VisibleString", 28: "UniversalString", 30: "BMPString",
}  # fmt: skip
# pyasn1 classes that carry no ASN.1 type name of their own, shown by their ASN.1 keyword.
_GENERIC = {
    univ.Integer: "INTEGER", univ.Enumerated: "ENUMERATED", univ.Boolean: "BOOLEAN",
    univ.BitString: "BIT STRING", univ.OctetString: "OCTET STRING", univ.Null: "NULL",
    univ.ObjectIdentifier: "OBJECT IDENTIFIER", univ.Sequence: "SEQUENCE",
    univ.SequenceOf: "SEQUENCE OF", univ.Set: "SET", univ.SetOf: "SET OF", univ.Choice: "CHOICE",
    univ.Any: "ANY", char.UTF8String: "UTF8String", char.PrintableString: "PrintableString",
    char.IA5String: "IA5String", char.VisibleString: "VisibleString", char.BMPString: "BMPString",
    char.TeletexString: "TeletexString", char.UniversalString: "UniversalString",
    char.NumericString: "NumericString", useful.GeneralizedTime: "GeneralizedTime",
    useful.UTCTime: "UTCTime",
}  # fmt: skip
_CODECS = (
    (char.UTF8String, "utf-8"), (char.BMPString, "utf-16-be"), (char.UniversalString, "utf-32-be"),
    (char.TeletexString, "latin-1"),
)  # fmt: skip
_MESSAGE = schema.PKIMessage()  # rfc9810 with nested, krp and PBMParameter patched
_MESSAGE_CLASSES = (schema.PKIMessage, rfc9810.PKIMessage)  # the latter inside origPKIMessage
_NESTED_CLASSES = (schema.NestedMessageContent, rfc9810.NestedMessageContent)
_CHOICE_BY_NAME = (schema.PKIBody, rfc9810.PKIBody, rfc9810.CAKeyUpdContent)  # value: the alternative
_CERT_CLASSES = (rfc5280.Certificate,)
_CSR_CLASSES = (rfc6402.CertificationRequest, rfc2986.CertificationRequest)


class _Break(Exception):
    """No TLV can be read at `offset`: the walk of the enclosing structure stops there."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


@dataclass(slots=True)
class _Tlv:
    offset: int
    cls: int
    constructed: bool
    tag: int
    start: int  # first content octet
    content_end: int  # past the content (the end-of-contents octets when indefinite)
    end: int  # past the whole TLV, clipped to its container when truncated
    problem: str | None = None  # why the TLV is broken (truncated)
    notes: list[str] = field(default_factory=list)  # BER that is not DER

    def describe(self) -> str:
        if self.cls == der.UNIVERSAL:
            return _UNIVERSAL_NAMES.get(self.tag, f"[UNIVERSAL {self.tag}]")
        prefix = "" if self.cls == der.CONTEXT else _CLASS_NAMES[self.cls] + " "
        return f"[{prefix}{self.tag}]"


def _read_tlv(data: bytes, pos: int, limit: int, depth: int = 0) -> _Tlv:
    """Read the TLV at `pos` whose bytes must end by `limit` (X.690 8.1), BER-tolerant.

    Raises _Break when not even the identifier and length octets are there.
    """
    if pos >= limit:
        raise _Break(pos, f"offset {pos}: no bytes left for a TLV")
    b0 = data[pos]
    tag = b0 & 0x1F
    p = pos + 1
    if tag == 0x1F:
        tag = 0
        while True:
            if p >= limit:
                raise _Break(pos, f"offset {pos}: truncated tag")
            b = data[p]
            p += 1
            tag = (tag << 7) | (b & 0x7F)
            if not b & 0x80:
                break
            if p - pos > 5:
                raise _Break(pos, f"offset {pos}: tag number too long")
    if p >= limit:
        raise _Break(pos, f"offset {pos}: truncated length")
    lb = data[p]
    p += 1
    t = _Tlv(pos, b0 >> 6, bool(b0 & 0x20), tag, p, p, p)
    if lb == 0x80:
        if not t.constructed:
            raise _Break(pos, f"offset {pos}: indefinite length on a primitive encoding")
        if depth > _MAX_DEPTH:
            raise _Break(pos, f"offset {pos}: nesting too deep")
        t.notes.append(f"offset {pos}: indefinite length (BER, not DER: X.690 10.1)")
        q = p
        while True:
            if q + 2 <= limit and data[q] == 0 and data[q + 1] == 0:
                t.content_end, t.end = q, q + 2
                return t
            try:
                q = _read_tlv(data, q, limit, depth + 1).end
            except _Break as exc:
                t.content_end = t.end = limit
                t.problem = f"offset {pos}: indefinite length without end-of-contents ({exc.message})"
                return t
    if lb == 0xFF:
        raise _Break(pos, f"offset {pos}: reserved length octet 0xff")
    if lb < 0x80:
        length = lb
    else:
        count = lb & 0x7F
        if count > 8:
            raise _Break(pos, f"offset {pos}: length field of {count} octets")
        if p + count > limit:
            raise _Break(pos, f"offset {pos}: truncated length")
        length = int.from_bytes(data[p : p + count], "big")
        if data[p] == 0 or length < 0x80:
            t.notes.append(f"offset {pos}: non-minimal length encoding (BER, not DER: X.690 10.1)")
        p += count
    t.start = p
    end = p + length
    if end > limit:
        t.problem = f"offset {pos}: length {length} runs {end - limit} bytes past the end ({limit - p} available)"
        end = limit
    t.content_end = t.end = end
    return t


# ---- schema helpers ---------------------------------------------------------------------------

_TAG_CACHE: dict[int, tuple[tuple[int, int], ...]] = {}
_FIRST_CACHE: dict[int, frozenset[tuple[int, int]] | None] = {}


def _tags(spec: object) -> tuple[tuple[int, int], ...]:
    """(class, number) of every TLV layer the type puts on the wire, outermost first."""
    key = id(spec)
    cached = _TAG_CACHE.get(key)
    if cached is None:
        cached = tuple((t.tagClass >> 6, t.tagId) for t in reversed(spec.tagSet.superTags))
        _TAG_CACHE[key] = cached
    return cached


def _first_tags(spec: object) -> frozenset[tuple[int, int]] | None:
    """The tags a value of `spec` can start with; None when any tag can (untagged ANY)."""
    key = id(spec)
    if key in _FIRST_CACHE:
        return _FIRST_CACHE[key]
    tags = _tags(spec)
    result: frozenset[tuple[int, int]] | None
    if tags:
        result = frozenset((tags[0],))
    elif isinstance(spec, univ.Choice):
        acc: set[tuple[int, int]] = set()
        result = None
        for nt in spec.componentType.namedTypes:
            sub = _first_tags(nt.asn1Object)
            if sub is None:
                break
            acc |= sub
        else:
            result = frozenset(acc)
    else:
        result = None
    _FIRST_CACHE[key] = result
    return result


def _matches(spec: object, t: _Tlv) -> bool:
    first = _first_tags(spec)
    return first is None or (t.cls, t.tag) in first


def _type_name(spec: object) -> str:
    cls = type(spec)
    return _GENERIC.get(cls, cls.__name__)


def _is_generic(spec: object) -> bool:
    return type(spec) in _GENERIC


# ---- the walk ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Carried:
    """A certificate, CRL, PKCS #10 request or inner PKIMessage found in a message.

    `role` says where it sat ("extraCerts-0", "caPubs-1", "cert-req0", "csr", "crls-0",
    "rootCaKeyUpdate-newWithNew", "nested-0"); `der` is the object's own TLV.
    """

    kind: str  # cert | crl | csr | msg
    role: str
    der: bytes
    offset: int


@dataclass(slots=True)
class _Ctx:
    data: bytes
    depth: int = 0
    path: list[str] = field(default_factory=list)  # role labels of the enclosing fields
    cert_req_id: int | None = None  # of the CertResponse / CertReqMsg being walked
    carried: list[Carried] = field(default_factory=list)


def _error_node(name: str, offset: int, length: int, message: str) -> TreeNode:
    return TreeNode(name, None, offset, length, type_name=None, error=message)


def _attach(node: TreeNode, t: _Tlv) -> None:
    for note in t.notes:
        node.children.append(TreeNode("note", note, t.offset, t.start - t.offset, type_name="BER"))
    if t.problem and not node.error:
        node.error = t.problem


def _walk(spec: object, name: str, t: _Tlv, ctx: _Ctx, label: str | None = None) -> TreeNode:
    """The node of field `name` of type `spec`, whose outermost TLV `t` already matched."""
    node = TreeNode(name, None, t.offset, t.end - t.offset, type_name=_type_name(spec))
    _attach(node, t)
    if ctx.depth > _MAX_DEPTH:
        node.error = f"offset {t.offset}: nesting too deep"
        return node
    ctx.depth += 1
    ctx.path.append(label or name)
    if isinstance(spec, _MESSAGE_CLASSES):
        ctx.cert_req_id = None  # certReqIds are per message
    try:
        _fill(spec, node, t, ctx)
    finally:
        ctx.depth -= 1
        ctx.path.pop()
    return node


def _fill(spec: object, node: TreeNode, t: _Tlv, ctx: _Ctx) -> None:
    data = ctx.data
    tags = _tags(spec)
    inner = t
    # Every tag after the first is an explicit wrapper's inner TLV (X.690 8.14.2).
    for want in tags[1:]:
        try:
            inner = _read_tlv(data, inner.start, inner.content_end)
        except _Break as exc:
            node.error = node.error or f"{exc.message}: expected {_type_name(spec)} inside the tag"
            return
        if (inner.cls, inner.tag) != want:
            node.error = node.error or (
                f"offset {inner.offset}: expected {_type_name(spec)}, found {inner.describe()}"
            )
            return
        _attach(node, inner)
    if isinstance(spec, (univ.Choice, univ.Any)):
        if tags:  # explicitly tagged CHOICE/ANY: the value is the TLV inside the tag
            try:
                inner = _read_tlv(data, inner.start, inner.content_end)
            except _Break as exc:
                node.error = node.error or f"{exc.message}: expected {_type_name(spec)}"
                return
            _attach(node, inner)
        if isinstance(spec, univ.Choice):
            _fill_choice(spec, node, inner, ctx)
        else:
            node.children.append(_generic(_generic_name(inner), inner, ctx))
        return
    if isinstance(spec, _NESTED_CLASSES):
        _fill_list(_MESSAGE, node, inner, ctx, "PKIMessage")
    elif isinstance(spec, (univ.SequenceOf, univ.SetOf)):
        _fill_list(spec.componentType, node, inner, ctx, None)
    elif isinstance(spec, (univ.Sequence, univ.Set)):
        _fill_sequence(spec, node, inner, ctx)
    else:
        _fill_primitive(spec, node, inner, ctx)
    if inner.problem is None:
        _summarize(spec, node, inner, ctx)


def _fill_choice(spec: univ.Choice, node: TreeNode, t: _Tlv, ctx: _Ctx) -> None:
    for nt in spec.componentType.namedTypes:
        if _matches(nt.asn1Object, t):
            child = _walk(nt.asn1Object, nt.name, t, ctx)
            node.children.append(child)
            if child.value is None or isinstance(spec, _CHOICE_BY_NAME):
                node.value = nt.name
            elif all(c.name == "note" for c in child.children):  # a primitive: its value says it all
                node.value = child.value
            else:
                node.value = f"{nt.name}: {child.value}"
            if isinstance(spec, rfc5280.GeneralName) and t.problem is None:
                with contextlib.suppress(der.DerError, ValueError):  # the alternative's node says why
                    node.value = names.general_name_to_text(ctx.data, t.offset, t.end) or "(NULL-DN)"
            if isinstance(spec, rfc5280.Name) and t.problem is None and t.tag == der.SEQUENCE:
                with contextlib.suppress(der.DerError):  # the RDN nodes below say what is wrong
                    node.value = names.name_to_text(ctx.data, t.offset, t.end) or "(NULL-DN)"
            return
    node.error = node.error or (
        f"offset {t.offset}: {t.describe()} is no alternative of {_type_name(spec)}"
    )
    node.children.append(_generic(_generic_name(t), t, ctx))


def _element_name(elem: object, parent: TreeNode) -> str:
    if not _is_generic(elem):
        return _type_name(elem)
    return f"{parent.type_name} item" if parent.type_name and "OF" not in parent.type_name else "item"


def _fill_list(elem: object, node: TreeNode, t: _Tlv, ctx: _Ctx, name: str | None) -> None:
    name = name or _element_name(elem, node)
    pos, count = t.start, 0
    while pos < t.content_end:
        try:
            item = _read_tlv(ctx.data, pos, t.content_end)
        except _Break as exc:
            node.children.append(_error_node(name, exc.offset, t.content_end - exc.offset, exc.message))
            break
        label = f"{ctx.path[-1]}-{count}"
        if _matches(elem, item):
            node.children.append(_walk(elem, name, item, ctx, label))
        elif isinstance(elem, char.AbstractCharacterString) and _is_string(item):
            # a string of another type than the schema's (PrintableString for UTF8String): peers send
            # it, and its text is plain; shown with a note, not as a break
            other = _generic(name, item, ctx)
            other.children.append(TreeNode("note", f"offset {item.offset}: {item.describe()} where the schema "
                                           f"wants {_type_name(elem)}", item.offset, item.end - item.offset,
                                           type_name="string type"))
            node.children.append(other)
        else:
            bad = _generic(name, item, ctx)
            bad.error = f"offset {item.offset}: expected {_type_name(elem)}, found {item.describe()}"
            node.children.append(bad)
        pos, count = item.end, count + 1
    node.value = f"{count} item" + ("" if count == 1 else "s")


_STRING_TAGS = frozenset({12, 18, 19, 20, 21, 22, 25, 26, 27, 28, 30})  # the X.680 character string types


def _is_string(t: _Tlv) -> bool:
    return t.cls == der.UNIVERSAL and not t.constructed and t.tag in _STRING_TAGS


def _oid_text(dotted: str) -> str:
    name = names.oid_name(dotted)
    return f"{dotted} ({name})" if name else dotted


def _governing(values: dict[str, str], nt: object) -> object | None:
    """The type an open-type component has for the OID decoded before it (X.681 14)."""
    ot = nt.openType
    dotted = values.get(ot.name)
    if dotted is None:
        return None
    try:
        return ot[univ.ObjectIdentifier(dotted)]  # an OpenType has no .get()
    except KeyError:
        return None


def _fill_sequence(spec: object, node: TreeNode, t: _Tlv, ctx: _Ctx) -> None:
    data = ctx.data
    comps = spec.componentType.namedTypes
    values: dict[str, str] = {}
    i, pos = 0, t.start
    while pos < t.content_end:
        try:
            item = _read_tlv(data, pos, t.content_end)
        except _Break as exc:
            expected = comps[i].name if i < len(comps) else "nothing"
            node.children.append(
                _error_node(expected, exc.offset, t.content_end - exc.offset,
                            f"{exc.message}: expected {expected}")
            )
            break
        j = i
        while j < len(comps) and not _matches(comps[j].asn1Object, item):
            if not (comps[j].isOptional or comps[j].isDefaulted):
                break
            j += 1
        if j < len(comps) and _matches(comps[j].asn1Object, item):
            nt = comps[j]
            child = _component(nt, item, values, ctx)
            node.children.append(child)
            if isinstance(nt.asn1Object, univ.ObjectIdentifier) and not child.error:
                values[nt.name] = _read_oid(data, item)
            if nt.name == "certReqId" and isinstance(nt.asn1Object, univ.Integer) and not child.error:
                ctx.cert_req_id = int.from_bytes(data[item.start : item.end], "big", signed=True)
            i = j + 1
        else:
            expected = comps[i].name if i < len(comps) else f"the end of {node.type_name}"
            bad = _generic("unexpected", item, ctx)
            bad.error = f"offset {item.offset}: expected {expected}, found {item.describe()}"
            node.children.append(bad)
        pos = item.end
    if not node.error and pos >= t.content_end:
        missing = [nt.name for nt in comps[i:] if not (nt.isOptional or nt.isDefaulted)]
        if missing:
            node.error = f"offset {t.content_end}: {node.type_name} ends without {', '.join(missing)}"


def _read_oid(data: bytes, t: _Tlv) -> str:
    return der.read_oid(data, _header(t))


def _component(nt: object, item: _Tlv, values: dict[str, str], ctx: _Ctx) -> TreeNode:
    spec = nt.asn1Object
    if nt.openType is None:
        child = _walk(spec, nt.name, item, ctx)
        if nt.name == "extnValue" and "extnID" in values and not child.error:
            _extension_value(child, item, values["extnID"], ctx)
        return child
    resolved = _governing(values, nt)
    if isinstance(spec, (univ.SetOf, univ.SequenceOf)):  # e.g. Attribute.attrValues
        node = TreeNode(nt.name, None, item.offset, item.end - item.offset, type_name=_type_name(spec))
        _attach(node, item)
        elem = resolved if resolved is not None else spec.componentType
        _fill_list(elem, node, item, ctx, None)
        return node
    label = None
    governing = values.get(nt.openType.name)
    if governing is not None:
        label = (names.oid_name(governing) or governing).removeprefix("id-it-")
    if resolved is not None and _matches(resolved, item):
        return _walk(resolved, nt.name, item, ctx, label)
    node = _walk(spec, nt.name, item, ctx, label)
    if resolved is not None:
        node.error = node.error or (
            f"offset {item.offset}: expected {_type_name(resolved)}, found {item.describe()}"
        )
    return node


def _extension_value(node: TreeNode, t: _Tlv, ext_oid: str, ctx: _Ctx) -> None:
    """Decode the DER inside Extension.extnValue by the extension's OID (RFC 5280 4.2)."""
    spec = rfc5280.certificateExtensionsMap.get(univ.ObjectIdentifier(ext_oid))
    if spec is None or t.start >= t.content_end:
        return
    try:
        inner = _read_tlv(ctx.data, t.start, t.content_end)
    except _Break:
        return
    if _matches(spec, inner):
        node.children.append(_walk(spec, _type_name(spec), inner, ctx))


def _generic_name(t: _Tlv) -> str:
    return t.describe()


def _generic(name: str, t: _Tlv, ctx: _Ctx) -> TreeNode:
    """A TLV with no schema: universal types decoded by their tag, the rest as hex or children."""
    node = TreeNode(name, None, t.offset, t.end - t.offset, type_name=t.describe())
    _attach(node, t)
    if ctx.depth > _MAX_DEPTH:
        node.error = f"offset {t.offset}: nesting too deep"
        return node
    if t.constructed:
        ctx.depth += 1
        pos = t.start
        try:
            while pos < t.content_end:
                try:
                    item = _read_tlv(ctx.data, pos, t.content_end)
                except _Break as exc:
                    node.children.append(
                        _error_node("item", exc.offset, t.content_end - exc.offset, exc.message))
                    break
                node.children.append(_generic(item.describe(), item, ctx))
                pos = item.end
        finally:
            ctx.depth -= 1
        return node
    if t.cls == der.UNIVERSAL:
        spec = _UNIVERSAL_SPECS.get(t.tag)
        if spec is not None:
            _fill_primitive(spec, node, t, ctx)
            return node
    node.value = ctx.data[t.start : t.content_end].hex()
    return node


_UNIVERSAL_SPECS: dict[int, object] = {
    der.BOOLEAN: univ.Boolean(), der.INTEGER: univ.Integer(), der.BIT_STRING: univ.BitString(),
    der.OCTET_STRING: univ.OctetString(), der.NULL: univ.Null(), der.OID: univ.ObjectIdentifier(),
    der.ENUMERATED: univ.Enumerated(), der.UTF8_STRING: char.UTF8String(),
    der.PRINTABLE_STRING: char.PrintableString(), der.T61_STRING: char.TeletexString(),
    der.IA5_STRING: char.IA5String(), der.UTC_TIME: useful.UTCTime(),
    der.GENERALIZED_TIME: useful.GeneralizedTime(), der.VISIBLE_STRING: char.VisibleString(),
    der.UNIVERSAL_STRING: char.UniversalString(), der.BMP_STRING: char.BMPString(),
    18: char.NumericString(),
}  # fmt: skip


# ---- primitive values -------------------------------------------------------------------------


def _iso(epoch: float) -> str:
    dt = datetime.fromtimestamp(epoch, UTC)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if dt.microsecond:
        text += f".{dt.microsecond:06d}".rstrip("0")
    return text + "Z"


def language_tagged(text: str) -> str:
    """Show an RFC 2482 language tag (U+E0001 then tag characters) as "[en] text".

    RFC 9810 5.1.1 lets PKIFreeText strings carry such tags.
    """
    if not text.startswith("\U000e0001"):
        return text
    tag = []
    rest = text[1:]
    while rest and 0xE0020 <= ord(rest[0]) <= 0xE007E:
        tag.append(chr(ord(rest[0]) - 0xE0000))
        rest = rest[1:]
    return f"[{''.join(tag)}] {rest}"


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


def _fill_primitive(spec: object, node: TreeNode, t: _Tlv, ctx: _Ctx) -> None:
    data = ctx.data
    content = data[t.start : t.content_end]
    if t.constructed and not isinstance(spec, (univ.Sequence, univ.SequenceOf)):
        node.error = node.error or f"offset {t.offset}: constructed encoding of {node.type_name}"
        node.value = content.hex()
        return
    if t.problem:
        node.value = content.hex()
        return
    try:
        node.value = _primitive_text(spec, data, t, node)
    except (ValueError, UnicodeDecodeError, der.DerError, IndexError) as exc:
        node.error = f"offset {t.offset}: bad {node.type_name}: {exc}"
        node.value = content.hex()


def _header(t: _Tlv) -> der.TlvHeader:
    return der.TlvHeader(t.offset, t.cls, t.constructed, t.tag, t.start - t.offset,
                         t.content_end - t.start, t.content_end)


def _primitive_text(spec: object, data: bytes, t: _Tlv, node: TreeNode) -> str:
    content = data[t.start : t.content_end]
    if isinstance(spec, univ.Boolean):
        if len(content) != 1:
            raise ValueError(f"{len(content)} content octets")
        if content[0] not in (0, 0xFF):
            node.children.append(TreeNode("note", f"offset {t.offset}: BOOLEAN TRUE as {content[0]:#04x} "
                                          "(BER, not DER: X.690 11.1)", t.offset, t.end - t.offset, type_name="BER"))
        return "TRUE" if content[0] else "FALSE"
    if isinstance(spec, univ.Integer):
        if not content:
            raise ValueError("no content octets")
        if len(content) > 1 and (
            (content[0] == 0 and content[1] < 0x80) or (content[0] == 0xFF and content[1] >= 0x80)
        ):
            node.children.append(TreeNode("note", f"offset {t.offset}: non-minimal INTEGER encoding "
                                          "(X.690 8.3.2)", t.offset, t.end - t.offset, type_name="BER"))
        value = int.from_bytes(content, "big", signed=True)
        named = spec.namedValues.getName(value) if spec.namedValues else None
        if named:
            return f"{value} ({named})"
        if -(1 << 63) <= value < (1 << 63):
            return str(value)
        return "0x" + content.hex()
    if isinstance(spec, univ.BitString):
        if not content:
            raise ValueError("no content octets")
        unused = content[0]
        if unused > 7 or (unused and len(content) == 1):
            raise ValueError(f"{unused} unused bits")
        if spec.namedValues:
            bits = der.read_bits(data, _header(t))
            if not bits:
                return "(none)"
            return ", ".join(spec.namedValues.getName(b) or f"bit{b}" for b in bits)
        return content[1:].hex() + (f" ({unused} unused bits)" if unused else "")
    if isinstance(spec, univ.ObjectIdentifier):
        return _oid_text(der.read_oid(data, _header(t)))
    if isinstance(spec, univ.Null):
        if content:
            raise ValueError("NULL with content")
        return "NULL"
    if isinstance(spec, (useful.GeneralizedTime, useful.UTCTime)):
        tag = der.UTC_TIME if isinstance(spec, useful.UTCTime) else der.GENERALIZED_TIME
        h = der.TlvHeader(t.offset, der.UNIVERSAL, False, tag, t.start - t.offset, len(content), t.content_end)
        return _iso(der.read_time(data, h))
    if isinstance(spec, char.AbstractCharacterString):
        codec = next((c for cls, c in _CODECS if isinstance(spec, cls)), "ascii")
        text = content.decode(codec, errors="replace") if codec != "ascii" else content.decode(
            "latin-1")
        return _printable(language_tagged(text))
    if isinstance(spec, univ.OctetString):
        return content.hex() if content else "(empty)"
    return content.hex()


# ---- summaries of constructed values ----------------------------------------------------------


def _child(node: TreeNode, name: str) -> TreeNode | None:
    return next((c for c in node.children if c.name == name), None)


def _summarize(spec: object, node: TreeNode, t: _Tlv, ctx: _Ctx) -> None:
    """Values for constructed nodes: what a reader wants without expanding them."""
    data = ctx.data
    obj = data[t.offset : t.end]
    if isinstance(spec, _CERT_CLASSES):
        node.value = certsummary.certificate_summary(obj)
        _carry(ctx, "cert", t)
    elif isinstance(spec, rfc5280.CertificateList):
        node.value = certsummary.crl_summary(obj)
        _carry(ctx, "crl", t)
    elif isinstance(spec, _CSR_CLASSES):
        node.value = certsummary.csr_summary(obj)
        _carry(ctx, "csr", t)
    elif isinstance(spec, _MESSAGE_CLASSES):
        body = _child(node, "body")
        node.value = body.children[0].name if body and body.children else None
        if len(ctx.path) > 1:
            _carry(ctx, "msg", t, node.value or "msg")
    elif isinstance(spec, rfc5280.AlgorithmIdentifier) or type(spec).__name__.endswith("AlgorithmIdentifier"):
        alg = _child(node, "algorithm")
        node.value = alg.value if alg else None
    elif isinstance(spec, (rfc9810.InfoTypeAndValue,)):
        it = _child(node, "infoType")
        node.value = it.value if it else None
    elif type(spec).__name__ in ("AttributeTypeAndValue", "Attribute", "SingleAttribute"):
        first = node.children[0] if node.children else None
        node.value = first.value if first else None
    elif isinstance(spec, rfc5280.Extension):
        ext = _child(node, "extnID")
        crit = _child(node, "critical")
        if ext and ext.value:
            node.value = ext.value + (" (critical)" if crit and crit.value == "TRUE" else "")
    elif type(spec).__name__ == "PKIStatusInfo":
        node.value = _status_text(node)
    elif type(spec).__name__ == "CertResponse":
        rid = _child(node, "certReqId")
        status = _child(node, "status")
        if rid and status:
            node.value = f"certReqId {rid.value}: {status.value}"
    elif type(spec).__name__ == "PKIFreeText":
        node.value = " | ".join(c.value or "" for c in node.children if c.name != "note")


def _status_text(node: TreeNode) -> str | None:
    status = _child(node, "status")
    if status is None or status.value is None:
        return None
    text = status.value.split(" ", 1)[-1].strip("()")
    fail = _child(node, "failInfo")
    if fail and fail.value and fail.value != "(none)":
        text += f" [{fail.value}]"
    words = _child(node, "statusString")
    if words and words.value:
        text += f" {words.value!r}"
    return text


# ---- carried objects --------------------------------------------------------------------------

# Fields whose name (with the list index, "extraCerts-0") says what a carried object is for.
_ROLE_FIELDS = frozenset((
    "extraCerts", "caPubs", "crls", "crlann", "keyPairHist", "caCerts", "certs", "newWithNew",
    "newWithOld", "oldWithNew", "newSigCert", "cann", "caProtEncCert", "rootCaCert", "currentCRL",
))  # fmt: skip


def _carry(ctx: _Ctx, kind: str, t: _Tlv, inner_body: str | None = None) -> None:
    """Record an object found at the current path, with a role a file name can carry:
    "cert-req0" for an issued certificate, "csr" for p10cr, else the nearest role field
    ("caPubs-1", "caCerts-0", "rootCaKeyUpdate-newWithNew"); inner messages of nested bodies
    prefix what they carry with "nested-<i>"."""
    path = ctx.path
    nest = [p for p in path[1:-1] if p.startswith(("nested-", "origPKIMessage-"))]
    if kind == "msg":
        role = f"{path[-1]}-{inner_body}"
        nest = nest[:-1] if nest and nest[-1] == path[-1] else nest
    else:
        role = kind
        for k in range(len(path) - 1, 0, -1):
            seg = path[k]
            base = seg.rsplit("-", 1)[0] if seg[-1:].isdigit() else seg
            if base == "certOrEncCert" and ctx.cert_req_id is not None:
                role = f"cert-req{ctx.cert_req_id}"
                break
            if base == "p10cr":
                role = "csr"
                break
            if base in _ROLE_FIELDS:
                role = f"{path[k - 1]}-{seg}" if path[k - 1] in ("rootCaKeyUpdate", "caKeyUpdateInfo") else seg
                break
    prefix = "-".join(nest)
    ctx.carried.append(Carried(kind, f"{prefix}-{role}" if prefix else role,
                               ctx.data[t.offset : t.end], t.offset))


# ---- entry points -----------------------------------------------------------------------------


def _build(data: bytes) -> tuple[TreeNode, _Ctx]:
    ctx = _Ctx(bytes(data))
    try:
        t = _read_tlv(ctx.data, 0, len(ctx.data))
    except _Break as exc:
        return _error_node("PKIMessage", 0, len(data), f"{exc.message}: expected PKIMessage"), ctx
    if (t.cls, t.tag) != (der.UNIVERSAL, der.SEQUENCE):
        node = _generic("PKIMessage", t, ctx)
        node.error = f"offset 0: expected PKIMessage (SEQUENCE), found {t.describe()}"
    else:
        node = _walk(_MESSAGE, "PKIMessage", t, ctx)
    if t.end < len(data):
        extra = len(data) - t.end
        node.children.append(_error_node("trailing", t.end, extra,
                                         f"offset {t.end}: {extra} bytes after the PKIMessage"))
        node.children[-1].value = data[t.end : t.end + 32].hex() + ("..." if extra > 32 else "")
    return node, ctx


def build_tree(der_bytes: bytes) -> TreeNode:
    """The full located dissection of one PKIMessage; never raises (RFC 9810 5.1)."""
    try:
        return _build(der_bytes)[0]
    except Exception as exc:  # a bug must not take the caller down; show it where the tree is
        return _error_node("PKIMessage", 0, len(der_bytes), f"internal error while dissecting: {exc!r}")


def carried_objects(der_bytes: bytes) -> list[Carried]:
    """Certificates, CRLs, CSRs and inner PKIMessages that decoded completely, in wire order."""
    try:
        return _build(der_bytes)[1].carried
    except Exception:
        return []


def first_error(node: TreeNode) -> str | None:
    """The first error in the tree in wire order: where the message broke."""
    if node.error:
        return node.error
    for child in node.children:
        found = first_error(child)
        if found:
            return found
    return None


def notes(node: TreeNode) -> list[str]:
    """Every BER-not-DER note in the tree."""
    out = [node.value or ""] if node.name == "note" and node.type_name == "BER" else []
    for child in node.children:
        out += notes(child)
    return out
