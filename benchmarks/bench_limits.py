"""Benchmark: what the work budgets of moatlab._limits cost and what they protect.

1. Memory per landscape point: the peak resident memory (ru_maxrss) added by one landscape of
   N × N points, in a fresh subprocess, divided by the points; times ``landscape_points`` gives the
   memory of the largest landscape the budget allows; without bargaining and with Nash bargaining.
2. Chunked grid sweep: a 3-parameter grid whose slabs hold ``S`` points, run with a ``chunk_size``
   below ``S`` (blocks) and above it (slabs, the old behaviour); the peak memory and wall time of
   each, in fresh subprocesses, and their ratio (blocks / slabs).
3. The cost of the checks themselves: time of ``_limits.check`` against one landscape of 201²
   points (the default map), and of the bargaining estimate (``bargaining_shares`` + ``check``).
4. What a counted game solve costs: a bargained (Nash) landscape on the closed form and with the
   ``constant`` share schedule (numerical path), timed and divided by the game solves the budget
   counts for it (``game_solves``; a numerical solve counts ``omega_grid``), beside the unbargained
   landscape per point; and the peak memory (numpy allocations, tracemalloc) per parameter set of
   one bargained block against the estimate ``_limits.set_bytes`` that sizes the blocks.

Usage: python benchmarks/bench_limits.py [--n 1000] [--grid 40,200,200] [--bn 101]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

CHILD_LANDSCAPE = """
import resource, json, numpy as np
from moatlab.game.landscape import landscape
landscape(np.linspace(0, 1, 20), np.linspace(0, 0.5, 20), alpha0=0.1, bargaining={b!r})
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
n = {n}
landscape(np.linspace(0, 1, n), np.linspace(0, 0.5, n), alpha0=0.1, bargaining={b!r})
print(json.dumps({{"bytes": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024,
                   "points": n * n}}))
"""

CHILD_SWEEP = """
import resource, json, time, numpy as np
from moatlab.sweep import ParameterSpace, SweepSpec, run_sweep
from moatlab.sweep.space import Grid
a, b, c = {shape}
space = ParameterSpace((Grid("alpha0", tuple(np.linspace(0.05, 0.5, a))),
                        Grid("theta", tuple(np.linspace(0, 1, b))),
                        Grid("penalty", tuple(np.linspace(0, 0.5, c)))), ("openness",))
run_sweep(SweepSpec("game", ParameterSpace((Grid("alpha0", (0.1, 0.2)),), ("openness",)), design="grid"))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
spec = SweepSpec("game", space, design="grid", chunk_size={chunk})
t = time.perf_counter()
n = 0
from moatlab.sweep.runner import compute_chunk
for ch in spec.chunks():
    n += compute_chunk(spec, *ch)["openness"].size
print(json.dumps({{"seconds": time.perf_counter() - t, "points": n, "chunks": len(spec.chunks()),
                   "bytes": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024}}))
"""


CHILD_BARGAIN = """
import json, tracemalloc, numpy as np
from moatlab.forms import GameForms
from moatlab.game.openness_bargaining import bargained_flat
from moatlab.game.params import GameParams
sched, n, k = {sched!r}, {n}, {k}
def run(n, k):
    gp = GameParams(alpha0=0.1, theta=np.linspace(0, 1, n), penalty=0.1)
    bargained_flat(gp.flat(), gp.penalty_form, GameForms(), "auto", "nash", sched, k)
run(50, 5)
tracemalloc.start()
run(n, k)
print(json.dumps({{"bytes": tracemalloc.get_traced_memory()[1], "sets": n * k}}))
"""


def child(code: str) -> dict:
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--grid", default="40,200,200")
    ap.add_argument("--bn", type=int, default=101, help="side of the bargained landscape (closed form)")
    args = ap.parse_args()
    from moatlab import _limits

    cap = _limits.LIMITS["landscape_points"].default
    for b, n in (("fixed", args.n), ("nash", args.bn * 4)):
        r = child(CHILD_LANDSCAPE.format(n=n, b=b))
        per = r["bytes"] / r["points"]
        print(f"landscape {n}×{n} ({b}): {r['bytes'] / 1e6:.0f} MB added, {per:.0f} bytes/point; "
              f"at the budget ({cap:,} points) about {per * cap / 1e9:.2f} GB")

    shape = tuple(int(x) for x in args.grid.split(","))
    slab = shape[1] * shape[2]
    small = child(CHILD_SWEEP.format(shape=shape, chunk=slab // 8))
    large = child(CHILD_SWEEP.format(shape=shape, chunk=slab * 4))
    for name, r in (("blocks (chunk_size = slab/8)", small), ("slabs (chunk_size = 4 slabs)", large)):
        print(f"grid {shape}, {name}: {r['chunks']} chunks, {r['seconds']:.2f} s, "
              f"peak +{r['bytes'] / 1e6:.0f} MB")
    print(f"ratio blocks / slabs: time {small['seconds'] / large['seconds']:.2f}, "
          f"memory {max(small['bytes'], 1) / max(large['bytes'], 1):.2f}")

    import numpy as np

    theta, pen = np.linspace(0, 1, 201), np.linspace(0, 0.5, 201)
    t = time.perf_counter()
    for _ in range(10_000):
        _limits.check_sizes("landscape_points", "landscape", theta, pen)
    print(f"one budget check: {(time.perf_counter() - t) / 10_000 * 1e6:.1f} µs")
    t = time.perf_counter()
    for _ in range(10_000):
        _limits.check("game_solves", _limits.product(40_603, _limits.bargaining_shares("nash", 33), 1),
                      "landscape")
    print(f"one bargaining estimate + check: {(time.perf_counter() - t) / 10_000 * 1e6:.1f} µs")

    from moatlab.game.landscape import landscape

    def timed(n, **kw):
        th, pen = np.linspace(0, 1, n), np.linspace(0, 0.5, n)
        landscape(th[:3], pen[:3], alpha0=0.1, **kw)  # warm-up (numba, imports)
        t = time.perf_counter()
        landscape(th, pen, alpha0=0.1, **kw)
        return time.perf_counter() - t

    shares = _limits.bargaining_shares("nash")
    fixed = min(timed(201), timed(201))
    print(f"landscape 201² without bargaining: {fixed:.3f} s, {fixed / 201**2 * 1e6:.2f} µs a point")
    for n, sched, cost in ((args.bn, "scale", 1), (max(args.bn // 5, 5), "constant", 33)):
        sec = timed(n, bargaining="nash", schedule=sched)
        solves = (n * n + n + 1) * shares
        counted = solves * cost
        print(f"bargained landscape {n}² ({sched}): {sec:.2f} s for {counted:,} counted solves: "
              f"{sec / counted * 1e9:.0f} ns a counted solve, {sec / solves * 1e6:.2f} µs a solve, "
              f"{sec / n**2 * 1e6:.0f} µs a point ({shares} solves)")
    for sched in ("scale", "constant"):
        r = child(CHILD_BARGAIN.format(sched=sched, n=8192 if sched == "scale" else 2048, k=33))
        est = _limits.set_bytes(sched != "scale")
        print(f"bargained block ({sched}): {r['bytes'] / r['sets']:.0f} bytes a parameter set measured, "
              f"{est} estimated (set_bytes)")


if __name__ == "__main__":
    main()
