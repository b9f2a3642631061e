"""Developer scripts for cmpdissect (not part of the installed package)."""
