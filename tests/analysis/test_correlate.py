"""Correlation and outcomes of whole flows (CONTRACT.md `transactions`)."""

from __future__ import annotations

import copy

import pytest

from cmpdissect.analysis.correlate import TransactionTable, correlate
from cmpdissect.model import PkiSummary

A, B = b"\xaa" * 16, b"\xbb" * 16


def codes(txns) -> set[str]:
    return {f.code for t in txns for f in t.findings}


def test_pbm_ir_flow_is_accepted_and_clean(cap):
    c = cap.conv()
    c.enroll()
    [t] = correlate(cap.units)
    assert t.messages == ["ir", "ip(accepted)", "certConf", "pkiconf"]
    assert t.frames == [1, 2, 3, 4]
    assert (t.kind, t.outcome, t.cause, t.findings) == ("ir", "accepted", None, [])
    assert (t.client, t.server, t.transport) == ("10.0.0.1:40000", "10.0.0.2:80", "http")
    assert t.transaction_id == b"\x11" * 16
    assert t.end - t.start == pytest.approx(0.3)


def test_implicit_confirm_granted_ends_with_the_response(cap):
    c = cap.conv()
    c.req("ir", implicit=True)
    c.rep("ip", status=["accepted"], implicit=True)
    [t] = correlate(cap.units)
    assert (t.outcome, t.findings) == ("accepted", [])


def test_implicit_confirm_not_granted_needs_certconf(cap):
    c = cap.conv()
    c.req("ir", implicit=True)
    c.rep("ip", status=["accepted"])
    [t] = correlate(cap.units)
    assert t.outcome == "incomplete"
    assert "no certConf" in t.cause
    assert codes([t]) == {"certconf-missing"}


def test_transport_v10_polling_across_two_connections(cap):
    first = cap.conv(transport="tcp-msg-v10", stream=0, client="10.0.0.1:5000", server="10.0.0.2:829")
    first.req("ir")
    first.frame(1, "pollRep", poll_ref=7, check_after=5)
    second = cap.conv(transport="tcp-msg-v10", stream=1, client="10.0.0.1:5001", server="10.0.0.2:829")
    second.last_nonce = first.last_nonce
    second.frame(0, "pollReq", poll_ref=7, wait=6)
    second.rep("ip", status=["accepted"])
    second.req("certConf")
    second.rep("pkiconf")
    second.frame(1, "finRep")
    [t] = correlate(cap.units)
    assert t.messages == ["ir", "tcp:pollRep", "tcp:pollReq", "ip(accepted)", "certConf", "pkiconf", "tcp:finRep"]
    assert (t.outcome, t.transport, t.findings) == ("accepted", "tcp-msg-v10", [])
    table = TransactionTable()
    for u in cap.units:
        table.add(u)
    [t] = table.finish()
    [wait] = table.timing(t).polls
    assert (wait.transport, wait.required, wait.waited, wait.too_soon) == (True, 5.0, 6.0, False)


def test_rfc4210_polling_ip_waiting_then_poll(cap):
    c = cap.conv()
    c.req("ir")
    c.rep("ip", status=["waiting"])
    c.req("pollReq")
    c.rep("pollRep", check_after=[2])
    c.req("pollReq", wait=3)
    c.rep("ip", status=["accepted"])
    c.req("certConf")
    c.rep("pkiconf")
    [t] = correlate(cap.units)
    assert t.messages[:4] == ["ir", "ip(waiting)", "pollReq", "pollRep"]
    assert (t.outcome, t.findings) == ("accepted", [])


def test_rfc9483_error_waiting_then_identical_request_resent(cap):
    c = cap.conv()
    ir = c.req("ir")
    c.rep("error", status=["waiting"])
    cap.resend(ir, wait=5)
    c.last_nonce = ir.message.sender_nonce
    c.rep("ip", status=["accepted"])
    c.req("certConf")
    c.rep("pkiconf")
    [t] = correlate(cap.units)
    assert t.messages == ["ir", "error(waiting)", "ir", "ip(accepted)", "certConf", "pkiconf"]
    assert (t.outcome, t.findings) == ("accepted", [])


