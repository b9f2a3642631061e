"""Fast PKIMessage summary (RFC 9810 5.1): a hand-written DER walk, no schema decode.

This runs for every CMP message in large captures, so it reads only the TLVs it needs. It never
raises: where the message breaks, `PkiSummary.error` says where (absolute byte offset) and what,
and every field read before the break is kept. The header is walked apart from the body, so a
broken body still yields header fields and transactionID.
"""

from __future__ import annotations

from ..model import CertReqInfo, CertResponseInfo, CertStatusInfo, PkiSummary
from . import der
from .der import CONTEXT, UNIVERSAL, DerError, TlvHeader
from .names import BODY_NAMES, failure_name, general_name_to_text, name_to_text, oid_name, status_name

MAX_NESTING = 8  # nested bodies inside nested bodies (RFC 9810 5.1.3.4); deeper is an error

_ID_IT = "1.3.6.1.5.5.7.4."
_IMPLICIT_CONFIRM = _ID_IT + "13"
_CONFIRM_WAIT_TIME = _ID_IT + "14"
_CERT_PROFILE = _ID_IT + "21"
_POP_NAMES = ("raVerified", "signature", "keyEncipherment", "keyAgreement")


class _Broken(Exception):
    """A break in the message: `what` failed at `offset` because of `reason`."""

    def __init__(self, what: str, offset: int, reason: str) -> None:
        super().__init__(what, offset, reason)
        self.what = what
        self.offset = offset
        self.reason = reason

    def text(self, part: str) -> str:
        return f"{part}: bad {self.what} at offset {self.offset}: {self.reason}"


def _tlv(
    data: bytes,
    pos: int,
    limit: int,
    what: str,
    tag: int | None = None,
    cls: int = UNIVERSAL,
    strict: bool = False,
) -> TlvHeader:
    """Read one TLV that must lie within `limit`, optionally of a given class and tag.

    A constructed TLV cut off by the end of the data (a truncated capture) is clipped there, so
    the walk goes on to the break and keeps what precedes it; `strict` turns that off (for TLVs
    copied out whole, such as certificates). Primitive values are never clipped.
    """
    try:
        h = der.read_header(data, pos, limit)
    except DerError as e:
        cut = None
        if not strict and limit == len(data) and "exceeds remaining" in e.message:
            cut = der.peek_header(data, pos)
        if cut is None or not cut.constructed:
            raise _Broken(what, e.offset, e.message) from None
        h = TlvHeader(cut.offset, cut.tag_class, True, cut.tag, cut.header_len, cut.length, limit)
    if tag is not None and (h.tag != tag or h.tag_class != cls):
        raise _Broken(what, pos, f"expected {_tag_text(cls, tag)}, found {_tag_text(h.tag_class, h.tag)}")
    return h


def _tag_text(cls: int, tag: int) -> str:
    if cls == CONTEXT:
        return f"[{tag}]"
    if cls == UNIVERSAL:
        return {2: "INTEGER", 3: "BIT STRING", 4: "OCTET STRING", 5: "NULL", 6: "OBJECT IDENTIFIER",
                16: "SEQUENCE", 17: "SET", 24: "GeneralizedTime"}.get(tag, f"UNIVERSAL {tag}")  # fmt: skip
    return f"{('UNIVERSAL', 'APPLICATION', 'CONTEXT', 'PRIVATE')[cls]} {tag}"


def _int(data: bytes, pos: int, limit: int, what: str) -> tuple[int, int]:
    """An INTEGER at `pos`: (value, end)."""
    h = _tlv(data, pos, limit, what, der.INTEGER)
    if h.length == 0:
        raise _Broken(what, pos, "empty INTEGER")
    if h.length > 16:
        raise _Broken(what, pos, f"INTEGER of {h.length} octets")
    return der.read_int(data, h), h.end


def _oid(data: bytes, pos: int, limit: int, what: str) -> tuple[str, int]:
    h = _tlv(data, pos, limit, what, der.OID)
    try:
        return der.read_oid(data, h), h.end
    except DerError as e:
        raise _Broken(what, e.offset, e.message) from None


