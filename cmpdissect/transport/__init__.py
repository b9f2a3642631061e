"""Sans-I/O stream decoders: HTTP/1.x, RFC 2510 and TCP-Messaging v10 framing, bare DER."""
