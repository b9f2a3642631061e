"""cmpdissect: a Wireshark-style dissector and transaction analyzer for CMP."""

__version__ = "0.1.0"
