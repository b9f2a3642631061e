"""What a PKIFailureInfo bit or a TCP-Messaging error type means, in words a PKI engineer can act on.

Bit names per RFC 9810 5.2.3; errorMsgRep types per draft-ietf-pkix-cmp-tcp-00 2.5.6.
"""

from __future__ import annotations

from cmpdissect.model import Framing, PkiSummary

FAIL_INFO_HINTS: dict[str, str] = {
    "badAlg": "an algorithm identifier is unknown or not allowed - check the protection, signature and key algorithms",
    "badMessageCheck": "the MAC or signature protection did not verify - check the shared secret and senderKID, "
                       "or the signing certificate",
    "badRequest": "the server does not permit or support this request",
    "badTime": "messageTime is too far from the server's clock - check the client's clock",
    "badCertId": "no certificate matches the one the request names",
    "badDataFormat": "the request is malformed or in a format the server does not accept",
    "wrongAuthority": "the request is addressed to another CA than the one that answered",
    "incorrectData": "the data in the request is incorrect",
    "missingTimeStamp": "policy requires a time stamp that is missing",
    "badPOP": "the proof-of-possession signature did not verify",
    "certRevoked": "the certificate is already revoked",
    "certConfirmed": "the certificate was already confirmed",
    "wrongIntegrity": "the protection type is not the expected one (MAC versus signature)",
    "badRecipientNonce": "recipNonce is missing or does not echo the server's senderNonce",
    "timeNotAvailable": "the time source is not available",
    "unacceptedPolicy": "the requested policy is not supported",
    "unacceptedExtension": "a requested extension is not supported",
    "addInfoNotAvailable": "the additional information requested is not available",
    "badSenderNonce": "senderNonce is missing or has the wrong length",
    "badCertTemplate": "the certificate template is invalid or lacks mandatory fields (subject, public key)",
    "signerNotTrusted": "the signer of the message is unknown or not trusted - check the client certificate chain",
    "transactionIdInUse": "the transactionID is already in use - the client must pick a fresh random one",
    "unsupportedVersion": "the server does not support this pvno",
    "notAuthorized": "the sender is not authorized for this request - check the client credentials and profile",
    "systemUnavail": "the server is temporarily unavailable",
    "systemFailure": "the server failed internally",
    "duplicateCertReq": "a certificate for this request already exists",
}

TCP_ERROR_HINTS: dict[str, str] = {
    "0101": "the server does not support this TCP-Messaging version",
    "0200": "the server reports a general client error",
    "0201": "the server does not know the TCP-Messaging message type",
    "0202": "the polling reference is unknown to the server or its transaction already completed",
}


def reason(msg: PkiSummary) -> str:
    """`badPOP: the proof-of-possession signature did not verify ("...")`, or what there is."""
    parts = [f"{bit}: {FAIL_INFO_HINTS.get(bit, 'see RFC 9810 5.2.3')}" for bit in msg.fail_info]
    text = "; ".join(parts) if parts else "no failInfo given"
    if msg.status_text:
        text += f' (server text: "{msg.status_text[0]}")'
    return text


def tcp_error(framing: Framing | None) -> str:
    """An errorMsgRep in one line: type, name, the hint and the server's text."""
    if framing is None:
        return "an errorMsgRep"
    code = framing.error_type or ""
    text = f"errorMsgRep {code}".rstrip()
    if framing.error_name:
        text += f" {framing.error_name}"
    hint = TCP_ERROR_HINTS.get(code)
    if hint is None and code.startswith("03"):
        hint = "the server reports an internal error"
    if code == "0101" and framing.error_data:
        hint = f"{hint} (it supports version {framing.error_data[0]})"
    if hint:
        text += f": {hint}"
    if framing.error_text:
        text += f' (server text: "{framing.error_text}")'
    return text