def test_seed_two_certificate_polling_flow(cap):
    c = cap.conv()
    c.req("ir", ids=[0, 1])
    c.rep("ip", ids=[0, 1], status=["waiting", "waiting"])
    c.req("pollReq", ids=[0, 1])
    c.rep("pollRep", ids=[0, 1], check_after=[5, 5])
    c.req("pollReq", ids=[0, 1], wait=5)
    c.rep("ip", ids=[0, 1], status=["accepted", "waiting"])
    c.req("certConf", ids=[0])
    c.rep("pkiconf")
    c.req("pollReq", ids=[1])
    c.rep("ip", ids=[1], status=["accepted"])
    c.req("certConf", ids=[1])
    c.rep("pkiconf")
    [t] = correlate(cap.units)
    assert t.messages == ["ir", "ip(waiting,waiting)", "pollReq", "pollRep", "pollReq", "ip(accepted,waiting)",
                          "certConf", "pkiconf", "pollReq", "ip(accepted)", "certConf", "pkiconf"]
    assert t.outcome == "accepted"
    assert codes([t]) == {"lw-single-request"}  # two requests in one ir: fine for RFC 9810, not RFC 9483


def test_seed_flow_cut_after_first_certificate_is_waiting(cap):
    c = cap.conv()
    c.req("ir", ids=[0, 1])
    c.rep("ip", ids=[0, 1], status=["accepted", "waiting"])
    c.req("certConf", ids=[0])
    c.rep("pkiconf")
    [t] = correlate(cap.units)
    assert t.outcome == "waiting"
    assert "certReqId 1" in t.cause


def test_nested_counts_in_outer_and_both_inner_transactions(cap):
    ra = cap.conv(tid=b"\x99" * 16)
    inner_ir = PkiSummary(body="ir", pvno=2, transaction_id=A, sender_nonce=b"\x01" * 16, implicit_confirm=True,
                          cert_req_ids=[0])
    inner_cr = PkiSummary(body="cr", pvno=2, transaction_id=B, sender_nonce=b"\x02" * 16, implicit_confirm=True,
                          cert_req_ids=[0])
    ra.req("nested", nested=[inner_ir, inner_cr])
    inner_ip = PkiSummary(body="ip", pvno=2, transaction_id=A, sender_nonce=b"\x03" * 16, recip_nonce=b"\x01" * 16,
                          implicit_confirm=True, status=["accepted"], cert_req_ids=[0])
    inner_cp = PkiSummary(body="cp", pvno=2, transaction_id=B, sender_nonce=b"\x04" * 16, recip_nonce=b"\x02" * 16,
                          implicit_confirm=True, status=["rejection"], fail_info=["badPOP"], cert_req_ids=[0])
    ra.rep("nested", nested=[inner_ip, inner_cp])
    outer, a, b = correlate(cap.units)
    assert (outer.transaction_id, outer.messages, outer.frames, outer.outcome) == (
        b"\x99" * 16, ["nested", "nested"], [1, 2], "accepted")
    assert (a.transaction_id, a.kind, a.messages, a.frames, a.outcome) == (A, "ir", ["ir", "ip(accepted)"], [1, 2],
                                                                           "accepted")
    assert (b.transaction_id, b.messages, b.frames, b.outcome) == (B, ["cr", "cp(rejection)"], [1, 2], "rejected")
    assert "badPOP" in b.cause


def test_rejection_names_the_failinfo(cap):
    c = cap.conv()
    c.req("ir")
    c.rep("ip", status=["rejection"], fail_info=["badPOP"])
    [t] = correlate(cap.units)
    assert t.messages == ["ir", "ip(rejection)"]
    assert t.outcome == "rejected"
    assert t.cause == "The CA rejected the request with badPOP: the proof-of-possession signature did not verify."


def test_error_names_the_failinfo_and_what_to_check(cap):
    c = cap.conv()
    c.req("ir")
    c.rep("error", status=["rejection"], fail_info=["badMessageCheck"], status_text=["MAC check failed"])
    [t] = correlate(cap.units)
    assert t.messages == ["ir", "error(rejection)"]
    assert t.outcome == "error"
    assert "answered the ir (frame 1) with error badMessageCheck" in t.cause
    assert "shared secret and senderKID" in t.cause and "MAC check failed" in t.cause


def test_unanswered(cap):
    cap.conv().req("ir")
    [t] = correlate(cap.units)
    assert (t.outcome, t.cause) == ("unanswered", "No response: the server never answered the ir (frame 1).")


