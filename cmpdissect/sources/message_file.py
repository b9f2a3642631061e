"""Files holding PKIMessages outside any capture: DER, PEM or base64, one or several.

This is what `openssl cmp -reqout/-rspout` writes (one DER message per file) and what people paste
into tickets (PEM or bare base64). The file is small by nature, so it is read whole.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from cmpdissect.asn1.der import DerError, tlv_length

PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)
BASE64_TEXT = re.compile(rb"^[A-Za-z0-9+/=\s]+$")


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """One message found in the file, or what prevented reading it."""

    index: int  # 0-based position in the file
    der: bytes
    encoding: str  # der | pem | base64
    error: str | None = None


def split_messages(data: bytes) -> list[MessageRecord]:
    """Split a message file's bytes into DER messages; never raises.

    DER is split by its own TLV lengths, so several messages back to back work; PEM blocks may
    carry any label; base64 may hold one message per paragraph or line.
    """
    if data[:1] == b"\x30":
        return _split_der(data, "der")
    if b"-----BEGIN" in data:
        records = []
        for i, m in enumerate(PEM_BLOCK.finditer(data)):
            der, err = _b64(m.group(2))
            records.append(MessageRecord(i, der, "pem", err and f"PEM block {i + 1} ({m.group(1).decode()}): {err}"))
        if not records:
            return [MessageRecord(0, b"", "pem", "PEM armour without a matching END line")]
        return records
    if data.strip() and BASE64_TEXT.match(data):
        chunks = [c for c in re.split(rb"\n\s*\n", data.strip()) if c.strip()]
        if len(chunks) == 1 and b"\n" in chunks[0].strip():
            lines = chunks[0].split()
            # one message per line when each line decodes to a whole message on its own
            if all(_b64(line)[0][:1] == b"\x30" and _whole_tlv(_b64(line)[0]) for line in lines):
                chunks = lines
        records = []
        for chunk in chunks:
            der, err = _b64(chunk)
            if err:
                records.append(MessageRecord(len(records), der, "base64", err))
            else:
                records.extend(MessageRecord(len(records) + r.index, r.der, "base64", r.error)
                               for r in _split_der(der, "base64"))
        return records
    return [MessageRecord(0, data, "der", "neither DER (no SEQUENCE at offset 0), PEM nor base64")]


def _b64(text: bytes) -> tuple[bytes, str | None]:
    try:
        return base64.b64decode(b"".join(text.split()), validate=True), None
    except (binascii.Error, ValueError) as exc:
        return b"", f"invalid base64 ({exc})"


def _whole_tlv(der: bytes) -> bool:
    try:
        return tlv_length(der) == len(der)
    except DerError:
        return False


def _split_der(data: bytes, encoding: str) -> list[MessageRecord]:
    records: list[MessageRecord] = []
    offset = 0
    while offset < len(data):
        try:
            size = tlv_length(data, offset)
        except DerError as exc:
            size, err = None, str(exc)
        else:
            err = None
            if size is None or offset + size > len(data):
                err, size = f"message truncated: {len(data) - offset} bytes left at offset {offset}", None
        if size is None:
            # hand the rest to the decoder: it shows what decodes and where it broke
            records.append(MessageRecord(len(records), data[offset:], encoding, err))
            break
        records.append(MessageRecord(len(records), data[offset:offset + size], encoding))
        offset += size
    return records