def _free_text(data: bytes, h: TlvHeader, what: str, notes: list[str]) -> list[str]:
    """PKIFreeText ::= SEQUENCE SIZE (1..MAX) OF UTF8String (RFC 9810 5.1.1).

    Peers send other string types here (PrintableString, IA5String): the text is still read, and
    the deviation goes to `notes` instead of breaking the message.
    """
    texts = []
    pos = h.start
    while pos < h.end:
        s = _tlv(data, pos, h.end, what)
        texts.append(der.read_string(data, s))
        if s.tag_class != der.UNIVERSAL or s.tag != der.UTF8_STRING:
            notes.append(f"{what} at offset {s.offset}: {_string_type(s)} where UTF8String is required")
        pos = s.end
    return texts


def _string_type(h: TlvHeader) -> str:
    names = {der.PRINTABLE_STRING: "PrintableString", der.IA5_STRING: "IA5String", der.T61_STRING: "T61String",
             der.VISIBLE_STRING: "VisibleString", der.BMP_STRING: "BMPString",
             der.UNIVERSAL_STRING: "UniversalString", der.OCTET_STRING: "OCTET STRING"}
    if h.tag_class == der.UNIVERSAL and h.tag in names:
        return names[h.tag]
    return f"tag class {h.tag_class} number {h.tag}"


def _status_info(data: bytes, pos: int, limit: int, s: PkiSummary) -> tuple[str, list[str], int]:
    """PKIStatusInfo (RFC 9810 5.2.3): adds status, failInfo bits and texts to `s`.

    Returns (status name, failInfo names, end).
    """
    h = _tlv(data, pos, limit, "PKIStatusInfo", der.SEQUENCE)
    value, p = _int(data, h.start, h.end, "PKIStatus")
    status = status_name(value)
    s.status.append(status)
    fails: list[str] = []
    while p < h.end:
        e = _tlv(data, p, h.end, "PKIStatusInfo")
        if e.tag_class == UNIVERSAL and e.tag == der.SEQUENCE:
            s.status_text.extend(_free_text(data, e, "statusString", s.notes))
        elif e.tag_class == UNIVERSAL and e.tag == der.BIT_STRING:
            try:
                bits = der.read_bits(data, e)
            except DerError as err:
                raise _Broken("failInfo", err.offset, err.message) from None
            for bit in bits:
                name = failure_name(bit)
                fails.append(name)
                if name not in s.fail_info:
                    s.fail_info.append(name)
        else:
            raise _Broken("PKIStatusInfo", p, f"unexpected {_tag_text(e.tag_class, e.tag)}")
        p = e.end
    return status, fails, h.end


def _alg_oid(data: bytes, h: TlvHeader, what: str) -> str:
    """The algorithm OID of an AlgorithmIdentifier SEQUENCE."""
    return _oid(data, h.start, h.end, what)[0]


def _note(s: PkiSummary, text: str) -> None:
    """Record a value-level problem that does not stop the walk; the first problem wins."""
    if s.error is None:
        s.error = text


def _header(data: bytes, h: TlvHeader, s: PkiSummary) -> None:
    """PKIHeader (RFC 9810 5.1.1)."""
    value, p = _int(data, h.start, h.end, "pvno")
    s.pvno = value
    for field in ("sender", "recipient"):
        g = _tlv(data, p, h.end, field)
        try:
            setattr(s, field, general_name_to_text(data, g.offset, g.end))
        except DerError as e:
            raise _Broken(field, e.offset, e.message) from None
        p = g.end
    while p < h.end:
        f = _tlv(data, p, h.end, "PKIHeader field")
        if f.tag_class != CONTEXT or f.tag > 8:
            raise _Broken("PKIHeader field", p, f"unexpected {_tag_text(f.tag_class, f.tag)}")
        tag = f.tag
        if tag == 0:
            t = _tlv(data, f.start, f.end, "messageTime", der.GENERALIZED_TIME)
            try:
                s.message_time = der.read_time(data, t)
            except DerError as e:
                _note(s, f"header: bad messageTime at offset {e.offset}: {e.message}")
        elif tag == 1:
            a = _tlv(data, f.start, f.end, "protectionAlg", der.SEQUENCE)
            oid = _alg_oid(data, a, "protectionAlg")
            s.protection_alg_oid = oid
            s.protection_alg = oid_name(oid) or oid
        elif tag <= 6:
            field = ("senderKID", "recipKID", "transactionID", "senderNonce", "recipNonce")[tag - 2]
            o = _tlv(data, f.start, f.end, field, der.OCTET_STRING)
            value_bytes = data[o.start : o.end]
            attr = ("sender_kid", "recip_kid", "transaction_id", "sender_nonce", "recip_nonce")[tag - 2]
            setattr(s, attr, value_bytes)
        elif tag == 7:
            s.free_text.extend(
                _free_text(data, _tlv(data, f.start, f.end, "freeText", der.SEQUENCE), "freeText", s.notes)
            )
        else:
            _general_info(data, _tlv(data, f.start, f.end, "generalInfo", der.SEQUENCE), s)
        p = f.end


