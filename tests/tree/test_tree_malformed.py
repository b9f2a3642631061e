"""Broken input never raises: the tree up to the break, then where it broke."""

from __future__ import annotations

import random

from cmpdissect.asn1.tree import build_tree, first_error, notes
from cmpdissect.model import TreeNode


def walk(node: TreeNode):
    yield node
    for child in node.children:
        yield from walk(child)


def child(node: TreeNode, name: str) -> TreeNode:
    return next(c for c in node.children if c.name == name)


def test_truncated_at_every_length_gives_partial_tree_with_break_offset(load):
    data = load("pkiConf")
    for cut in range(len(data)):
        root = build_tree(data[:cut])
        err = first_error(root)
        assert err is not None and err.startswith("offset "), (cut, err)
        assert "internal error" not in err
        for node in walk(root):
            assert node.offset >= 0 and node.offset + node.length <= max(cut, 1), (cut, node.name)


def test_truncated_body_keeps_the_whole_header(load):
    data = load("ip")
    full = build_tree(data)
    body_start = child(full, "body").offset
    want = [(c.name, c.value) for c in child(full, "header").children]
    for cut in range(body_start + 1, len(data), 7):
        root = build_tree(data[:cut])
        header = child(root, "header")
        assert header.error is None and [(c.name, c.value) for c in header.children] == want
        assert child(root, "body").error or root.error
    assert "runs" in build_tree(data[:600]).error  # the outer length runs past the end


def test_flipped_bytes_never_raise(load):
    rnd = random.Random(4210)
    for name in ("ip", "genp", "error", "certConf_sig"):
        data = load(name)
        for _ in range(150):
            buf = bytearray(data)
            for _ in range(rnd.randint(1, 3)):
                buf[rnd.randrange(len(buf))] = rnd.randrange(256)
            root = build_tree(bytes(buf))
            assert root.name == "PKIMessage"
            err = first_error(root)
            assert err is None or "internal error" not in err


def test_unexpected_tag_names_what_was_expected(load):
    data = bytearray(load("pkiConf"))
    pvno_at = data.index(bytes.fromhex("020102"))
    data[pvno_at] = 0x04  # INTEGER -> OCTET STRING
    root = build_tree(bytes(data))
    header = child(root, "header")
    bad = header.children[0]
    assert bad.name == "unexpected" and bad.offset == pvno_at
    assert bad.error == f"offset {pvno_at}: expected pvno, found OCTET STRING"
    assert child(root, "body").value == "pkiconf"  # the body still decodes


def test_trailing_bytes_reported(load):
    data = load("pkiConf")
    root = build_tree(data + b"\x00\x01\x02")
    tail = root.children[-1]
    assert (tail.name, tail.offset, tail.length) == ("trailing", len(data), 3)
    assert tail.error == f"offset {len(data)}: 3 bytes after the PKIMessage"
    assert first_error(root) == tail.error


def test_ber_not_der_is_decoded_and_noted(load):
    data = load("pkiConf")
    # re-frame the outer SEQUENCE with an indefinite length and end-of-contents octets
    inner_start = 2 if data[1] < 0x80 else 2 + (data[1] & 0x7F)
    ber = b"\x30\x80" + data[inner_start:] + b"\x00\x00"
    root = build_tree(ber)
    assert first_error(root) is None and root.value == "pkiconf"
    assert notes(root) == ["offset 0: indefinite length (BER, not DER: X.690 10.1)"]
    # pvno as a non-minimal INTEGER with a long-form length: 02 81 02 00 02
    header = bytes.fromhex("300d" "0281020002" "a4023000" "a4023000")
    msg = b"\x30" + bytes([len(header) + 4]) + header + bytes.fromhex("b3020500")
    root = build_tree(msg)
    assert first_error(root) is None and root.value == "pkiconf"
    pvno = child(child(root, "header"), "pvno")
    assert (pvno.offset, pvno.length, pvno.value) == (4, 5, "2 (cmp2000)")
    assert [n.value for n in pvno.children] == [
        "offset 4: non-minimal length encoding (BER, not DER: X.690 10.1)",
        "offset 4: non-minimal INTEGER encoding (X.690 8.3.2)",
    ]


def test_garbage_inputs():
    for data in (b"", b"\x30", b"\x30\x80", b"\x04\x00", b"\xff" * 10, b"\x30\x84\xff\xff\xff\xff"):
        root = build_tree(data)
        assert root.name == "PKIMessage" and first_error(root)
    deep = b"\x30\x80" * 400
    assert first_error(build_tree(deep))
