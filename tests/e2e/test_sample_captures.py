"""Every sample capture, end to end: the exact sequence of units and the transactions they form.

The expected values come from captures/README.md (what each capture holds, by frame) and were checked
against tshark where it decodes the same messages (test_tshark_differential.py).
"""

from pathlib import Path

import pytest

from cmpdissect.analysis.correlate import correlate
from cmpdissect.model import Unit
from cmpdissect.pipeline import Pipeline, read_units

CAPTURES = Path(__file__).resolve().parents[2] / "captures"


def label(u: Unit) -> str:
    """frame type, body(statuses), and "!" when the unit carries an error."""
    parts = []
    if u.frame_type:
        parts.append(u.frame_type)
    if u.message is not None and u.message.body:
        body = u.message.body
        if u.message.status:
            body += "(" + ",".join(u.message.status) + ")"
        parts.append(body)
    if u.error:
        parts.append("!")
    return " ".join(parts)


UNITS = {
    "http-wrong-senderkid.pcap": [(6, 0, 0, "http", "ir"), (8, 0, 1, "http", "error(rejection)")],
    "http-untrusted-server.pcap": [(6, 0, 0, "http", "ir"), (8, 0, 1, "http", "ip(accepted)")],
    "http-proxy-415.pcap": [(6, 0, 0, "http", "ir"), (11, 0, 1, "http", "!")],
    "http-poll-too-early.pcap": [
        (4, 0, 0, "http", "ir"),
        (6, 0, 1, "http", "ip(waiting)"),
        (8, 0, 0, "http", "pollReq"),
        (10, 0, 1, "http", "pollRep"),
        (12, 0, 0, "http", "pollReq"),
        (14, 0, 1, "http", "pollRep"),
    ],
    "coap-ir.pcap": [
        (5, None, 0, "coap", "ir"),
        (7, None, 1, "coap", "ip(waiting)"),
        (11, None, 0, "coap", "pollReq"),
        (37, None, 1, "coap", "ip(accepted)"),
        (40, None, 0, "coap", "certConf(accepted)"),
        (41, None, 1, "coap", "pkiconf"),
    ],
    "https-ir.pcap": [],  # encrypted: nothing without --tls-keylog (see test_https_with_key_log)
    "https-ir-clear.pcap": [
        (6, 0, 0, "http", "ir"),
        (24, 0, 1, "http", "ip(accepted)"),
        (28, 0, 0, "http", "certConf(accepted)"),
        (30, 0, 1, "http", "pkiconf"),
    ],
    "https-ir-tls12.pcap": [],
    "https-ir-tls12-clear.pcap": [
        (6, 0, 0, "http", "ir"),
        (8, 0, 1, "http", "ip(accepted)"),
        (12, 0, 0, "http", "certConf(accepted)"),
        (14, 0, 1, "http", "pkiconf"),
    ],
    "http-cr.pcap": [
        (6, 0, 0, 'http', 'cr'),
        (8, 0, 1, 'http', 'cp(accepted)'),
        (12, 0, 0, 'http', 'certConf(accepted)'),
        (14, 0, 1, 'http', 'pkiconf'),
    ],
    "http-error.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'error(rejection)'),
    ],
    "http-genm.pcap": [
        (6, 0, 0, 'http', 'genm'),
        (8, 0, 1, 'http', 'genp'),
    ],
    "http-implicit-confirm.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'ip(accepted)'),
    ],
    "http-ipv6.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'ip(accepted)'),
        (12, 0, 0, 'http', 'certConf(accepted)'),
        (14, 0, 1, 'http', 'pkiconf'),
    ],
    "http-ir-be.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'ip(accepted)'),
        (12, 0, 0, 'http', 'certConf(accepted)'),
        (14, 0, 1, 'http', 'pkiconf'),
    ],
    "http-ir-nanosec.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'ip(accepted)'),
        (12, 0, 0, 'http', 'certConf(accepted)'),
        (14, 0, 1, 'http', 'pkiconf'),
    ],
    "http-ir-null.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'ip(accepted)'),
        (12, 0, 0, 'http', 'certConf(accepted)'),
        (14, 0, 1, 'http', 'pkiconf'),
    ],
    "http-ir-pbm.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'ip(accepted)'),
        (12, 0, 0, 'http', 'certConf(accepted)'),
        (14, 0, 1, 'http', 'pkiconf'),
    ],
    "http-ir-sig.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'ip(accepted)'),
        (12, 0, 0, 'http', 'certConf(accepted)'),
        (14, 0, 1, 'http', 'pkiconf'),
    ],
    "http-ir-sll2.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'ip(accepted)'),
        (12, 0, 0, 'http', 'certConf(accepted)'),
        (14, 0, 1, 'http', 'pkiconf'),
    ],
    "http-ir-vlan.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'ip(accepted)'),
        (12, 0, 0, 'http', 'certConf(accepted)'),
        (14, 0, 1, 'http', 'pkiconf'),
    ],
    "http-ir.pcapng": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'ip(accepted)'),
        (12, 0, 0, 'http', 'certConf(accepted)'),
        (14, 0, 1, 'http', 'pkiconf'),
    ],
    "http-keepalive.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'ip(waiting)'),
        (12, 0, 0, 'http', 'pollReq'),
        (14, 0, 1, 'http', 'ip(accepted)'),
        (17, 0, 0, 'http', 'certConf(accepted)'),
        (19, 0, 1, 'http', 'pkiconf'),
        (28, 1, 0, 'http', 'genm'),
        (30, 1, 1, 'http', 'genp'),
    ],
    "http-kur.pcap": [
        (6, 0, 0, 'http', 'kur'),
        (8, 0, 1, 'http', 'kup(accepted)'),
        (12, 0, 0, 'http', 'certConf(accepted)'),
        (14, 0, 1, 'http', 'pkiconf'),
    ],
    "http-large-response.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (24, 0, 1, 'http', 'ip(accepted)'),
        (28, 0, 0, 'http', 'certConf(accepted)'),
        (30, 0, 1, 'http', 'pkiconf'),
    ],
    "http-lost-segment.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (23, 0, 1, 'http', '!'),
        (27, 0, 0, 'http', 'certConf(accepted)'),
        (29, 0, 1, 'http', 'pkiconf'),
    ],
    "http-midstream.pcap": [
        (2, 0, 1, 'http', 'ip(waiting)'),
        (6, 0, 0, 'http', 'pollReq'),
        (8, 0, 1, 'http', 'ip(accepted)'),
        (11, 0, 0, 'http', 'certConf(accepted)'),
        (13, 0, 1, 'http', 'pkiconf'),
        (22, 1, 0, 'http', 'genm'),
        (24, 1, 1, 'http', 'genp'),
    ],
    "http-no-keepalive.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'ip(accepted)'),
        (18, 1, 0, 'http', 'certConf(accepted)'),
        (20, 1, 1, 'http', 'pkiconf'),
    ],
    "http-p10cr.pcap": [
        (6, 0, 0, 'http', 'p10cr'),
        (8, 0, 1, 'http', 'cp(accepted)'),
        (12, 0, 0, 'http', 'certConf(accepted)'),
        (14, 0, 1, 'http', 'pkiconf'),
    ],
    "http-parallel.pcap": [
        (9, 1, 0, 'http', 'ir'),
        (19, 0, 0, 'http', 'ir'),
        (23, 2, 0, 'http', 'ir'),
        (27, 3, 0, 'http', 'ir'),
        (29, 0, 1, 'http', 'ip(accepted)'),
        (34, 1, 1, 'http', 'ip(accepted)'),
        (39, 2, 1, 'http', 'ip(accepted)'),
        (44, 3, 1, 'http', 'ip(accepted)'),
    ],
    "http-poll.pcap": [
        (4, 0, 0, 'http-poll', 'pkiReq ir'),
        (6, 0, 1, 'http-poll', 'pollRep'),
        (8, 0, 0, 'http-poll', 'pollReq'),
        (10, 0, 1, 'http-poll', 'pkiRep ip(accepted)'),
        (12, 0, 0, 'http-poll', 'pkiReq certConf(accepted)'),
        (14, 0, 1, 'http-poll', 'pkiRep pkiconf'),
    ],
    "http-polling.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'ip(waiting)'),
        (12, 0, 0, 'http', 'pollReq'),
        (14, 0, 1, 'http', 'pollRep'),
        (18, 0, 0, 'http', 'pollReq'),
        (20, 0, 1, 'http', 'pollRep'),
        (24, 0, 0, 'http', 'pollReq'),
        (26, 0, 1, 'http', 'ip(accepted)'),
        (30, 0, 0, 'http', 'certConf(accepted)'),
        (32, 0, 1, 'http', 'pkiconf'),
    ],
    "http-rejection.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'ip(rejection)'),
    ],
    "http-reordered.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (26, 0, 1, 'http', 'ip(accepted)'),
        (30, 0, 0, 'http', 'certConf(accepted)'),
        (32, 0, 1, 'http', 'pkiconf'),
    ],
    "http-rr.pcap": [
        (6, 0, 0, 'http', 'rr'),
        (8, 0, 1, 'http', 'rp(accepted)'),
    ],
    "http-wrong-secret.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'error(rejection)'),
    ],
    "mixed-interfaces.pcapng": [
        (6, 0, 0, 'http', 'ir'),
        (13, 1, 0, 'http', 'ir'),
        (15, 0, 1, 'http', 'ip(accepted)'),
        (17, 1, 1, 'http', 'ip(accepted)'),
        (22, 1, 0, 'http', 'certConf(accepted)'),
        (24, 1, 1, 'http', 'pkiconf'),
        (29, 0, 0, 'http', 'certConf(accepted)'),
        (31, 0, 1, 'http', 'pkiconf'),
    ],
    "tcp-der.pcap": [
        (4, 0, 0, 'tcp-der', 'ir'),
        (18, 0, 1, 'tcp-der', 'ip(accepted)'),
        (20, 0, 0, 'tcp-der', 'certConf(accepted)'),
        (22, 0, 1, 'tcp-der', 'pkiconf'),
    ],
    "tcp-rfc2510.pcap": [
        (4, 0, 0, 'tcp-rfc2510', 'pkiMsg ir'),
        (6, 0, 1, 'tcp-rfc2510', 'pollRep'),
        (8, 0, 0, 'tcp-rfc2510', 'pollReq'),
        (10, 0, 1, 'tcp-rfc2510', 'finalMsgRep ip(accepted)'),
        (12, 0, 0, 'tcp-rfc2510', 'pkiMsg certConf(accepted)'),
        (14, 0, 1, 'tcp-rfc2510', 'finalMsgRep pkiconf'),
        (22, 1, 0, 'tcp-rfc2510', 'pollReq'),
        (24, 1, 1, 'tcp-rfc2510', 'errorMsgRep'),
        (32, 2, 0, 'tcp-rfc2510', 'pollReq'),
        (34, 2, 1, 'tcp-rfc2510', 'negPollRep'),
        (42, 3, 0, 'tcp-rfc2510', 'pkiMsg ir'),
        (44, 3, 1, 'tcp-rfc2510', 'partialMsgRep ip(waiting)'),
        (46, 3, 0, 'tcp-rfc2510', 'pollReq'),
        (48, 3, 1, 'tcp-rfc2510', 'finalMsgRep ip(accepted)'),
        (50, 3, 0, 'tcp-rfc2510', 'pkiMsg certConf(accepted)'),
        (52, 3, 1, 'tcp-rfc2510', 'finalMsgRep pkiconf'),
    ],
    "tcp-v10-errors.pcap": [
        (4, 0, 0, 'tcp-msg-v10', 'pollReq'),
        (6, 0, 1, 'tcp-msg-v10', 'errorMsgRep'),
        (8, 0, 0, 'tcp-msg-v10', '!'),
        (10, 0, 1, 'tcp-msg-v10', 'errorMsgRep'),
        (12, 0, 0, 'tcp-msg-v10', 'pkiReq !'),
        (14, 0, 1, 'tcp-msg-v10', 'errorMsgRep'),
        (16, 0, 0, 'tcp-msg-v10', 'pkiReq genm'),
        (18, 0, 1, 'tcp-msg-v10', 'pkiRep genp'),
    ],
    "tcp-v10-polling.pcap": [
        (4, 0, 0, 'tcp-msg-v10', 'pkiReq ir'),
        (6, 0, 1, 'tcp-msg-v10', 'pollRep'),
        (8, 0, 0, 'tcp-msg-v10', 'pollReq'),
        (10, 0, 1, 'tcp-msg-v10', 'pollRep'),
        (12, 0, 0, 'tcp-msg-v10', 'pollReq'),
        (14, 0, 1, 'tcp-msg-v10', 'pkiRep ip(accepted)'),
        (16, 0, 0, 'tcp-msg-v10', 'pkiReq certConf(accepted)'),
        (18, 0, 1, 'tcp-msg-v10', 'pkiRep pkiconf'),
        (20, 0, 0, 'tcp-msg-v10', 'pollReq'),
        (22, 0, 1, 'tcp-msg-v10', 'finRep'),
    ],
    "tcp-v10-small-segments.pcap": [
        (23, 0, 0, 'tcp-msg-v10', 'pkiReq ir'),
        (52, 0, 1, 'tcp-msg-v10', 'pkiRep ip(accepted)'),
        (66, 0, 0, 'tcp-msg-v10', 'pkiReq certConf(accepted)'),
        (77, 0, 1, 'tcp-msg-v10', 'pkiRep pkiconf'),
    ],
    "tcp-v10-version.pcap": [
        (4, 0, 0, 'tcp-msg-v10', '!'),
        (6, 0, 1, 'tcp-msg-v10', 'errorMsgRep'),
        (8, 0, 0, 'tcp-msg-v10', 'pkiReq ir'),
        (10, 0, 1, 'tcp-msg-v10', 'pkiRep ip(accepted)'),
        (12, 0, 0, 'tcp-msg-v10', 'pkiReq certConf(accepted)'),
        (14, 0, 1, 'tcp-msg-v10', 'pkiRep pkiconf'),
    ],
    "truncated.pcap": [
        (6, 0, 0, 'http', 'ir'),
        (8, 0, 1, 'http', 'ip(accepted) !'),
    ],
}

