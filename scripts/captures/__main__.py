"""Regenerate every sample capture: ``python -m scripts.captures [--out captures] [--work DIR]``.

Needs root (network namespace, tcpdump), openssl 3 and tcpdump; see captures/README.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

from . import coap_runs, https_runs, legacy, variants
from .loopback import namespace
from .message_files import write_message_files
from .openssl_runs import HTTP_PORT, RunResult, run_scenario, scenarios
from .pki import make_pki


def _wire_order(result: RunResult, client: int = 0) -> list[bytes]:
    """A client's messages as they crossed the wire: request, response, request, ..."""
    pairs = zip(result.requests[client], result.responses[client], strict=True)
    return [der for pair in pairs for der in pair]


def _write_variants(out: Path) -> None:
    lt, pbm = variants.read_pcap(out / "http-ir-pbm.pcap")
    _, large = variants.read_pcap(out / "http-large-response.pcap")
    _, keepalive = variants.read_pcap(out / "http-keepalive.pcap")
    sll2_lt, sll2 = variants.read_pcap(out / "http-ir-sll2.pcap")
    write = variants.write_pcap
    write(out / "http-lost-segment.pcap", lt, variants.lost_segment(large, HTTP_PORT))
    write(out / "http-reordered.pcap", lt, variants.reordered(large, HTTP_PORT))
    write(out / "http-midstream.pcap", lt, variants.midstream(keepalive, HTTP_PORT))
    write(out / "http-ir-nanosec.pcap", lt, variants.nanosecond(pbm), nanosecond=True)
    write(out / "http-ir-be.pcap", lt, pbm, big_endian=True)
    write(out / "http-ir-vlan.pcap", lt, variants.vlan(pbm))
    write(out / "http-ir-null.pcap", variants.LINKTYPE_NULL, variants.null_loopback(pbm))
    variants.write_pcapng(out / "http-ir.pcapng", [(lt, "lo")], [(0, r) for r in pbm])
    # interleave the SLL2 run with the Ethernet one, 2 ms later, so records alternate interfaces
    shift = pbm[0].ns + 2_000_000 - sll2[0].ns
    mixed = [(0, r) for r in pbm] + [(1, variants.Record(r.ns + shift, r.data)) for r in sll2]
    mixed.sort(key=lambda item: (item[1].ns, item[0]))
    variants.write_pcapng(out / "mixed-interfaces.pcapng", [(lt, "lo"), (sll2_lt, "any")], mixed)
    (out / "truncated.pcap").write_bytes(variants.truncated((out / "http-ir-pbm.pcap").read_bytes(), 7))
    # Deliberately unreadable inputs live apart, so tools that list captures/*.pcap skip them.
    (out / "unreadable").mkdir(exist_ok=True)
    (out / "unreadable" / "garbage.bin").write_bytes(variants.garbage())
    (out / "unreadable" / "empty.bin").write_bytes(b"")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.captures", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("captures"), help="output directory")
    parser.add_argument("--work", type=Path, help="keep the PKI, logs and raw messages here")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        parser.error("must run as root (network namespace and tcpdump)")
    for tool in ("openssl", "tcpdump", "ip"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} not found")
    if importlib.util.find_spec("aiocoap") is None:
        parser.error("aiocoap not found (pip install -e '.[captures]')")
    work = args.work or Path(tempfile.mkdtemp(prefix="cmpcap-"))
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    pki = make_pki(work / "pki")
    results: dict[str, RunResult] = {}
    with namespace() as ns:
        for sc in scenarios(pki):
            print(f"run  {sc.name}.pcap", flush=True)
            results[sc.name] = run_scenario(ns, sc, out, work / sc.name)
        for tls in https_runs.scenarios(pki):
            print(f"run  {tls.name}.pcap (+ .keylog, -clear.pcap)", flush=True)
            https_runs.run_https(ns, tls, pki, out, work / tls.name)
        print(f"run  {coap_runs.NAME}.pcap", flush=True)
        coap_runs.run_coap(ns, pki, out, work / coap_runs.NAME)
    pbm = _wire_order(results["http-ir-pbm"])
    for path in write_message_files(out / "messages", "ir-pbm", pbm):
        print(f"file {path.relative_to(out)}")
    messages = legacy.Messages(pbm=pbm, sig=_wire_order(results["http-ir-sig"]),
                               polling=_wire_order(results["http-polling"]),
                               genm=_wire_order(results["http-genm"]),
                               large=_wire_order(results["http-large-response"]))
    for name, build in legacy.BUILDERS.items():
        print(f"make {name}")
        build(out / name, messages)
    _write_variants(out)
    print(f"done: {len(list(out.glob('*.pcap*')))} captures in {out}")
    if args.work is None:
        shutil.rmtree(work)
    else:
        print(f"PKI, logs and raw messages kept in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
