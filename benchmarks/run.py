"""Time cmpdissect against tshark on the same captures, in alternating runs, in one session.

For each file: `cat FILE > /dev/null` (the read floor), then RUNS rounds of
`cmpdissect transactions FILE --json` and `tshark -r FILE -Y cmp -T fields -e frame.number -e cmp.body`
(tshark's closest listing: frame and body type of every CMP message), alternating so that load from
elsewhere hits both alike. Wall time, CPU time (user + system) and peak RSS come from GNU
time; the medians and the ratio cmpdissect / tshark are printed as a Markdown table.
`--check` also runs the pipeline in-process with and without the fast path and says whether units,
notices and transactions are identical.

    python -m benchmarks.run benchmarks/data/mixed-100k.pcap benchmarks/data/mixed-1m.pcap --runs 3
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

GNU_TIME = "/usr/bin/time"


@dataclass(frozen=True, slots=True)
class Sample:
    wall: float
    cpu: float
    rss_mb: float


def measure(argv: list[str]) -> Sample:
    """Run `argv` under GNU time with stdout to /dev/null: wall time, CPU time and peak RSS.

    GNU time, not wait4 here: a child forked from this Python process would count the parent's pages
    in its peak RSS until it execs.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out, open(os.devnull, "wb") as null:
        start = time.perf_counter()
        code = subprocess.call([GNU_TIME, "-q", "-o", out.name, "-f", "%U %S %M", *argv], stdout=null,
                               stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        if code:
            raise SystemExit(f"benchmark: {' '.join(argv)} exited with {code}")
        user, system, rss_kb = out.read().split()
    return Sample(wall, float(user) + float(system), int(rss_kb) / 1024)


def commands(path: str) -> dict[str, list[str]]:
    return {
        "cat": ["cat", path],
        "cmpdissect": [sys.executable, "-m", "cmpdissect", "transactions", path, "--json"],
        "tshark": ["tshark", "-r", path, "-Y", "cmp", "-T", "fields", "-e", "frame.number", "-e", "cmp.body"],
    }


def bench(path: str, runs: int) -> dict[str, list[Sample]]:
    cmds = commands(path)
    results: dict[str, list[Sample]] = {name: [] for name in cmds}
    results["cat"].append(measure(cmds["cat"]))
    for _ in range(runs):
        for name in ("cmpdissect", "tshark"):
            results[name].append(measure(cmds[name]))
    return results


def identical(path: str) -> bool:
    """Fast and careful pipelines give the same units, notices, transactions and counters."""
    from benchmarks.compare import outcome

    return outcome(path, careful=True) == outcome(path, careful=False)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    tshark = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return (f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()} "
            f"{platform.release()}, {tshark}, load average {os.getloadavg()[0]:.1f}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="+")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--check", action="store_true", help="also compare the fast path with the careful one")
    ns = p.parse_args(argv)
    for tool in ("tshark", GNU_TIME):
        if shutil.which(tool) is None:
            print(f"benchmark: {tool} is not installed", file=sys.stderr)
            return 2
    print(f"machine: {machine()}\n")
    print("| file | packets | MB | tool | wall s | CPU s | peak RSS MB |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for path in ns.files:
        size = Path(path).stat().st_size / 1e6
        packets = _packets(path)
        results = bench(path, ns.runs)
        walls = {}
        for name, samples in results.items():
            wall = statistics.median(s.wall for s in samples)
            walls[name] = wall
            print(f"| {Path(path).name} | {packets} | {size:.0f} | {name} | {wall:.2f} | "
                  f"{statistics.median(s.cpu for s in samples):.2f} | "
                  f"{statistics.median(s.rss_mb for s in samples):.0f} |")
        ratio = walls["cmpdissect"] / walls["tshark"]
        check = f", fast path identical to careful: {identical(path)}" if ns.check else ""
        print(f"\n{Path(path).name}: ratio cmpdissect/tshark (median wall) = {ratio:.3f}{check}\n", flush=True)
    return 0


def _packets(path: str) -> int:
    from cmpdissect.sources.fastpcap import iter_records

    return sum(1 for _ in iter_records(path))


if __name__ == "__main__":
    sys.exit(main())