TRANSACTIONS = {
    "http-wrong-senderkid.pcap": [("ir", "error", "ir error(rejection)", [6, 8])],
    "http-untrusted-server.pcap": [("ir", "incomplete", "ir ip(accepted)", [6, 8])],
    "http-proxy-415.pcap": [("ir", "error", "ir http:415", [6, 11])],
    "http-poll-too-early.pcap": [
        ("ir", "waiting", "ir ip(waiting) pollReq pollRep pollReq pollRep", [4, 6, 8, 10, 12, 14]),
    ],
    "coap-ir.pcap": [
        ("ir", "accepted", "ir ip(waiting) pollReq ip(accepted) certConf pkiconf", [5, 7, 11, 37, 40, 41]),
    ],
    "https-ir-clear.pcap": [("ir", "accepted", "ir ip(accepted) certConf pkiconf", [6, 24, 28, 30])],
    "https-ir-tls12-clear.pcap": [("ir", "accepted", "ir ip(accepted) certConf pkiconf", [6, 8, 12, 14])],
    "http-cr.pcap": [
        ('cr', 'accepted', 'cr cp(accepted) certConf pkiconf', [6, 8, 12, 14]),
    ],
    "http-error.pcap": [
        ('ir', 'error', 'ir error(rejection)', [6, 8]),
    ],
    "http-genm.pcap": [
        ('genm', 'accepted', 'genm genp', [6, 8]),
    ],
    "http-implicit-confirm.pcap": [
        ('ir', 'accepted', 'ir ip(accepted)', [6, 8]),
    ],
    "http-ipv6.pcap": [
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [6, 8, 12, 14]),
    ],
    "http-ir-be.pcap": [
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [6, 8, 12, 14]),
    ],
    "http-ir-nanosec.pcap": [
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [6, 8, 12, 14]),
    ],
    "http-ir-null.pcap": [
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [6, 8, 12, 14]),
    ],
    "http-ir-pbm.pcap": [
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [6, 8, 12, 14]),
    ],
    "http-ir-sig.pcap": [
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [6, 8, 12, 14]),
    ],
    "http-ir-sll2.pcap": [
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [6, 8, 12, 14]),
    ],
    "http-ir-vlan.pcap": [
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [6, 8, 12, 14]),
    ],
    "http-ir.pcapng": [
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [6, 8, 12, 14]),
    ],
    "http-keepalive.pcap": [
        ('ir', 'accepted', 'ir ip(waiting) pollReq ip(accepted) certConf pkiconf', [6, 8, 12, 14, 17, 19]),
        ('genm', 'accepted', 'genm genp', [28, 30]),
    ],
    "http-kur.pcap": [
        ('kur', 'accepted', 'kur kup(accepted) certConf pkiconf', [6, 8, 12, 14]),
    ],
    "http-large-response.pcap": [
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [6, 24, 28, 30]),
    ],
    "http-lost-segment.pcap": [
        ('ir', 'incomplete', 'ir certConf pkiconf', [6, 27, 29]),
    ],
    "http-midstream.pcap": [
        ('ir', 'accepted', 'ip(waiting) pollReq ip(accepted) certConf pkiconf', [2, 6, 8, 11, 13]),
        ('genm', 'accepted', 'genm genp', [22, 24]),
    ],
    "http-no-keepalive.pcap": [
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [6, 8, 18, 20]),
    ],
    "http-p10cr.pcap": [
        ('p10cr', 'accepted', 'p10cr cp(accepted) certConf pkiconf', [6, 8, 12, 14]),
    ],
    "http-parallel.pcap": [
        ('ir', 'accepted', 'ir ip(accepted)', [9, 34]),
        ('ir', 'accepted', 'ir ip(accepted)', [19, 29]),
        ('ir', 'accepted', 'ir ip(accepted)', [23, 39]),
        ('ir', 'accepted', 'ir ip(accepted)', [27, 44]),
    ],
    "http-poll.pcap": [
        ('ir', 'accepted', 'ir tcp:pollRep tcp:pollReq ip(accepted) certConf pkiconf', [4, 6, 8, 10, 12, 14]),
    ],
    "http-polling.pcap": [
        ('ir', 'accepted', 'ir ip(waiting) pollReq pollRep pollReq pollRep pollReq ip(accepted) certConf pkiconf', [6, 8, 12, 14, 18, 20, 24, 26, 30, 32]),
    ],
    "http-rejection.pcap": [
        ('ir', 'rejected', 'ir ip(rejection)', [6, 8]),
    ],
    "http-reordered.pcap": [
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [6, 26, 30, 32]),
    ],
    "http-rr.pcap": [
        ('rr', 'accepted', 'rr rp(accepted)', [6, 8]),
    ],
    "http-wrong-secret.pcap": [
        ('ir', 'error', 'ir error(rejection)', [6, 8]),
    ],
    "mixed-interfaces.pcapng": [
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [6, 15, 29, 31]),
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [13, 17, 22, 24]),
    ],
    "tcp-der.pcap": [
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [4, 18, 20, 22]),
    ],
    "tcp-rfc2510.pcap": [
        ('ir', 'accepted', 'ir tcp:pollRep tcp:pollReq ip(accepted) certConf pkiconf tcp:pollReq tcp:negPollRep', [4, 6, 8, 10, 12, 14, 32, 34]),
        (None, 'error', 'tcp:pollReq tcp:errorMsgRep', [22, 24]),
        ('ir', 'accepted', 'ir ip(waiting) tcp:pollReq ip(accepted) certConf pkiconf', [42, 44, 46, 48, 50, 52]),
    ],
    "tcp-v10-errors.pcap": [
        (None, 'error', 'tcp:pollReq tcp:errorMsgRep', [4, 6]),
        (None, 'error', 'tcp:errorMsgRep', [10]),
        (None, 'error', 'tcp:pkiReq tcp:errorMsgRep', [12, 14]),
        ('genm', 'accepted', 'genm genp', [16, 18]),
    ],
    "tcp-v10-polling.pcap": [
        ('ir', 'accepted', 'ir tcp:pollRep tcp:pollReq tcp:pollRep tcp:pollReq ip(accepted) certConf pkiconf tcp:pollReq tcp:finRep', [4, 6, 8, 10, 12, 14, 16, 18, 20, 22]),
    ],
    "tcp-v10-small-segments.pcap": [
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [23, 52, 66, 77]),
    ],
    "tcp-v10-version.pcap": [
        (None, 'error', 'tcp:errorMsgRep', [6]),
        ('ir', 'accepted', 'ir ip(accepted) certConf pkiconf', [8, 10, 12, 14]),
    ],
    "truncated.pcap": [
        ('ir', 'incomplete', 'ir ip(accepted)', [6, 8]),
    ],
}


