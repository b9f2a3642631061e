"""Names for what CMP carries as numbers: OIDs, PKIStatus, PKIFailureInfo bits, PKIBody tags,
and X.501 Names / GeneralNames rendered as text.

OID names are the RFC ASN.1 value names. CMP and CRMF registries keep their family prefix
(`id-it-implicitConfirm`, `id-regCtrl-oldCertID`, `id-kp-cmcRA`) because the bare names collide;
algorithms use the names RFC 9481 and OpenSSL print (`ecdsa-with-SHA256`, `hmacWithSHA256`).
PasswordBasedMac is "PBM" (CONTRACT.md); Wireshark prints it as "PasswordBasedMac".

Name rendering (`name_to_text`): RDNs in encoding (X.509) order, joined with ", ", the way
OpenSSL's one-line form and CMP tools print them ("CN=Lab CA, O=Example"), not RFC 4514's
reversed order; multi-valued RDNs joined with "+"; RFC 4514 short labels where RFC 4514 has them,
OpenSSL's labels otherwise, dotted OIDs for unknown types; values escaped as in RFC 4514 2.4,
non-string values as "#" + hex of their DER. The NULL-DN (zero RDNs, RFC 9810 5.1.1) renders as "".
"""

from __future__ import annotations

import ipaddress

from . import der

PKI_STATUS: tuple[str, ...] = (
    # RFC 9810 5.2.3
    "accepted",
    "grantedWithMods",
    "rejection",
    "waiting",
    "revocationWarning",
    "revocationNotification",
    "keyUpdateWarning",
)

FAILURE_INFO: tuple[str, ...] = (
    # RFC 9810 5.2.3, bit numbers 0..26
    "badAlg",
    "badMessageCheck",
    "badRequest",
    "badTime",
    "badCertId",
    "badDataFormat",
    "wrongAuthority",
    "incorrectData",
    "missingTimeStamp",
    "badPOP",
    "certRevoked",
    "certConfirmed",
    "wrongIntegrity",
    "badRecipientNonce",
    "timeNotAvailable",
    "unacceptedPolicy",
    "unacceptedExtension",
    "addInfoNotAvailable",
    "badSenderNonce",
    "badCertTemplate",
    "signerNotTrusted",
    "transactionIdInUse",
    "unsupportedVersion",
    "notAuthorized",
    "systemUnavail",
    "systemFailure",
    "duplicateCertReq",
)

BODY_NAMES: tuple[str, ...] = (
    # PKIBody CHOICE alternatives by context tag, RFC 4210 / RFC 9810 5.1.2
    "ir", "ip", "cr", "cp", "p10cr", "popdecc", "popdecr", "kur", "kup", "krr", "krp", "rr", "rp",
    "ccr", "ccp", "ckuann", "cann", "rann", "crlann", "pkiconf", "nested", "genm", "genp", "error",
    "certConf", "pollReq", "pollRep",
)  # fmt: skip


def status_name(value: int) -> str:
    """PKIStatus name, or the number as text for values outside RFC 9810 5.2.3."""
    return PKI_STATUS[value] if 0 <= value < len(PKI_STATUS) else str(value)


def failure_name(bit: int) -> str:
    """PKIFailureInfo bit name, or "bit<n>" for bits RFC 9810 does not define."""
    return FAILURE_INFO[bit] if 0 <= bit < len(FAILURE_INFO) else f"bit{bit}"


_PKCS1 = "1.2.840.113549.1.1."
_NIST_HASH = "2.16.840.1.101.3.4.2."
_NIST_SIG = "2.16.840.1.101.3.4.3."
_NIST_AES = "2.16.840.1.101.3.4.1."
_PKIX = "1.3.6.1.5.5.7."
_ID_IT = _PKIX + "4."
_SMIME_ALG = "1.2.840.113549.1.9.16.3."

