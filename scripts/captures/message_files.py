"""Message files as ``openssl cmp -reqout/-rspout`` writes them (DER), plus PEM and base64 renderings
of the same run, for the file source."""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

# RFC 4210 section 5.1.2 PKIBody alternatives, by context tag number
BODY_NAMES = ("ir ip cr cp p10cr popdecc popdecr kur kup krr krp rr rp ccr ccp ckuann cann rann crlann "
              "pkiconf nested genm genp error certConf pollReq pollRep").split()
PEM_LABEL = "PKIMESSAGE"  # no standard label exists; readers should accept any label


def _tlv(der: bytes, offset: int) -> tuple[int, int, int]:
    """(tag byte, offset of contents, length) of the DER element at ``offset`` (short tags only)."""
    tag, first = der[offset], der[offset + 1]
    if first < 0x80:
        return tag, offset + 2, first
    n = first & 0x7F
    return tag, offset + 2 + n, int.from_bytes(der[offset + 2:offset + 2 + n], "big")


def body_name(der: bytes) -> str:
    """Name of the PKIBody choice: skip the PKIHeader, read the context tag that follows."""
    _, start, _ = _tlv(der, 0)
    _, hdr_start, hdr_len = _tlv(der, start)
    tag, _, _ = _tlv(der, hdr_start + hdr_len)
    return BODY_NAMES[tag & 0x1F]


def write_message_files(out: Path, stem: str, messages: list[bytes]) -> list[Path]:
    """``{stem}-N-body.der`` for each message, ``{stem}.pem`` with all of them, ``ir.b64`` one per line."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{stem}-*.der"):
        old.unlink()
    written = []
    pem = []
    for n, der in enumerate(messages, 1):
        path = out / f"{stem}-{n}-{body_name(der)}.der"
        path.write_bytes(der)
        written.append(path)
        body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
        pem.append(f"-----BEGIN {PEM_LABEL}-----\n{body}\n-----END {PEM_LABEL}-----\n")
    (out / f"{stem}.pem").write_text("".join(pem))
    (out / "ir.b64").write_text("".join(base64.b64encode(der).decode() + "\n" for der in messages))
    return [*written, out / f"{stem}.pem", out / "ir.b64"]
