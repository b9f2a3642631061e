"""Protection verification and diagnosis (RFC 9810 5.1.3), POP (RFC 4211 4.1) and certHash
(RFC 9810 5.3.18) checks of captured PKIMessages.

Entry points: `verify_unit` (one message's protection verdict with findings), `verify_pop`,
`verify_cert_hashes`, `load_credentials` for the CLI's `--secret`, `--trusted`, `--certs`;
`resolve_signer` (which certificate protected a message, and why others do not fit) and `requested`
(what a certificate request asked for, RFC 4211 5 / RFC 2986).
"""

from .certhash import CertHashVerdict, verify_cert_hashes
from .credentials import CredentialError, Credentials, Secret, load_credentials, parse_secret
from .pop import PopVerdict, verify_pop
from .protected_part import extra_certs
from .requests import Requested, requested
from .signer import Candidate, SignerResolution, resolve_signer
from .verify import Verdict, verify_unit

__all__ = [
    "Candidate",
    "CertHashVerdict",
    "CredentialError",
    "Credentials",
    "PopVerdict",
    "Requested",
    "Secret",
    "SignerResolution",
    "Verdict",
    "extra_certs",
    "load_credentials",
    "parse_secret",
    "requested",
    "resolve_signer",
    "verify_cert_hashes",
    "verify_pop",
    "verify_unit",
]
