"""A short pass of every fuzz harness under hypothesis: the seeds, then random and mutated bytes.

The long runs are `python -m fuzz.run -n 1000000` (docs/robustness.md); this pass keeps CI honest
about the harnesses themselves and about the rules on a few hundred inputs each.
"""

import importlib
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.run import HARNESSES, check_one, mutate

# Slow harnesses (a full pyasn1 walk, a whole pipeline per input) get fewer examples.
EXAMPLES = {"tree": 20, "splice": 20, "protection": 50}


@pytest.fixture(scope="module", params=HARNESSES)
def harness(request):
    module = importlib.import_module(f"fuzz.{request.param}")
    return module, [s for s in module.seeds() if s]


def test_seeds_pass_and_exist(harness):
    module, seeds = harness
    assert seeds, "a harness without seeds fuzzes blind"
    for data in seeds:
        assert check_one(module.one_input, data) is None


@pytest.mark.parametrize("name", HARNESSES)
def test_random_and_mutated_inputs(name):
    module = importlib.import_module(f"fuzz.{name}")
    seeds = [s for s in module.seeds() if s]

    @settings(max_examples=EXAMPLES.get(name, 100), deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.binary(max_size=2048), st.integers(0, 2**32 - 1), st.booleans())
    def run(raw, seed, from_seed):
        rng = random.Random(seed)
        data = mutate(rng, rng.choice(seeds), seeds) if from_seed else raw
        problem = check_one(module.one_input, data)
        assert problem is None, problem

    run()


def test_mutations_stay_deterministic():
    seeds = [b"0\x82\x01\x00abcdef", b"POST / HTTP/1.1\r\n\r\n"]
    first = [mutate(random.Random(7), s, seeds) for s in seeds]
    assert first == [mutate(random.Random(7), s, seeds) for s in seeds]
    assert first != seeds
