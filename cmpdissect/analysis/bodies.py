"""What each PKIBody is for: who sends it, what answers it, whether it carries statuses.

The request -> response map is RFC 9810 5.1.2 / 5.3 (CMP-REFERENCE 5.3); any request may also be
answered by `error` (RFC 9810 5.3.21).
"""

from __future__ import annotations

CERT_REQUESTS = frozenset({"ir", "cr", "kur", "ccr", "krr"})  # CertReqMessages (RFC 4211)
ISSUING_REQUESTS = frozenset({"ir", "cr", "kur", "ccr", "p10cr"})  # answered by a CertRepMessage
CERT_RESPONSES = frozenset({"ip", "cp", "kup", "ccp"})  # CertRepMessage (RFC 9810 5.3.4)
ANNOUNCEMENTS = frozenset({"ckuann", "cann", "rann", "crlann"})
INITIAL_REQUESTS = ISSUING_REQUESTS | frozenset({"krr", "rr", "genm"}) | ANNOUNCEMENTS

REQUESTS = INITIAL_REQUESTS | frozenset({"certConf", "pollReq", "popdecr"})
RESPONSES = CERT_RESPONSES | frozenset({"krp", "rp", "genp", "pkiconf", "pollRep", "popdecc"})

# Bodies whose PKIStatus values go into the transaction label (CONTRACT.md `messages`).
STATUS_BODIES = CERT_RESPONSES | frozenset({"krp", "rp", "error"})

ANSWERS: dict[str, frozenset[str]] = {
    "ir": frozenset({"ip", "popdecc"}),
    "cr": frozenset({"cp", "popdecc"}),
    "kur": frozenset({"kup", "popdecc"}),
    "p10cr": frozenset({"cp"}),
    "ccr": frozenset({"ccp"}),
    "krr": frozenset({"krp"}),
    "rr": frozenset({"rp"}),
    "genm": frozenset({"genp"}),
    "certConf": frozenset({"pkiconf"}),
    "popdecr": frozenset({"ip", "cp", "kup"}),
    "pollReq": frozenset({"ip", "cp", "kup", "krp", "ccp", "rp", "genp", "pkiconf", "pollRep"}),
    "nested": frozenset({"nested"}),
    "error": frozenset({"pkiconf"}),
    **{ann: frozenset({"pkiconf"}) for ann in ANNOUNCEMENTS},
}

# TCP framing types sent by the client; every other frame type comes from the server.
CLIENT_FRAMES = frozenset({"pkiMsg", "pkiReq", "pollReq"})
# Transport frames that tell the client "nothing yet, poll later" (RFC 2510 5.2, draft-ietf-pkix-cmp-tcp-00).
TRANSPORT_POLL = frozenset({"pollRep", "partialMsgRep"})
TRANSPORT_END = frozenset({"finRep", "negPollRep"})

GRANTED = frozenset({"accepted", "grantedWithMods"})
REVOKED_OK = GRANTED | frozenset({"revocationWarning", "revocationNotification"})

ABSOLUTE_TIME = 10**9  # a check-back value above this is seconds since 1970, whatever the framing
