"""Byte-exact builders for the legacy CMP-over-TCP frames.

RFC 2510 section 5.2: length(4) = 1 + len(value), flag(1), value. draft-ietf-pkix-cmp-tcp-00
section 2 (TCP-Messaging version 10): length(4) = 3 + len(value), version(1), flags(1) whose LSB is
the connection-close bit, message-type(1), value. All integers big-endian.
"""

from __future__ import annotations

import struct

# RFC 2510 section 5.2 flags
PKI_MSG, POLL_REP, POLL_REQ, NEG_POLL_REP, PARTIAL_MSG_REP, FINAL_MSG_REP, ERROR_MSG_REP = range(7)
# draft-ietf-pkix-cmp-tcp-00 section 2.5 message types (4 is unassigned)
PKI_REQ, V10_POLL_REP, V10_POLL_REQ, FIN_REP, PKI_REP, V10_ERROR_MSG_REP = 0, 1, 2, 3, 5, 6
CLOSE = 0x01  # section 2.3: LSB of the flags octet
# section 2.5.6 error types
VERSION_NOT_SUPPORTED, GENERAL_CLIENT_ERROR, MESSAGE_TYPE_UNKNOWN, INVALID_POLL_ID = 0x0101, 0x0200, 0x0201, 0x0202


def rfc2510(flag: int, value: bytes) -> bytes:
    """One RFC 2510 section 5.2 TCP message."""
    return struct.pack(">IB", len(value) + 1, flag) + value


def v10(msg_type: int, value: bytes, *, flags: int = 0, version: int = 10) -> bytes:
    """One TCP-message (draft-ietf-pkix-cmp-tcp-00 section 2.1); ``version`` other than 10 makes a
    frame from a newer client."""
    return struct.pack(">IBBB", len(value) + 3, version, flags, msg_type) + value


def poll_rep(reference: int, check_back: int) -> bytes:
    """pollRep / partialMsgRep prefix: polling reference, time-to-check-back (RFC 2510: absolute epoch
    seconds; version 10: an interval in seconds, section 2.5.4)."""
    return struct.pack(">II", reference, check_back)


def poll_req(reference: int) -> bytes:
    return struct.pack(">I", reference)


def error_v10(error_type: int, data: bytes, text: str) -> bytes:
    """errorMsgRep value (section 2.5.6): error-type, data-length, data, UTF-8 text."""
    return struct.pack(">HH", error_type, len(data)) + data + text.encode()
