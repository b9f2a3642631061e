"""The analysis layer's name for the one catalogue of checks (`cmpdissect.catalogue`).

Kept so that `analysis.registry.CHECKS` and `analysis.registry.finding` go on working for sinks
written against it; new code imports `cmpdissect.catalogue`.
"""

from cmpdissect.catalogue import CHECKS, Check, finding

__all__ = ["CHECKS", "Check", "finding"]
