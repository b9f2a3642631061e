"""`python -m cmpdissect` is the `cmpdissect` command."""

import sys

from cmpdissect.cli import main

sys.exit(main())
