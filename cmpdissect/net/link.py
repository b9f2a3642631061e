"""Link-layer headers: strip them and say which network protocol follows.

Link types are the pcap LINKTYPE_ values (https://www.tcpdump.org/linktypes.html). The result is
an EtherType (0x0800 IPv4, 0x86DD IPv6, or whatever the frame carried), so callers switch on one
kind of value whatever the capture's link layer was.
"""

from __future__ import annotations

import struct

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD
ETHERTYPE_VLAN = 0x8100  # IEEE 802.1Q customer tag
ETHERTYPE_QINQ = 0x88A8  # IEEE 802.1ad service tag
ETHERTYPE_QINQ_OLD = 0x9100  # pre-standard QinQ tag still seen on switches

LINKTYPE_NULL = 0  # BSD loopback: 4-byte AF_ value in the capturing host's byte order
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW_12 = 12  # DLT_RAW on most BSDs: raw IP
LINKTYPE_RAW_14 = 14  # DLT_RAW on OpenBSD: raw IP
LINKTYPE_RAW = 101
LINKTYPE_LOOP = 108  # OpenBSD loopback: AF_ value in network byte order
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

_VLAN_TAGS = frozenset((ETHERTYPE_VLAN, ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD))
# AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD, BSD/OS), 28 (FreeBSD), 30 (Darwin).
_AF_ETHERTYPE = {2: ETHERTYPE_IPV4, 24: ETHERTYPE_IPV6, 28: ETHERTYPE_IPV6, 30: ETHERTYPE_IPV6}
_IP_VERSION_ETHERTYPE = {4: ETHERTYPE_IPV4, 6: ETHERTYPE_IPV6}
_RAW_LINKTYPES = frozenset((LINKTYPE_RAW, LINKTYPE_RAW_12, LINKTYPE_RAW_14))
_LLC_SNAP = b"\xaa\xaa\x03"

_u16 = struct.Struct("!H").unpack_from
_u32_le = struct.Struct("<I").unpack_from


def link_payload(linktype: int, data: bytes) -> tuple[int, bytes] | None:
    """Return `(ethertype, network-layer bytes)` for one captured frame, or None.

    None means the link type is unknown or the frame is too short to hold its own header.
    Non-IP EtherTypes (ARP, LLDP ...) are returned as found; the caller skips them.
    """
    found = link_offset(linktype, data)
    return None if found is None else (found[0], data[found[1] :])


def link_offset(linktype: int, data: bytes) -> tuple[int, int] | None:
    """As `link_payload`, but give the offset of the network layer instead of copying it."""
    if linktype == LINKTYPE_ETHERNET:
        if len(data) < 14:
            return None
        ethertype = _u16(data, 12)[0]
        if ethertype in (ETHERTYPE_IPV4, ETHERTYPE_IPV6):  # the common case, inline
            return ethertype, 14
        return _tagged_ethernet(data, ethertype)
    if linktype == LINKTYPE_LINUX_SLL:
        # packet type, ARPHRD type, address length, 8 address bytes, protocol (EtherType)
        return None if len(data) < 16 else (_u16(data, 14)[0], 16)
    if linktype == LINKTYPE_LINUX_SLL2:
        # protocol (EtherType) first, then reserved, ifindex, ARPHRD, packet type, address
        return None if len(data) < 20 else (_u16(data, 0)[0], 20)
    if linktype in _RAW_LINKTYPES:
        return _raw_ip(data)
    if linktype in (LINKTYPE_IPV4, LINKTYPE_IPV6):
        found = _raw_ip(data)
        wanted = ETHERTYPE_IPV4 if linktype == LINKTYPE_IPV4 else ETHERTYPE_IPV6
        return found if found is not None and found[0] == wanted else None
    if linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        return _loopback(data)
    return None


def _tagged_ethernet(data: bytes, ethertype: int) -> tuple[int, int] | None:
    """Ethernet II past any number of 802.1Q / 802.1ad tags; 802.3 frames only via LLC/SNAP."""
    offset = 14
    while ethertype in _VLAN_TAGS:
        if len(data) < offset + 4:
            return None
        ethertype = _u16(data, offset + 2)[0]
        offset += 4
    if ethertype <= 1500:
        # IEEE 802.3 length field: only SNAP carries an EtherType we can follow.
        if data[offset : offset + 3] != _LLC_SNAP or len(data) < offset + 8:
            return None
        ethertype = _u16(data, offset + 6)[0]
        offset += 8
    return ethertype, offset


def _raw_ip(data: bytes) -> tuple[int, int] | None:
    """Raw IP: the version nibble says which."""
    if not data:
        return None
    ethertype = _IP_VERSION_ETHERTYPE.get(data[0] >> 4)
    return None if ethertype is None else (ethertype, 0)


def _loopback(data: bytes) -> tuple[int, int] | None:
    """BSD null/loop header. The AF value fits in 16 bits, so a value above that was written in
    the other byte order (a capture read on a machine of the other endianness)."""
    if len(data) < 4:
        return None
    family = _u32_le(data, 0)[0]
    if family > 0xFFFF:
        family = int.from_bytes(data[:4], "big")
    ethertype = _AF_ETHERTYPE.get(family)
    return None if ethertype is None else (ethertype, 4)
