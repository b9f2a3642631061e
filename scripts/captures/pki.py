"""A throw-away lab PKI made with the openssl CLI, so the mock CA and the clients have real credentials."""

from __future__ import annotations

import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

SECRET = "pass:lab-shared-secret"
WRONG_SECRET = "pass:not-the-secret"
REFERENCE = "lab-ee-4711"


@dataclass(frozen=True, slots=True)
class Pki:
    """Paths of every credential a scenario may hand to ``openssl cmp``."""

    ca_crt: Path
    srv_crt: Path
    srv_key: Path
    ee_crt: Path
    ee_key: Path
    ee_csr: Path
    client_crt: Path
    client_key: Path
    bundle: Path


def _openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


def _ec_key(path: Path) -> Path:
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path)
    return path


def _issue(work: Path, name: str, subject: str, key: Path, ca: tuple[Path, Path], ext: str) -> Path:
    csr, crt, extfile = work / f"{name}.csr", work / f"{name}.crt", work / f"{name}.ext"
    extfile.write_text(ext)
    _openssl("req", "-new", "-key", key, "-subj", subject, "-out", csr)
    _openssl("x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-set_serial",
             str(zlib.crc32(name.encode())), "-days", "3650", "-extfile", extfile, "-out", crt)
    return crt


def make_pki(work: Path, bundle_size: int = 14) -> Pki:
    """Root CA, CMP server (signer) cert, the cert the mock CA hands out, an externally issued client
    cert for signature protection, and a bundle of RSA certificates to make a response over 10 kB."""
    work.mkdir(parents=True, exist_ok=True)
    ca_key = _ec_key(work / "ca.key")
    ca_crt = work / "ca.crt"
    _openssl("req", "-x509", "-new", "-key", ca_key, "-subj", "/O=cmpdissect Lab/CN=Lab Root CA",
             "-days", "3650", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", ca_crt)
    ca = (ca_crt, ca_key)
    leaf = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
    srv_key = _ec_key(work / "srv.key")
    srv_crt = _issue(work, "srv", "/O=cmpdissect Lab/CN=Lab CMP Server", srv_key, ca, leaf)
    ee_key = _ec_key(work / "ee.key")
    ee_crt = _issue(work, "ee", "/O=cmpdissect Lab/CN=Lab Device 0001", ee_key, ca, leaf)
    client_key = _ec_key(work / "client.key")
    client_crt = _issue(work, "client", "/O=cmpdissect Lab/CN=Lab Operator", client_key, ca, leaf)
    rsa_key = work / "bundle.key"
    _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", "-out", rsa_key)
    inter = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
    parts = [_issue(work, f"bundle{i:02d}", f"/O=cmpdissect Lab/OU=Bundle/CN=Lab Issuing CA {i:02d}",
                    rsa_key, ca, inter).read_text() for i in range(bundle_size)]
    bundle = work / "bundle.pem"
    bundle.write_text("".join(parts))
    ee_csr = work / "ee.csr"
    return Pki(ca_crt, srv_crt, srv_key, ee_crt, ee_key, ee_csr, client_crt, client_key, bundle)
