"""TcpReassembler: ordering, duplicates, gaps, close, mid-stream start, wraparound, numbering."""

from cmpdissect.net.ip import IpPacket
from cmpdissect.net.reassembly import (
    GRACE_SEGMENTS,
    StreamClosed,
    StreamData,
    StreamGap,
    StreamOpened,
    TcpReassembler,
)
from cmpdissect.net.tcp import ACK, FIN, PSH, RST, SYN, TcpSegment

CLIENT = ("10.0.0.1", 40000)
SERVER = ("10.0.0.2", 829)
C_ISN = 1000
S_ISN = 5000


def packet(sender, flags, seq, ack=0, data=b"", receiver=None):
    """IP + TCP for `sender` (CLIENT or SERVER) towards the other end."""
    if receiver is None:
        receiver = SERVER if sender == CLIENT else CLIENT
    ip = IpPacket(4, sender[0], receiver[0], 6, b"")
    return ip, TcpSegment(sender[1], receiver[1], seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, flags, 512, data)


def run(packets, reassembler=None, finish=True):
    """Feed (frame numbered from 1) and return all events, finish() included."""
    r = reassembler or TcpReassembler()
    events = []
    for frame, (ip, seg) in enumerate(packets, 1):
        events += r.feed(frame, float(frame), ip, seg)
    if finish:
        events += r.finish()
    return events


def handshake(c_isn=C_ISN, s_isn=S_ISN):
    return [
        packet(CLIENT, SYN, c_isn),
        packet(SERVER, SYN | ACK, s_isn, c_isn + 1),
        packet(CLIENT, ACK, c_isn + 1, s_isn + 1),
    ]


def data_of(events, direction):
    return [(e.frame, e.data) for e in events if isinstance(e, StreamData) and e.direction == direction]


def test_in_order_exchange_and_fin_both_ways():
    c, s = C_ISN + 1, S_ISN + 1
    events = run(
        handshake()
        + [
            packet(CLIENT, PSH | ACK, c, s, b"request"),
            packet(SERVER, PSH | ACK, s, c + 7, b"response"),
            packet(CLIENT, FIN | ACK, c + 7, s + 8),
            packet(SERVER, FIN | ACK, s + 8, c + 8),
            packet(CLIENT, ACK, c + 8, s + 9),
        ]
    )
    assert events[0] == StreamOpened(0, "10.0.0.1:40000", "10.0.0.2:829", 1, 1.0, True)
    assert data_of(events, 0) == [(4, b"request")]
    assert data_of(events, 1) == [(5, b"response")]
    closed = [e for e in events if isinstance(e, StreamClosed)]
    assert closed == [
        StreamClosed(0, 0, "fin", 6, 6.0),
        StreamClosed(0, 1, "fin", 7, 7.0),
        StreamClosed(0, None, "fin", 7, 7.0),
    ]
    assert events[-1] == closed[-1]  # finish() adds nothing to a closed stream


def test_out_of_order_is_delivered_by_the_packet_that_fills_the_hole():
    c, s = C_ISN + 1, S_ISN + 1
    events = run(
        handshake()
        + [
            packet(CLIENT, ACK, c + 5, s, b"world"),
            packet(CLIENT, ACK, c + 10, s, b"!"),
            packet(CLIENT, ACK, c, s, b"hello"),
        ]
    )
    assert data_of(events, 0) == [(6, b"helloworld!")]
    assert not [e for e in events if isinstance(e, StreamGap)]


def test_retransmission_is_delivered_once():
    c, s = C_ISN + 1, S_ISN + 1
    events = run(
        handshake()
        + [
            packet(CLIENT, ACK, c, s, b"abc"),
            packet(CLIENT, ACK, c, s, b"abc"),
            packet(CLIENT, ACK, c + 3, s, b"def"),
            packet(CLIENT, ACK, c + 3, s, b"def"),
        ]
    )
    assert data_of(events, 0) == [(4, b"abc"), (6, b"def")]


def test_partial_overlap_first_copy_wins():
    c, s = C_ISN + 1, S_ISN + 1
    events = run(
        handshake()
        + [
            packet(CLIENT, ACK, c, s, b"hello"),
            packet(CLIENT, ACK, c + 3, s, b"LOxwor"),  # bytes 3-4 overlap, conflicting
        ]
    )
    assert b"".join(d for _, d in data_of(events, 0)) == b"helloxwor"