def test_incomplete_when_pkiconf_missing(cap):
    c = cap.conv()
    c.req("ir")
    c.rep("ip", status=["accepted"])
    c.req("certConf")
    [t] = correlate(cap.units)
    assert t.outcome == "incomplete"
    assert "never answered with pkiConf" in t.cause


def test_partial_when_one_of_two_rejected(cap):
    c = cap.conv()
    c.req("ir", ids=[0, 1])
    c.rep("ip", ids=[0, 1], status=["accepted", "rejection"], fail_info=["badCertTemplate"])
    c.req("certConf", ids=[0])
    c.rep("pkiconf")
    [t] = correlate(cap.units)
    assert t.messages[1] == "ip(accepted,rejection)"
    assert t.outcome == "partial"
    assert "badCertTemplate" in t.cause


def test_client_rejecting_in_certconf(cap):
    c = cap.conv()
    c.req("ir")
    c.rep("ip", status=["accepted"])
    c.req("certConf", conf_status="rejection")
    c.rep("pkiconf")
    [t] = correlate(cap.units)
    assert t.outcome == "rejected"
    assert "client rejected" in t.cause


def test_changed_transaction_id_splits_and_flags_both(cap):
    c = cap.conv(tid=A)
    c.req("ir")
    c.rep("ip", status=["accepted"], tid=B)
    req, rep = correlate(cap.units)
    assert (req.transaction_id, req.messages, rep.transaction_id, rep.messages) == (A, ["ir"], B, ["ip(accepted)"])
    assert "tid-changed" in codes([req]) and "tid-changed" in codes([rep])
    assert "transactionID changed at frame 2" in req.cause


def test_server_sets_the_transaction_id_the_client_left_out(cap):
    c = cap.conv(tid=None)
    c.req("genm")
    c.rep("genp", tid=A)
    [t] = correlate(cap.units)
    assert (t.transaction_id, t.messages, t.outcome) == (A, ["genm", "genp"], "accepted")


def test_messages_without_transaction_id_pair_by_stream(cap):
    c = cap.conv(tid=None)
    c.req("genm")
    c.rep("genp")
    c.req("genm", recip=None)
    c.rep("genp")
    first, second = correlate(cap.units)
    assert (first.frames, second.frames) == ([1, 2], [3, 4])
    assert first.outcome == second.outcome == "accepted"


def test_message_file_units_without_direction_or_stream(cap):
    c = cap.conv(stream=None, transport="file")
    units = c.enroll()
    for u in units:
        u.direction, u.src, u.dst = None, None, None
    [t] = correlate(units)
    assert (t.messages, t.outcome) == (["ir", "ip(accepted)", "certConf", "pkiconf"], "accepted")


def test_pollreq_with_unknown_reference_answered_by_errormsgrep(cap):
    c = cap.conv(transport="tcp-msg-v10")
    c.frame(0, "pollReq", poll_ref=42)
    c.frame(1, "errorMsgRep", error_type="0202", error_name="InvalidPollID", error_text="no such ref")
    [t] = correlate(cap.units)
    assert (t.transaction_id, t.kind, t.messages) == (None, None, ["tcp:pollReq", "tcp:errorMsgRep"])
    assert t.outcome == "error"
    assert "0202 InvalidPollID" in t.cause and "polling reference is unknown" in t.cause
    assert codes([t]) == {"tcp-pollreq-unknown-ref"}


def test_pollreq_for_a_pollrep_before_the_capture_adopts_the_answer(cap):
    c = cap.conv(transport="tcp-msg-v10")
    c.frame(0, "pollReq", poll_ref=42)
    c.rep("ip", status=["accepted"], implicit=True, recip=None)
    [t] = correlate(cap.units)
    assert t.transaction_id == b"\x11" * 16
    assert "tcp-pollreq-unknown-ref" not in codes([t])


def test_ended_transaction_id_reused_by_a_new_request(cap):
    c = cap.conv()
    c.enroll()
    c.req("ir", recip=None)
    first, second = correlate(cap.units)
    assert (first.frames, second.frames) == ([1, 2, 3, 4], [5])
    assert codes([second]) == {"tid-reused"} and codes([first]) == set()