def _general_info(data: bytes, h: TlvHeader, s: PkiSummary) -> None:
    """generalInfo InfoTypeAndValues (RFC 9810 5.1.1.1-5.1.1.5)."""
    p = h.start
    while p < h.end:
        itav = _tlv(data, p, h.end, "InfoTypeAndValue", der.SEQUENCE)
        oid, q = _oid(data, itav.start, itav.end, "infoType")
        s.general_info.append(oid)
        if oid == _IMPLICIT_CONFIRM:
            s.implicit_confirm = True
        elif oid == _CONFIRM_WAIT_TIME and q < itav.end:
            t = _tlv(data, q, itav.end, "confirmWaitTime", der.GENERALIZED_TIME)
            try:
                s.confirm_wait_time = der.read_time(data, t)
            except DerError as e:
                _note(s, f"header: bad confirmWaitTime at offset {e.offset}: {e.message}")
        elif oid == _CERT_PROFILE and q < itav.end:
            seq = _tlv(data, q, itav.end, "certProfile", der.SEQUENCE)
            s.cert_profiles.extend(_free_text(data, seq, "certProfile", s.notes))
        p = itav.end


def _cert_req_messages(data: bytes, h: TlvHeader, s: PkiSummary) -> None:
    """CertReqMessages (RFC 4211 3): certReqId, template subject and POP choice of each."""
    p = h.start
    while p < h.end:
        msg = _tlv(data, p, h.end, "CertReqMsg", der.SEQUENCE)
        req = _tlv(data, msg.start, msg.end, "CertRequest", der.SEQUENCE)
        req_id, q = _int(data, req.start, req.end, "certReqId")
        s.cert_req_ids.append(req_id)
        info = CertReqInfo(cert_req_id=req_id)
        s.cert_requests.append(info)
        tmpl = _tlv(data, q, req.end, "CertTemplate", der.SEQUENCE)
        info.subject = _template_subject(data, tmpl)
        if req.end < msg.end:
            pop = _tlv(data, req.end, msg.end, "ProofOfPossession")
            if pop.tag_class == CONTEXT and pop.tag < len(_POP_NAMES):
                info.pop = _POP_NAMES[pop.tag]
        p = msg.end


def _template_subject(data: bytes, tmpl: TlvHeader) -> str | None:
    """CertTemplate subject [5] Name (RFC 4211 5): explicit, since Name is a CHOICE; an
    implicitly tagged RDNSequence (seen in some encoders) is read as well."""
    p = tmpl.start
    while p < tmpl.end:
        f = _tlv(data, p, tmpl.end, "CertTemplate field")
        if f.tag_class == CONTEXT and f.tag == 5:
            # `end`, not `length`: a TLV cut short by the end of the capture is clipped there
            explicit = f.start < f.end and data[f.start] == 0x30
            try:
                if explicit:
                    return name_to_text(data, f.start, f.end)
                return name_to_text(bytes([0x30]) + data[f.offset + 1 : f.end], 0)
            except DerError as e:  # the implicit form is read from a copy starting at f.offset
                raise _Broken("CertTemplate subject", e.offset + (0 if explicit else f.offset), e.message) from None
        p = f.end
    return None


def _p10cr(data: bytes, h: TlvHeader, s: PkiSummary) -> None:
    """PKCS #10 CertificationRequest (RFC 2986 4): the subject; no certReqId exists (-1 in cp)."""
    info = _tlv(data, h.start, h.end, "CertificationRequestInfo", der.SEQUENCE)
    _, p = _int(data, info.start, info.end, "version")
    subj = _tlv(data, p, info.end, "subject", der.SEQUENCE)
    try:
        subject = name_to_text(data, subj.offset, subj.end)
    except DerError as e:
        raise _Broken("subject", e.offset, e.message) from None
    s.cert_requests.append(CertReqInfo(cert_req_id=-1, subject=subject))