def test_overlap_among_buffered_out_of_order_segments():
    c, s = C_ISN + 1, S_ISN + 1
    events = run(
        handshake()
        + [
            packet(CLIENT, ACK, c + 4, s, b"4567"),
            packet(CLIENT, ACK, c + 4, s, b"4567"),  # duplicate while buffered
            packet(CLIENT, ACK, c + 4, s, b"XXXX89"),  # longer copy: only its tail is new
            packet(CLIENT, ACK, c + 6, s, b"67"),  # entirely inside buffered bytes
            packet(CLIENT, ACK, c, s, b"0123"),
        ]
    )
    assert data_of(events, 0) == [(8, b"0123456789")]


def test_lost_segment_becomes_a_gap_once_the_receiver_acked_past_it_and_the_grace_ran_out():
    c, s = C_ISN + 1, S_ISN + 1
    acks = [packet(SERVER, ACK, s, c + 14)] * GRACE_SEGMENTS  # frames 6 .. 5 + GRACE_SEGMENTS
    events = run(
        handshake()
        + [
            packet(CLIENT, ACK, c, s, b"AAAA"),
            # c + 4 .. c + 10 ("BBBBBB") never captured
            packet(CLIENT, ACK, c + 10, s, b"CCCC"),
        ]
        + acks  # the server got everything
        + [packet(CLIENT, ACK, c + 14, s, b"DD")],
        finish=False,
    )
    gap_frame = 5 + GRACE_SEGMENTS
    assert events[-3:] == [
        StreamGap(0, 0, 6, gap_frame, float(gap_frame)),
        StreamData(0, 0, b"CCCC", gap_frame, float(gap_frame)),
        StreamData(0, 0, b"DD", gap_frame + 1, float(gap_frame + 1)),
    ]


def test_segment_captured_after_the_ack_that_covers_it_is_no_gap():
    """Capture points reorder: the receiver's ACK may be captured before the data it acknowledges."""
    c, s = C_ISN + 1, S_ISN + 1
    events = run(
        handshake()
        + [
            packet(CLIENT, ACK, c + 4, s, b"BBBB"),
            packet(SERVER, ACK, s, c + 8),
            packet(CLIENT, ACK, c, s, b"AAAA"),
        ]
    )
    assert not [e for e in events if isinstance(e, StreamGap)]
    assert data_of(events, 0) == [(6, b"AAAABBBB")]


def test_ack_inside_the_hole_reports_only_what_was_acknowledged():
    c, s = C_ISN + 1, S_ISN + 1
    r = TcpReassembler()
    events = run(
        handshake() + [packet(CLIENT, ACK, c + 10, s, b"CCCC")] + [packet(SERVER, ACK, s, c + 4)] * GRACE_SEGMENTS,
        reassembler=r,
        finish=False,
    )
    gap_frame = 4 + GRACE_SEGMENTS
    assert events[-1] == StreamGap(0, 0, 4, gap_frame, float(gap_frame))  # bytes 0-3 are gone for good
    # bytes 4-9 may still come (retransmission): they do, and the buffered data follows
    events = r.feed(50, 50.0, *packet(CLIENT, ACK, c + 4, s, b"456789"))
    assert events == [StreamData(0, 0, b"456789CCCC", 50, 50.0)]


def test_fin_behind_a_hole_waits_then_finish_reports_gap_data_and_fin():
    c, s = C_ISN + 1, S_ISN + 1
    events = run(
        handshake()
        + [
            packet(CLIENT, ACK, c + 3, s, b"def"),
            packet(CLIENT, FIN | ACK, c + 6, s),
        ]
    )
    assert events[1:] == [
        StreamGap(0, 0, 3, 5, 5.0),
        StreamData(0, 0, b"def", 5, 5.0),
        StreamClosed(0, 0, "fin", 5, 5.0),
        StreamClosed(0, None, "end", 5, 5.0),
    ]


def test_reordered_fin_does_not_cause_a_gap():
    c, s = C_ISN + 1, S_ISN + 1
    events = run(
        handshake()
        + [
            packet(CLIENT, FIN | ACK, c + 3, s),
            packet(CLIENT, ACK, c, s, b"abc"),
        ],
        finish=False,
    )
    assert events[1:] == [StreamData(0, 0, b"abc", 5, 5.0), StreamClosed(0, 0, "fin", 5, 5.0)]


