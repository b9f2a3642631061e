"""Correlation of units into transactions, and the checks that judge them."""
