"""Correlation of units into transactions, and the checks that judge them.

Entry points: `correlate.TransactionTable` (incremental, with a `policy.CheckPolicy`) and
`correlate.correlate` (a whole capture); every finding code is in `cmpdissect.catalogue.CHECKS`;
`timing` gives round trips and polling waits, `polling.timeline` the polling history, `cause` the
likely cause of a failure, `extracerts` and `issued` the certificate analyses.
"""