def _cert_rep_message(data: bytes, h: TlvHeader, s: PkiSummary) -> None:
    """CertRepMessage (RFC 9810 5.3.4)."""
    p = h.start
    first = _tlv(data, p, h.end, "CertRepMessage")
    if first.tag_class == CONTEXT and first.tag == 1:  # caPubs
        p = first.end
    rsps = _tlv(data, p, h.end, "response", der.SEQUENCE)
    p = rsps.start
    while p < rsps.end:
        r = _tlv(data, p, rsps.end, "CertResponse", der.SEQUENCE)
        req_id, q = _int(data, r.start, r.end, "certReqId")
        s.cert_req_ids.append(req_id)
        info = CertResponseInfo(cert_req_id=req_id, status=None)
        s.cert_responses.append(info)
        info.status, info.fail_info, q = _status_info(data, q, r.end, s)
        if q < r.end:
            ckp = _tlv(data, q, r.end, "CertResponse")
            if ckp.tag_class == UNIVERSAL and ckp.tag == der.SEQUENCE:
                coe = _tlv(data, ckp.start, ckp.end, "CertOrEncCert")
                if coe.tag_class == CONTEXT and coe.tag == 0:
                    cert = _tlv(data, coe.start, coe.end, "certificate", der.SEQUENCE, strict=True)
                    info.cert_der = data[cert.offset : cert.end]
                elif coe.tag_class == CONTEXT and coe.tag == 1:
                    info.encrypted = True
                else:
                    raise _Broken(
                        "CertOrEncCert", coe.offset, f"unexpected {_tag_text(coe.tag_class, coe.tag)}"
                    )
        p = r.end


def _cert_conf(data: bytes, h: TlvHeader, s: PkiSummary) -> None:
    """CertConfirmContent (RFC 9810 5.3.18); hashAlg [0] from RFC 9480 2.10."""
    p = h.start
    while p < h.end:
        cs = _tlv(data, p, h.end, "CertStatus", der.SEQUENCE)
        hh = _tlv(data, cs.start, cs.end, "certHash", der.OCTET_STRING)
        req_id, q = _int(data, hh.end, cs.end, "certReqId")
        s.cert_req_ids.append(req_id)
        info = CertStatusInfo(cert_req_id=req_id, cert_hash=data[hh.start : hh.end])
        s.cert_statuses.append(info)
        while q < cs.end:
            e = _tlv(data, q, cs.end, "CertStatus")
            if e.tag_class == UNIVERSAL and e.tag == der.SEQUENCE:
                info.status, _, q = _status_info(data, q, cs.end, s)
                continue
            if e.tag_class == CONTEXT and e.tag == 0:
                a = _tlv(data, e.start, e.end, "hashAlg", der.SEQUENCE)
                oid = _alg_oid(data, a, "hashAlg")
                info.hash_alg = oid_name(oid) or oid
            else:
                raise _Broken("CertStatus", q, f"unexpected {_tag_text(e.tag_class, e.tag)}")
            q = e.end
        p = cs.end


def _poll(data: bytes, h: TlvHeader, s: PkiSummary, rep: bool) -> None:
    """PollReqContent / PollRepContent (RFC 9810 5.3.22)."""
    what = "PollRepContent entry" if rep else "PollReqContent entry"
    p = h.start
    while p < h.end:
        e = _tlv(data, p, h.end, what, der.SEQUENCE)
        req_id, q = _int(data, e.start, e.end, "certReqId")
        s.cert_req_ids.append(req_id)
        if rep:
            after, q = _int(data, q, e.end, "checkAfter")
            s.check_after.append(after)
            if q < e.end:
                s.status_text.extend(_free_text(data, _tlv(data, q, e.end, "reason", der.SEQUENCE), "reason", s.notes))
        p = e.end


