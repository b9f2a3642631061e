"""The command line: tshark-like listings and CONTRACT.md JSON.

Exit codes (CONTRACT.md): 0 the command ran, 2 bad usage or unreadable input, 1 when `--fail-on`
finds what it was asked to fail on.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import TextIO

from cmpdissect import __version__, checks_command, sniff
from cmpdissect.analysis.cause import notice_cause
from cmpdissect.analysis.correlate import TransactionTable
from cmpdissect.analysis.policy import add_check_options, check_policy
from cmpdissect.contract import transaction_dict, unit_dict
from cmpdissect.explain import explain_transaction
from cmpdissect.lines import transaction_line, unit_line
from cmpdissect.model import Notice, Unit
from cmpdissect.options import OptionError, add_input_options, make_pipeline
from cmpdissect.pipeline import Pipeline, read_units
from cmpdissect.report import command as report_command
from cmpdissect.sources.capture import CaptureError
from cmpdissect.tui import command as tui_command


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] not in COMMANDS and not args[0].startswith("-"):
        # `cmpdissect CAPTURE`: the interactive view on a terminal, the listing in a pipe
        args = ["tui" if sys.stdout.isatty() and sys.stdin.isatty() else "read", *args]
    parser = _parser()
    ns = parser.parse_args(args)
    if not getattr(ns, "command", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return ns.run(ns)
    except (CaptureError, OptionError) as exc:
        print(f"cmpdissect: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        sys.stderr.close()  # `| head`: not an error
        return 0
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cmpdissect", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"cmpdissect {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sniff.add_parser(sub)
    checks_command.add_parser(sub)
    report_command.add_parser(sub)
    report_command.add_diff_parser(sub)
    tui_command.add_parser(sub)

    r = sub.add_parser("read", help="list the CMP units of a capture or message file")
    r.add_argument("capture", help="pcap, pcapng, or a DER/PEM/base64 PKIMessage file")
    r.add_argument("--json", action="store_true", help="one CONTRACT.md object per line")
    r.add_argument("-V", dest="verbose", action="store_true", help="the full field tree under each unit")
    r.add_argument("-x", dest="hexdump", action="store_true", help="a hex dump of each PKIMessage")
    add_input_options(r)
    r.set_defaults(run=cmd_read)

    s = sub.add_parser("show", help="the full field tree of PKIMessages")
    s.add_argument("capture", help="a DER/PEM/base64 message file, or a capture with --frame")
    s.add_argument("--frame", type=int, help="only the unit(s) completed in this frame")
    s.add_argument("--json", action="store_true", help="the tree as nested objects")
    s.add_argument("-x", dest="hexdump", action="store_true", help="add a hex dump with offsets")
    s.set_defaults(run=cmd_show)

    e = sub.add_parser("export", help="write every PKIMessage (DER) and certificate, CSR and CRL (PEM)")
    e.add_argument("capture")
    e.add_argument("--out", required=True, help="directory to write into (created if missing)")
    e.set_defaults(run=cmd_export)

    t = sub.add_parser("transactions", help="group units into CMP transactions and judge them")
    t.add_argument("capture")
    t.add_argument("--json", action="store_true", help="one CONTRACT.md object per line")
    t.add_argument("-V", dest="verbose", action="store_true",
                   help="the diagnosis under each transaction: signers, extraCerts, request versus issued, polls")
    add_check_options(t)
    add_input_options(t)
    t.set_defaults(run=cmd_transactions)
    return p


COMMANDS = {"read", "transactions", "show", "export", "sniff", "report", "diff", "checks", "tui", "-h", "--help", "--version"}


def _units(path: str, pipeline: Pipeline, err: TextIO, notices: list[Notice] | None = None) -> Iterator[Unit]:
    for item in read_units(path, pipeline):
        if isinstance(item, Notice):
            where = f" (frame {item.frame})" if item.frame else ""
            print(f"cmpdissect: {item.severity}: {item.message}{where}", file=err)
            if notices is not None:
                notices.append(item)
        else:
            yield item


def cmd_read(ns: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    # the full tree needs the whole pyasn1 schema (a second to import): only when asked for
    if ns.verbose or ns.hexdump:
        from cmpdissect.asn1.render import hex_dump, message_dict, render_message
    pipeline = make_pipeline(ns)
    for unit in _units(ns.capture, pipeline, err):
        if ns.json:
            d = unit_dict(unit)
            if ns.verbose and unit.der:
                d["tree"] = message_dict(unit.der)
            out.write(json.dumps(d) + "\n")
            continue
        out.write(unit_line(unit, pipeline.stats.first_time) + "\n")
        if unit.der and (ns.verbose or ns.hexdump):
            text = render_message(unit.der, hexdump=ns.hexdump, indent=4) if ns.verbose else hex_dump(unit.der)
            out.write(text.rstrip("\n") + "\n\n")
    return 0


def cmd_show(ns: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    from cmpdissect.asn1.render import message_dict, render_message

    shown = 0
    for unit in _units(ns.capture, Pipeline(), err):
        if not unit.der or (ns.frame is not None and unit.frame != ns.frame):
            continue
        shown += 1
        if ns.json:
            out.write(json.dumps(message_dict(unit.der)) + "\n")
            continue
        where = f"frame {unit.frame}" if unit.frame else f"message {unit.index + 1}"
        out.write(f"{where}: {unit.message.body if unit.message else '?'} ({len(unit.der)} bytes)\n")
        out.write(render_message(unit.der, hexdump=ns.hexdump).rstrip("\n") + "\n\n")
    if not shown:
        wanted = f" in frame {ns.frame}" if ns.frame is not None else ""
        print(f"cmpdissect: error: no PKIMessage{wanted} in {ns.capture}", file=err)
        return 2
    return 0


def cmd_export(ns: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    from cmpdissect.export import export_unit

    written = []
    for unit in _units(ns.capture, Pipeline(), err):
        try:
            written += export_unit(unit, ns.out)
        except OSError as exc:
            print(f"cmpdissect: error: cannot write to {ns.out}: {exc.strerror or exc}", file=err)
            return 2
    for path in written:
        out.write(f"{path}\n")
    print(f"cmpdissect: {len(written)} files written to {ns.out}", file=err)
    return 0


def cmd_transactions(ns: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    policy = check_policy(ns)
    table = TransactionTable(policy=policy)
    notices: list[Notice] = []
    for unit in _units(ns.capture, make_pipeline(ns), err, notices):
        table.add(unit)
    transactions = table.finish()
    if not transactions and (hint := notice_cause(notices)):
        print(f"cmpdissect: no CMP found: {hint}", file=err)
    for txn in transactions:
        if ns.json:
            out.write(json.dumps(transaction_dict(txn)) + "\n")
        else:
            out.write(transaction_line(txn) + "\n")
            if ns.verbose:
                out.write("\n".join(explain_transaction(table, txn)) + "\n\n")
    if policy.fails(transactions):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
