"""Correlation of units into transactions, and the checks that judge them.

Entry points: `correlate.TransactionTable` (incremental) and `correlate.correlate` (a whole capture);
`registry.CHECKS` lists every finding code; `timing` gives round trips and polling waits.
"""