def test_rst_flushes_holes_and_closes():
    c, s = C_ISN + 1, S_ISN + 1
    r = TcpReassembler()
    events = run(
        handshake()
        + [
            packet(SERVER, ACK, s + 2, c, b"yz"),
            packet(CLIENT, RST, c),
        ],
        reassembler=r,
    )
    assert events[1:] == [
        StreamGap(0, 1, 2, 5, 5.0),
        StreamData(0, 1, b"yz", 5, 5.0),
        StreamClosed(0, None, "rst", 5, 5.0),
    ]
    assert r.feed(6, 6.0, *packet(SERVER, ACK, s, c, b"wx")) == []  # after RST: ignored


def test_mid_connection_start_guesses_client_by_higher_port():
    events = run(
        [
            packet(SERVER, PSH | ACK, 777, 333, b"late response"),
            packet(CLIENT, ACK, 333, 777 + 13),
            packet(CLIENT, PSH | ACK, 333, 790, b"next"),
        ]
    )
    assert events[0] == StreamOpened(0, "10.0.0.1:40000", "10.0.0.2:829", 1, 1.0, False)
    assert data_of(events, 1) == [(1, b"late response")]
    assert data_of(events, 0) == [(3, b"next")]
    assert events[-1] == StreamClosed(0, None, "end", 3, 3.0)


def test_syn_ack_first_makes_its_receiver_the_client():
    events = run(
        [packet(SERVER, SYN | ACK, S_ISN, C_ISN + 1), packet(SERVER, ACK, S_ISN + 1, C_ISN + 1, b"x")]
    )
    assert events[0] == StreamOpened(0, "10.0.0.1:40000", "10.0.0.2:829", 1, 1.0, True)
    assert data_of(events, 1) == [(2, b"x")]


def test_sequence_wraparound():
    isn = 0xFFFFFFF8  # data starts at 0xFFFFFFF9 and wraps after 7 bytes
    s = S_ISN + 1
    events = run(
        handshake(c_isn=isn)
        + [
            packet(CLIENT, ACK, isn + 1 + 7, s, b"89abc"),  # after the wrap, out of order
            packet(CLIENT, ACK, isn + 1, s, b"1234567"),
            packet(CLIENT, ACK, isn + 1 + 3, s, b"4567"),  # retransmission across the wrap
            packet(CLIENT, FIN | ACK, isn + 1 + 12, s),
        ]
    )
    assert data_of(events, 0) == [(5, b"123456789abc")]
    assert StreamClosed(0, 0, "fin", 7, 7.0) in events


def test_keepalive_probe_is_not_data():
    c, s = C_ISN + 1, S_ISN + 1
    events = run(handshake() + [packet(CLIENT, ACK, c, s, b"ab"), packet(CLIENT, ACK, c + 1, s, b"b")])
    assert data_of(events, 0) == [(4, b"ab")]


def test_port_reuse_with_new_isn_opens_a_new_stream_and_ends_the_old():
    c, s = C_ISN + 1, S_ISN + 1
    r = TcpReassembler()
    events = run(
        handshake()
        + [packet(CLIENT, ACK, c + 2, s, b"zz")]  # buffered behind a hole
        + handshake(c_isn=90000, s_isn=70000)
        + [packet(CLIENT, ACK, 90001, 70001, b"new")],
        reassembler=r,
    )
    assert events[1:5] == [
        StreamGap(0, 0, 2, 5, 5.0),
        StreamData(0, 0, b"zz", 5, 5.0),
        StreamClosed(0, None, "end", 5, 5.0),
        StreamOpened(1, "10.0.0.1:40000", "10.0.0.2:829", 5, 5.0, True),
    ]
    assert data_of(events, 0)[-1] == (8, b"new")
    assert r.last_stream == 1


def test_repeated_syn_with_same_isn_stays_in_the_stream():
    r = TcpReassembler()
    run(handshake() + [packet(CLIENT, SYN, C_ISN)], reassembler=r, finish=False)
    assert r.last_stream == 0


def test_streams_are_numbered_in_order_of_first_packet():
    other = ("10.0.0.3", 50000)
    r = TcpReassembler()
    events = run(
        [
            packet(CLIENT, SYN, 1),
            packet(other, SYN, 1, receiver=SERVER),
            packet(SERVER, SYN | ACK, 9, 2),
        ],
        reassembler=r,
        finish=False,
    )
    opened = [(e.stream, e.client) for e in events if isinstance(e, StreamOpened)]
    assert opened == [(0, "10.0.0.1:40000"), (1, "10.0.0.3:50000")]
    assert r.last_stream == 0


