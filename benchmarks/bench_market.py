"""Benchmark: the market simulator (20 firms, 1,000 downstream developers, 200 months).

1. One run, timed (target: under 1 s on one core), and a profile of where its time goes, grouped
   by where the code lives (Mesa, moatlab.market, numpy, other).
2. An ensemble of 100 runs in-process: runs per second.
3. Baseline in the same run: the same model with developers as one Python object each choosing
   in a loop (what a Mesa agent per developer would do at the least), on the same seed; both
   are checked to give the same numbers. The last line prints the speed-up of the vectorised
   developer pool over that baseline.
4. The second-round mechanisms' cost: one run of the rogue-giant scenario (where firms adopt the
   open base and lineage is tracked) against the same run with adoption priced out
   (``adopt_cost`` = 10,000: the option is still priced every month, nobody takes it), and the share
   of one run's time spent in adoption and lineage code (cProfile).
"""

from __future__ import annotations

import cProfile
import pstats
import time

import numpy as np

from moatlab.market import MarketModel, make_params
from moatlab.market.agents import DeveloperPool
from moatlab.market.ensemble import run_ensemble
from moatlab.market.scenario import load_scenario

PARAMS = make_params({"periods": 200, "n_developers": 1000, "types": {"incumbent": {"count": 3},
                      "challenger": {"count": 9}, "academic": {"count": 8}}})  # fmt: skip


class LoopDevelopers(DeveloperPool):
    """The same choices, one developer at a time (the per-agent baseline)."""

    def choose(self, who, options, utility_closed, utility_open, is_open, outside, rng):
        if who.size == 0:
            return
        noise = rng.gumbel(size=(who.size, options.size + 1))  # same draws, same order
        for r, d in enumerate(who.tolist()):
            best, pick = outside + noise[r, 0], -1
            for k in range(options.size):
                u = utility_open[k] + self.taste[d] if is_open[k] else utility_closed[k]
                if u + noise[r, k + 1] > best:
                    best, pick = u + noise[r, k + 1], k
            self.base[d] = self.NONE if pick < 0 else options[pick]


def one_run(loop: bool = False):
    m = MarketModel(PARAMS, rng=0)
    if loop:
        pool = LoopDevelopers.__new__(LoopDevelopers)
        pool.__dict__.update(m.devs.__dict__)
        m.devs = pool
    t, c = time.perf_counter(), time.process_time()
    df = m.run()
    CPU[loop] = time.process_time() - c
    return time.perf_counter() - t, df


CPU: dict[bool, float] = {}  # process CPU time of the last run (wall time misleads on a shared machine)


def profile() -> None:
    pr = cProfile.Profile()
    pr.enable()
    MarketModel(PARAMS, rng=1).run()
    pr.disable()
    st = pstats.Stats(pr)
    groups: dict[str, float] = {}
    for (file, _line, _fn), (_cc, _nc, tt, _ct, _callers) in st.stats.items():
        key = (
            "mesa" if "/mesa/" in file else
            "moatlab.market" if "moatlab/market" in file else
            "numpy" if "numpy" in file or file == "~" else
            "pandas" if "pandas" in file else "other"
        )  # fmt: skip
        groups[key] = groups.get(key, 0.0) + tt
    total = sum(groups.values())
    print("where one run's time goes (cProfile, own time):")
    for k, v in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"  {k:15s} {v:6.3f} s  {100 * v / total:5.1f}%")
    top = sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:6]
    for (file, line, fn), (_cc, nc, tt, _ct, _c) in top:
        print(f"    {tt:6.3f} s  {nc:7d} calls  {fn} ({file.split('/')[-1]}:{line})")


def mechanisms_cost() -> None:
    rogue = make_params({"periods": 200}, base=load_scenario("rogue_giant").params)
    priced_out = make_params({"adopt_cost": 1e4}, base=rogue)
    times = {}
    for name, p in (("with adoption", rogue), ("adoption priced out", priced_out)):
        MarketModel(p, rng=0).run()
        t = time.process_time()
        for s in range(5):
            df = MarketModel(p, rng=s).run()
        times[name] = (time.process_time() - t) / 5
        n = df["adoptions"].sum()
        print(f"rogue giant, {name}: {times[name]:.3f} s CPU per run ({n:.0f} adoptions in the last)")
    ratio = times["with adoption"] / times["adoption priced out"]
    print(f"cost of adoption and lineage when used: {ratio:.2f}x")
    pr = cProfile.Profile()
    pr.enable()
    MarketModel(rogue, rng=1).run()
    pr.disable()
    st = pstats.Stats(pr)
    names = ("best_open", "adoption_target", "_open_source")
    own = sum(v[2] for k, v in st.stats.items() if "lineage.py" in k[0] or k[2] in names)
    total = sum(v[2] for v in st.stats.values())
    print(f"share of a rogue-giant run's time in adoption and lineage code: {100 * own / total:.1f}%")


def main() -> None:
    one_run()  # warm-up: imports, caches
    t_ours, df = one_run()
    print(f"one run (20 firms, 1,000 developers, 200 months): {t_ours:.3f} s wall, {CPU[False]:.3f} s CPU "
          f"(target < 1 s)")  # fmt: skip
    profile()
    t, c = time.perf_counter(), time.process_time()
    run_ensemble([PARAMS], seeds=100, seed=0)
    t_ens, c_ens = time.perf_counter() - t, time.process_time() - c
    print(f"ensemble of 100 runs in-process: {t_ens:.1f} s wall ({100 / t_ens:.1f} runs/s), "
          f"{c_ens:.1f} s CPU ({100 / c_ens:.1f} runs/s)")  # fmt: skip
    t_loop, df_loop = one_run(loop=True)
    same = np.allclose(df.to_numpy(dtype=float), df_loop.to_numpy(dtype=float), equal_nan=True)
    print(f"baseline, developers choosing one by one in Python: {t_loop:.3f} s wall, {CPU[True]:.3f} s CPU "
          f"per run; same numbers: {same}")  # fmt: skip
    if not same:
        raise SystemExit("the baseline and the vectorised pool disagree")
    print(f"speedup: {t_loop / t_ours:.1f} (wall), {CPU[True] / CPU[False]:.1f} (CPU)")
    mechanisms_cost()


if __name__ == "__main__":
    main()
