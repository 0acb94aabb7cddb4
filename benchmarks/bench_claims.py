"""Benchmark: the full claims check (issue 16) — every registered claim, time per claim and in total.

Runs ``check_claim`` for every claim at ``--samples`` points (``--market-samples`` for the market's,
whose every point is an ensemble of 30 seeded runs per scenario) on the sweep runner (a local Dask
cluster of ``--workers`` processes), and writes the report (summary.csv/json, one folder per claim)
to ``--out``. Baseline in the same run: the same claim decided point by point in this process
(no runner, no chunking, no cluster) at ``--baseline-points`` points of a Latin hypercube (1 for the
market); the ratio
check / baseline per point shows what the runner saves (or costs).

``--record`` copies the summary, with the exact command and the date, to the packaged
``src/moatlab/claims/results/latest.json`` that :func:`moatlab.claims.verdicts` and docs/claims.md read.
With NAMEs, only those claims' entries are replaced and the run is listed under ``updates``.

``--resume`` continues a run in ``--out`` from its finished chunks (the times then count only the
rest).

Usage: python benchmarks/bench_claims.py [--samples 128] [--market-samples 128] [--seed 0]
       [--workers 2] [--out DIR] [--record] [--resume] [NAME ...]
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from moatlab.claims import all_claims, check_claim, get
from moatlab.claims.check import RESULTS, _cluster, _write_one, write_summary


def baseline(claim, samples: int, seed: int, k: int) -> float:
    """Seconds per point deciding the claim point by point (no runner), first k points of the design."""
    from scipy.stats import qmc

    u = qmc.LatinHypercube(d=len(claim.parameters), seed=seed).random(samples)[:k]
    vals = {a.name: a.parameter.ppf(u[:, j]) for j, a in enumerate(claim.space)}
    t = time.perf_counter()
    for i in range(k):
        claim.evaluate({n: v[i:i + 1] for n, v in vals.items()},
                       [np.random.SeedSequence(seed, spawn_key=(2, i))], claim.ensemble)
    return (time.perf_counter() - t) / k


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--samples", type=int, default=128)
    ap.add_argument("--market-samples", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--baseline-points", type=int, default=4)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--resume", action="store_true", help="reuse the finished chunks in --out")
    a = ap.parse_args()
    claims = [get(n) for n in a.names] if a.names else all_claims()
    out = a.out or Path(tempfile.mkdtemp(prefix="claims-bench-"))
    if out.exists() and any(out.iterdir()) and not a.resume:
        sys.exit(f"error: out = '{out}' is not allowed: must be a new or empty folder")
    # a resumed run gives the same numbers as the run it continues: record that run's command
    args = [x for x in sys.argv[1:] if x != "--resume"]
    command = "python benchmarks/bench_claims.py " + " ".join(shlex.quote(x) for x in args)
    results, t_all = [], time.perf_counter()
    head = f"{'claim':6}{'points':>7}{'s total':>9}{'s/point':>9}{'baseline s/pt':>15}{'ratio':>7}"
    print(head + "  verdict, share")
    with _cluster(a.workers, None) as client:
        for c in claims:
            n = a.market_samples if (c.model == "market" and a.market_samples) else a.samples
            t = time.perf_counter()
            sweep_dir = out / c.name / "sweep"
            r = check_claim(c, n, a.seed, out=sweep_dir, client=client,
                            resume=a.resume and (sweep_dir / "sweep.json").exists())
            dt = time.perf_counter() - t
            _write_one(r, out / c.name, figures=True)
            base = baseline(c, n, a.seed, min(a.baseline_points if c.model != "market" else 1, n))
            results.append(r)
            print(f"{c.name:6}{n:7d}{dt:9.1f}{dt / n:9.3f}{base:15.3f}{dt / n / base:7.2f}  "
                  f"{r.verdict}, {r.share_holds:.0%} [{r.ci_low:.0%}, {r.ci_high:.0%}]", flush=True)
    total = time.perf_counter() - t_all
    print(f"total {total:.0f} s ({total / 60:.1f} min) with {a.workers} worker(s); report in {out}")
    payload = write_summary(results, out, command=command)
    if a.record:
        payload["seconds_total"] = round(total, 1)
        if a.resume and RESULTS.exists():  # keep the timing of the run that computed the chunks
            import json

            prev = json.loads(RESULTS.read_text())
            if prev.get("command") == command:
                payload["seconds_total"] = prev.get("seconds_total")
        payload["workers"] = a.workers
        if a.names and RESULTS.exists():  # some claims only: replace their entries, keep the others
            import json

            prev = json.loads(RESULTS.read_text())
            new = {c["name"]: c for c in payload["claims"]}
            merged = [new.pop(c["name"], c) for c in prev["claims"]] + list(new.values())
            update = {k: payload[k] for k in ("command", "date", "seconds_total", "workers") if k in payload}
            update["claims"] = sorted({c["name"] for c in payload["claims"]})
            payload = {**prev, "claims": merged, "updates": [*prev.get("updates", []), update]}
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        from moatlab.claims.check import _dumps

        RESULTS.write_text(_dumps(payload) + "\n")
        shutil.copy(out / "summary.csv", RESULTS.with_suffix(".csv"))
        print(f"recorded in {RESULTS}")
    from moatlab.claims.check import markdown
    from moatlab.claims.check import verdicts as _verdicts

    print(markdown(_verdicts(out)))


if __name__ == "__main__":
    main()