def test_ipv6_endpoints_are_bracketed():
    ip = IpPacket(6, "2001:db8::1", "2001:db8::2", 6, b"")
    opened = TcpReassembler().feed(1, None, ip, TcpSegment(40000, 443, 1, 0, SYN, 0, b""))[0]
    assert (opened.client, opened.server) == ("[2001:db8::1]:40000", "[2001:db8::2]:443")


def test_out_of_order_buffer_cap_gives_up_on_the_hole():
    c, s = C_ISN + 1, S_ISN + 1
    r = TcpReassembler(max_buffer=10)
    events = run(
        handshake()
        + [
            packet(CLIENT, ACK, c + 4, s, b"4444"),
            packet(CLIENT, ACK, c + 8, s, b"8888"),
            packet(CLIENT, ACK, c + 14, s, b"EEEE"),  # 12 bytes buffered > 10
        ],
        reassembler=r,
        finish=False,
    )
    # only the first hole is given up: 4 bytes left buffered are within the cap
    assert events[1:] == [StreamGap(0, 0, 4, 6, 6.0), StreamData(0, 0, b"44448888", 6, 6.0)]
    assert r.finish() == [
        StreamGap(0, 0, 2, 6, 6.0),
        StreamData(0, 0, b"EEEE", 6, 6.0),
        StreamClosed(0, None, "end", 6, 6.0),
    ]


def test_huge_sequence_jump_is_ignored():
    c, s = C_ISN + 1, S_ISN + 1
    r = TcpReassembler()
    events = run(
        handshake()
        + [
            packet(CLIENT, ACK, c + (1 << 30) + 1, s, b"bogus"),
            packet(SERVER, ACK, s, c + (1 << 30) + 6),  # and an ACK just as far ahead
            packet(CLIENT, ACK, c, s, b"real"),
        ],
        reassembler=r,
    )
    assert data_of(events, 0) == [(6, b"real")]
    assert not [e for e in events if isinstance(e, StreamGap)]


def test_dropped_stream_is_skipped_but_keeps_its_number():
    c, s = C_ISN + 1, S_ISN + 1
    r = TcpReassembler()
    events = run(handshake(), reassembler=r, finish=False)
    r.drop(events[0].stream)
    assert r.feed(4, 4.0, *packet(CLIENT, ACK, c, s, b"GET / HTTP/1.1")) == []
    assert r.last_stream == 0
    # port reuse on the dropped 4-tuple still opens a new stream, which is tracked
    reopened = r.feed(5, 5.0, *packet(CLIENT, SYN, 42))
    assert reopened == [StreamOpened(1, "10.0.0.1:40000", "10.0.0.2:829", 5, 5.0, True)]
    assert r.finish() == [StreamClosed(1, None, "end", 5, 5.0)]


def test_closed_stream_state_is_released():
    c, s = C_ISN + 1, S_ISN + 1
    r = TcpReassembler()
    run(
        handshake()
        + [
            packet(CLIENT, FIN | ACK, c, s),
            packet(SERVER, FIN | ACK, s, c + 1),
            packet(CLIENT, ACK, c + 1, s + 1),
        ],
        reassembler=r,
        finish=False,
    )
    assert r.finish() == []
    assert r.feed(7, 7.0, *packet(CLIENT, ACK, c + 1, s + 1, b"late")) == []
    assert r.last_stream == 0


def test_finish_with_both_fins_behind_holes_closes_by_fin_once():
    c, s = C_ISN + 1, S_ISN + 1
    events = run(
        handshake()
        + [
            packet(CLIENT, FIN | ACK, c + 2, s),  # 2 client bytes missing
            packet(SERVER, FIN | ACK, s + 3, c),  # 3 server bytes missing, ACK not past the hole
        ]
    )
    assert events[1:] == [
        StreamGap(0, 0, 2, 5, 5.0),
        StreamClosed(0, 0, "fin", 5, 5.0),
        StreamGap(0, 1, 3, 5, 5.0),
        StreamClosed(0, 1, "fin", 5, 5.0),
        StreamClosed(0, None, "fin", 5, 5.0),
    ]
