"""TLS decryption with an NSS key log: the plaintext of HTTPS connections for the HTTP decoder.

Sans-I/O like the transport decoders: `TlsStreamDecoder` takes both directions' bytes and returns
plaintext and notices; `load_keylog` is the only function that touches a file.
"""

from cmpdissect.tls.events import Plaintext, TlsNotice
from cmpdissect.tls.keylog import KeyLog, KeyLogError, load_keylog, parse_keylog
from cmpdissect.tls.stream import TlsSession, TlsStreamDecoder

__all__ = ["KeyLog", "KeyLogError", "Plaintext", "TlsNotice", "TlsSession", "TlsStreamDecoder", "load_keylog",
           "parse_keylog"]
