"""The fast ASN.1 summary (`asn1.summary.summarize`) over any bytes.

Rules: no exception; the summary's error names the offset where the message broke; the lengths
it reports fit the bytes it was given.
"""

from __future__ import annotations

from cmpdissect.asn1.summary import summarize
from cmpdissect.model import PkiSummary
from fuzz.harness import has_offset, messages, require


def check(summary: PkiSummary, size: int) -> None:
    require(has_offset(summary.error), f"error without an offset: {summary.error!r}")
    require(0 <= summary.trailing <= size, f"trailing {summary.trailing} of {size} bytes")
    for inner in summary.nested:
        check(inner, size)


def one_input(data: bytes) -> None:
    check(summarize(data), len(data))


def seeds() -> list[bytes]:
    return messages()
