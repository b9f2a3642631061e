"""Fuzz harnesses for cmpdissect (issue 11): one module per decoder, `python -m fuzz.run` drives them.

Every harness module offers `one_input(data: bytes) -> None`, which raises only when a rule is
broken (an exception out of the public API, a broken invariant), and `seeds() -> list[bytes]`
built from `captures/` and `tests/*/data/`. `fuzz.harness` holds what they share.
"""