OID_NAMES: dict[str, str] = {
    # MAC-based protection (RFC 9810 5.1.3, RFC 9481 6)
    "1.2.840.113533.7.66.13": "PBM",
    "1.2.840.113533.7.66.30": "DHBasedMac",
    "1.2.840.113533.7.66.16": "KemBasedMac",
    "1.2.840.113549.1.5.14": "PBMAC1",
    "1.2.840.113549.1.5.12": "PBKDF2",
    "1.2.840.113549.1.5.13": "PBES2",
    "1.3.6.1.5.5.8.1.1": "hmac-md5",
    "1.3.6.1.5.5.8.1.2": "hmac-sha1",
    "1.2.840.113549.2.7": "hmacWithSHA1",
    "1.2.840.113549.2.8": "hmacWithSHA224",
    "1.2.840.113549.2.9": "hmacWithSHA256",
    "1.2.840.113549.2.10": "hmacWithSHA384",
    "1.2.840.113549.2.11": "hmacWithSHA512",
    _NIST_HASH + "13": "hmacWithSHA3-224",
    _NIST_HASH + "14": "hmacWithSHA3-256",
    _NIST_HASH + "15": "hmacWithSHA3-384",
    _NIST_HASH + "16": "hmacWithSHA3-512",
    _NIST_HASH + "19": "KMACWithSHAKE128",
    _NIST_HASH + "20": "KMACWithSHAKE256",
    _NIST_AES + "9": "aes128-GMAC",
    _NIST_AES + "29": "aes192-GMAC",
    _NIST_AES + "49": "aes256-GMAC",
    # digests (RFC 9481 2)
    "1.2.840.113549.2.5": "md5",
    "1.3.14.3.2.26": "sha1",
    _NIST_HASH + "1": "sha256",
    _NIST_HASH + "2": "sha384",
    _NIST_HASH + "3": "sha512",
    _NIST_HASH + "4": "sha224",
    _NIST_HASH + "5": "sha512-224",
    _NIST_HASH + "6": "sha512-256",
    _NIST_HASH + "7": "sha3-224",
    _NIST_HASH + "8": "sha3-256",
    _NIST_HASH + "9": "sha3-384",
    _NIST_HASH + "10": "sha3-512",
    _NIST_HASH + "11": "shake128",
    _NIST_HASH + "12": "shake256",
    _NIST_HASH + "17": "shake128-len",
    _NIST_HASH + "18": "shake256-len",
    # signatures (RFC 9481 3)
    _PKCS1 + "4": "md5WithRSAEncryption",
    _PKCS1 + "5": "sha1WithRSAEncryption",
    _PKCS1 + "10": "RSASSA-PSS",
    _PKCS1 + "11": "sha256WithRSAEncryption",
    _PKCS1 + "12": "sha384WithRSAEncryption",
    _PKCS1 + "13": "sha512WithRSAEncryption",
    _PKCS1 + "14": "sha224WithRSAEncryption",
    _PKCS1 + "15": "sha512-224WithRSAEncryption",
    _PKCS1 + "16": "sha512-256WithRSAEncryption",
    _PKIX + "6.30": "RSASSA-PSS-SHAKE128",
    _PKIX + "6.31": "RSASSA-PSS-SHAKE256",
    _PKIX + "6.32": "ecdsa-with-SHAKE128",
    _PKIX + "6.33": "ecdsa-with-SHAKE256",
    "1.2.840.10045.4.1": "ecdsa-with-SHA1",
    "1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
    "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
    "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
    _NIST_SIG + "1": "dsa-with-SHA224",
    _NIST_SIG + "2": "dsa-with-SHA256",
    _NIST_SIG + "9": "ecdsa-with-SHA3-224",
    _NIST_SIG + "10": "ecdsa-with-SHA3-256",
    _NIST_SIG + "11": "ecdsa-with-SHA3-384",
    _NIST_SIG + "12": "ecdsa-with-SHA3-512",
    _NIST_SIG + "13": "RSA-SHA3-224",
    _NIST_SIG + "14": "RSA-SHA3-256",
    _NIST_SIG + "15": "RSA-SHA3-384",
    _NIST_SIG + "16": "RSA-SHA3-512",
    _NIST_SIG + "17": "ML-DSA-44",
    _NIST_SIG + "18": "ML-DSA-65",
    _NIST_SIG + "19": "ML-DSA-87",
    _NIST_SIG + "20": "SLH-DSA-SHA2-128s",
    _NIST_SIG + "21": "SLH-DSA-SHA2-128f",
    _NIST_SIG + "22": "SLH-DSA-SHA2-192s",
    _NIST_SIG + "23": "SLH-DSA-SHA2-192f",
    _NIST_SIG + "24": "SLH-DSA-SHA2-256s",
    _NIST_SIG + "25": "SLH-DSA-SHA2-256f",
    _NIST_SIG + "26": "SLH-DSA-SHAKE-128s",
    _NIST_SIG + "27": "SLH-DSA-SHAKE-128f",
    _NIST_SIG + "28": "SLH-DSA-SHAKE-192s",
    _NIST_SIG + "29": "SLH-DSA-SHAKE-192f",
    _NIST_SIG + "30": "SLH-DSA-SHAKE-256s",
    _NIST_SIG + "31": "SLH-DSA-SHAKE-256f",
    "1.3.101.112": "Ed25519",
    "1.3.101.113": "Ed448",
    "1.2.840.10040.4.3": "dsa-with-SHA1",
    # key types and curves
    _PKCS1 + "1": "rsaEncryption",
    _PKCS1 + "7": "RSAES-OAEP",
    _PKCS1 + "8": "MGF1",
    "1.2.840.10040.4.1": "dsa",
    "1.2.840.10046.2.1": "dhpublicnumber",
    "1.2.840.10045.2.1": "id-ecPublicKey",
    "1.2.840.10045.3.1.1": "prime192v1",
    "1.2.840.10045.3.1.7": "prime256v1",
    "1.3.132.0.10": "secp256k1",
    "1.3.132.0.33": "secp224r1",
    "1.3.132.0.34": "secp384r1",
    "1.3.132.0.35": "secp521r1",
    "1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1",
    "1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1",
    "1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1",
    "1.3.101.110": "X25519",
    "1.3.101.111": "X448",
    "2.16.840.1.101.3.4.4.1": "ML-KEM-512",
    "2.16.840.1.101.3.4.4.2": "ML-KEM-768",
    "2.16.840.1.101.3.4.4.3": "ML-KEM-1024",
    _SMIME_ALG + "14": "RSA-KEM",
    _SMIME_ALG + "28": "HKDF-SHA256",
    _SMIME_ALG + "29": "HKDF-SHA384",
    _SMIME_ALG + "30": "HKDF-SHA512",
    # content encryption and key wrap (RFC 9481 4, 5)
    "1.2.840.113549.3.7": "des-ede3-cbc",
    _NIST_AES + "2": "aes128-CBC",
    _NIST_AES + "22": "aes192-CBC",
    _NIST_AES + "42": "aes256-CBC",
    _NIST_AES + "5": "aes128-wrap",
    _NIST_AES + "25": "aes192-wrap",
    _NIST_AES + "45": "aes256-wrap",
    _NIST_AES + "6": "aes128-GCM",
    _NIST_AES + "26": "aes192-GCM",
    _NIST_AES + "46": "aes256-GCM",
    # CMS content types
    "1.2.840.113549.1.7.1": "data",
    "1.2.840.113549.1.7.2": "signedData",
    "1.2.840.113549.1.7.3": "envelopedData",
    "1.2.840.113549.1.9.16.1.21": "id-ct-encKeyWithID",
    # id-it (RFC 9810 5.3.19, App. F)
    _ID_IT + "1": "id-it-caProtEncCert",
    _ID_IT + "2": "id-it-signKeyPairTypes",
    _ID_IT + "3": "id-it-encKeyPairTypes",
    _ID_IT + "4": "id-it-preferredSymmAlg",
    _ID_IT + "5": "id-it-caKeyUpdateInfo",
    _ID_IT + "6": "id-it-currentCRL",
    _ID_IT + "7": "id-it-unsupportedOIDs",
    _ID_IT + "10": "id-it-keyPairParamReq",
    _ID_IT + "11": "id-it-keyPairParamRep",
    _ID_IT + "12": "id-it-revPassphrase",
    _ID_IT + "13": "id-it-implicitConfirm",
    _ID_IT + "14": "id-it-confirmWaitTime",
    _ID_IT + "15": "id-it-origPKIMessage",
    _ID_IT + "16": "id-it-suppLangTags",
    _ID_IT + "17": "id-it-caCerts",
    _ID_IT + "18": "id-it-rootCaKeyUpdate",
    _ID_IT + "19": "id-it-certReqTemplate",
    _ID_IT + "20": "id-it-rootCaCert",
    _ID_IT + "21": "id-it-certProfile",
    _ID_IT + "22": "id-it-crlStatusList",
    _ID_IT + "23": "id-it-crls",
    _ID_IT + "24": "id-it-KemCiphertextInfo",
    # CRMF controls and regInfo (RFC 4211 6, 7; RFC 9810 5.2.1, 5.3.19.16)
    _PKIX + "5.1.1": "id-regCtrl-regToken",
    _PKIX + "5.1.2": "id-regCtrl-authenticator",
    _PKIX + "5.1.3": "id-regCtrl-pkiPublicationInfo",
    _PKIX + "5.1.4": "id-regCtrl-pkiArchiveOptions",
    _PKIX + "5.1.5": "id-regCtrl-oldCertID",
    _PKIX + "5.1.6": "id-regCtrl-protocolEncrKey",
    _PKIX + "5.1.7": "id-regCtrl-altCertTemplate",
    _PKIX + "5.1.11": "id-regCtrl-algId",
    _PKIX + "5.1.12": "id-regCtrl-rsaKeyLen",
    _PKIX + "5.2.1": "id-regInfo-utf8Pairs",
    _PKIX + "5.2.2": "id-regInfo-certReq",
    # extended key usages (RFC 5280 4.2.1.12, RFC 9810 App. F)
    "2.5.29.37.0": "anyExtendedKeyUsage",
    _PKIX + "3.1": "id-kp-serverAuth",
    _PKIX + "3.2": "id-kp-clientAuth",
    _PKIX + "3.3": "id-kp-codeSigning",
    _PKIX + "3.4": "id-kp-emailProtection",
    _PKIX + "3.8": "id-kp-timeStamping",
    _PKIX + "3.9": "id-kp-OCSPSigning",
    _PKIX + "3.27": "id-kp-cmcCA",
    _PKIX + "3.28": "id-kp-cmcRA",
    _PKIX + "3.32": "id-kp-cmKGA",
    # X.509 extensions (RFC 5280 4.2)
    "2.5.29.9": "subjectDirectoryAttributes",
    "2.5.29.14": "subjectKeyIdentifier",
    "2.5.29.15": "keyUsage",
    "2.5.29.17": "subjectAltName",
    "2.5.29.18": "issuerAltName",
    "2.5.29.19": "basicConstraints",
    "2.5.29.20": "cRLNumber",
    "2.5.29.21": "cRLReason",
    "2.5.29.24": "invalidityDate",
    "2.5.29.27": "deltaCRLIndicator",
    "2.5.29.28": "issuingDistributionPoint",
    "2.5.29.29": "certificateIssuer",
    "2.5.29.30": "nameConstraints",
    "2.5.29.31": "cRLDistributionPoints",
    "2.5.29.32": "certificatePolicies",
    "2.5.29.33": "policyMappings",
    "2.5.29.35": "authorityKeyIdentifier",
    "2.5.29.36": "policyConstraints",
    "2.5.29.37": "extKeyUsage",
    "2.5.29.46": "freshestCRL",
    "2.5.29.54": "inhibitAnyPolicy",
    _PKIX + "1.1": "authorityInfoAccess",
    _PKIX + "1.11": "subjectInfoAccess",
    _PKIX + "48.1": "id-ad-ocsp",
    _PKIX + "48.2": "id-ad-caIssuers",
    # attribute types (RFC 5280 4.1.2.4, App. A; RFC 4519)
    "2.5.4.3": "commonName",
    "2.5.4.4": "surname",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "countryName",
    "2.5.4.7": "localityName",
    "2.5.4.8": "stateOrProvinceName",
    "2.5.4.9": "streetAddress",
    "2.5.4.10": "organizationName",
    "2.5.4.11": "organizationalUnitName",
    "2.5.4.12": "title",
    "2.5.4.15": "businessCategory",
    "2.5.4.17": "postalCode",
    "2.5.4.41": "name",
    "2.5.4.42": "givenName",
    "2.5.4.43": "initials",
    "2.5.4.44": "generationQualifier",
    "2.5.4.46": "dnQualifier",
    "2.5.4.65": "pseudonym",
    "2.5.4.97": "organizationIdentifier",
    "0.9.2342.19200300.100.1.1": "userId",
    "0.9.2342.19200300.100.1.25": "domainComponent",
    "1.2.840.113549.1.9.1": "emailAddress",
    "1.2.840.113549.1.9.7": "challengePassword",
    "1.2.840.113549.1.9.14": "extensionRequest",
    # cryptlib's private CMP extensions (genm/genp infoTypes)
    "1.3.6.1.4.1.3029.3.1.1": "cryptlibPresenceCheck",
    "1.3.6.1.4.1.3029.3.1.2": "cryptlibPKIBoot",
}

