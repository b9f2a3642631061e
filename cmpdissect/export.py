"""`cmpdissect export`: write each PKIMessage of a unit as DER, and every certificate, CRL and
PKCS #10 request it carries as PEM (RFC 7468), under names that say frame, body and role.

A sink: it reads a `model.Unit` and asks `asn1.tree` what the message carries.

    f0007-ip-msg.der             the PKIMessage of frame 7
    f0007-ip-caPubs-0.pem        caPubs[0]
    f0007-ip-cert-req0.pem       the certificate issued for certReqId 0
    f0007-ip-extraCerts-1.pem    extraCerts[1]
    f0009-genp-caCerts-0.pem     a genp id-it-caCerts value
    f0011-nested-nested-0-ir-msg.der   an inner message of a nested body

Units read from a message file (frame 0) are named by their position instead: m0003-...
"""

from __future__ import annotations

import base64
from pathlib import Path

from cmpdissect.asn1.tree import carried_objects
from cmpdissect.model import Unit

_PEM_LABELS = {"cert": "CERTIFICATE", "crl": "X509 CRL", "csr": "CERTIFICATE REQUEST"}


def pem(der: bytes, label: str) -> str:
    """RFC 7468 textual encoding: base64 in 64-column lines between BEGIN/END lines."""
    b64 = base64.b64encode(der).decode("ascii")
    body = "\n".join(b64[i : i + 64] for i in range(0, len(b64), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def unit_prefix(unit: Unit) -> str:
    """"f0007" for the unit completed in frame 7; "m0003" for the 4th message of a file."""
    return f"f{unit.frame:04d}" if unit.frame else f"m{unit.index:04d}"


def export_unit(unit: Unit, out_dir: Path | str) -> list[Path]:
    """Write the unit's PKIMessage and what it carries into `out_dir`; the paths written.

    A unit without a PKIMessage (a transport-level frame) writes nothing.
    """
    if not unit.der:
        return []
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    body = unit.message.body if unit.message and unit.message.body else "unknown"
    stem = f"{unit_prefix(unit)}-{body}"
    written: list[Path] = []

    def write(name: str, data: bytes | str) -> None:
        path = out / name
        n = 2
        while path in written:
            path = out / name.replace(".", f"-{n}.", 1)
            n += 1
        if isinstance(data, str):
            path.write_text(data, encoding="ascii")
        else:
            path.write_bytes(data)
        written.append(path)

    write(f"{stem}-msg.der", unit.der)
    for obj in carried_objects(unit.der):
        if obj.kind == "msg":
            write(f"{stem}-{obj.role}-msg.der", obj.der)
        else:
            write(f"{stem}-{obj.role}.pem", pem(obj.der, _PEM_LABELS[obj.kind]))
    return written
