"""The pyasn1 schema for the full PKIMessage decode (tree view, checks): pyasn1-alt-modules'
rfc9810 with what it lacks patched here, in this one module.

Checked against RFC 9810 5.1-5.3 and App. F (CMP-REFERENCE.md 5.2-5.13). rfc9810 already has the
27 bodies named as RFC 9810, pvno cmp2021(3), CertStatus.hashAlg, the EncryptedKey CHOICE in
CertOrEncCert and CertifiedKeyPair, Challenge.encryptedRand, ckuann as CAKeyUpdContent, the id-it
1..24 open-type map and KemBMParameter; rfc9481 (imported for its side effect) maps PBMAC1
parameters. Patched here:

- nested: rfc9810 closes the PKIMessages recursion with a hack the installed pyasn1 ignores, so
  inner messages stay undecoded ANY; our own PKIBody closes the cycle on its schema instance.
- krp: rfc9810 reuses RFC 4210's KeyRecRepContent, whose keyPairHist holds CertifiedKeyPairs with
  EncryptedValue; RFC 9480 2.7 / RFC 9810 5.3.8 made that EncryptedKey.
- PBMParameter.salt: RFC 4210's module bounds it to 0..128 octets, no RFC does (5.14 item 10).

pyasn1 reads an implicit tag on an untagged CHOICE (CRMF CertTemplate issuer/subject, POP
keyEncipherment/keyAgreement, PKIArchiveOptions.encryptedPrivKey) as the explicit tag X.680
31.2.7 requires, so those need no patch.
"""

from __future__ import annotations

from pyasn1.codec.ber import decoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import constraint, namedtype, tag, univ
from pyasn1_alt_modules import opentypemap, rfc9481, rfc9810

_MAX = float("inf")
_ = rfc9481  # registers the RFC 9481 algorithm parameters (PBMAC1, PBKDF2) in the open-type map


class SchemaError(ValueError):
    """The message does not decode against the schema (the summary says at which byte)."""


class PBMParameter(univ.Sequence):
    """RFC 9810 5.1.3.1 PBMParameter, salt without RFC 4210 module's 128-octet bound."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("salt", univ.OctetString()),
        namedtype.NamedType("owf", rfc9810.AlgorithmIdentifier()),
        namedtype.NamedType("iterationCount", univ.Integer()),
        namedtype.NamedType("mac", rfc9810.AlgorithmIdentifier()),
    )


opentypemap.get("algorithmIdentifierMap")[rfc9810.id_PasswordBasedMac] = PBMParameter()


def _explicit(n: int) -> tag.Tag:
    return tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, n)


class KeyRecRepContent(univ.Sequence):
    """RFC 9810 5.3.8 KeyRecRepContent, keyPairHist with RFC 9810 CertifiedKeyPair (EncryptedKey)."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("status", rfc9810.PKIStatusInfo()),
        namedtype.OptionalNamedType("newSigCert", rfc9810.CMPCertificate().subtype(explicitTag=_explicit(0))),
        namedtype.OptionalNamedType(
            "caCerts",
            univ.SequenceOf(componentType=rfc9810.CMPCertificate()).subtype(
                sizeSpec=constraint.ValueSizeConstraint(1, _MAX), explicitTag=_explicit(1)
            ),
        ),
        namedtype.OptionalNamedType(
            "keyPairHist",
            univ.SequenceOf(componentType=rfc9810.CertifiedKeyPair()).subtype(
                sizeSpec=constraint.ValueSizeConstraint(1, _MAX), explicitTag=_explicit(2)
            ),
        ),
    )


class NestedMessageContent(univ.SequenceOf):
    """RFC 9810 5.1.3.4 NestedMessageContent ::= PKIMessages; the component type is set below,
    once PKIMessage exists (pyasn1 cannot declare a recursive type)."""

    componentType = univ.Any()
    sizeSpec = constraint.ValueSizeConstraint(1, _MAX)


_nested = NestedMessageContent().subtype(explicitTag=_explicit(20))


def _body_alternatives() -> list[namedtype.NamedType]:
    alts = []
    for nt in rfc9810.PKIBody.componentType.namedTypes:
        if nt.name == "krp":
            nt = namedtype.NamedType("krp", KeyRecRepContent().subtype(explicitTag=_explicit(10)))
        elif nt.name == "nested":
            nt = namedtype.NamedType("nested", _nested)
        alts.append(nt)
    return alts


class PKIBody(univ.Choice):
    """RFC 9810 5.1.2 PKIBody."""

    componentType = namedtype.NamedTypes(*_body_alternatives())


class PKIMessage(univ.Sequence):
    """RFC 9810 5.1 PKIMessage."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("header", rfc9810.PKIHeader()),
        namedtype.NamedType("body", PKIBody()),
        namedtype.OptionalNamedType("protection", rfc9810.PKIProtection().subtype(explicitTag=_explicit(0))),
        namedtype.OptionalNamedType(
            "extraCerts",
            univ.SequenceOf(componentType=rfc9810.CMPCertificate()).subtype(
                sizeSpec=constraint.ValueSizeConstraint(1, _MAX), explicitTag=_explicit(1)
            ),
        ),
    )


class PKIMessages(univ.SequenceOf):
    """RFC 9810 5.1 PKIMessages."""

    componentType = PKIMessage()
    sizeSpec = constraint.ValueSizeConstraint(1, _MAX)


class ProtectedPart(univ.Sequence):
    """RFC 9810 5.1.3 ProtectedPart: what the protection is computed over."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("header", rfc9810.PKIHeader()),
        namedtype.NamedType("body", PKIBody()),
    )


# Close the recursion on the one schema instance every PKIBody shares (readOnly attributes are
# set at construction, hence the direct write).
_nested.__dict__["componentType"] = PKIMessage()
_nested.readOnly["componentType"] = _nested.componentType

BODY_ALTERNATIVES: tuple[str, ...] = tuple(PKIBody.componentType.getNameByPosition(i) for i in range(27))


def decode_message(data: bytes) -> tuple[PKIMessage, bytes]:
    """Decode one PKIMessage with open types (infoValue, algorithm parameters) decoded.

    Returns the message and the bytes after it. BER is accepted, as peers send it.
    Raises SchemaError when the bytes do not fit the schema.
    """
    try:
        msg, rest = decoder.decode(data, asn1Spec=PKIMessage(), decodeOpenTypes=True)
    except PyAsn1Error as e:
        raise SchemaError(f"schema: {e}") from None
    return msg, bytes(rest)
