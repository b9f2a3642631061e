"""Which checks apply and what fails a CI job: `--profile`, `--ignore CODE`, `--fail-on SEVERITY`.

A `CheckPolicy` is handed to `TransactionTable(policy=...)`, which keeps only the findings it lets
through; `fails` is the CONTRACT.md exit-code rule for `--fail-on`.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass

from cmpdissect.catalogue import CHECKS, PROFILES, applies
from cmpdissect.model import Finding, Transaction

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, slots=True)
class CheckPolicy:
    """A profile (None: every check), codes to ignore, and the severity that fails a run."""

    profile: str | None = None
    ignore: frozenset[str] = frozenset()
    fail_on: str | None = None

    def applies(self, code: str) -> bool:
        return code not in self.ignore and applies(code, self.profile)

    def filter(self, findings: Iterable[Finding]) -> list[Finding]:
        return [f for f in findings if self.applies(f.code)]

    def fails(self, transactions: Iterable[Transaction]) -> bool:
        """With `fail_on`: a transaction that did not end accepted, or a finding that severe or worse."""
        if self.fail_on is None:
            return False
        rank = SEVERITY_RANK[self.fail_on]
        return any(t.outcome != "accepted" or any(SEVERITY_RANK.get(f.severity, 0) >= rank for f in t.findings)
                   for t in transactions)


def _code(value: str) -> str:
    if value not in CHECKS:
        raise argparse.ArgumentTypeError(f"unknown check code {value!r} (see `cmpdissect checks`)")
    return value


def add_check_options(parser: argparse.ArgumentParser, fail_on: bool = True) -> None:
    """`--profile`, `--ignore CODE` (repeatable) and, unless the command has no exit rule, `--fail-on`."""
    g = parser.add_argument_group("checks (see `cmpdissect checks`)")
    g.add_argument("--profile", choices=PROFILES,
                   help="apply only the checks of this profile (lightweight = RFC 9483); default: every check")
    g.add_argument("--ignore", action="append", default=[], type=_code, metavar="CODE",
                   help="do not report this check; repeatable")
    if fail_on:
        g.add_argument("--fail-on", choices=("error", "warning"),
                       help="exit 1 when a transaction failed or a finding of this severity or worse exists")


def check_policy(ns: argparse.Namespace) -> CheckPolicy:
    """The policy the parsed options ask for (options a command lacks count as not given)."""
    return CheckPolicy(getattr(ns, "profile", None), frozenset(getattr(ns, "ignore", None) or ()),
                       getattr(ns, "fail_on", None))


def apply_check_options(ns: argparse.Namespace, transactions: Iterable[Transaction]) -> int:
    """Filter each transaction's findings by the options in place; the exit code `--fail-on` asks for."""
    policy = check_policy(ns)
    done = list(transactions)
    for txn in done:
        txn.findings = policy.filter(txn.findings)
    return 1 if policy.fails(done) else 0
