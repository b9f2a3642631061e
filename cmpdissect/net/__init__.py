"""Link layer, IPv4/IPv6, TCP segments and per-direction TCP reassembly (sans-I/O)."""