# Short labels for DN text: RFC 4514 3 where it has one, OpenSSL's otherwise.
DN_LABELS: dict[str, str] = {
    "2.5.4.3": "CN",
    "2.5.4.4": "SN",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.9": "STREET",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.12": "title",
    "2.5.4.15": "businessCategory",
    "2.5.4.17": "postalCode",
    "2.5.4.41": "name",
    "2.5.4.42": "GN",
    "2.5.4.43": "initials",
    "2.5.4.44": "generationQualifier",
    "2.5.4.46": "dnQualifier",
    "2.5.4.65": "pseudonym",
    "2.5.4.97": "organizationIdentifier",
    "0.9.2342.19200300.100.1.1": "UID",
    "0.9.2342.19200300.100.1.25": "DC",
    "1.2.840.113549.1.9.1": "emailAddress",
}


def oid_name(dotted: str) -> str | None:
    """The name of a dotted OID, or None when we have none."""
    return OID_NAMES.get(dotted)


_STRING_TAGS = frozenset(
    (der.UTF8_STRING, der.PRINTABLE_STRING, der.T61_STRING, der.IA5_STRING, der.VISIBLE_STRING,
     der.UNIVERSAL_STRING, der.BMP_STRING)
)  # fmt: skip


def _escape(value: str) -> str:
    """RFC 4514 2.4 escaping, so that ',' and '+' in a value cannot be read as separators."""
    out = []
    for i, ch in enumerate(value):
        if ch in ',+"\\<>;' or (i == 0 and ch in "# ") or (i == len(value) - 1 and ch == " "):
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def name_to_text(data: bytes, offset: int = 0, limit: int | None = None) -> str:
    """Render the X.501 Name (RDNSequence TLV) at `offset` as text; see the module docstring.

    Raises der.DerError if the Name is malformed.
    """
    seq = der.read_header(data, offset, limit)
    if seq.tag_class != der.UNIVERSAL or seq.tag != der.SEQUENCE:
        raise der.DerError("Name is not a SEQUENCE", offset)
    rdns: list[str] = []
    pos = seq.start
    while pos < seq.end:
        rdn = der.read_header(data, pos, seq.end)
        if rdn.tag != der.SET:
            raise der.DerError("RDN is not a SET", pos)
        parts: list[str] = []
        inner = rdn.start
        while inner < rdn.end:
            atv = der.read_header(data, inner, rdn.end)
            oid_h = der.read_header(data, atv.start, atv.end)
            if oid_h.tag != der.OID:
                raise der.DerError("attribute type is not an OID", oid_h.offset)
            oid = der.read_oid(data, oid_h)
            val = der.read_header(data, oid_h.end, atv.end)
            if val.tag_class == der.UNIVERSAL and val.tag in _STRING_TAGS:
                text = _escape(der.read_string(data, val))
            else:
                text = "#" + data[val.offset : val.end].hex()
            parts.append(f"{DN_LABELS.get(oid, oid)}={text}")
            inner = atv.end
        rdns.append("+".join(parts))
        pos = rdn.end
    return ", ".join(rdns)


