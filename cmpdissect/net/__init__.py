"""Link layer, IPv4/IPv6, TCP/UDP headers and per-direction TCP reassembly (sans-I/O).

`link` strips the link header, `ip` finds the transport header, `tcp` and `udp` decode it,
`packet.decode_packet` chains the three, and `reassembly.TcpReassembler` turns segments into
stream events numbered like tshark's `tcp.stream`.
"""