def _info_types(data: bytes, h: TlvHeader, s: PkiSummary) -> None:
    """GenMsgContent / GenRepContent (RFC 9810 5.3.19, 5.3.20)."""
    p = h.start
    while p < h.end:
        itav = _tlv(data, p, h.end, "InfoTypeAndValue", der.SEQUENCE)
        s.info_types.append(_oid(data, itav.start, itav.end, "infoType")[0])
        p = itav.end


def _error_msg(data: bytes, h: TlvHeader, s: PkiSummary) -> None:
    """ErrorMsgContent (RFC 9810 5.3.21)."""
    _, _, p = _status_info(data, h.start, h.end, s)
    while p < h.end:
        e = _tlv(data, p, h.end, "ErrorMsgContent")
        if e.tag_class == UNIVERSAL and e.tag == der.INTEGER:
            s.error_code, _ = _int(data, p, h.end, "errorCode")
        elif e.tag_class == UNIVERSAL and e.tag == der.SEQUENCE:
            s.status_text.extend(_free_text(data, e, "errorDetails", s.notes))
        else:
            raise _Broken("ErrorMsgContent", p, f"unexpected {_tag_text(e.tag_class, e.tag)}")
        p = e.end


def _nested(data: bytes, h: TlvHeader, s: PkiSummary, depth: int) -> None:
    """NestedMessageContent ::= PKIMessages (RFC 9810 5.1.3.4): summarize each inner message."""
    p = h.start
    n = 0
    while p < h.end:
        inner = _tlv(data, p, h.end, "nested PKIMessage", der.SEQUENCE)
        n += 1
        sub = _summarize(data, p, inner.end, depth + 1)
        s.nested.append(sub)
        if sub.error:
            _note(s, f"body: nested message {n}: {sub.error}")
        p = inner.end


_CERT_REQ_BODIES = frozenset((0, 2, 7, 9, 13))
_CERT_REP_BODIES = frozenset((1, 3, 8, 14))


def _body(data: bytes, h: TlvHeader, s: PkiSummary, depth: int) -> None:
    """PKIBody (RFC 9810 5.1.2): explicit [tag] around the content type."""
    tag = h.tag
    name = BODY_NAMES[tag]
    content = _tlv(data, h.start, h.end, name)
    if content.end != h.end:
        raise _Broken(name, content.end, f"{h.end - content.end} bytes after the body content")
    if tag == 19:  # pkiconf: NULL
        if content.tag != der.NULL or content.tag_class != UNIVERSAL:
            raise _Broken("PKIConfirmContent", content.offset, "expected NULL")
        return
    if tag == 15 or tag == 16:
        return  # ckuann (a CHOICE), cann (a certificate): nothing to summarize
    if content.tag != der.SEQUENCE or content.tag_class != UNIVERSAL:
        raise _Broken(
            name, content.offset, f"expected SEQUENCE, found {_tag_text(content.tag_class, content.tag)}"
        )
    seq = content
    if tag == 4:
        _p10cr(data, seq, s)
    elif tag in _CERT_REQ_BODIES:
        _cert_req_messages(data, seq, s)
    elif tag in _CERT_REP_BODIES:
        _cert_rep_message(data, seq, s)
    elif tag == 10:  # krp: KeyRecRepContent starts with its PKIStatusInfo
        _status_info(data, seq.start, seq.end, s)
    elif tag == 12:  # rp: RevRepContent.status
        st = _tlv(data, seq.start, seq.end, "RevRepContent status", der.SEQUENCE)
        p = st.start
        while p < st.end:
            _, _, p = _status_info(data, p, st.end, s)
    elif tag == 17:  # rann: RevAnnContent.status is a bare PKIStatus
        value, _ = _int(data, seq.start, seq.end, "PKIStatus")
        s.status.append(status_name(value))
    elif tag == 20:
        _nested(data, seq, s, depth)
    elif tag == 21 or tag == 22:
        _info_types(data, seq, s)
    elif tag == 23:
        _error_msg(data, seq, s)
    elif tag == 24:
        _cert_conf(data, seq, s)
    elif tag == 25 or tag == 26:
        _poll(data, seq, s, tag == 26)
    # popdecc, popdecr, rr, crlann: the SEQUENCE framing is all the summary needs