def general_name_to_text(data: bytes, offset: int = 0, limit: int | None = None) -> str:
    """Render the GeneralName (RFC 5280 4.2.1.6) at `offset` the way OpenSSL prints one:
    "DNS:host", "URI:...", "IP:...", "email:...", "RID:oid", and a directoryName as its DN text.

    Raises der.DerError if the GeneralName is malformed.
    """
    h = der.read_header(data, offset, limit)
    if h.tag_class != der.CONTEXT:
        raise der.DerError("GeneralName without a context tag", offset)
    content = data[h.start : h.end]
    if h.tag == 4:  # directoryName [4] Name, explicit since Name is a CHOICE
        return name_to_text(data, h.start, h.end)
    if h.tag == 1:
        return "email:" + content.decode("ascii", errors="replace")
    if h.tag == 2:
        return "DNS:" + content.decode("ascii", errors="replace")
    if h.tag == 6:
        return "URI:" + content.decode("ascii", errors="replace")
    if h.tag == 7:
        if len(content) in (4, 16):
            return "IP:" + str(ipaddress.ip_address(content))
        return "IP:#" + content.hex()
    if h.tag == 8:
        oid = der.read_oid(data, h)
        return "RID:" + (oid_name(oid) or oid)
    if h.tag == 0:
        oid_h = der.read_header(data, h.start, h.end)
        return "othername:" + (der.read_oid(data, oid_h) if oid_h.tag == der.OID else "?")
    if h.tag == 3:
        return "X400Name:#" + content.hex()
    if h.tag == 5:
        return "EdiPartyName:#" + content.hex()
    raise der.DerError(f"GeneralName with unknown tag [{h.tag}]", offset)