def test_same_id_on_an_ra_upstream_hop_is_another_transaction(cap):
    ee = cap.conv(client="10.0.0.1:4000", server="10.0.0.5:80", stream=0)
    ra = cap.conv(client="10.0.0.5:5000", server="10.0.0.9:80", stream=1)
    ee.req("ir", implicit=True)
    ra.req("ir", implicit=True)
    ra.rep("ip", status=["accepted"], implicit=True)
    ee.rep("ip", status=["accepted"], implicit=True)
    hop1, hop2 = correlate(cap.units)
    assert (hop1.frames, hop2.frames) == ([1, 4], [2, 3])
    assert codes([hop1, hop2]) == set()


def test_add_returns_changed_transactions_with_provisional_outcome(cap):
    c = cap.conv()
    units = c.enroll()
    table = TransactionTable()
    [t] = table.add(units[0])
    assert t.outcome == "unanswered"
    assert table.add(units[1]) == [t] and t.outcome == "incomplete"
    assert "certconf-missing" not in codes([t])  # only judged at the end of the capture
    table.add(units[2])
    table.add(units[3])
    assert t.outcome == "accepted" and table.transactions == [t]


def test_expire_judges_and_forgets_idle_transactions(cap):
    old = cap.conv(tid=A)
    old.req("ir")
    old.rep("ip", status=["accepted"])
    table = TransactionTable(idle_timeout=60)
    for u in cap.units:
        table.add(u)
    assert table.expire(cap.time + 30) == []
    [gone] = table.expire(cap.time + 61)
    assert gone.outcome == "incomplete" and "certconf-missing" in codes([gone])
    assert table.transactions == []
    fresh = cap.conv(tid=A)
    fresh.req("ir", recip=None)
    [t] = table.add(cap.units[-1])
    assert t is not gone and t.frames == [3]


def test_undecodable_unit_is_skipped(cap):
    c = cap.conv()
    unit = c.req("ir")
    unit.message = PkiSummary(error="truncated at offset 12")
    assert TransactionTable().add(unit) == []


def test_lost_response_does_not_shift_the_pairing(cap):
    c = cap.conv()
    c.req("ir")
    c.rep("ip", status=["accepted"])
    c.req("certConf")
    c.rep("pkiconf")
    del cap.units[1]  # the ip's segment never made it into the capture
    [t] = correlate(cap.units)
    assert t.messages == ["ir", "certConf", "pkiconf"]
    assert "unexpected-response" not in codes([t])
    assert t.outcome == "incomplete"
    assert t.cause.startswith("The answer to the ir (frame 1) is missing from the capture")


def test_errormsgrep_for_an_undecodable_request_is_its_own_transaction(cap):
    c = cap.conv(transport="tcp-msg-v10")
    c.req("genm")
    c.rep("genp")
    c.frame(1, "errorMsgRep", error_type="0201", error_name="MessageTypeUnknown")
    first, second = correlate(cap.units)
    assert (first.messages, first.outcome) == (["genm", "genp"], "accepted")
    assert (second.messages, second.outcome) == (["tcp:errorMsgRep"], "error")
    assert "the server does not know the TCP-Messaging message type" in second.cause


def test_rfc2510_partial_msg_rep_polls_with_an_absolute_time(cap):
    c = cap.conv(transport="tcp-rfc2510")
    c.req("ir")
    rep = c.rep("ip", status=["waiting"], frame_type="partialMsgRep")
    rep.framing.poll_ref, rep.framing.check_after = 9, int(cap.time) + 4
    c.frame(0, "pollReq", poll_ref=9, wait=1)
    c.frame(1, "errorMsgRep", error_text="unknown polling reference")
    table = TransactionTable()
    for u in cap.units:
        table.add(u)
    [t] = table.finish()
    [wait] = table.timing(t).polls
    assert (wait.transport, wait.absolute, wait.poll_frame, wait.too_soon) == (True, True, 3, True)
    assert {"tcp-poll-too-soon"} <= codes([t])
    assert t.cause.endswith('with TCP-Messaging errorMsgRep (server text: "unknown polling reference").')