def units_of(name):
    return [u for u in read_units(CAPTURES / name) if isinstance(u, Unit)]


@pytest.mark.parametrize("name", sorted(UNITS))
def test_units(name):
    got = [(u.frame, u.stream, u.direction, u.transport, label(u)) for u in units_of(name)]
    assert got == UNITS[name]


@pytest.mark.parametrize("name", sorted(TRANSACTIONS))
def test_transactions(name):
    txns = correlate(units_of(name))
    got = [(t.kind, t.outcome, " ".join(t.messages), t.frames) for t in txns]
    assert got == TRANSACTIONS[name]


@pytest.mark.parametrize("name, frames", [("https-ir.pcap", [10, 23, 27, 29]),
                                          ("https-ir-tls12.pcap", [12, 14, 17, 19])])
def test_https_with_key_log_gives_the_clear_twins_messages(name, frames):
    keylog = CAPTURES / name.replace(".pcap", ".keylog")
    tls = [u for u in read_units(CAPTURES / name, Pipeline(tls_keylog=keylog)) if isinstance(u, Unit)]
    clear = units_of(name.replace(".pcap", "-clear.pcap"))
    assert [u.frame for u in tls] == frames
    assert {u.transport for u in tls} == {"https"}
    assert [u.der for u in tls] == [u.der for u in clear]
    assert [t.messages for t in correlate(tls)] == [t.messages for t in correlate(clear)]


def test_every_capture_is_covered():
    assert set(UNITS) == {p.name for p in CAPTURES.glob("*.pcap*")}
