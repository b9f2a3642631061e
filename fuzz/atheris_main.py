"""`python -m fuzz.atheris_main HARNESS [libFuzzer flags] [CORPUS]`: one harness under atheris.

cmpdissect is instrumented for coverage once imported; the time bound is libFuzzer's -timeout
plus the same measured TIME_LIMIT check the mutate engine applies.
"""

from __future__ import annotations

import importlib
import sys

import atheris

from fuzz.harness import RuleBroken
from fuzz.run import check_one


def main() -> None:
    name = sys.argv.pop(1)
    module = importlib.import_module(f"fuzz.{name}")
    atheris.instrument_all()

    def test_one_input(data: bytes) -> None:
        problem = check_one(module.one_input, data)
        if problem is not None:
            raise RuleBroken(problem)

    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