def test_round_trips_and_duration(cap):
    c = cap.conv()
    c.req("ir")
    c.rep("ip", status=["accepted"], wait=0.5)
    c.req("certConf", wait=0.2)
    c.rep("pkiconf", wait=0.3)
    table = TransactionTable()
    for u in cap.units:
        table.add(u)
    [t] = table.finish()
    timing = table.timing(t)
    assert [(r.request_frame, r.response_frame) for r in timing.round_trips] == [(1, 2), (3, 4)]
    assert [r.seconds for r in timing.round_trips] == pytest.approx([0.5, 0.3])
    assert timing.duration == pytest.approx(1.0)
    assert [s.label for s in table.steps(t)] == t.messages


def test_nested_inner_with_the_outer_transaction_id_is_not_counted_twice(cap):
    ra = cap.conv()
    inner = PkiSummary(body="ir", pvno=2, transaction_id=ra.tid, sender_nonce=b"\x01" * 16, cert_req_ids=[0])
    ra.req("nested", nested=[inner])
    [t] = correlate(cap.units)
    assert t.messages == ["nested"]


def test_long_polling_flow_gets_every_finding_at_finish(cap):
    c = cap.conv()
    c.req("ir", implicit=True)
    c.rep("ip", status=["waiting"])
    for _ in range(80):
        c.req("pollReq", wait=5)
        c.rep("pollRep", check_after=[5])
    c.req("pollReq", wait=1)  # too soon, at the end of a transaction past the always-recheck size
    table = TransactionTable()
    for u in cap.units:
        table.add(u)
    [t] = table.finish()
    assert [f.frame for f in t.findings if f.code == "poll-too-soon"] == [len(cap.units)]
    assert t.outcome == "waiting"


def test_server_side_only_is_incomplete_not_accepted(cap):
    cap.conv().rep("pkiconf", recip=None)
    [t] = correlate(cap.units)
    assert (t.kind, t.outcome) == (None, "incomplete")
    assert "request the pkiconf (frame 1) answers is missing" in t.cause


BODIES = ["ir", "ip", "cr", "cp", "p10cr", "kur", "kup", "rr", "rp", "genm", "genp", "certConf", "pkiconf",
          "pollReq", "pollRep", "error", "nested", "popdecc", "popdecr", "cann", "krr", "krp", None]
FRAMES = ["pollRep", "pollReq", "finRep", "negPollRep", "errorMsgRep", "pkiReq", "partialMsgRep"]


def test_random_sequences_never_raise(cap):
    import random

    rng = random.Random(2510)
    tids = [None, A, B, b"\x01"]
    nonces = [None, b"\x01" * 16, b"\x02" * 16, b"\x03"]
    for _ in range(150):
        cap.units.clear()
        convs = [cap.conv(tid=rng.choice(tids), stream=rng.choice([None, 0, 1]),
                          transport=rng.choice(["http", "tcp-msg-v10", "tcp-rfc2510", "file"])) for _ in range(2)]
        for _ in range(rng.randrange(1, 14)):
            c = rng.choice(convs)
            direction = rng.choice([0, 1])
            if rng.random() < 0.25:
                u = c.frame(direction, rng.choice(FRAMES), poll_ref=rng.choice([None, 1, 2]),
                            check_after=rng.choice([None, 0, 5, 2**31]), close=rng.random() < 0.2,
                            wait=rng.choice([0, 1, 400]))
            else:
                u = c.msg(direction, rng.choice(BODIES), status=rng.sample(["accepted", "waiting", "rejection"],
                                                                            rng.randrange(0, 3)),
                          ids=rng.choice([[], [0], [-1], [0, 1]]), tid=rng.choice(tids), nonce=rng.choice(nonces),
                          recip=rng.choice(nonces), implicit=rng.random() < 0.3, check_after=[rng.choice([1, 9])],
                          wait=rng.choice([0, 1, 400]), confirm_wait_time=rng.choice([None, cap.time]),
                          pvno=rng.choice([None, 1, 2, 3, 7]), message_time=rng.choice([None, 0.0, cap.time]))
                if rng.random() < 0.2:
                    u.message.nested = [copy.deepcopy(u.message)]
            u.direction = rng.choice([u.direction, None])
        table = TransactionTable(idle_timeout=300)
        for u in cap.units:
            table.add(u)
            table.expire(cap.time)
        for t in table.finish():
            assert len(t.messages) == len(t.frames) == len(t.units)
            assert t.frames == sorted(t.frames)
            assert t.outcome in {"accepted", "partial", "rejected", "error", "waiting", "incomplete", "unanswered"}
            assert (t.cause is None) == (t.outcome == "accepted")
