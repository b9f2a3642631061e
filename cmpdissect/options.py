"""Command-line options every command that decodes shares: credentials for protection checks and
the TLS key log.

One place, so `read`, `transactions`, `sniff`, `report` and `tui` spell and treat them alike.
"""

from __future__ import annotations

import argparse

from cmpdissect.pipeline import Pipeline
from cmpdissect.protection import CredentialError, load_credentials
from cmpdissect.sources.capture import CaptureError


class OptionError(ValueError):
    """An option whose value cannot be used (a secret file that does not exist ...): exit 2."""


def add_input_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("protection checks (OpenSSL's conventions; secrets are never printed)")
    g.add_argument("--secret", action="append", default=[], metavar="[KID=]SOURCE",
                   help="shared secret for MAC protection: pass:TEXT, env:VAR or file:PATH; "
                        "optionally bound to a senderKID; repeatable")
    g.add_argument("--trusted", action="append", default=[], metavar="FILE",
                   help="PEM bundle of trust anchors for signature chains")
    g.add_argument("--certs", action="append", default=[], metavar="FILE",
                   help="PEM bundle of further certificates that may have signed messages")
    p.add_argument("--tls-keylog", metavar="FILE",
                   help="NSS key log (SSLKEYLOGFILE format) to decrypt HTTPS, TLS 1.2 and 1.3")
    p.add_argument("--careful", action="store_true",
                   help="no fast path: scapy's reader and every packet decoded (same output, slower)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def make_pipeline(ns: argparse.Namespace) -> Pipeline:
    """A pipeline with what the options gave; OptionError with a one-line reason otherwise."""
    secrets, trusted, certs = (getattr(ns, name, None) or [] for name in ("secret", "trusted", "certs"))
    keylog = getattr(ns, "tls_keylog", None)
    try:
        credentials = load_credentials(secrets, trusted, certs) if secrets or trusted or certs else None
        return Pipeline(credentials, tls_keylog=keylog, careful=getattr(ns, "careful", False),
                        progress=not getattr(ns, "quiet", False))
    except (CredentialError, CaptureError) as exc:
        raise OptionError(str(exc)) from None
