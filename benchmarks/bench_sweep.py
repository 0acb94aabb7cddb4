"""Benchmark: sweeps at scale (issue 6).

1. A 10^8-point full-factorial game sweep (α0 × θ × p × λ, 100 values each), chunked
   (10^6 points a chunk) and written to NetCDF chunks in a temporary folder:
   a. in-process;
   b. on a 2-worker Dask LocalCluster started by moatlab.
   Each runs in a fresh subprocess so its peak memory (ru_maxrss; for Dask also the workers')
   is its own. Points per second, peak memory (target < 2 GB) and the Dask overhead ratio
   (Dask wall time / in-process wall time) are printed.
2. Baseline in the same run: the bare solver (``equilibrium_arrays``) over the same chunks with
   no sweep machinery and no writing; the ratio sweep / bare shows what chunking and storage cost.
3. A Sobol' analysis of the game's equilibrium openness with ~10^6 model runs
   (n = 2^17 base samples, k = 6 parameters: n (k + 2) = 1,048,576 runs) with bootstrap CIs.

Usage: python benchmarks/bench_sweep.py [--points 1e8] [--sobol-n 131072]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from moatlab.game import _fast
from moatlab.sweep import Grid, ParameterSpace, SweepSpec, Uniform, run_sweep, sensitivity
from moatlab.sweep.spec import chunk_values

CHUNK = 1_000_000


def grid_spec(points: float) -> SweepSpec:
    k = max(2, round(points**0.25))
    space = ParameterSpace(
        [Grid("alpha0", tuple(np.linspace(0.02, 0.6, k))), Grid("theta", tuple(np.linspace(0, 1, k))),
         Grid("penalty", tuple(np.linspace(0, 0.5, k))), Grid("lam", tuple(np.linspace(0, 0.95, k)))],
        ["action", "openness"])  # fmt: skip
    return SweepSpec("game", space, design="grid", chunk_size=CHUNK)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def part(name: str, points: float) -> dict:
    spec = grid_spec(points)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        if name == "bare":
            for a, b in spec.chunks():
                vals, rows = chunk_values(spec, a, b)
                spec.model.evaluate(vals, rows, 0)
            extra = {}
        elif name == "inprocess":
            ds = run_sweep(spec, Path(tmp) / "s")
            extra = {"mean_openness": float(ds.openness.mean().compute())}
        else:
            from distributed import Client, LocalCluster

            with (
                LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as c,
                Client(c) as cl,
            ):
                ds = run_sweep(spec, Path(tmp) / "s", client=cl)
                wall = time.perf_counter() - t
                workers = cl.run(peak_mb)
                extra = {
                    "mean_openness": float(ds.openness.mean().compute()),
                    "worker_peak_mb": max(workers.values()),
                    "wall_sweep": wall,
                }
        wall = extra.pop("wall_sweep", time.perf_counter() - t)
        disk = sum(f.stat().st_size for f in Path(tmp).rglob("*.nc")) / 1e6
    return {
        "points": spec.size,
        "chunks": len(spec.chunks()),
        "wall_s": wall,
        "peak_mb": peak_mb(),
        "disk_mb": disk,
        **extra,
    }


def run_part(name: str, points: float) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--part", name, "--points", str(points)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=float, default=1e8)
    ap.add_argument("--sobol-n", type=int, default=2**17)
    ap.add_argument("--part", default=None)
    args = ap.parse_args()
    if args.part:
        print(json.dumps(part(args.part, args.points)))
        return
    print(f"solver path: {'compiled closed form (numba)' if _fast.available() else 'numpy'}")
    res = {}
    for name in ("bare", "inprocess", "dask"):
        r = res[name] = run_part(name, args.points)
        mem = f"peak {r['peak_mb']:,.0f} MB" + (
            f", workers {r['worker_peak_mb']:,.0f} MB" if "worker_peak_mb" in r else ""
        )
        print(
            f"{name:>10}: {r['points']:,} points in {r['chunks']} chunks, {r['wall_s']:.1f} s = "
            f"{r['points'] / r['wall_s']:,.0f} points/s; {mem}; {r['disk_mb']:,.0f} MB written"
        )
    assert math.isclose(res["inprocess"]["mean_openness"], res["dask"]["mean_openness"], rel_tol=1e-12)
    under = (
        max(res["inprocess"]["peak_mb"], res["dask"]["peak_mb"], res["dask"].get("worker_peak_mb", 0)) < 2048
    )
    print(f"peak memory under 2 GB in every process: {under}")

    space = ParameterSpace(
        [
            Uniform("alpha0", 0.05, 0.5),
            Uniform("lam", 0.0, 0.95),
            Uniform("epsilon", 0, 0.2),
            Uniform("delta0", 0.4, 1.0),
            Uniform("theta", 0.0, 1.0),
            Uniform("penalty", 0.0, 0.3),
        ]
    )
    t = time.perf_counter()
    si = sensitivity(SweepSpec("game", space, chunk_size=CHUNK), "openness", n=args.sobol_n, seed=0)
    ts = time.perf_counter() - t
    print(f"Sobol' analysis of openness: {si.evaluations:,} runs + 100 bootstrap resamples in {ts:.1f} s")
    print(si.table.round(3).to_string())
    print(f"sweep machinery / bare solver: {res['inprocess']['wall_s'] / res['bare']['wall_s']:.2f}")
    print(
        f"Dask overhead ratio (2-worker LocalCluster / in-process wall time): "
        f"{res['dask']['wall_s'] / res['inprocess']['wall_s']:.2f}"
    )


if __name__ == "__main__":
    main()
