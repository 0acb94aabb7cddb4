"""Start-up time of the ``moatlab`` command against the interpreter's own ``import numpy``.

Run: ``python benchmarks/bench_cli.py [--repeat 5]``. Times (median of ``--repeat`` runs, all in
the same run so that machine load affects each alike) ``python -c "import numpy"`` (the
baseline), ``python -m moatlab --help`` and a one-point ``python -m moatlab solve … --json``,
and prints each with its ratio to the baseline. Targets: --help < 3x, solve < 5x the baseline.
The exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")

CASES = {
    "import numpy (baseline)": ["-c", "import numpy"],
    "moatlab --help": ["-m", "moatlab", "--help"],
    "moatlab solve --json": ["-m", "moatlab", "solve", "--alpha0", "0.2", "--theta", "0.6",
                             "--penalty", "0.05", "--json"],
}
TARGETS = {"moatlab --help": 3.0, "moatlab solve --json": 5.0}


def wall(args: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs per case (the median is reported)")
    a = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [SRC, os.environ.get("PYTHONPATH")])))
    for args in CASES.values():  # warm the file cache and byte-code once
        wall(args, env)
    times: dict[str, list[float]] = {k: [] for k in CASES}
    for _ in range(a.repeat):  # interleaved: a burst of load hits every case alike
        for name, args in CASES.items():
            times[name].append(wall(args, env))
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med["import numpy (baseline)"]
    ok = True
    for name, t in med.items():
        ratio = t / base
        target = TARGETS.get(name)
        mark = "" if target is None else (f"  (target < {target:g}x: "
                                          f"{'ok' if ratio < target else 'MISSED'})")
        ok &= target is None or ratio < target
        print(f"{name:26s} {t * 1000:8.0f} ms  {ratio:5.2f}x{mark}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
