"""Run fuzz harnesses for a number of inputs each: `python -m fuzz.run [-n N] [HARNESS ...]`.

Two engines. `mutate` (default; needs nothing but the project): seeds from `captures/` and
`tests/*/data/`, mutated by bit flips, hostile integers (0, 0x7f, 0x80, 0xff, 2**31, 2**32-1),
insertions, deletions, duplications, truncation and splices between seeds; deterministic for a
given --seed. `atheris`: coverage-guided libFuzzer (`pip install atheris`), one subprocess per
harness, corpus in --out/corpus/HARNESS.

Each input is timed (TIME_LIMIT, measured, not killed) and the process RSS is watched
(--rss-limit-mb). A failing input is saved to --out/crashes/HARNESS-SHA1.bin with its traceback
and the run goes on. A JSON line per harness (inputs, failures, seconds) goes to stdout and to
--out/results.jsonl.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import random
import resource
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # `python fuzz/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz.harness import TIME_LIMIT  # noqa: E402

HARNESSES = ("capture_records", "packet", "reassembly", "http", "tcpmsg", "connection", "summary", "tree",
             "protection", "splice")
_INTERESTING = (b"\x00", b"\x7f", b"\x80", b"\xff", b"\x00\x00\x00\x00", b"\x7f\xff\xff\xff",
                b"\x80\x00\x00\x00", b"\xff\xff\xff\xff", b"\x84\xff\xff\xff\xff", b"\x80", b"\x30\x80", b"\r\n")


def mutate(rng: random.Random, data: bytes, seeds: list[bytes]) -> bytes:
    """One to four random edits of `data`."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(9)
        at = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[min(at, len(buf) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:
            buf[min(at, len(buf) - 1)] = rng.randrange(256)
        elif op == 2:
            value = rng.choice(_INTERESTING)
            buf[at : at + len(value)] = value
        elif op == 3:
            buf[at:at] = rng.randbytes(rng.randint(1, 16))
        elif op == 4:
            del buf[at : at + rng.randint(1, 64)]
        elif op == 5 and buf:
            start = rng.randrange(len(buf))
            buf[at:at] = buf[start : start + rng.randint(1, 256)]
        elif op == 6:
            del buf[at:]
        elif op == 7:
            other = rng.choice(seeds)
            start = rng.randrange(len(other) + 1)
            buf[at:] = other[start : start + rng.randint(1, 4096)]
        elif op == 8 and buf:  # a length octet to a long form announcing a hostile length
            buf[min(at, len(buf) - 1)] = rng.choice((0x84, 0x88, 0x89, 0xFF))
    return bytes(buf)


def _rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def check_one(target: Callable[[bytes], None], data: bytes) -> str | None:
    """Run one input; the failure text (traceback or broken bound), or None."""
    start = time.perf_counter()
    try:
        target(data)
    except Exception:
        return traceback.format_exc()
    elapsed = time.perf_counter() - start
    if elapsed > TIME_LIMIT:
        return f"slow input: {elapsed:.2f} s (limit {TIME_LIMIT} s)"
    return None


def run_mutate(name: str, inputs: int, seed: int, out: Path, rss_limit: int, max_seconds: float | None = None,
               max_failures: int = 20) -> dict:
    """Seeds first, then mutants, until `inputs` ran or `max_seconds` passed; progress is written to
    out/progress-NAME.json every 10,000 inputs, so a stopped run still has its count."""
    module = importlib.import_module(f"fuzz.{name}")
    seeds = [s for s in module.seeds() if s] or [b"\0"]
    rng = random.Random(seed)
    failures = 0
    start = time.perf_counter()
    done = 0
    for done in range(1, inputs + 1):
        data = seeds[(done - 1) % len(seeds)] if done <= len(seeds) else mutate(rng, rng.choice(seeds), seeds)
        problem = check_one(module.one_input, data)
        if problem is None and done % 1000 == 0 and _rss_mb() > rss_limit:
            problem = f"RSS {_rss_mb()} MB over {rss_limit} MB"
        if problem is not None:
            failures += 1
            _save(out, name, data, problem)
            if failures >= max_failures:
                break
        if done % 10_000 == 0:
            result = _result(name, done, failures, start, seed)
            (out / f"progress-{name}.json").write_text(json.dumps(result))
            if max_seconds is not None and result["seconds"] > max_seconds:
                break
    return _result(name, done, failures, start, seed)


def _result(name: str, done: int, failures: int, start: float, seed: int) -> dict:
    return {"harness": name, "engine": "mutate", "inputs": done, "failures": failures,
            "seconds": round(time.perf_counter() - start, 1), "seed": seed, "max_rss_mb": _rss_mb()}


def _save(out: Path, name: str, data: bytes, problem: str) -> None:
    crashes = out / "crashes"
    crashes.mkdir(parents=True, exist_ok=True)
    stem = crashes / f"{name}-{hashlib.sha1(data).hexdigest()[:12]}"
    stem.with_suffix(".bin").write_bytes(data)
    stem.with_suffix(".txt").write_text(problem)
    print(f"{name}: failure saved as {stem}.bin: {problem.strip().splitlines()[-1]}", file=sys.stderr)


def run_atheris(name: str, inputs: int, out: Path, rss_limit: int) -> dict:
    """libFuzzer through atheris in a child process: `fuzz.atheris_main NAME` with libFuzzer flags."""
    module = importlib.import_module(f"fuzz.{name}")
    corpus = out / "corpus" / name
    corpus.mkdir(parents=True, exist_ok=True)
    for n, data in enumerate(module.seeds()):
        (corpus / f"seed-{n:04d}").write_bytes(data)
    crashes = out / "crashes"
    crashes.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "fuzz.atheris_main", name, f"-runs={inputs}", f"-rss_limit_mb={rss_limit}",
           f"-timeout={int(TIME_LIMIT * 5)}", f"-artifact_prefix={crashes}/{name}-", "-print_final_stats=1",
           "-max_len=65536", str(corpus)]
    proc = subprocess.run(cmd, cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True)
    stats = {k: v for k, _, v in (line.partition(":") for line in proc.stderr.splitlines()) if k.startswith("stat::")}
    (out / f"atheris-{name}.log").write_text(proc.stderr[-20000:])
    return {"harness": name, "engine": "atheris", "inputs": int(stats.get("stat::number_of_executed_units", "0").strip() or 0),
            "failures": 0 if proc.returncode == 0 else 1, "seconds": round(time.perf_counter() - start, 1),
            "returncode": proc.returncode}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m fuzz.run", description=__doc__.splitlines()[0])
    p.add_argument("harnesses", nargs="*", choices=[*HARNESSES, []], metavar="HARNESS",
                   help=f"which to run (default all): {', '.join(HARNESSES)}")
    p.add_argument("-n", "--inputs", type=int, default=10_000, help="inputs per harness (default 10000)")
    p.add_argument("--engine", choices=("mutate", "atheris"), default="mutate")
    p.add_argument("--seed", type=int, default=1, help="mutation seed (mutate engine)")
    p.add_argument("--out", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "cmpdissect-fuzz")
    p.add_argument("--rss-limit-mb", type=int, default=1024)
    p.add_argument("--max-seconds", type=float, help="stop each harness after this long (mutate engine)")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for name in args.harnesses or HARNESSES:
        if args.engine == "atheris":
            result = run_atheris(name, args.inputs, args.out, args.rss_limit_mb)
        else:
            result = run_mutate(name, args.inputs, args.seed, args.out, args.rss_limit_mb, args.max_seconds)
        line = json.dumps(result)
        print(line, flush=True)
        with open(args.out / "results.jsonl", "a") as f:
            f.write(line + "\n")
        failed += result["failures"] > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