def _summarize(data: bytes, start: int, limit: int, depth: int) -> PkiSummary:
    """Summarize the PKIMessage at `start`, reading no further than `limit`; offsets stay absolute."""
    s = PkiSummary()
    if depth > MAX_NESTING:
        s.error = f"message: nesting deeper than {MAX_NESTING} at offset {start}"
        return s
    try:
        outer = der.peek_header(data, start)
    except DerError as e:
        s.error = f"message: bad PKIMessage at offset {e.offset}: {e.message}"
        return s
    if outer is None:
        s.error = f"message: truncated PKIMessage header at offset {start}"
        return s
    s.length = outer.end - start
    if outer.tag_class != UNIVERSAL or outer.tag != der.SEQUENCE:
        s.error = f"message: PKIMessage at offset {start} is not a SEQUENCE"
        return s
    end = min(outer.end, limit)
    part = "header"
    try:
        hdr = _tlv(data, outer.start, end, "PKIHeader", der.SEQUENCE)
        try:
            _header(data, hdr, s)
        except _Broken as b:
            s.error = b.text("header")  # the header's own framing holds: go on with the body
        part = "body"
        if hdr.end >= end:
            raise _Broken("PKIBody", hdr.end, "missing")
        body = _tlv(data, hdr.end, end, "PKIBody")
        if body.tag_class != CONTEXT or body.tag >= len(BODY_NAMES):
            raise _Broken("PKIBody", body.offset, f"unknown choice {_tag_text(body.tag_class, body.tag)}")
        s.body_tag = body.tag
        s.body = BODY_NAMES[body.tag]
        try:
            _body(data, body, s, depth)
        except _Broken as b:
            _note(s, b.text("body"))
        part = "trailer"
        p = body.end
        while p < end:
            t = _tlv(data, p, end, "PKIMessage field")
            if t.tag_class == CONTEXT and t.tag == 0:
                part = "protection"
                _tlv(data, t.start, t.end, "PKIProtection", der.BIT_STRING)
                s.has_protection = True
            elif t.tag_class == CONTEXT and t.tag == 1:
                part = "extraCerts"
                certs = _tlv(data, t.start, t.end, "extraCerts", der.SEQUENCE)
                q = certs.start
                while q < certs.end:
                    q = _tlv(data, q, certs.end, "CMPCertificate", der.SEQUENCE, strict=True).end
                    s.extra_certs += 1
            else:
                raise _Broken("PKIMessage field", p, f"unexpected {_tag_text(t.tag_class, t.tag)}")
            p = t.end
    except _Broken as b:
        _note(s, b.text(part))
    if outer.end > limit:
        _note(s, f"message: truncated PKIMessage at offset {start}: length {outer.length} "
                 f"exceeds remaining {limit - outer.start}")  # fmt: skip
    elif depth == 0:
        s.trailing = limit - outer.end
    return s


def summarize(der_bytes: bytes) -> PkiSummary:
    """The summary of the PKIMessage at the start of `der_bytes`; never raises."""
    try:
        return _summarize(der_bytes, 0, len(der_bytes), 0)
    except Exception as e:  # a defect here must not take a capture down; say so instead
        s = PkiSummary(length=len(der_bytes))
        s.error = f"message: internal error in summary: {type(e).__name__}: {e}"
        return s


def looks_like_pki_message(data: bytes, partial: bool = False) -> bool:
    """Cheap content check for recognition: a SEQUENCE whose first element is a SEQUENCE (the
    PKIHeader) beginning with INTEGER pvno 1..3 (RFC 9810 5.1.1).

    With `partial`, `data` may end before the outer SEQUENCE does (a stream being classified);
    otherwise the outer length must fit in `data`.
    """
    try:
        outer = der.peek_header(data, 0)
        if (
            outer is None
            or outer.tag_class != UNIVERSAL
            or outer.tag != der.SEQUENCE
            or not outer.constructed
        ):
            return False
        if not partial and outer.end > len(data):
            return False
        hdr = der.peek_header(data, outer.start)
        if hdr is None or hdr.tag_class != UNIVERSAL or hdr.tag != der.SEQUENCE or hdr.end > outer.end:
            return False
        pvno = der.read_header(data, hdr.start, min(hdr.end, len(data)))
        return (
            pvno.tag_class == UNIVERSAL
            and pvno.tag == der.INTEGER
            and pvno.length == 1
            and 1 <= data[pvno.start] <= 3
        )
    except DerError:
        return False
